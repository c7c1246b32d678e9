/**
 * Properties of the retry time budget (`nextRetry`, `--retry-max-time`): no wait runs past the
 * budget, the budget and the count are the only ways to give up, and the backoff grows with the
 * attempt within its jitter bounds.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { nextRetry, type RetryOptions } from '../../src/http-seed/retry-delay.js';

/** Valid options: base <= max, a budget up to an hour, with or without a count. */
const options: fc.Arbitrary<RetryOptions> = fc
  .tuple(fc.nat({ max: 10_000 }), fc.nat({ max: 120_000 }), fc.option(fc.nat({ max: 50 })), fc.nat({ max: 3_600_000 }))
  .map(([a, b, maxAttempts, maxElapsedMs]) => ({ baseDelayMs: Math.min(a, b), maxDelayMs: Math.max(a, b), maxAttempts, maxElapsedMs }));

const random01 = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const elapsed = fc.oneof(fc.nat({ max: 4_000_000 }), fc.double({ min: 0, max: 4_000_000, noNaN: true }));

describe('nextRetry', () => {
  it('never waits past the budget, and gives up exactly when the budget or the count is spent', () => {
    fc.assert(fc.property(options, fc.integer({ min: 1, max: 200 }), elapsed, random01, (opts, attempt, elapsedMs, r) => {
      const decision = nextRetry(attempt, elapsedMs, opts, r);
      const timeSpent = elapsedMs >= opts.maxElapsedMs;
      const countSpent = opts.maxAttempts !== null && attempt > opts.maxAttempts;
      if (decision.kind === 'give-up') {
        expect(timeSpent || countSpent).toBe(true);
        expect(decision.why).toBe(timeSpent ? 'time' : 'attempts');
        return;
      }
      expect(timeSpent || countSpent).toBe(false);
      expect(Number.isInteger(decision.delayMs)).toBe(true);
      expect(decision.delayMs).toBeGreaterThanOrEqual(0);
      expect(elapsedMs + decision.delayMs).toBeLessThanOrEqual(opts.maxElapsedMs);
    }));
  });

  it('a Retry-After never takes a wait past the budget either', () => {
    const header = fc.oneof(fc.nat({ max: 100_000 }).map(String), fc.string({ maxLength: 30 }));
    fc.assert(fc.property(options, fc.integer({ min: 1, max: 60 }), elapsed, random01, header, (opts, attempt, elapsedMs, r, text) => {
      const decision = nextRetry(attempt, elapsedMs, opts, r, { header: text, nowMs: 1_700_000_000_000 });
      if (decision.kind === 'retry') expect(elapsedMs + decision.delayMs).toBeLessThanOrEqual(opts.maxElapsedMs);
    }));
  });

  it('backs off with the attempt: the wait stays within [floor(base/2), min(max, base * 2^(attempt-1))] unless the budget cuts it', () => {
    fc.assert(fc.property(options, fc.integer({ min: 1, max: 60 }), random01, (opts, attempt, r) => {
      const decision = nextRetry(attempt, 0, opts, r);
      fc.pre(decision.kind === 'retry' && decision.delayMs < opts.maxElapsedMs);
      if (decision.kind !== 'retry') return;
      const ceilingMs = opts.baseDelayMs === 0 ? 0 : Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** (attempt - 1));
      expect(decision.delayMs).toBeGreaterThanOrEqual(Math.min(Math.floor(opts.baseDelayMs / 2), ceilingMs));
      expect(decision.delayMs).toBeLessThanOrEqual(ceilingMs);
    }));
  });

  it('is monotone-ish: with the same jitter draw, a later attempt never waits less', () => {
    const unbounded = options.map((opts) => ({ ...opts, maxAttempts: null, maxElapsedMs: 3_600_000 }));
    fc.assert(fc.property(unbounded, fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 60 }), random01, (opts, attempt, more, r) => {
      const earlier = nextRetry(attempt, 0, opts, r);
      const later = nextRetry(attempt + more, 0, opts, r);
      if (earlier.kind !== 'retry' || later.kind !== 'retry') throw new Error('an hour of budget and no count never gives up at 0 ms');
      expect(later.delayMs).toBeGreaterThanOrEqual(earlier.delayMs);
    }));
  });
});
