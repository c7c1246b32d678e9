import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { TokenBucket } from '../../../src/rate-limit/token-bucket.js';

const KiB = 1024;
const MiB = 1024 * KiB;

describe('TokenBucket construction', () => {
  it.each([[0], [-1], [Number.NaN], [Number.POSITIVE_INFINITY]])('rejects bytesPerSec %s with a TypeError quoting it', (rate) => {
    expect(() => new TokenBucket(rate, 0)).toThrow(TypeError);
    expect(() => new TokenBucket(rate, 0)).toThrow(String(rate));
  });

  it.each([
    [null, 64 * KiB],
    [100 * KiB, 64 * KiB],
    [1 * MiB, 64 * KiB],
    [2 * MiB, 104_857],
    [100 * MiB, 5 * MiB],
  ])('default burst for rate %s is %i bytes', (rate, burst) => {
    expect(new TokenBucket(rate, 0).burstBytes).toBe(burst);
  });

  it('keeps an explicit burst size', () => {
    expect(new TokenBucket(1 * MiB, 0, 4096).burstBytes).toBe(4096);
  });
});

describe('TokenBucket.take', () => {
  it('never makes an unlimited caller wait', () => {
    const bucket = new TokenBucket(null, 0);
    expect(bucket.take(10 * 1024 * MiB, 0)).toBe(0);
    expect(bucket.take(10 * 1024 * MiB, 0)).toBe(0);
    expect(bucket.take(1, 1)).toBe(0);
  });

  it('starts empty: the first take waits for the rate', () => {
    const bucket = new TokenBucket(1000, 0, 100);
    expect(bucket.take(100, 0)).toBe(100);
    expect(bucket.take(500, 100)).toBe(500);
  });

  it('after an idle time grants the burst at once and makes the excess wait at the rate', () => {
    const bucket = new TokenBucket(1000, 0, 100);
    expect(bucket.take(100, 1000)).toBe(0);
    expect(bucket.take(500, 1000)).toBe(500);
  });

  it('goes into debt: a take larger than the burst is granted, later takes wait it off', () => {
    const bucket = new TokenBucket(1000, 0, 100);
    bucket.take(0, 1000);
    expect(bucket.take(10_100, 1000)).toBe(10_000);
    // Same instant: the debt is still there, so a small take waits behind it.
    expect(bucket.take(1000, 1000)).toBe(11_000);
    // Half-way through, the remaining debt is 6000 bytes.
    expect(bucket.take(0, 6000)).toBe(6000);
  });

  it('refills at the rate: after waiting the returned time a take of the same size waits again', () => {
    const bucket = new TokenBucket(1000, 0, 100);
    const waitMs = bucket.take(500, 0);
    expect(waitMs).toBe(500);
    expect(bucket.take(0, waitMs)).toBe(0);
    expect(bucket.take(1, waitMs)).toBe(1);
  });

  it('caps the refill at the burst size after a long idle time', () => {
    const bucket = new TokenBucket(1000, 0, 100);
    expect(bucket.take(100, 3_600_000)).toBe(0);
    expect(bucket.take(1000, 3_600_000)).toBe(1000);
  });

  it('adds no tokens when time goes backwards', () => {
    const bucket = new TokenBucket(1000, 10_000, 100);
    expect(bucket.take(100, 10_100)).toBe(0);
    expect(bucket.take(1000, 5000)).toBe(1000);
    // And the clock going forward again refills from the latest time seen, not from 5000.
    expect(bucket.take(0, 10_600)).toBe(500);
  });

  it('rounds the wait up to a whole millisecond', () => {
    const bucket = new TokenBucket(3000, 0, 0);
    expect(bucket.take(1, 0)).toBe(1);
  });
});

/** A greedy caller: takes, waits exactly what it was told, takes again. Returns the bytes moved by `endMs`. */
function greedyBytes(bucket: TokenBucket, sizes: readonly number[], endMs: number): number {
  let nowMs = 0;
  let moved = 0;
  for (let i = 0; ; i++) {
    const size = sizes[i % sizes.length] ?? 1;
    nowMs += bucket.take(size, nowMs);
    if (nowMs > endMs) return moved;
    moved += size;
  }
}

describe('TokenBucket properties', () => {
  it('a greedy caller gets the limit within a few percent over 10 s', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 256 * KiB, max: 1024 * MiB }),
        fc.array(fc.double({ min: 0.001, max: 0.2, noNaN: true }), { minLength: 1, maxLength: 20 }),
        (bytesPerSec, fractions) => {
          const sizes = fractions.map((f) => Math.max(1, Math.round(f * bytesPerSec)));
          const moved = greedyBytes(new TokenBucket(bytesPerSec, 0), sizes, 10_000);
          const expected = bytesPerSec * 10;
          expect(Math.abs(moved - expected) / expected).toBeLessThanOrEqual(0.05);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('grants in order when float noise sits on a whole millisecond (seed -1617423175 found it)', () => {
    const bucket = new TokenBucket(3, 0, 0);
    let nowMs = 0;
    const grants: number[] = [];
    for (const [gapMs, bytes] of [[0, 3], [719, 7699933], [44, 2554822], [391, 4], [1689, 6639441], [40, 0], [0, 0]] as const) {
      nowMs += gapMs;
      grants.push(nowMs + bucket.take(bytes, nowMs));
    }
    expect(grants).toEqual([...grants].sort((a, b) => a - b));
  });

  it('no interval gets more than burst + rate x interval, whatever the take sizes and times', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 * MiB }),
        fc.integer({ min: 0, max: 10 * MiB }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 20 * MiB })), { minLength: 1, maxLength: 60 }),
        (bytesPerSec, burstBytes, takes) => {
          const bucket = new TokenBucket(bytesPerSec, 0, burstBytes);
          let nowMs = 0;
          const grants: Array<{ atMs: number; bytes: number }> = [];
          for (const [gapMs, bytes] of takes) {
            nowMs += gapMs;
            grants.push({ atMs: nowMs + bucket.take(bytes, nowMs), bytes });
          }
          for (let i = 0; i < grants.length; i++) {
            let sum = 0;
            for (let j = i; j < grants.length; j++) {
              const gi = grants[i];
              const gj = grants[j];
              if (!gi || !gj) throw new Error('unreachable');
              expect(gj.atMs).toBeGreaterThanOrEqual(gi.atMs);
              sum += gj.bytes;
              // Takes i+1..j: at most what the bucket held after take i (its burst, or under a
              // millisecond of rate from rounding the wait up) plus the refill from g_i to g_j.
              const allowed = Math.max(burstBytes, bytesPerSec / 1000) + (bytesPerSec * (gj.atMs - gi.atMs)) / 1000;
              expect(sum - gi.bytes).toBeLessThanOrEqual(allowed * (1 + 1e-9));
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('TokenBucket from the start (the first second holds the cap)', () => {
  it('grants no more than rate x T by any time T after construction, whatever the takes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 * MiB }),
        fc.option(fc.integer({ min: 0, max: 10 * MiB }), { nil: undefined }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 4 * MiB })), { minLength: 1, maxLength: 60 }),
        (bytesPerSec, burstBytes, takes) => {
          const bucket = new TokenBucket(bytesPerSec, 0, burstBytes);
          let nowMs = 0;
          let granted = 0;
          for (const [gapMs, bytes] of takes) {
            nowMs += gapMs;
            const atMs = nowMs + bucket.take(bytes, nowMs);
            granted += bytes;
            // Takes are granted in order, so every earlier take is granted by atMs too.
            expect(granted).toBeLessThanOrEqual((bytesPerSec * atMs) / 1000 + bytesPerSec / 1000);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a greedy caller of 64 KiB blocks moves at most the cap plus one block in its first second', () => {
    for (const bytesPerSec of [100 * KiB, 1 * MiB, 4 * MiB, 125 * MiB]) {
      const moved = greedyBytes(new TokenBucket(bytesPerSec, 0), [64 * KiB], 1000);
      expect(moved).toBeLessThanOrEqual(bytesPerSec + 64 * KiB);
      expect(moved).toBeGreaterThanOrEqual(bytesPerSec - 64 * KiB);
    }
  });
});

describe('TokenBucket.refund', () => {
  it('gives back what was taken and not moved, never above the burst', () => {
    const bucket = new TokenBucket(1000, 0, 1000);
    expect(bucket.take(3000, 1000)).toBe(2000);
    bucket.refund(3000, 1000);
    expect(bucket.take(1000, 1000)).toBe(0);
    bucket.refund(1_000_000, 1000);
    expect(bucket.take(1001, 1000)).toBe(1);
  });

  it('does nothing without a rate', () => {
    const bucket = new TokenBucket(null, 0);
    bucket.refund(10, 0);
    expect(bucket.take(1e12, 0)).toBe(0);
  });
});
