/**
 * The error family of swarm and its exit-code table.
 *
 * Every failure that reaches the user is a {@link SwarmError}: a stable `code` (for `--json` and
 * scripts), the process exit code it maps to, and one message line that says what went wrong and
 * what to do. Misuse of our own API throws a plain `TypeError` instead.
 *
 * Pure: no I/O.
 */

/** Exit codes. Documented in the README; stable across releases. */
export const ExitCode = {
  ok: 0,
  /** Internal error: a bug in swarm. */
  internal: 1,
  /** Bad flags, environment or config file. */
  usage: 2,
  /** The origin failed: HTTP error, no MD5, file changed, unreachable. */
  origin: 3,
  /** The completed file did not match the MD5. */
  verify: 4,
  /** Local storage failed: disk full, permission, read-only file system. */
  storage: 5,
  /** The `swarm` CLI found no swarm-server at the control socket. */
  noDaemon: 6,
  /** The `swarm` CLI asked about a file the swarm-server does not know. */
  notFound: 7,
  /** Interrupted by SIGINT (128 + 2). */
  interrupted: 130,
  /** Terminated by SIGTERM (128 + 15). */
  terminated: 143,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Base class: a failure with a stable code and exit code. */
export class SwarmError extends Error {
  readonly code: string;
  readonly exitCode: ExitCodeValue;

  constructor(code: string, exitCode: ExitCodeValue, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** Flags, environment or config file are wrong. Exit 2. */
export class UsageError extends SwarmError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SWARM_USAGE', ExitCode.usage, message, options);
  }
}

/** Codes of {@link OriginError}. */
export type OriginErrorCode =
  | 'ORIGIN_HTTP_STATUS'
  | 'ORIGIN_NO_MD5'
  | 'ORIGIN_MD5_MISMATCH'
  | 'ORIGIN_CHANGED'
  | 'ORIGIN_BAD_RESPONSE'
  | 'ORIGIN_UNREACHABLE'
  | 'ORIGIN_STALLED';

/** The origin failed in a way retries did not mend. Exit 3. */
export class OriginError extends SwarmError {
  declare readonly code: OriginErrorCode;
  /** Whether another attempt may succeed (reset, 5xx, stall) as opposed to final (404, changed). */
  readonly retryable: boolean;
  /** The response's Retry-After header, when it had one. */
  readonly retryAfter: string | undefined;

  constructor(
    code: OriginErrorCode,
    message: string,
    options?: { cause?: unknown; retryable?: boolean; retryAfter?: string | undefined },
  ) {
    super(code, ExitCode.origin, message, options);
    this.retryable = options?.retryable ?? false;
    this.retryAfter = options?.retryAfter;
  }
}

/** The completed file's MD5 is not the swarm key. Exit 4. */
export class VerifyError extends SwarmError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SWARM_VERIFY', ExitCode.verify, message, options);
  }
}

/** Local storage failed: disk full, permission, read-only. Exit 5. */
export class StorageError extends SwarmError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SWARM_STORAGE', ExitCode.storage, message, options);
  }
}

/** Code of the {@link StorageError} for a file that cannot fit under max-storage-size. */
export const CACHE_FULL = 'SWARM_CACHE_FULL';

/** The `swarm` CLI cannot reach a swarm-server. Exit 6. */
export class NoDaemonError extends SwarmError {
  constructor(socketPath: string, options?: { cause?: unknown }) {
    super('SWARM_NO_DAEMON', ExitCode.noDaemon, `no swarm-server is running at ${socketPath}; start one with \`swarm-server &\``, options);
  }
}

/** The swarm-server knows no such file. Exit 7. */
export class NotFoundError extends SwarmError {
  constructor(message: string) {
    super('SWARM_NOT_FOUND', ExitCode.notFound, message);
  }
}

/** The process was asked to stop by a signal. Exit 130 (SIGINT) or 143 (SIGTERM). */
export class InterruptedError extends SwarmError {
  readonly signal: 'SIGINT' | 'SIGTERM';

  constructor(signal: 'SIGINT' | 'SIGTERM') {
    super(
      'SWARM_INTERRUPTED',
      signal === 'SIGINT' ? ExitCode.interrupted : ExitCode.terminated,
      `interrupted by ${signal}; partial state is kept, run the same command again to resume`,
    );
    this.signal = signal;
  }
}

/**
 * Turns a Node.js file-system error into a {@link StorageError} whose one line says what to do.
 * Returns `null` when `err` is not a file-system error we know.
 */
export function storageErrorFrom(err: unknown, path: string): StorageError | null {
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOSPC':
      return new StorageError(`no space left on device writing ${path}; free some space or pass --storage-directory on a larger disk`, { cause: err });
    case 'EDQUOT':
      return new StorageError(`disk quota exceeded writing ${path}; free some space or pass --storage-directory elsewhere`, { cause: err });
    case 'EACCES':
    case 'EPERM':
      return new StorageError(`permission denied on ${path}; fix its permissions or choose another path`, { cause: err });
    case 'EROFS':
      return new StorageError(`read-only file system at ${path}; choose a writable path`, { cause: err });
    case 'ENOTDIR':
    case 'EISDIR':
    case 'ENOENT':
      return new StorageError(`cannot use ${path} (${String(code)}); check that the path and its directory exist`, { cause: err });
    case 'EIO':
      return new StorageError(`I/O error on ${path}; the disk may be failing`, { cause: err });
    default:
      return null;
  }
}

/** Anything thrown, as a {@link SwarmError}: unknown errors become an internal error (exit 1) quoting the first stack lines. */
export function toSwarmError(err: unknown): SwarmError {
  if (err instanceof SwarmError) return err;
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  return new SwarmError('SWARM_INTERNAL', ExitCode.internal, `internal error, please report it: ${detail.split('\n').slice(0, 3).join(' | ')}`);
}
