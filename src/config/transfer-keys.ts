/**
 * The values of the config keys of the origin connections and of the peer network (`port`,
 * `discovery-port`, `connections`, `retries`, `stall-timeout`, `retry-max-time`, `idle-timeout`):
 * their checks and defaults.
 *
 * Not responsible for merging layers or naming where a value came from: {@link resolveConfig}
 * does, around these checks.
 *
 * Pure: no I/O; synchronous and stateless.
 */
import { DEFAULT_RETRY } from '../http-seed/retry-delay.js';
import { parseDurationSeconds } from './size.js';

/** A checked value, or the reason it is wrong (without the key, which the caller names). */
export type Check<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/** The UDP port of discovery announcements unless `discovery-port` says otherwise. */
export const DEFAULT_DISCOVERY_PORT = 41770;

/** The longest `retry-max-time`: a week. */
const RETRY_MAX_TIME_LIMIT_MS = 7 * 24 * 3_600_000;

/** The defaults of the keys of this file, in their typed form. */
export const TRANSFER_DEFAULTS = Object.freeze({
  /** Any free TCP port. */
  port: 0,
  discoveryPort: DEFAULT_DISCOVERY_PORT,
  connections: 4,
  stallTimeoutMs: 30_000,
  /** No count: only `retry-max-time` ends the retries. */
  retries: null,
  retryMaxTimeMs: DEFAULT_RETRY.maxElapsedMs,
  idleTimeoutMs: 10_000,
});

const NULL_WORDS = /^(?:null|unlimited|none)$/i;

function kind(raw: unknown): string {
  if (Array.isArray(raw)) return 'an array';
  return raw === null ? 'null' : `a ${typeof raw}`;
}

/**
 * A check of a whole number from `min` to `max`: a JSON number, or digits in a string (flags and
 * environment variables are strings). With `nullable`, `null`, `none` and `unlimited` are null.
 */
export function wholeNumber(min: number, max: number, nullable: false): (raw: unknown) => Check<number>;
export function wholeNumber(min: number, max: number, nullable: true): (raw: unknown) => Check<number | null>;
export function wholeNumber(min: number, max: number, nullable: boolean): (raw: unknown) => Check<number | null> {
  const expected = `must be a whole number from ${min} to ${max}${nullable ? ', or null' : ''}`;
  return (raw) => {
    if (nullable && (raw === null || (typeof raw === 'string' && NULL_WORDS.test(raw.trim())))) return { ok: true, value: null };
    if (typeof raw !== 'number' && typeof raw !== 'string') return { ok: false, reason: `${expected}, not ${kind(raw)}` };
    const text = String(raw).trim();
    const value = /^\d{1,15}$/.test(text) ? Number(text) : NaN;
    return value >= min && value <= max ? { ok: true, value } : { ok: false, reason: expected };
  };
}

/**
 * A check of a duration in milliseconds: `30s`, `2m`, `500ms`, `1.5h`, or a number of seconds
 * (a JSON number, or digits). `positive` rejects zero; `maxMs` caps it.
 */
export function duration(positive: boolean, maxMs = Number.MAX_SAFE_INTEGER): (raw: unknown) => Check<number> {
  const expected = 'must be a duration such as 30s, 2m or 500ms';
  return (raw) => {
    if (typeof raw !== 'number' && typeof raw !== 'string') return { ok: false, reason: `${expected}, not ${kind(raw)}` };
    const seconds = parseDurationSeconds(String(raw).trim());
    if (seconds === null || seconds < 0) return { ok: false, reason: expected };
    if (positive && seconds <= 0) return { ok: false, reason: `${expected}, more than 0` };
    const ms = Math.ceil(seconds * 1000);
    if (ms > maxMs) return { ok: false, reason: `must be at most ${maxMs / 3_600_000}h` };
    return { ok: true, value: ms };
  };
}

/** `retry-max-time`: 0 (never retry) up to a week. */
export const checkRetryMaxTime = duration(false, RETRY_MAX_TIME_LIMIT_MS);
