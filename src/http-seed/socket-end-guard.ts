/**
 * Keeps undici 7's HTTP/1 client from crashing the process when an origin closes its connection
 * after a body that we read slowly.
 *
 * An origin that closes after each answer (`Connection: close`: HTTP/1.0 servers such as Python's
 * `http.server`, some proxies) sends its FIN right after the body. When our reader applies
 * backpressure at that moment (a `--speed-limit-down`, a slow disk), undici's parser is paused and
 * its socket 'end' handler asserts that it is not: an `AssertionError` thrown from an event
 * handler, which nothing can catch (nodejs/undici#5360, fixed in undici 8, which needs Node 22).
 * This guard holds the socket's 'end' back while the parser is paused and emits it once the parser
 * reads again, when undici finishes the answer as usual.
 *
 * It reads two undici internals, the socket's parser (a symbol described `parser`) and its
 * `paused` flag; `test/integration/socket-end-guard.test.ts` fails if a new undici changes them.
 * Not responsible for anything else about the socket.
 */
import type { Socket } from 'node:net';
import { buildConnector } from 'undici';

interface PausableParser {
  readonly paused: boolean;
}

function parserOf(socket: Socket): PausableParser | null {
  const key = Object.getOwnPropertySymbols(socket).find((symbol) => symbol.description === 'parser');
  const parser: unknown = key === undefined ? null : (socket as unknown as Record<symbol, unknown>)[key];
  return typeof parser === 'object' && parser !== null && 'paused' in parser ? (parser as PausableParser) : null;
}

/** How many 'end's were held back since start (for the tests: the guard's case happened). */
export const heldEnds = { count: 0 };

/** Whether undici's parser of `socket` is paused now (false when there is none). */
export function parserPaused(socket: Socket): boolean {
  return parserOf(socket)?.paused === true;
}

/** Holds `socket`'s 'end' back while its undici parser is paused; emits it when the parser reads again. */
export function guardSocketEnd(socket: Socket): void {
  const emit = socket.emit.bind(socket);
  const read = socket.read.bind(socket);
  let held = false;
  const release = (): void => {
    if (!held || socket.destroyed) return;
    if (parserPaused(socket)) return;
    held = false;
    emit('end');
  };
  socket.emit = ((event: string | symbol, ...args: unknown[]): boolean => {
    if (event === 'end' && parserPaused(socket)) {
      held = true;
      heldEnds.count += 1;
      return true;
    }
    return emit(event, ...args);
  }) as Socket['emit'];
  socket.read = ((size?: number): unknown => {
    const chunk: unknown = read(size);
    // The parser reads again once it resumed: let it take the rest first, then end.
    if (held) setImmediate(release);
    return chunk;
  }) as Socket['read'];
}

/** undici's own connector (TCP or TLS, with these options), each socket it opens guarded. */
export function guardedConnector(options: buildConnector.BuildOptions): buildConnector.connector {
  const connect = buildConnector(options);
  return (opts, callback) => connect(opts, (err, socket) => {
    if (socket) guardSocketEnd(socket as Socket);
    if (err) callback(err, null);
    else callback(null, socket as NonNullable<typeof socket>);
  });
}
