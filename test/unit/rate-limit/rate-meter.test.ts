import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { RateMeter, etaSeconds } from '../../../src/rate-limit/rate-meter.js';

/** Feeds `meter` a sample every `stepMs` from `fromMs` to `toMs` at `bytesPerSec`; returns the last rate and total. */
function feed(meter: RateMeter, fromMs: number, toMs: number, stepMs: number, startBytes: number, bytesPerSec: number): { rate: number; total: number } {
  let rate = 0;
  let total = startBytes;
  for (let nowMs = fromMs + stepMs; nowMs <= toMs; nowMs += stepMs) {
    total += (bytesPerSec * stepMs) / 1000;
    rate = meter.rate(total, nowMs);
  }
  return { rate, total };
}

describe('RateMeter', () => {
  it('measures a steady rate', () => {
    const meter = new RateMeter(0);
    expect(feed(meter, 0, 3000, 100, 0, 10_000).rate).toBeCloseTo(10_000, 6);
  });

  it('answers 0, not a division by zero, when no time has passed', () => {
    const meter = new RateMeter(1000);
    expect(meter.rate(5000, 1000)).toBe(0);
  });

  it('counts from startBytes, so resumed bytes are not a burst of speed', () => {
    const meter = new RateMeter(0, 5000, 1_000_000);
    expect(meter.rate(1_001_000, 1000)).toBeCloseTo(1000, 9);
  });

  it('uses the two samples it has across a long gap', () => {
    const meter = new RateMeter(0);
    expect(meter.rate(60_000, 60_000)).toBeCloseTo(1000, 9);
  });

  it('forgets samples older than the window: a stall reads 0 once the window has passed', () => {
    const meter = new RateMeter(0);
    const busy = feed(meter, 0, 10_000, 100, 0, 1_000_000);
    expect(busy.rate).toBeCloseTo(1_000_000, 3);
    const halfway = feed(meter, 10_000, 12_500, 100, busy.total, 0);
    expect(halfway.rate).toBeGreaterThan(300_000);
    expect(halfway.rate).toBeLessThan(700_000);
    expect(feed(meter, 12_500, 20_000, 100, busy.total, 0).rate).toBe(0);
  });

  it('honours a custom window', () => {
    const meter = new RateMeter(0, 1000);
    const slow = feed(meter, 0, 10_000, 100, 0, 1000);
    expect(feed(meter, 10_000, 11_500, 100, slow.total, 50_000).rate).toBeCloseTo(50_000, 3);
  });

  it('reads a constant rate exactly whatever the sampling cadence', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 1e10, noNaN: true }),
        fc.array(fc.integer({ min: 1, max: 7000 }), { minLength: 1, maxLength: 80 }),
        (bytesPerSec, gapsMs) => {
          const meter = new RateMeter(0);
          let nowMs = 0;
          for (const gapMs of gapsMs) {
            nowMs += gapMs;
            const rate = meter.rate((bytesPerSec * nowMs) / 1000, nowMs);
            expect(Math.abs(rate - bytesPerSec)).toBeLessThanOrEqual(bytesPerSec * 1e-9);
          }
        },
      ),
    );
  });

  it('after a change of rate held longer than the window (plus one sample gap), reads only the new rate', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e9 }),
        fc.integer({ min: 0, max: 1e9 }),
        fc.integer({ min: 10, max: 1000 }),
        fc.integer({ min: 1000, max: 10_000 }),
        (oldRate, newRate, stepMs, windowMs) => {
          const meter = new RateMeter(0, windowMs);
          const before = feed(meter, 0, 3 * windowMs, stepMs, 0, oldRate);
          const startMs = Math.floor((3 * windowMs) / stepMs) * stepMs;
          const after = feed(meter, startMs, startMs + windowMs + 2 * stepMs, stepMs, before.total, newRate);
          expect(Math.abs(after.rate - newRate)).toBeLessThanOrEqual(1e-6 * Math.max(1, newRate, oldRate));
        },
      ),
    );
  });
});

describe('etaSeconds', () => {
  it.each([
    [1000, 100, 10],
    [1001, 100, 11],
    [1, 1e9, 1],
    [0, 0, 0],
    [0, 100, 0],
    [-5, 100, 0],
    [1000, 0, null],
    [1000, -1, null],
    [1000, Number.NaN, null],
    [1000, Number.POSITIVE_INFINITY, null],
  ])('%d bytes left at %d B/s: %s', (left, rate, expected) => {
    expect(etaSeconds(left, rate)).toBe(expected);
  });
});
