/**
 * The control API of `swarm-server`: HTTP/1.1 with JSON bodies over a unix socket that only the
 * daemon's user may open (socket mode 0600, in a directory created 0700).
 *
 * Routes (documented in the README): `GET /status`, `GET /files`, `GET /files/<id>`,
 * `GET /info?url=URL[&md5=MD5]`, `GET /peers`, `POST /downloads`. Every answer is one JSON object; errors
 * are `{"error": {code, exitCode, message}}` with a 4xx/5xx status.
 *
 * Not responsible for what the requests do (the {@link ControlHandler}, i.e. the daemon).
 * Concurrency: requests run concurrently; a waiting `POST /downloads` holds its connection open.
 */
import { once } from 'node:events';
import { chmod, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { ExitCode, NotFoundError, StorageError, SwarmError, UsageError, storageErrorFrom } from '../errors.js';
import { makeDirectory } from '../storage/make-directory.js';
import { parseDownloadRequest, type DaemonStatus, type DownloadRequest, type DownloadResponse, type FileInfo, type FilesResponse, type PeersResponse } from './api-types.js';

/** What the control server asks of the daemon. */
export interface ControlHandler {
  status(): DaemonStatus;
  files(): FilesResponse;
  fileInfo(id: string): FileInfo;
  infoByUrl(url: string, md5: string | null): Promise<FileInfo>;
  peers(): PeersResponse;
  request(req: DownloadRequest): Promise<DownloadResponse>;
  /** Wraps anything thrown as a SwarmError. */
  asError(err: unknown): SwarmError;
}

/** Largest request body accepted. */
const MAX_BODY_BYTES = 64 * 1024;

/** HTTP status for an error's exit code. */
function httpStatus(err: SwarmError): number {
  switch (err.exitCode) {
    case ExitCode.usage:
      return 400;
    case ExitCode.notFound:
      return 404;
    case ExitCode.origin:
    case ExitCode.verify:
      return 502;
    case ExitCode.storage:
      return 507;
    default:
      return 500;
  }
}

/** Whether a live server answers on `socketPath`. */
function socketAnswers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The control API's HTTP server. */
export class ControlServer {
  readonly socketPath: string;
  readonly #handler: ControlHandler;
  #server: Server | null = null;

  constructor(socketPath: string, handler: ControlHandler) {
    this.socketPath = socketPath;
    this.#handler = handler;
  }

  /**
   * Listens on the socket. A stale socket file (no server answers) is replaced; a live one is a
   * {@link UsageError} naming it, so two daemons never share one socket.
   */
  async start(): Promise<void> {
    const directory = dirname(this.socketPath);
    await makeDirectory(directory, 'control-socket', 0o700);
    if (await socketAnswers(this.socketPath)) {
      throw new UsageError(`a swarm-server is already running at ${this.socketPath}; stop it first or pass another --control-socket`);
    }
    await rm(this.socketPath, { force: true });
    const server = createServer((req, res) => void this.#serve(req, res));
    server.listen(this.socketPath);
    try {
      await Promise.race([once(server, 'listening'), once(server, 'error').then(([err]) => Promise.reject(err))]);
      await chmod(this.socketPath, 0o600);
    } catch (err) {
      server.close();
      throw storageErrorFrom(err, this.socketPath, 'control-socket') ?? new StorageError(`cannot listen on ${this.socketPath}: ${(err as Error).message}`);
    }
    this.#server = server;
  }

  /** Stops accepting, ends open requests, removes the socket file. */
  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(this.socketPath, { force: true });
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const body = await this.#route(req);
      this.#send(res, 200, body);
    } catch (err) {
      const failure = this.#handler.asError(err);
      this.#send(res, httpStatus(failure), { error: { code: failure.code, exitCode: failure.exitCode, message: failure.message } });
    }
  }

  async #route(req: IncomingMessage): Promise<unknown> {
    const url = new URL(req.url ?? '/', 'http://swarm');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    if (method === 'POST' && path === '/downloads') return this.#handler.request(parseDownloadRequest(await readJson(req)));
    if (method !== 'GET') throw new UsageError(`${method} ${path} is not part of the control API`);
    if (path === '/status') return this.#handler.status();
    if (path === '/files') return this.#handler.files();
    if (path === '/peers') return this.#handler.peers();
    if (path.startsWith('/files/')) return this.#handler.fileInfo(decodeURIComponent(path.slice('/files/'.length)));
    if (path === '/info') {
      const target = url.searchParams.get('url');
      if (target === null) throw new UsageError('GET /info needs ?url=URL');
      return this.#handler.infoByUrl(target, url.searchParams.get('md5'));
    }
    throw new NotFoundError(`GET ${path} is not part of the control API`);
  }

  #send(res: ServerResponse, status: number, body: unknown): void {
    if (res.destroyed) return;
    const text = `${JSON.stringify(body)}\n`;
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of req) {
    bytes += (chunk as Buffer).length;
    if (bytes > MAX_BODY_BYTES) throw new UsageError(`request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new UsageError('the request body is not JSON');
  }
}
