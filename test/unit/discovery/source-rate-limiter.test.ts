import { describe, it, expect } from 'vitest';
import { SourceRateLimiter } from '../../../src/discovery/source-rate-limiter.js';

describe('SourceRateLimiter', () => {
  it('allows maxPerSecond in a sliding 1000 ms window', () => {
    const limiter = new SourceRateLimiter(2, 10);
    const at = (nowMs: number): boolean => limiter.allow('a', nowMs);
    expect([at(0), at(500), at(999), at(1000), at(1499), at(1500), at(1501)]).toEqual([true, true, false, true, false, true, false]);
  });

  it('refused packets do not use up the quota', () => {
    const limiter = new SourceRateLimiter(1, 10);
    expect(limiter.allow('a', 0)).toBe(true);
    for (let ms = 1; ms < 1000; ms += 50) expect(limiter.allow('a', ms)).toBe(false);
    expect(limiter.allow('a', 1000)).toBe(true);
  });

  it('remembers at most maxSources, forgetting the least recently seen', () => {
    const limiter = new SourceRateLimiter(1, 2);
    limiter.allow('a', 0);
    limiter.allow('b', 0);
    limiter.allow('a', 1);
    limiter.allow('c', 2);
    expect(limiter.size).toBe(2);
    expect(limiter.allow('a', 3)).toBe(false); // still remembered
    expect(limiter.allow('b', 3)).toBe(true); // forgotten, so a fresh window
  });

  it('prune forgets quiet sources', () => {
    const limiter = new SourceRateLimiter(5, 10);
    limiter.allow('a', 0);
    limiter.allow('b', 900);
    limiter.prune(1500);
    expect(limiter.size).toBe(1);
  });

  it.each([[0, 1], [1, 0], [1.5, 1], [Number.NaN, 1]])('maxPerSecond %d, maxSources %d is a TypeError', (perSecond, sources) => {
    expect(() => new SourceRateLimiter(perSecond, sources)).toThrow(TypeError);
  });
});
