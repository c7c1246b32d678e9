/**
 * When a tracker source announces next, and what it tells the user when an announce went wrong:
 * the decisions of tracker-source.ts, as functions of what happened.
 *
 * Pure: no I/O, no clock (delays are relative). Not responsible for: timers or HTTP.
 */
import { describeTrackerUrl, type PeersAnswer, type TrackerAnswer } from './tracker-codec.js';

/** While a swarm is incomplete, a tracker is asked again this often (unless its `min interval` forbids). */
export const INCOMPLETE_REANNOUNCE_MS = 30_000;
/** The first retry of a failing tracker; each further failure doubles it, up to {@link RETRY_MAX_MS}. */
export const RETRY_BASE_MS = 15_000;
export const RETRY_MAX_MS = 5 * 60_000;

/** How one announce ended. */
export type AnnounceOutcome =
  /** The tracker answered with bytes (a 2xx status), parsed. */
  | { readonly kind: 'answer'; readonly answer: TrackerAnswer }
  /** A status outside 2xx. */
  | { readonly kind: 'status'; readonly statusCode: number }
  /** The body was over the cap (by its Content-Length, or while reading it). */
  | { readonly kind: 'too-large'; readonly maxBodyBytes: number }
  /** No whole answer within the timeout. */
  | { readonly kind: 'timeout'; readonly timeoutMs: number }
  /** A network error, by its code (`ECONNREFUSED`, `ENOTFOUND`, …). */
  | { readonly kind: 'error'; readonly code: string };

/** Whether the tracker answered well: it has listed us and sent peers (maybe none). */
export function isGoodOutcome(outcome: AnnounceOutcome): outcome is { kind: 'answer'; answer: PeersAnswer } {
  return outcome.kind === 'answer' && outcome.answer.kind === 'peers';
}

/**
 * The delay before the next regular announce after a good answer (BEP 3 `interval`): the interval,
 * or while the swarm is incomplete (`leftBytes` > 0) at most {@link INCOMPLETE_REANNOUNCE_MS}, and
 * never less than the tracker's `min interval`.
 */
export function nextAnnounceDelayMs(answer: { readonly intervalSeconds: number; readonly minIntervalSeconds: number | null }, leftBytes: number): number {
  const intervalMs = answer.intervalSeconds * 1000;
  const wantedMs = leftBytes > 0 ? Math.min(intervalMs, INCOMPLETE_REANNOUNCE_MS) : intervalMs;
  return Math.max(wantedMs, (answer.minIntervalSeconds ?? 0) * 1000);
}

/**
 * The delay before retrying a tracker after its `failures`-th failure in a row (1, 2, …): 15 s,
 * 30 s, 60 s, … up to 5 min, and never less than the `min interval` of its last good answer.
 *
 * @throws TypeError when `failures` is not a positive integer.
 */
export function retryDelayMs(failures: number, minIntervalMs: number): number {
  if (!Number.isSafeInteger(failures) || failures < 1) throw new TypeError(`failures must be a positive integer, got ${String(failures)}`);
  const backoffMs = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(failures - 1, 30));
  return Math.max(backoffMs, minIntervalMs);
}

/** A network error code as it may be shown: letters, digits and `_`, at most 40 characters. */
export function safeErrorCode(code: unknown): string {
  const text = typeof code === 'string' ? code.replace(/[^A-Za-z0-9_]/g, '').slice(0, 40) : '';
  return text === '' ? 'unknown error' : text;
}

const CHECK_URL = "check that the URL is the tracker's announce URL";

/**
 * The one-line warning for an announce to `tracker` (shown without secrets, see
 * {@link describeTrackerUrl}) of the swarm announced as `infoHashHex`, or null when it went well.
 * Each line says what to do about it.
 */
export function outcomeWarning(tracker: URL, outcome: AnnounceOutcome, infoHashHex: string): string | null {
  const name = `tracker ${describeTrackerUrl(tracker)}`;
  switch (outcome.kind) {
    case 'status':
      return `${name} answered HTTP ${outcome.statusCode}; ${CHECK_URL} and that the tracker is up (retrying with backoff)`;
    case 'too-large':
      return `${name} sent an answer over ${outcome.maxBodyBytes} bytes, too large for a tracker answer; ${CHECK_URL}`;
    case 'timeout':
      return `${name} did not answer within ${outcome.timeoutMs / 1000} s; check that it is up and reachable (retrying with backoff)`;
    case 'error':
      return outcome.code === 'ECONNREFUSED'
        ? `${name} refused the connection (ECONNREFUSED); check the URL's host and port and that the tracker is running (retrying with backoff)`
        : `${name} could not be reached (${outcome.code}); check the URL's host and the network (retrying with backoff)`;
    case 'answer':
      return answerWarning(name, outcome.answer, infoHashHex);
  }
}

function answerWarning(name: string, answer: TrackerAnswer, infoHashHex: string): string | null {
  switch (answer.kind) {
    case 'peers':
      return null;
    case 'failure':
      return `${name} refused the announce: "${answer.reason}"; if it serves only listed torrents, ask its operator to allow info hash ${infoHashHex}`;
    case 'invalid':
      return `${name} sent something that is not a tracker answer (${answer.message}); ${CHECK_URL}`;
  }
}

/** The warning that shows a tracker's own `warning message` (already printable and capped). */
export function trackerMessageWarning(tracker: URL, message: string): string {
  return `tracker ${describeTrackerUrl(tracker)} says: "${message}"`;
}
