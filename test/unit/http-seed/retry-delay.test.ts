import { describe, it, expect } from 'vitest';
import { OriginError } from '../../../src/errors.js';
import {
  DEFAULT_RETRY,
  classifyNetworkError,
  classifyStatus,
  retryDelayMs,
} from '../../../src/http-seed/retry-delay.js';
import type { RetryOptions } from '../../../src/http-seed/retry-delay.js';

const NOW_MS = Date.UTC(2024, 0, 15, 12, 0, 0); // Mon, 15 Jan 2024 12:00:00 GMT
const ALMOST_ONE = 1 - Number.EPSILON / 2;

describe('DEFAULT_RETRY', () => {
  it('is 200 ms base, 10 s cap, 10 retries, and frozen', () => {
    expect(DEFAULT_RETRY).toEqual({ baseDelayMs: 200, maxDelayMs: 10_000, maxAttempts: 10 });
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
    expect(retryDelayMs(attempt, DEFAULT_RETRY, random01)).toBe(expected);
  });

  it('gives up after maxAttempts', () => {
    expect(retryDelayMs(11, DEFAULT_RETRY, 0.5)).toBeNull();
    expect(retryDelayMs(1, { ...DEFAULT_RETRY, maxAttempts: 0 }, 0.5)).toBeNull();
    expect(retryDelayMs(1_000_000, DEFAULT_RETRY, 0.5)).toBeNull();
  });

  it('handles huge attempt counts without overflow', () => {
    const opts: RetryOptions = { baseDelayMs: 200, maxDelayMs: 10_000, maxAttempts: Number.MAX_SAFE_INTEGER };
    expect(retryDelayMs(5000, opts, ALMOST_ONE)).toBe(10_000);
    expect(retryDelayMs(Number.MAX_SAFE_INTEGER, opts, 0)).toBe(100);
  });

  it('returns 0 with a zero base and zero max', () => {
    expect(retryDelayMs(3, { baseDelayMs: 0, maxDelayMs: 0, maxAttempts: 5 }, ALMOST_ONE)).toBe(0);
    expect(retryDelayMs(3, { baseDelayMs: 0, maxDelayMs: 1000, maxAttempts: 5 }, ALMOST_ONE)).toBe(0);
  });

  it('returns whole milliseconds', () => {
    expect(Number.isInteger(retryDelayMs(1, { baseDelayMs: 333, maxDelayMs: 1000, maxAttempts: 3 }, 0.123))).toBe(true);
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
    expect(retryDelayMs(1, DEFAULT_RETRY, 0, after(header))).toBe(expected);
  });

  it('never lowers a larger backoff', () => {
    expect(retryDelayMs(7, DEFAULT_RETRY, ALMOST_ONE, after('1'))).toBe(10_000);
  });

  it('still gives up after maxAttempts', () => {
    expect(retryDelayMs(11, DEFAULT_RETRY, 0, after('5'))).toBeNull();
  });
});

describe('retryDelayMs: misuse', () => {
  const badOptions: Array<[string, RetryOptions]> = [
    ['negative base', { ...DEFAULT_RETRY, baseDelayMs: -1 }],
    ['NaN max', { ...DEFAULT_RETRY, maxDelayMs: Number.NaN }],
    ['infinite max', { ...DEFAULT_RETRY, maxDelayMs: Number.POSITIVE_INFINITY }],
    ['fractional attempts', { ...DEFAULT_RETRY, maxAttempts: 1.5 }],
    ['negative attempts', { ...DEFAULT_RETRY, maxAttempts: -1 }],
    ['string base', { ...DEFAULT_RETRY, baseDelayMs: '200' as unknown as number }],
    ['base above max', { baseDelayMs: 500, maxDelayMs: 100, maxAttempts: 3 }],
  ];
  it.each(badOptions)('throws TypeError on %s', (_name, opts) => {
    expect(() => retryDelayMs(1, opts, 0.5)).toThrow(TypeError);
  });

  it.each([[0], [-1], [1.5], [Number.NaN]])('throws TypeError on attempt %d', (attempt) => {
    expect(() => retryDelayMs(attempt, DEFAULT_RETRY, 0.5)).toThrow(TypeError);
  });

  it.each([[-0.1], [1], [1.5], [Number.NaN]])('throws TypeError on random01 %d', (random01) => {
    expect(() => retryDelayMs(1, DEFAULT_RETRY, random01)).toThrow(TypeError);
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
