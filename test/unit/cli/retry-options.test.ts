/** `--retry-max-time` and `--retries` as resolveConfig checks them and `originFrom` reads them into the retry options. */
import { describe, expect, it } from 'vitest';
import { originFrom } from '../../../src/cli/common-options.js';
import { resolveConfig, type ConfigKey } from '../../../src/config/resolve-config.js';
import { UsageError } from '../../../src/errors.js';

function origin(flags: Partial<Record<ConfigKey, string>>): ReturnType<typeof originFrom> {
  return originFrom(resolveConfig({ flags, env: {}, file: null, defaults: { storageDirectory: '/cache' } }));
}

describe('originFrom: retries', () => {
  it('by default, gives up on time alone: 5 minutes, no count, 15 s between attempts at most', () => {
    expect(origin({}).retry).toEqual({ baseDelayMs: 200, maxDelayMs: 15_000, maxAttempts: null, maxElapsedMs: 300_000 });
    expect(origin({})).toMatchObject({ connections: 4, stallTimeoutMs: 30_000 });
  });

  it.each([['3s', 3000], ['90', 90_000], ['1.5m', 90_000], ['500ms', 500], ['0', 0], ['168h', 168 * 3_600_000]])('--retry-max-time %s is %d ms', (text, ms) => {
    expect(origin({ 'retry-max-time': text }).retry.maxElapsedMs).toBe(ms);
  });

  it('--retries N adds a count', () => {
    expect(origin({ retries: '3' }).retry).toMatchObject({ maxAttempts: 3, maxElapsedMs: 300_000 });
    expect(origin({ retries: '0' }).retry.maxAttempts).toBe(0);
  });

  it.each([['soon'], ['-5s'], ['1m30s'], ['169h'], ['99999999999999999999h']])('--retry-max-time %j is a usage error naming the flag', (text) => {
    expect(() => origin({ 'retry-max-time': text })).toThrow(UsageError);
    expect(() => origin({ 'retry-max-time': text })).toThrow(/^invalid retry-max-time .* \(from flag --retry-max-time\): must be/);
  });

  it.each([['-1'], ['1.5'], ['abc'], ['1001'], ['']])('--retries %j is a usage error naming the flag and the value', (retries) => {
    expect(() => origin({ retries })).toThrow(`invalid retries ${JSON.stringify(retries)} (from flag --retries): must be a whole number from 0 to 1000, or null`);
  });
});
