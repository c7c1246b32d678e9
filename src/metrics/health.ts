/**
 * The verdict of `GET /healthz`: whether the daemon can serve, and if not, one line saying why.
 *
 * Pure: the shell measures (free bytes of the storage file system, whether it is writable,
 * whether the peer listener is up) and passes the figures in. Not responsible for measuring.
 * Concurrency: none.
 */

/** What the shell measured. */
export interface HealthFigures {
  /** Bytes free to us on the storage file system (statfs `bavail * bsize`). */
  readonly freeBytes: number;
  /** The storage directory's write check failed with this code (`EROFS`, `EACCES`), or null. */
  readonly writeError: string | null;
  /** Whether the TCP listener for peers is up. */
  readonly peerPortListening: boolean;
  /** Fewer free bytes than this is "full" (see {@link DEFAULT_MIN_FREE_BYTES}). */
  readonly minFreeBytes: number;
}

/** Below this many free bytes the storage counts as full (a piece cannot be written). */
export const DEFAULT_MIN_FREE_BYTES = 64 * 1024 * 1024;

/** Null when healthy, else the reason, one line. */
export function unhealthyReason(figures: HealthFigures): string | null {
  if (figures.writeError !== null) return `storage is not writable (${figures.writeError})`;
  if (figures.freeBytes < figures.minFreeBytes) return `storage is full: ${figures.freeBytes} bytes free, fewer than ${figures.minFreeBytes}`;
  if (!figures.peerPortListening) return 'the peer port is not listening';
  return null;
}
