/**
 * When to retry an HTTP origin and how long to wait: exponential backoff with jitter, honouring
 * `Retry-After`, bounded by a time budget (`--retry-max-time`) and optionally by a count
 * (`--retries`); the classification of statuses and network errors as retryable or final; and
 * the message of a download that gave up.
 *
 * Pure: no timers, no clock, no randomness; the caller passes `random01`, `nowMs` and the time
 * a failure streak has lasted. Not responsible for: sleeping, keeping the streak (the session's
 * retry loop does, one per connection), or the request itself.
 */

import { formatDurationMs } from '../config/size.js';
import { OriginError } from '../errors.js';

/** Backoff options. All in milliseconds except `maxAttempts`. */
export interface RetryOptions {
  /** Delay scale of the first retry; delays never go below half of it. @default 200 */
  baseDelayMs: number;
  /**
   * Upper bound of the backoff (a `Retry-After` may go up to three times this): how long an
   * origin that is back may wait for the next attempt. @default 15_000
   */
  maxDelayMs: number;
  /**
   * Retries allowed after the first try of a streak (`--retries`); 0 never retries; `null` leaves
   * the bound to `maxElapsedMs` alone. @default null
   */
  maxAttempts: number | null;
  /**
   * How long a streak of failures without progress may last before giving up
   * (`--retry-max-time`); no delay sleeps past it, and 0 never retries. @default 300_000
   */
  maxElapsedMs: number;
}

/**
 * The defaults: 200 ms base doubling to a 15 s cap, no count, 5 minutes of failure. Five minutes
 * outlast an origin restart (a web server's: seconds; a VM reboot or a rolling deploy: a minute
 * or two) and a minute of network trouble with room to spare, yet an origin that is really gone
 * still fails a provisioning step within minutes. With the cap, every host tries an origin that
 * is back within 15 s (about 5 s on average: the jitter is uniform), while a waiting fleet costs an
 * origin that is down one request per host and connection every 7.5 s on average (a swarm
 * shares `--connections` among its hosts); a `Retry-After` may ask for up to 45 s.
 */
export const DEFAULT_RETRY: Readonly<RetryOptions> = Object.freeze({
  baseDelayMs: 200,
  maxDelayMs: 15_000,
  maxAttempts: null,
  maxElapsedMs: 300_000,
});

/** What to do after a failed attempt: wait `delayMs` and try again, or give up (and why). */
export type RetryDecision =
  | { readonly kind: 'retry'; readonly delayMs: number }
  | { readonly kind: 'give-up'; readonly why: 'attempts' | 'time' };

/**
 * One connection's failures since it last made progress: how many attempts failed in a row, and
 * since when (ms on the caller's clock) the origin has failed it.
 */
export interface FailureStreak {
  readonly attempts: number;
  readonly sinceMs: number;
}

/** How far a `Retry-After` may raise the delay, as a multiple of `maxDelayMs`. */
const RETRY_AFTER_CAP_FACTOR = 3;
/** Beyond this many doublings every positive base exceeds any safe `maxDelayMs`. */
const MAX_DOUBLINGS = 1023;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
/** IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110 §5.6.7). */
const IMF_FIXDATE_RE = /^[A-Za-z]{3}, ([0-9]{2}) ([A-Za-z]{3}) ([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) GMT$/;
/** Obsolete RFC 850 date: `Sunday, 06-Nov-94 08:49:37 GMT`. */
const RFC850_RE = /^[A-Za-z]{6,9}, ([0-9]{2})-([A-Za-z]{3})-([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) GMT$/;
/** Obsolete asctime date: `Sun Nov  6 08:49:37 1994`. */
const ASCTIME_RE = /^[A-Za-z]{3} ([A-Za-z]{3}) ([ 0-9][0-9]) ([0-9]{2}):([0-9]{2}):([0-9]{2}) ([0-9]{4})$/;

/** Network error codes worth another attempt: the connection broke or timed out. */
const RETRYABLE_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'ESOCKETTIMEDOUT',
  'EHOSTUNREACH', 'EHOSTDOWN', 'ENETUNREACH', 'ENETDOWN', 'ENETRESET', 'EAI_AGAIN',
  'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'ERR_STREAM_PREMATURE_CLOSE',
]);
/** How deep {@link classifyNetworkError} follows `cause` and `errors`. */
const MAX_CAUSE_DEPTH = 5;

/**
 * The delay before retry number `attempt` (1 = first retry), or `null` when `attempt` exceeds
 * `opts.maxAttempts` (give up). Knows nothing of the time budget: see {@link nextRetry}.
 *
 * Jitter: the ceiling is `min(maxDelayMs, baseDelayMs * 2^(attempt-1))` and the floor is
 * `floor(baseDelayMs / 2)`; the delay is a whole number of milliseconds spread uniformly over
 * [floor, ceiling] by `random01` in [0, 1). So it never drops below the floor (no retry storm on
 * a struggling origin) nor exceeds `maxDelayMs`.
 *
 * A `Retry-After` (delay-seconds, or an HTTP-date measured from `retryAfter.nowMs`) raises the
 * delay to at most `3 * maxDelayMs`; it never lowers it. A malformed or past one is ignored.
 *
 * Throws `TypeError` on options that are not non-negative safe integers, on
 * `baseDelayMs > maxDelayMs`, on an `attempt` that is not a positive integer, and on `random01`
 * outside [0, 1).
 */
export function retryDelayMs(
  attempt: number,
  opts: RetryOptions,
  random01: number,
  retryAfter?: { header: string | undefined; nowMs: number },
): number | null {
  validateOptions(opts);
  if (!Number.isSafeInteger(attempt) || attempt < 1) {
    throw new TypeError(`retryDelayMs: attempt must be a positive integer, got ${String(attempt)}`);
  }
  if (!(random01 >= 0 && random01 < 1)) {
    throw new TypeError(`retryDelayMs: random01 must be in [0, 1), got ${String(random01)}`);
  }
  if (opts.maxAttempts !== null && attempt > opts.maxAttempts) return null;
  const ceilingMs = backoffCeilingMs(attempt, opts);
  const floorMs = Math.min(Math.floor(opts.baseDelayMs / 2), ceilingMs);
  // The min() guards against random01 * n rounding up to n for random01 just below 1.
  const delayMs = Math.min(ceilingMs, floorMs + Math.floor(random01 * (ceilingMs - floorMs + 1)));
  const afterMs = retryAfter === undefined ? null : parseRetryAfterMs(retryAfter.header, retryAfter.nowMs);
  if (afterMs === null) return delayMs;
  return Math.max(delayMs, Math.min(afterMs, opts.maxDelayMs * RETRY_AFTER_CAP_FACTOR));
}

/**
 * After attempt `attempt` of a streak failed, `elapsedMs` after the streak began: wait and try
 * again, or give up. Gives up (`time`) once `elapsedMs` reached `opts.maxElapsedMs`, or
 * (`attempts`) when `opts.maxAttempts` is a number and `attempt` exceeds it. Otherwise the
 * delay is {@link retryDelayMs}'s (backoff with jitter, raised by a `Retry-After`) cut to what is
 * left of the budget: `elapsedMs + delayMs` never exceeds `opts.maxElapsedMs`, so the last
 * attempt goes out as the budget ends and the next failure gives up.
 *
 * Throws `TypeError` as {@link retryDelayMs} does, and on an `elapsedMs` that is negative or not
 * finite.
 */
export function nextRetry(
  attempt: number,
  elapsedMs: number,
  opts: RetryOptions,
  random01: number,
  retryAfter?: { header: string | undefined; nowMs: number },
): RetryDecision {
  if (!(Number.isFinite(elapsedMs) && elapsedMs >= 0)) {
    throw new TypeError(`nextRetry: elapsedMs must be a finite number >= 0, got ${String(elapsedMs)}`);
  }
  const delayMs = retryDelayMs(attempt, opts, random01, retryAfter);
  const leftMs = opts.maxElapsedMs - elapsedMs;
  if (leftMs <= 0) return { kind: 'give-up', why: 'time' };
  if (delayMs === null) return { kind: 'give-up', why: 'attempts' };
  return { kind: 'retry', delayMs: Math.min(delayMs, Math.floor(leftMs)) };
}

/**
 * The streak after one more failed attempt, which started at `attemptStartMs` and failed at
 * `nowMs`: a streak of one when there was none (failing since the attempt began) or when the
 * attempt made progress (failing since now), else one more attempt of the same streak.
 */
export function extendStreak(streak: FailureStreak | null, progressed: boolean, attemptStartMs: number, nowMs: number): FailureStreak {
  if (progressed) return { attempts: 1, sinceMs: nowMs };
  if (streak === null) return { attempts: 1, sinceMs: Math.min(attemptStartMs, nowMs) };
  return { attempts: streak.attempts + 1, sinceMs: streak.sinceMs };
}

/**
 * The message of a download that gave up on the origin: for how long and how many times it
 * failed, the last error, and which flag would have let it try longer. E.g. `the origin failed
 * for 5m0s (12 attempts): cannot reach …; check that it is up, or raise --retry-max-time`.
 */
export function gaveUpMessage(why: 'attempts' | 'time', streak: FailureStreak, nowMs: number, opts: RetryOptions, lastError: string): string {
  const attempts = `${streak.attempts} attempt${streak.attempts === 1 ? '' : 's'}`;
  const failedFor = formatDurationMs(Math.max(0, nowMs - streak.sinceMs));
  if (why === 'attempts') {
    return `the origin failed for ${failedFor} (${attempts}, the most --retries ${String(opts.maxAttempts)} allows): ${lastError}; check that it is up, or raise --retries`;
  }
  return `the origin failed for ${failedFor} (${attempts}): ${lastError}; check that it is up, or raise --retry-max-time`;
}

/**
 * Classifies an HTTP status for retry: 2xx is `ok`; 408, 429 and every 5xx are `retry`; every
 * other status (1xx, 3xx, other 4xx, nonsense) is `final`. Redirects are not followed here.
 * Throws `TypeError` when `status` is not an integer.
 */
export function classifyStatus(status: number): 'ok' | 'retry' | 'final' {
  if (!Number.isInteger(status)) throw new TypeError(`classifyStatus: status must be an integer, got ${String(status)}`);
  if (status >= 200 && status <= 299) return 'ok';
  if (status === 408 || status === 429) return 'retry';
  if (status >= 500 && status <= 599) return 'retry';
  return 'final';
}

/**
 * Classifies a thrown error from a request to the origin. `retry` when its `code` (or that of an
 * error in its `cause` chain, or of an `AggregateError` member, as undici's `fetch failed` and
 * Node's happy-eyeballs connect wrap them) is a broken or timed-out connection, including
 * `EAI_AGAIN` (DNS temporarily failed). An {@link OriginError} answers with its `retryable`.
 * `final` for everything else: `ENOTFOUND` (no such host), TLS certificate errors, aborts
 * (`UND_ERR_ABORTED`, `AbortError`), and errors we do not know.
 */
export function classifyNetworkError(err: unknown): 'retry' | 'final' {
  let pending: unknown[] = [err];
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH && pending.length > 0; depth += 1) {
    const next: unknown[] = [];
    for (const candidate of pending) {
      if (candidate instanceof OriginError) return candidate.retryable ? 'retry' : 'final';
      if (candidate === null || typeof candidate !== 'object') continue;
      const { code, cause, errors } = candidate as { code?: unknown; cause?: unknown; errors?: unknown };
      if (typeof code === 'string' && RETRYABLE_CODES.has(code)) return 'retry';
      if (cause !== undefined) next.push(cause);
      if (Array.isArray(errors)) next.push(...(errors as unknown[]).slice(0, MAX_CAUSE_DEPTH));
    }
    pending = next;
  }
  return 'final';
}

/** Milliseconds a `Retry-After` asks for, or `null` when absent, malformed or in the past. */
function parseRetryAfterMs(header: string | undefined, nowMs: number): number | null {
  if (typeof header !== 'string') return null;
  const value = header.trim();
  // Huge delay-seconds become Infinity here and are capped by the caller.
  if (/^[0-9]+$/.test(value)) return Number(value) * 1000;
  const dateMs = parseHttpDateMs(value, nowMs);
  if (dateMs === null || !Number.isFinite(nowMs) || dateMs <= nowMs) return null;
  return dateMs - nowMs;
}

/** An HTTP-date in any of the three forms RFC 9110 §5.6.7 says recipients must accept. */
function parseHttpDateMs(value: string, nowMs: number): number | null {
  const imf = IMF_FIXDATE_RE.exec(value);
  if (imf !== null) return utcMs(imf[3], imf[2], imf[1], imf[4], imf[5], imf[6]);
  const asctime = ASCTIME_RE.exec(value);
  if (asctime !== null) return utcMs(asctime[6], asctime[1], asctime[2]?.trim(), asctime[3], asctime[4], asctime[5]);
  const rfc850 = RFC850_RE.exec(value);
  if (rfc850 === null || rfc850[3] === undefined) return null;
  return utcMs(String(rfc850Year(Number(rfc850[3]), nowMs)), rfc850[2], rfc850[1], rfc850[4], rfc850[5], rfc850[6]);
}

/**
 * RFC 9110 §5.6.7: a two-digit year more than 50 years in the future is read as the most recent
 * past year with those two digits.
 */
function rfc850Year(twoDigits: number, nowMs: number): number {
  const nowYear = Number.isFinite(nowMs) ? new Date(nowMs).getUTCFullYear() : 2000;
  let year = Math.floor(nowYear / 100) * 100 + twoDigits;
  if (year > nowYear + 50) year -= 100;
  return year;
}

function utcMs(...parts: Array<string | undefined>): number | null {
  const [yearText, monthText, dayText, hourText, minuteText, secondText] = parts;
  const month = MONTHS.indexOf(String(monthText).toLowerCase());
  const [year, day, hour, minute, second] = [yearText, dayText, hourText, minuteText, secondText].map(Number);
  if (month < 0 || year === undefined || day === undefined || hour === undefined || minute === undefined || second === undefined) return null;
  if (day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  const ms = Date.UTC(year, month, day, hour, minute, second);
  return new Date(ms).getUTCDate() === day ? ms : null;
}

function backoffCeilingMs(attempt: number, opts: RetryOptions): number {
  if (opts.baseDelayMs === 0) return 0;
  const doublings = Math.min(attempt - 1, MAX_DOUBLINGS);
  return Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** doublings);
}

function validateOptions(opts: RetryOptions): void {
  for (const key of ['baseDelayMs', 'maxDelayMs', 'maxAttempts', 'maxElapsedMs'] as const) {
    const value: unknown = opts[key];
    if (key === 'maxAttempts' && value === null) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw new TypeError(`retryDelayMs: ${key} must be a non-negative safe integer, got ${typeof value} ${String(value)}`);
    }
  }
  if (opts.baseDelayMs > opts.maxDelayMs) {
    throw new TypeError(`retryDelayMs: baseDelayMs ${opts.baseDelayMs} exceeds maxDelayMs ${opts.maxDelayMs}`);
  }
}
