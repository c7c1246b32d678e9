/** `--retry-max-time` and `--retries` as `originFrom` reads them into the retry options. */
import { describe, expect, it } from 'vitest';
import { originFrom, type TransferArgs } from '../../../src/cli/common-options.js';
import { UsageError } from '../../../src/errors.js';

function args(extra: Partial<TransferArgs>): TransferArgs {
  return { connections: 4, 'stall-timeout': '30s', 'retry-max-time': '5m', 'discovery-port': 41770, port: 0, ...extra };
}

describe('originFrom: retries', () => {
  it('by default, gives up on time alone: 5 minutes, no count, 15 s between attempts at most', () => {
    expect(originFrom(args({})).retry).toEqual({ baseDelayMs: 200, maxDelayMs: 15_000, maxAttempts: null, maxElapsedMs: 300_000 });
  });

  it.each([['3s', 3000], ['90', 90_000], ['1.5m', 90_000], ['500ms', 500], ['0', 0], ['168h', 168 * 3_600_000]])('--retry-max-time %s is %d ms', (text, ms) => {
    expect(originFrom(args({ 'retry-max-time': text })).retry.maxElapsedMs).toBe(ms);
  });

  it('--retries N adds a count', () => {
    expect(originFrom(args({ retries: 3 })).retry).toMatchObject({ maxAttempts: 3, maxElapsedMs: 300_000 });
    expect(originFrom(args({ retries: 0 })).retry.maxAttempts).toBe(0);
  });

  it.each([['soon'], ['-5s'], ['1m30s'], ['169h'], ['99999999999999999999h']])('--retry-max-time %j is a usage error naming the flag', (text) => {
    expect(() => originFrom(args({ 'retry-max-time': text }))).toThrow(UsageError);
    expect(() => originFrom(args({ 'retry-max-time': text }))).toThrow(/--retry-max-time/);
  });

  it.each([[-1], [1.5], [Number.NaN], [1001]])('--retries %d is a usage error naming the flag', (retries) => {
    expect(() => originFrom(args({ retries }))).toThrow(/invalid --retries/);
  });
});
