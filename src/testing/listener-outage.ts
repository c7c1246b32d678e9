/**
 * Takes a listening server away for a while and brings it back on the same address and port:
 * the loopback origin's "down for N ms then back" switch ({@link OriginServer.goDown}).
 *
 * Down means refused, as during an origin restart: the listening socket is closed, so a new
 * connection gets ECONNREFUSED, and every open connection is closed (keep-alive ones and those
 * in the middle of a body; the client sees the connection end early). Back means listening
 * again on the same port; should another socket hold the port by then (an outgoing connection
 * given it as its local port while it was free), listening is retried every 100 ms for 10 s.
 *
 * Not responsible for the connections' bookkeeping (the server's owner tracks `sockets`) nor for
 * TLS handshakes under way (not tracked, so not closed). Does I/O (sockets, timers); not pure.
 * Concurrency: one outage at a time; `close()` ends one for good.
 */
import { once } from 'node:events';
import type { Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const RELISTEN_EVERY_MS = 100;
const RELISTEN_TRIES = 100;

/** An outage under way: when it ends, and how it settles `whenUp()`. */
interface Outage {
  timer: NodeJS.Timeout | null;
  readonly up: Promise<void>;
  readonly settle: (err?: Error) => void;
}

/** One server's outages. */
export class ListenerOutage {
  readonly #server: Server;
  readonly #sockets: ReadonlySet<{ destroy(): void }>;
  readonly #host: string;
  readonly #port: number;
  #down: Outage | null = null;
  #closed = false;
  /** How many times the server went down. */
  outages = 0;

  /** `server` listens on `host`:`port` now; `sockets` are its open connections. */
  constructor(server: Server, sockets: ReadonlySet<{ destroy(): void }>, host: string, port: number) {
    this.#server = server;
    this.#sockets = sockets;
    this.#host = host;
    this.#port = port;
  }

  /** True from `goDown` until the server listens again. */
  get isDown(): boolean {
    return this.#down !== null;
  }

  /**
   * Stops listening and closes every connection; listens again after `durationMs` (`Infinity`:
   * never). Resolves once nothing listens. Throws TypeError on a negative or NaN duration, while
   * already down, and after `close()`.
   */
  async goDown(durationMs: number): Promise<void> {
    if (!(durationMs >= 0)) throw new TypeError(`goDown: durationMs must be >= 0 or Infinity, got ${String(durationMs)}`);
    if (this.#down !== null) throw new TypeError('goDown: the origin is down already');
    if (this.#closed) throw new TypeError('goDown: the origin is closed');
    let settle: (err?: Error) => void = () => undefined;
    const up = new Promise<void>((resolve, reject) => {
      settle = (err) => (err ? reject(err) : resolve());
    });
    // Nobody may be waiting for it to come back; a failure then is seen by whenUp() callers only.
    up.catch(() => undefined);
    const down: Outage = { timer: null, up, settle };
    this.#down = down;
    this.outages += 1;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
    if (Number.isFinite(durationMs) && this.#down === down) down.timer = setTimeout(() => void this.#comeBack(down), durationMs);
  }

  /** Resolves once the server listens again (at once when it is up); rejects when it cannot or was closed while down. */
  whenUp(): Promise<void> {
    return this.#down?.up ?? Promise.resolve();
  }

  /** Ends an outage for good (the server's owner closes the server). */
  close(): void {
    this.#closed = true;
    const down = this.#down;
    if (down === null) return;
    if (down.timer !== null) clearTimeout(down.timer);
    this.#down = null;
    down.settle(new Error('the origin was closed while down'));
  }

  async #comeBack(down: Outage): Promise<void> {
    let failure: Error | undefined;
    for (let tries = 1; ; tries++) {
      try {
        await this.#listen();
        break;
      } catch (err) {
        if (tries >= RELISTEN_TRIES || this.#closed || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
          failure = err as Error;
          break;
        }
        await sleep(RELISTEN_EVERY_MS);
      }
    }
    if (this.#closed && failure === undefined) this.#server.close();
    if (this.#down !== down) return;
    this.#down = null;
    down.settle(failure);
  }

  async #listen(): Promise<void> {
    const listening = once(this.#server, 'listening');
    this.#server.listen(this.#port, this.#host);
    await listening;
  }
}
