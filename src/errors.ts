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
 * The setting that named a path, so that the advice can say which one to change: the piece store
 * and cache (`--storage-directory`), the published file (`-o PATH`), the daemon's
 * `--control-socket`, or `--metrics-file`.
 */
export type StoragePlace = 'storage-directory' | 'output' | 'control-socket' | 'metrics-file';

const ELSEWHERE: Record<StoragePlace, string> = {
  'storage-directory': 'pass another --storage-directory',
  output: 'choose another -o PATH',
  'control-socket': 'pass another --control-socket',
  'metrics-file': 'choose another --metrics-file PATH',
};

/**
 * The one line that explains a file-system failure: the errno chooses the advice, `place` names
 * the setting to change. Returns `null` for an errno with no advice of its own (the caller keeps
 * the error: an internal error, exit 1). Pure.
 */
export function storageAdvice(errno: string, path: string, place: StoragePlace): string | null {
  const elsewhere = ELSEWHERE[place];
  switch (errno) {
    case 'ENOSPC':
      return `no space left on device writing ${path} (ENOSPC); free some space or ${elsewhere} on a larger disk`;
    case 'EDQUOT':
      return `disk quota exceeded writing ${path} (EDQUOT); free some space or ${elsewhere}`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied on ${path} (${errno}); this user may not write there: fix its owner or mode, or ${elsewhere}`;
    case 'EROFS':
      return `read-only file system at ${path} (EROFS); remount it read-write or ${elsewhere} on a writable file system`;
    case 'ENOENT':
      return `${path} does not exist (ENOENT): its directory is missing; create it or ${elsewhere}`;
    case 'ENOTDIR':
      return `a part of ${path} is a file, not a directory (ENOTDIR); remove that file or ${elsewhere}`;
    case 'EEXIST':
      return `${path} exists and is not a directory (EEXIST); remove it or ${elsewhere}`;
    case 'EISDIR':
      return `${path} is a directory (EISDIR); ${elsewhere}`;
    case 'ENAMETOOLONG':
      return `${path} is too long a path (ENAMETOOLONG); ${elsewhere}`;
    case 'ELOOP':
      return `${path} leads through a loop of symbolic links (ELOOP); fix the links or ${elsewhere}`;
    case 'EIO':
      return `I/O error on ${path} (EIO); the disk may be failing: check the kernel log or ${elsewhere}`;
    default:
      return null;
  }
}

/**
 * Turns a Node.js file-system error into a {@link StorageError} (exit 5) whose one line is the
 * {@link storageAdvice} for its errno. Returns `null` when `err` carries no errno we know.
 */
export function storageErrorFrom(err: unknown, path: string, place: StoragePlace = 'storage-directory'): StorageError | null {
  const code = (err as { code?: unknown } | null)?.code;
  const advice = typeof code === 'string' ? storageAdvice(code, path, place) : null;
  return advice === null ? null : new StorageError(advice, { cause: err });
}

/** Anything thrown, as a {@link SwarmError}: unknown errors become an internal error (exit 1) quoting the first stack lines. */
export function toSwarmError(err: unknown): SwarmError {
  if (err instanceof SwarmError) return err;
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  return new SwarmError('SWARM_INTERNAL', ExitCode.internal, `internal error, please report it: ${detail.split('\n').slice(0, 3).join(' | ')}`);
}
