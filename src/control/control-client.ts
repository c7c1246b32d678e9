/**
 * The `swarm` CLI's side of the control API: JSON requests over the daemon's unix socket (undici
 * with `connect.socketPath`).
 *
 * Not responsible for presentation. A socket where nobody listens is a {@link NoDaemonError}; an
 * error answer becomes a {@link SwarmError} with the daemon's code and exit code. No timeouts:
 * `POST /downloads` with `wait` answers only when the file is verified, however long that takes.
 */
import { Agent, type Dispatcher } from 'undici';
import { ExitCode, NoDaemonError, SwarmError } from '../errors.js';

/** Errors of connecting to a unix socket where no server listens. */
const NO_SERVER = new Set(['ENOENT', 'ECONNREFUSED', 'ENOTSOCK', 'ECONNRESET', 'EACCES']);

/** A client of one daemon's control socket. */
export class ControlClient {
  readonly socketPath: string;
  readonly #agent: Agent;

  constructor(socketPath: string) {
    this.socketPath = socketPath;
    this.#agent = new Agent({ connect: { socketPath }, headersTimeout: 0, bodyTimeout: 0 });
  }

  /** `GET path`; resolves with the parsed JSON answer. */
  get<T>(path: string): Promise<T> {
    return this.#call<T>('GET', path, undefined);
  }

  /** `POST path` with a JSON body. */
  post<T>(path: string, body: unknown): Promise<T> {
    return this.#call<T>('POST', path, body);
  }

  /** Closes the connection pool. */
  async close(): Promise<void> {
    await this.#agent.close();
  }

  async #call<T>(method: 'GET' | 'POST', path: string, body: unknown): Promise<T> {
    let answer: Dispatcher.ResponseData;
    try {
      answer = await this.#agent.request({
        origin: 'http://swarm',
        path,
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
    } catch (err) {
      const code = String((err as { code?: unknown }).code ?? '');
      if (NO_SERVER.has(code)) throw new NoDaemonError(this.socketPath, { cause: err });
      throw err;
    }
    const text = await answer.body.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new SwarmError('SWARM_INTERNAL', ExitCode.internal, `the swarm-server at ${this.socketPath} answered ${answer.statusCode} with no JSON`);
    }
    if (answer.statusCode >= 400) throw errorFrom(parsed, answer.statusCode);
    return parsed as T;
  }
}

function errorFrom(parsed: unknown, statusCode: number): SwarmError {
  const error = (parsed as { error?: { code?: unknown; exitCode?: unknown; message?: unknown } } | null)?.error;
  const exitCode = Object.values(ExitCode).find((known) => known === error?.exitCode) ?? ExitCode.internal;
  const message = typeof error?.message === 'string' ? error.message : `the swarm-server answered ${statusCode}`;
  return new SwarmError(typeof error?.code === 'string' ? error.code : 'SWARM_INTERNAL', exitCode, message);
}
