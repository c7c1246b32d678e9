/**
 * The HTTP shell of `swarm-server --metrics-address`: `GET /metrics` (the Prometheus text format
 * from the callback, with its content type) and `GET /healthz` (200 `ok`, or 503 with the one-line
 * reason); anything else 404, a method other than GET or HEAD 405. Request bodies are never read.
 *
 * Not responsible for the figures (SwarmMetrics) nor the verdict (health.ts); {@link measureHealth}
 * takes the storage figures. Concurrency: requests are answered as they come, from one event loop.
 */
import { constants } from 'node:fs';
import { access, statfs } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UsageError } from '../errors.js';
import { DEFAULT_MIN_FREE_BYTES, unhealthyReason } from './health.js';
import { formatMetricsAddress, type MetricsAddress } from './metrics-address.js';

/** What the server serves. */
export interface MetricsServerOptions {
  readonly address: MetricsAddress;
  readonly metrics: () => Promise<{ readonly text: string; readonly contentType: string }>;
  /** Null while healthy, else why not. */
  readonly health: () => Promise<string | null>;
}

/** The server. `start()`, then `stop()`. */
export class MetricsServer {
  readonly #opts: MetricsServerOptions;
  #server: Server | null = null;

  constructor(opts: MetricsServerOptions) {
    this.#opts = opts;
  }

  /**
   * Listens; resolves with the port bound. Rejects with a UsageError (exit 2) naming the address
   * when it is in use or not local.
   */
  async start(): Promise<number> {
    const server = createServer((req, res) => void this.#answer(req, res));
    server.keepAliveTimeout = 5_000;
    server.headersTimeout = 10_000;
    const shown = formatMetricsAddress(this.#opts.address);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        const why = err.code === 'EADDRINUSE' ? 'address in use (another process listens there; choose another port)'
          : err.code === 'EADDRNOTAVAIL' ? 'not an address of this host' : err.message;
        reject(new UsageError(`cannot serve metrics on ${shown}: ${why}`, { cause: err }));
      });
      server.listen(this.#opts.address.port, this.#opts.address.host, () => resolve());
    });
    this.#server = server;
    return (server.address() as AddressInfo).port;
  }

  /** Stops listening and closes every connection. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'only GET\n', { allow: 'GET, HEAD' });
    try {
      if (path === '/metrics') {
        const { text, contentType } = await this.#opts.metrics();
        return send(res, 200, contentType, text);
      }
      if (path === '/healthz') {
        const reason = await this.#opts.health();
        return reason === null ? send(res, 200, 'text/plain', 'ok\n') : send(res, 503, 'text/plain', `${reason}\n`);
      }
      return send(res, 404, 'text/plain', 'not found: GET /metrics or /healthz\n');
    } catch (err) {
      return send(res, 500, 'text/plain', `${(err as Error).message}\n`);
    }
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/**
 * Measures the storage directory (free bytes, writable) and combines it with the peer listener's
 * state into the health verdict; null when healthy.
 */
export async function measureHealth(storageDirectory: string, peerPortListening: boolean, minFreeBytes = DEFAULT_MIN_FREE_BYTES): Promise<string | null> {
  const writeError = await access(storageDirectory, constants.W_OK).then(() => null, (err: NodeJS.ErrnoException) => err.code ?? err.message);
  const stats = await statfs(storageDirectory).catch(() => null);
  const freeBytes = stats === null ? 0 : stats.bavail * stats.bsize;
  return unhealthyReason({ freeBytes, writeError, peerPortListening, minFreeBytes });
}
