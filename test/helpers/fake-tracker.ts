/**
 * Test doubles around a TrackerSource: a fake HTTP tracker on 127.0.0.1 (port 0) that records
 * each announce and answers as the test says, a sink that records what the source reports, and a
 * scheduler whose timers the test fires itself, and hostile answers (a huge body). Every wait is
 * on an event (with a guard timeout), never a sleep.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PeerCandidate, PeerSourceSink } from '../../src/peer-sources/peer-source.js';
import type { TrackerScheduler } from '../../src/peer-sources/tracker-source.js';

const GUARD_MS = 10_000;

/** Promises that resolve when a condition, checked at each notify(), holds. */
export class Waiters {
  readonly #waiting = new Set<{ check: () => boolean; resolve: () => void }>();

  notify(): void {
    for (const waiter of [...this.#waiting]) {
      if (waiter.check()) {
        this.#waiting.delete(waiter);
        waiter.resolve();
      }
    }
  }

  until(check: () => boolean, what: string, guardMs = GUARD_MS): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(waiter);
        reject(new Error(`timed out waiting for ${what}`));
      }, guardMs);
      const waiter = { check, resolve: () => { clearTimeout(timer); resolve(); } };
      this.#waiting.add(waiter);
    });
  }
}

/** What a sink heard. */
export class RecordingSink implements PeerSourceSink {
  readonly found: PeerCandidate[] = [];
  readonly answeredFor: (Buffer | null)[] = [];
  readonly warnings: string[] = [];
  readonly waiters = new Waiters();

  candidates(found: readonly PeerCandidate[]): void {
    this.found.push(...found);
    this.waiters.notify();
  }

  answered(swarmId: Buffer | null): void {
    this.answeredFor.push(swarmId);
    this.waiters.notify();
  }

  warning(message: string): void {
    this.warnings.push(message);
    this.waiters.notify();
  }

  /** `address:port` of every candidate so far. */
  addresses(): string[] {
    return this.found.map((peer) => `${peer.address}:${peer.port}`);
  }
}

/** One timer of a {@link ManualScheduler}. */
interface ManualTimer {
  readonly callback: () => void;
  readonly delayMs: number;
}

/** A scheduler whose timers run only when the test fires them. */
export class ManualScheduler implements TrackerScheduler {
  readonly pending = new Map<number, ManualTimer>();
  readonly waiters = new Waiters();
  #next = 1;

  setTimeout(callback: () => void, delayMs: number): unknown {
    const id = this.#next++;
    this.pending.set(id, { callback, delayMs });
    this.waiters.notify();
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  delays(): number[] {
    return [...this.pending.values()].map((timer) => timer.delayMs);
  }

  /** Runs every pending timer once. */
  fireAll(): void {
    const timers = [...this.pending.values()];
    this.pending.clear();
    for (const timer of timers) timer.callback();
  }
}

/** One announce as the fake tracker received it. */
export interface ReceivedAnnounce {
  readonly path: string;
  readonly query: string;
  readonly infoHash: Buffer;
  readonly peerId: Buffer;
  readonly port: number;
  readonly left: number;
  readonly event: string | null;
  readonly numwant: number;
}

/** The bytes of a BEP 3 percent-encoded query value. */
function queryBytes(query: string, name: string): Buffer {
  const pair = query.split('&').find((part) => part.startsWith(`${name}=`)) ?? '';
  const value = pair.slice(name.length + 1);
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    if (value[i] === '%') {
      bytes.push(parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(value.charCodeAt(i));
  }
  return Buffer.from(bytes);
}

/** Parses an announce request's target (path and query). */
export function parseAnnounce(target: string): ReceivedAnnounce {
  const [path = '', query = ''] = target.split('?', 2);
  const text = (name: string): string | null => {
    const bytes = queryBytes(query, name);
    return query.split('&').some((part) => part.startsWith(`${name}=`)) ? bytes.toString('latin1') : null;
  };
  return {
    path, query, infoHash: queryBytes(query, 'info_hash'), peerId: queryBytes(query, 'peer_id'),
    port: Number(text('port')), left: Number(text('left')), event: text('event'), numwant: Number(text('numwant')),
  };
}

/** How the fake tracker answers the n-th announce (0-based). */
export type FakeHandler = (announce: ReceivedAnnounce, request: IncomingMessage, response: ServerResponse, index: number) => void;

/** A fake tracker on 127.0.0.1. */
export class FakeTracker {
  readonly received: ReceivedAnnounce[] = [];
  readonly waiters = new Waiters();
  readonly #server: Server;
  handler: FakeHandler;

  private constructor(handler: FakeHandler) {
    this.handler = handler;
    this.#server = createServer((request, response) => {
      const announce = parseAnnounce(request.url ?? '/');
      const index = this.received.length;
      this.received.push(announce);
      this.waiters.notify();
      this.handler(announce, request, response, index);
    });
  }

  /** Starts one, answering with `handler`. */
  static async start(handler: FakeHandler): Promise<FakeTracker> {
    const tracker = new FakeTracker(handler);
    await new Promise<void>((resolve) => tracker.#server.listen(0, '127.0.0.1', resolve));
    return tracker;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** The announce URL, with `path` (default `/announce`). */
  url(path = '/announce'): URL {
    return new URL(`http://127.0.0.1:${this.port}${path}`);
  }

  /** Resolves once `count` announces have come. */
  requests(count: number): Promise<void> {
    return this.waiters.until(() => this.received.length >= count, `${count} announces`);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** Answers with `body` (bytes) and status 200. */
export function answerWith(body: Uint8Array, status = 200): FakeHandler {
  return (_announce, _request, response) => {
    response.writeHead(status, { 'content-type': 'text/plain', 'content-length': body.length });
    response.end(body);
  };
}

/**
 * Answers with a body of `totalBytes` (with a Content-Length or chunked), written as fast as the
 * socket takes it; `written` resolves when the first answer's socket closes, with the bytes
 * handed to it by then (a client that gives up early closes it long before `totalBytes`).
 */
export function hugeBody(totalBytes: number, declareLength: boolean): { handler: FakeHandler; written: Promise<number> } {
  let resolveWritten: (bytes: number) => void = () => undefined;
  const written = new Promise<number>((resolve) => {
    resolveWritten = resolve;
  });
  const handler: FakeHandler = (_announce, _request, response) => {
    response.writeHead(200, declareLength ? { 'content-length': totalBytes } : {});
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let bytes = 0;
    response.socket?.once('close', () => resolveWritten(bytes));
    const pump = (): void => {
      while (bytes < totalBytes && !response.destroyed) {
        bytes += chunk.length;
        if (!response.write(chunk)) {
          response.once('drain', pump);
          return;
        }
      }
      response.end();
    };
    pump();
  };
  return { handler, written };
}
