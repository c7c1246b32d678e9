/**
 * What a download says about its origin while it retries: `origin-retry` events, coalesced so
 * that connections failing together do not flood, and one `origin-ok` once the origin answers
 * again after a retry was reported; plus the words people see for each kind of failure.
 *
 * Pure: the caller passes the time. Not responsible for the delays or for giving up
 * (retry-delay.ts), nor for emitting the events (the session). Concurrency: one instance per
 * phase of a download (the probe, the transfer), used from one event loop.
 */
import { formatDurationMs } from '../config/size.js';

/** `--json`: an origin request failed and will be retried after `delayMs`. */
export interface OriginRetryEvent {
  readonly event: 'origin-retry';
  /** Failed attempts in a row of the connection that failed (1: its first try failed). */
  readonly attempt: number;
  readonly delayMs: number;
  /** The error's message, one line, at most {@link MAX_REASON_CHARS} characters. */
  readonly reason: string;
  /** The error's stable code, e.g. `ORIGIN_UNREACHABLE`, `ORIGIN_HTTP_STATUS`, `ORIGIN_STALLED`. */
  readonly code: string;
}

/** `--json`: the origin answered again after an `origin-retry`. */
export interface OriginOkEvent {
  readonly event: 'origin-ok';
  /** From the first `origin-retry` of this outage to this answer. */
  readonly failedForMs: number;
  /** The highest `attempt` reported during the outage. */
  readonly attempts: number;
}

/** Within this long, another failure of the same attempt number is not reported again. */
export const COALESCE_MS = 1000;
/** Longer reasons are cut (an error text is not ours to bound otherwise). */
export const MAX_REASON_CHARS = 300;

/** The error of a failed attempt, as far as a report needs it. */
export interface FailedAttempt {
  readonly attempt: number;
  readonly delayMs: number;
  readonly error: { readonly code: string; readonly message: string };
}

/** Turns failed attempts and answers into the events to report. */
export class OriginOutage {
  #firstReportMs: number | null = null;
  #lastReportMs = -Infinity;
  #lastAttempt = 0;
  #maxAttempt = 0;

  /** True from a reported `origin-retry` until the origin answers. */
  get reported(): boolean {
    return this.#firstReportMs !== null;
  }

  /**
   * The `origin-retry` event for a failed attempt that will be retried, or `null` when the same
   * attempt number was reported less than {@link COALESCE_MS} ago (another connection failing
   * with it). Throws TypeError on an attempt that is not a positive integer or a negative delay.
   */
  retrying(failed: FailedAttempt, nowMs: number): OriginRetryEvent | null {
    const { attempt, delayMs, error } = failed;
    if (!Number.isSafeInteger(attempt) || attempt < 1) throw new TypeError(`OriginOutage: attempt must be a positive integer, got ${String(attempt)}`);
    if (!(delayMs >= 0)) throw new TypeError(`OriginOutage: delayMs must be >= 0, got ${String(delayMs)}`);
    if (attempt === this.#lastAttempt && nowMs - this.#lastReportMs < COALESCE_MS) return null;
    this.#firstReportMs ??= nowMs;
    this.#lastReportMs = nowMs;
    this.#lastAttempt = attempt;
    this.#maxAttempt = Math.max(this.#maxAttempt, attempt);
    return { event: 'origin-retry', attempt, delayMs, reason: oneLine(error.message), code: error.code };
  }

  /** The origin answered: the `origin-ok` event when a retry was reported since the last one, else `null`. */
  answered(nowMs: number): OriginOkEvent | null {
    if (this.#firstReportMs === null) return null;
    const event: OriginOkEvent = { event: 'origin-ok', failedForMs: Math.max(0, nowMs - this.#firstReportMs), attempts: this.#maxAttempt };
    this.#firstReportMs = null;
    this.#lastReportMs = -Infinity;
    this.#lastAttempt = 0;
    this.#maxAttempt = 0;
    return event;
  }
}

/** `text` on one line (runs of whitespace with line breaks become one space), cut to {@link MAX_REASON_CHARS}. */
function oneLine(text: string): string {
  const flat = text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
  return flat.length <= MAX_REASON_CHARS ? flat : `${flat.slice(0, MAX_REASON_CHARS - 1)}…`;
}

/**
 * What people are told is wrong with the origin, from an error's code and message:
 * `origin unreachable`, `origin stalled`, `origin busy (HTTP 503)` (503 and 429),
 * `origin failing (HTTP 500)` (other statuses), `origin sent a bad answer`, else `origin failing`.
 */
export function originTrouble(code: string, reason: string): string {
  switch (code) {
    case 'ORIGIN_UNREACHABLE': return 'origin unreachable';
    case 'ORIGIN_STALLED': return 'origin stalled';
    case 'ORIGIN_BAD_RESPONSE': return 'origin sent a bad answer';
    case 'ORIGIN_HTTP_STATUS': {
      const status = /\bHTTP ([1-5][0-9]{2})\b/.exec(reason)?.[1];
      if (status === undefined) return 'origin failing';
      return status === '503' || status === '429' ? `origin busy (HTTP ${status})` : `origin failing (HTTP ${status})`;
    }
    default: return 'origin failing';
  }
}

/**
 * One line for a log: `origin unreachable, retrying in 8s (attempt 5): cannot reach …`, or
 * `the origin answers again (it failed for 1m2s, 7 attempts)`.
 */
export function describeOriginEvent(event: OriginRetryEvent | OriginOkEvent): string {
  if (event.event === 'origin-ok') {
    return `the origin answers again (it failed for ${formatDurationMs(event.failedForMs)}, ${event.attempts} attempt${event.attempts === 1 ? '' : 's'})`;
  }
  return `${originTrouble(event.code, event.reason)}, retrying in ${formatDurationMs(event.delayMs)} (attempt ${event.attempt}): ${event.reason}`;
}
