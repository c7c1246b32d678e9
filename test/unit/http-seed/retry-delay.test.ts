import { describe, it, expect } from 'vitest';
import { OriginError } from '../../../src/errors.js';
import {
  DEFAULT_RETRY,
  classifyNetworkError,
  classifyStatus,
  extendStreak,
  gaveUpMessage,
  nextRetry,
  retryDelayMs,
} from '../../../src/http-seed/retry-delay.js';
import type { RetryOptions } from '../../../src/http-seed/retry-delay.js';

const NOW_MS = Date.UTC(2024, 0, 15, 12, 0, 0); // Mon, 15 Jan 2024 12:00:00 GMT
const ALMOST_ONE = 1 - Number.EPSILON / 2;

/** The backoff these tables were written for: 200 ms base, 10 s cap, 10 retries, an hour's budget. */
const TEN_RETRIES: RetryOptions = { baseDelayMs: 200, maxDelayMs: 10_000, maxAttempts: 10, maxElapsedMs: 3_600_000 };

describe('DEFAULT_RETRY', () => {
  it('is 200 ms base, 15 s cap, no count, 5 minutes, and frozen', () => {
    expect(DEFAULT_RETRY).toEqual({ baseDelayMs: 200, maxDelayMs: 15_000, maxAttempts: null, maxElapsedMs: 300_000 });
    expect(Object.isFrozen(DEFAULT_RETRY)).toBe(true);
  });
});

describe('retryDelayMs: backoff and jitter', () => {
  // [attempt, random01, expected] with the defaults: floor 100, ceiling min(10000, 200 * 2^(a-1)).
  const cases: Array<[number, number, number]> = [
    [1, 0, 100], [1, 0.5, 150], [1, ALMOST_ONE, 200],
    [2, 0, 100], [2, ALMOST_ONE, 400],
    [3, ALMOST_ONE, 800],
    [6, ALMOST_ONE, 6400],
    [7, ALMOST_ONE, 10_000], [7, 0, 100],
    [10, 0.5, 5050], [10, ALMOST_ONE, 10_000],
  ];
  it.each(cases)('attempt %d, random %d -> %d ms', (attempt, random01, expected) => {
    expect(retryDelayMs(attempt, TEN_RETRIES, random01)).toBe(expected);
  });

  it('gives up after maxAttempts', () => {
    expect(retryDelayMs(11, TEN_RETRIES, 0.5)).toBeNull();
    expect(retryDelayMs(1, { ...TEN_RETRIES, maxAttempts: 0 }, 0.5)).toBeNull();
    expect(retryDelayMs(1_000_000, TEN_RETRIES, 0.5)).toBeNull();
  });

  it('handles huge attempt counts without overflow', () => {
    const opts: RetryOptions = { baseDelayMs: 200, maxDelayMs: 10_000, maxAttempts: Number.MAX_SAFE_INTEGER, maxElapsedMs: 0 };
    expect(retryDelayMs(5000, opts, ALMOST_ONE)).toBe(10_000);
    expect(retryDelayMs(Number.MAX_SAFE_INTEGER, opts, 0)).toBe(100);
  });

  it('returns 0 with a zero base and zero max', () => {
    expect(retryDelayMs(3, { baseDelayMs: 0, maxDelayMs: 0, maxAttempts: 5, maxElapsedMs: 0 }, ALMOST_ONE)).toBe(0);
    expect(retryDelayMs(3, { baseDelayMs: 0, maxDelayMs: 1000, maxAttempts: 5, maxElapsedMs: 0 }, ALMOST_ONE)).toBe(0);
  });

  it('returns whole milliseconds', () => {
    expect(Number.isInteger(retryDelayMs(1, { baseDelayMs: 333, maxDelayMs: 1000, maxAttempts: 3, maxElapsedMs: 0 }, 0.123))).toBe(true);
  });
});

describe('retryDelayMs: Retry-After', () => {
  const after = (header: string | undefined): { header: string | undefined; nowMs: number } => ({ header, nowMs: NOW_MS });
  const cases: Array<[string, string | undefined, number]> = [
    ['absent', undefined, 100],
    ['seconds', '5', 5000],
    ['seconds with spaces', ' 5 ', 5000],
    ['zero seconds does not lower', '0', 100],
    ['capped at 3 * maxDelayMs', '3600', 30_000],
    ['seconds beyond a safe integer, capped', '99999999999999999999', 30_000],
    ['400 digits, capped', '9'.repeat(400), 30_000],
    ['IMF-fixdate in 7 s', 'Mon, 15 Jan 2024 12:00:07 GMT', 7000],
    ['IMF-fixdate far ahead, capped', 'Tue, 16 Jan 2024 12:00:00 GMT', 30_000],
    ['IMF-fixdate in the past', 'Mon, 15 Jan 2024 11:00:00 GMT', 100],
    ['RFC 850 date', 'Monday, 15-Jan-24 12:00:09 GMT', 9000],
    ['asctime date', 'Mon Jan 15 12:00:08 2024', 8000],
    ['asctime date, one-digit day', 'Mon Feb  1 12:00:00 2024', 30_000],
    ['negative seconds', '-5', 100],
    ['fractional seconds', '1.5', 100],
    ['garbage', 'soon', 100],
    ['not GMT', 'Mon, 15 Jan 2024 12:00:07 PST', 100],
    ['impossible date', 'Fri, 30 Feb 2024 12:00:07 GMT', 100],
    ['bad month', 'Mon, 15 Foo 2024 12:00:07 GMT', 100],
    ['bad hour', 'Mon, 15 Jan 2024 25:00:07 GMT', 100],
    ['empty', '', 100],
  ];
  it.each(cases)('%s: %j -> %d ms', (_name, header, expected) => {
    expect(retryDelayMs(1, TEN_RETRIES, 0, after(header))).toBe(expected);
  });

  it('never lowers a larger backoff', () => {
    expect(retryDelayMs(7, TEN_RETRIES, ALMOST_ONE, after('1'))).toBe(10_000);
  });

  it('still gives up after maxAttempts', () => {
    expect(retryDelayMs(11, TEN_RETRIES, 0, after('5'))).toBeNull();
  });
});

describe('retryDelayMs: misuse', () => {
  const badOptions: Array<[string, RetryOptions]> = [
    ['negative base', { ...TEN_RETRIES, baseDelayMs: -1 }],
    ['NaN max', { ...TEN_RETRIES, maxDelayMs: Number.NaN }],
    ['infinite max', { ...TEN_RETRIES, maxDelayMs: Number.POSITIVE_INFINITY }],
    ['fractional attempts', { ...TEN_RETRIES, maxAttempts: 1.5 }],
    ['negative attempts', { ...TEN_RETRIES, maxAttempts: -1 }],
    ['string base', { ...TEN_RETRIES, baseDelayMs: '200' as unknown as number }],
    ['base above max', { baseDelayMs: 500, maxDelayMs: 100, maxAttempts: 3, maxElapsedMs: 0 }],
    ['negative budget', { ...TEN_RETRIES, maxElapsedMs: -1 }],
    ['infinite budget', { ...TEN_RETRIES, maxElapsedMs: Number.POSITIVE_INFINITY }],
    ['undefined attempts', { ...TEN_RETRIES, maxAttempts: undefined as unknown as null }],
  ];
  it.each(badOptions)('throws TypeError on %s', (_name, opts) => {
    expect(() => retryDelayMs(1, opts, 0.5)).toThrow(TypeError);
  });

  it.each([[0], [-1], [1.5], [Number.NaN]])('throws TypeError on attempt %d', (attempt) => {
    expect(() => retryDelayMs(attempt, TEN_RETRIES, 0.5)).toThrow(TypeError);
  });

  it.each([[-0.1], [1], [1.5], [Number.NaN]])('throws TypeError on random01 %d', (random01) => {
    expect(() => retryDelayMs(1, TEN_RETRIES, random01)).toThrow(TypeError);
  });
});

describe('nextRetry: the time budget', () => {
  const budget: RetryOptions = { baseDelayMs: 200, maxDelayMs: 30_000, maxAttempts: null, maxElapsedMs: 10_000 };
  // [attempt, elapsedMs, random01, decision]
  const cases: Array<[number, number, number, ReturnType<typeof nextRetry>]> = [
    [1, 0, 0, { kind: 'retry', delayMs: 100 }],
    [1, 0, ALMOST_ONE, { kind: 'retry', delayMs: 200 }],
    [8, 1000, ALMOST_ONE, { kind: 'retry', delayMs: 9000 }],
    [8, 9999, ALMOST_ONE, { kind: 'retry', delayMs: 1 }],
    [8, 9999.5, ALMOST_ONE, { kind: 'retry', delayMs: 0 }],
    [3, 9950, 0, { kind: 'retry', delayMs: 50 }],
    [1000, 5000, 0.5, { kind: 'retry', delayMs: 5000 }],
    [1, 10_000, 0, { kind: 'give-up', why: 'time' }],
    [50, 10_001, 0.5, { kind: 'give-up', why: 'time' }],
  ];
  it.each(cases)('attempt %d after %d ms (random %d) -> %j', (attempt, elapsedMs, random01, expected) => {
    expect(nextRetry(attempt, elapsedMs, budget, random01)).toEqual(expected);
  });

  it('counts attempts only when --retries is given; the time runs out first when both are spent', () => {
    const counted = { ...budget, maxAttempts: 2 };
    expect(nextRetry(2, 0, counted, 0)).toEqual({ kind: 'retry', delayMs: 100 });
    expect(nextRetry(3, 0, counted, 0)).toEqual({ kind: 'give-up', why: 'attempts' });
    expect(nextRetry(3, 10_000, counted, 0)).toEqual({ kind: 'give-up', why: 'time' });
    expect(nextRetry(1, 0, { ...budget, maxAttempts: 0 }, 0)).toEqual({ kind: 'give-up', why: 'attempts' });
    expect(nextRetry(1, 0, { ...budget, maxElapsedMs: 0 }, 0)).toEqual({ kind: 'give-up', why: 'time' });
  });

  it('cuts a Retry-After to the budget left', () => {
    expect(nextRetry(1, 4000, budget, 0, { header: '3600', nowMs: NOW_MS })).toEqual({ kind: 'retry', delayMs: 6000 });
    expect(nextRetry(1, 0, budget, 0, { header: '3', nowMs: NOW_MS })).toEqual({ kind: 'retry', delayMs: 3000 });
  });

  it('with the defaults, keeps retrying through a minute of failures, 15 s apart at most, and gives up after 5 minutes', () => {
    let elapsedMs = 0;
    for (let attempt = 1; elapsedMs < 65_000; attempt++) {
      const decision = nextRetry(attempt, elapsedMs, DEFAULT_RETRY, ALMOST_ONE);
      expect(decision.kind, `attempt ${attempt} after ${elapsedMs} ms`).toBe('retry');
      if (decision.kind !== 'retry') break;
      expect(decision.delayMs).toBeLessThanOrEqual(15_000);
      elapsedMs += decision.delayMs;
    }
    expect(nextRetry(12, 299_999, DEFAULT_RETRY, 0.5)).toEqual({ kind: 'retry', delayMs: 1 });
    expect(nextRetry(12, 300_000, DEFAULT_RETRY, 0.5)).toEqual({ kind: 'give-up', why: 'time' });
  });

  it.each([[-1], [Number.NaN], [Number.POSITIVE_INFINITY]])('throws TypeError on elapsedMs %d', (elapsedMs) => {
    expect(() => nextRetry(1, elapsedMs, budget, 0.5)).toThrow(TypeError);
  });
});

describe('extendStreak', () => {
  it('starts at the failed attempt, grows without progress, and starts again after progress', () => {
    const first = extendStreak(null, false, 1000, 1500);
    expect(first).toEqual({ attempts: 1, sinceMs: 1000 });
    const second = extendStreak(first, false, 2000, 2100);
    expect(second).toEqual({ attempts: 2, sinceMs: 1000 });
    expect(extendStreak(second, true, 3000, 9000)).toEqual({ attempts: 1, sinceMs: 9000 });
    expect(extendStreak(null, true, 3000, 9000)).toEqual({ attempts: 1, sinceMs: 9000 });
  });
});

describe('gaveUpMessage', () => {
  const last = 'cannot reach http://origin.test/file.bin: connect ECONNREFUSED 127.0.0.1:80';
  it('says for how long and how often the origin failed, the last error, and the flag to raise', () => {
    expect(gaveUpMessage('time', { attempts: 12, sinceMs: 1000 }, 301_000, DEFAULT_RETRY, last))
      .toBe(`the origin failed for 5m0s (12 attempts): ${last}; check that it is up, or raise --retry-max-time`);
    expect(gaveUpMessage('time', { attempts: 1, sinceMs: 0 }, 3004, DEFAULT_RETRY, last))
      .toBe(`the origin failed for 3s (1 attempt): ${last}; check that it is up, or raise --retry-max-time`);
    expect(gaveUpMessage('attempts', { attempts: 3, sinceMs: 0 }, 1500, { ...DEFAULT_RETRY, maxAttempts: 2 }, last))
      .toBe(`the origin failed for 1.5s (3 attempts, the most --retries 2 allows): ${last}; check that it is up, or raise --retries`);
  });
});

describe('classifyStatus', () => {
  const cases: Array<[number, 'ok' | 'retry' | 'final']> = [
    [200, 'ok'], [204, 'ok'], [206, 'ok'], [299, 'ok'],
    [408, 'retry'], [429, 'retry'], [500, 'retry'], [501, 'retry'], [502, 'retry'], [503, 'retry'], [504, 'retry'], [599, 'retry'],
    [400, 'final'], [401, 'final'], [403, 'final'], [404, 'final'], [410, 'final'], [412, 'final'], [416, 'final'],
    [100, 'final'], [301, 'final'], [304, 'final'], [600, 'final'], [999, 'final'], [0, 'final'],
  ];
  it.each(cases)('%d -> %s', (status, expected) => {
    expect(classifyStatus(status)).toBe(expected);
  });

  it.each([[200.5], [Number.NaN]])('throws TypeError on %d', (status) => {
    expect(() => classifyStatus(status)).toThrow(TypeError);
  });
});

describe('classifyNetworkError', () => {
  const withCode = (code: string): Error => Object.assign(new Error(code), { code });
  const retry = [
    'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
    'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT',
    'UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'ERR_STREAM_PREMATURE_CLOSE',
  ];
  it.each(retry)('%s -> retry', (code) => {
    expect(classifyNetworkError(withCode(code))).toBe('retry');
  });

  const final = ['ENOTFOUND', 'UND_ERR_ABORTED', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'ERR_INVALID_URL', 'EACCES'];
  it.each(final)('%s -> final', (code) => {
    expect(classifyNetworkError(withCode(code))).toBe('final');
  });

  it('looks through the cause chain (undici fetch failed)', () => {
    const err = new TypeError('fetch failed', { cause: withCode('UND_ERR_SOCKET') });
    expect(classifyNetworkError(err)).toBe('retry');
    const deep = new Error('a', { cause: new Error('b', { cause: new Error('c', { cause: withCode('ECONNRESET') }) }) });
    expect(classifyNetworkError(deep)).toBe('retry');
  });

  it('looks into AggregateError members (happy eyeballs)', () => {
    expect(classifyNetworkError(new AggregateError([withCode('ENOTFOUND'), withCode('ECONNREFUSED')], 'x'))).toBe('retry');
    expect(classifyNetworkError(new AggregateError([withCode('ENOTFOUND')], 'x'))).toBe('final');
  });

  it('does not loop on a cyclic cause chain', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    a.cause = a;
    expect(classifyNetworkError(a)).toBe('final');
  });

  it('answers an OriginError with its retryable flag', () => {
    expect(classifyNetworkError(new OriginError('ORIGIN_STALLED', 'stalled', { retryable: true }))).toBe('retry');
    expect(classifyNetworkError(new OriginError('ORIGIN_CHANGED', 'changed'))).toBe('final');
  });

  it.each([[null], [undefined], ['ECONNRESET'], [42], [{}], [new Error('plain')], [{ code: 42 }]])('%j -> final', (err) => {
    expect(classifyNetworkError(err)).toBe('final');
  });

  it('reads a code from a plain object', () => {
    expect(classifyNetworkError({ code: 'ECONNRESET' })).toBe('retry');
  });
});
