/**
 * Text of the progress bar and of the one-line summaries that people see.
 *
 * Pure: figures in, string out. Not responsible for writing to the terminal (see reporter).
 */
import { formatBytes, formatRate } from '../config/size.js';
import { originTrouble } from '../http-seed/origin-outage.js';

/** The figures a progress line shows. */
export interface ProgressFigures {
  readonly bytes: number;
  readonly size: number;
  readonly originBytes: number;
  readonly peerBytes: number;
  readonly peers: number;
  readonly rateBytesPerSec: number;
  readonly etaSeconds: number | null;
}

/** The origin's last failure while it is retried, and how long until the next attempt. */
export interface RetryShown {
  /** The error's code and message (`origin-retry`'s `code` and `reason`). */
  readonly code: string;
  readonly reason: string;
  readonly attempt: number;
  /** Until the next attempt; 0 or less once it is under way. */
  readonly retryInMs: number;
}

/** `origin unreachable, retrying in 8s (attempt 5)`; `retrying now` once the wait is over. */
export function formatRetryStatus(retry: RetryShown): string {
  const when = retry.retryInMs > 0 ? `in ${formatEta(retry.retryInMs / 1000)}` : 'now';
  return `${originTrouble(retry.code, retry.reason)}, retrying ${when} (attempt ${retry.attempt})`;
}

/** `1h02m`, `3m05s`, `42s`, or `--` when unknown. */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * One progress line fitted to `columns`: a bar, percent, bytes, rate, ETA and where the bytes
 * came from; while the origin is retried (`retry`), what failed and when it is tried again in
 * place of the rate, ETA and origin bytes. The bar shrinks first when the terminal is narrow; it
 * is dropped below 10 cells.
 */
export function formatProgressLine(figures: ProgressFigures, columns: number, retry: RetryShown | null = null): string {
  const fraction = figures.size > 0 ? Math.min(1, figures.bytes / figures.size) : 1;
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  const details = [
    `${formatBytes(figures.bytes)}/${formatBytes(figures.size)}`,
    ...(retry ? [formatRetryStatus(retry)] : [formatRate(figures.rateBytesPerSec), `ETA ${formatEta(figures.etaSeconds)}`, `origin ${formatBytes(figures.originBytes)}`]),
    `${formatBytes(figures.peerBytes)} from ${figures.peers} ${figures.peers === 1 ? 'peer' : 'peers'}`,
  ].join('  ');
  const text = `${percent}  ${details}`;
  const barCells = Math.min(40, columns - text.length - 3);
  if (barCells < 10) return text.slice(0, Math.max(0, columns - 1));
  const filled = Math.round(fraction * barCells);
  return `[${'#'.repeat(filled)}${'.'.repeat(barCells - filled)}] ${text}`;
}

/** The summary line after a successful download. */
export function formatDoneLine(done: { path: string; size: number; elapsedMs: number; originBytes: number; peerBytes: number }): string {
  const seconds = Math.max(done.elapsedMs, 1) / 1000;
  return `saved ${done.path} (${formatBytes(done.size)} in ${seconds.toFixed(1)}s, ${formatRate(done.size / seconds)}; origin ${formatBytes(done.originBytes)}, peers ${formatBytes(done.peerBytes)})`;
}
