import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { formatDoneLine, formatEta, formatProgressLine, formatRetryStatus, type ProgressFigures, type RetryShown } from '../../../src/cli/format-progress.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

const HALF: ProgressFigures = {
  bytes: 512 * MiB,
  size: 1 * GiB,
  originBytes: 384 * MiB,
  peerBytes: 128 * MiB,
  peers: 3,
  rateBytesPerSec: 100 * MiB,
  etaSeconds: 185,
};

describe('formatEta', () => {
  it.each([
    [null, '--'],
    [Number.NaN, '--'],
    [Number.POSITIVE_INFINITY, '--'],
    [-1, '--'],
    [0, '0s'],
    [0.2, '1s'],
    [42, '42s'],
    [59, '59s'],
    [59.5, '1m00s'],
    [60, '1m00s'],
    [185, '3m05s'],
    [3599, '59m59s'],
    [3600, '1h00m'],
    [3725, '1h02m'],
    [90_000, '25h00m'],
  ])('%s s -> %s', (seconds, expected) => {
    expect(formatEta(seconds)).toBe(expected);
  });
});

describe('formatProgressLine', () => {
  it('shows a 40-cell bar, percent, bytes, rate, ETA and sources on a wide terminal', () => {
    const line = formatProgressLine(HALF, 200);
    expect(line).toBe(`[${'#'.repeat(20)}${'.'.repeat(20)}]  50%  512 MiB/1 GiB  100 MiB/s  ETA 3m05s  origin 384 MiB  128 MiB from 3 peers`);
  });

  it('shrinks the bar to fit, then drops it', () => {
    const full = formatProgressLine(HALF, 200);
    const text = full.slice(full.indexOf(']') + 2);
    const shrunk = formatProgressLine(HALF, text.length + 3 + 20);
    expect(shrunk).toBe(`[${'#'.repeat(10)}${'.'.repeat(10)}] ${text}`);
    expect(formatProgressLine(HALF, text.length + 3 + 9)).toBe(text);
  });

  it('cuts the text short of the last column when there is no room even for it', () => {
    const line = formatProgressLine(HALF, 30);
    expect(line).toBe(' 50%  512 MiB/1 GiB  100 MiB/');
  });

  it('shows 100% for an empty file and never more than 100%', () => {
    expect(formatProgressLine({ ...HALF, bytes: 0, size: 0 }, 200)).toContain(`[${'#'.repeat(40)}] 100%`);
    expect(formatProgressLine({ ...HALF, bytes: 2 * GiB }, 200)).toContain('100%');
  });

  it('rounds the percent down: 99.9% is not done', () => {
    expect(formatProgressLine({ ...HALF, bytes: GiB - 1 }, 200)).toContain(' 99%');
  });

  it('never exceeds the width and always shows the percent, for widths >= 20 (property)', () => {
    const bytesArb = fc.oneof(fc.integer({ min: 0, max: 2 ** 40 }), fc.double({ min: 0, max: 1e18, noNaN: true }));
    fc.assert(
      fc.property(
        fc.record({
          bytes: bytesArb,
          size: bytesArb,
          originBytes: bytesArb,
          peerBytes: bytesArb,
          peers: fc.nat({ max: 100_000 }),
          rateBytesPerSec: bytesArb,
          etaSeconds: fc.option(fc.double({ min: -10, max: 1e9 }), { nil: null }),
        }),
        fc.integer({ min: 20, max: 400 }),
        (figures, columns) => {
          const line = formatProgressLine(figures, columns);
          expect(line.length).toBeLessThanOrEqual(columns);
          const fraction = figures.size > 0 ? Math.min(1, figures.bytes / figures.size) : 1;
          expect(line).toContain(`${Math.floor(fraction * 100)}%`);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('while the origin is retried', () => {
  const refused: RetryShown = { code: 'ORIGIN_UNREACHABLE', reason: 'cannot reach http://o/f: connect ECONNREFUSED 127.0.0.1:80', attempt: 5, retryInMs: 7400 };

  it('formatRetryStatus says what failed, when it is tried again, and the attempt', () => {
    expect(formatRetryStatus(refused)).toBe('origin unreachable, retrying in 8s (attempt 5)');
    expect(formatRetryStatus({ ...refused, code: 'ORIGIN_HTTP_STATUS', reason: 'http://o/f answered HTTP 503', retryInMs: 90_000 }))
      .toBe('origin busy (HTTP 503), retrying in 1m30s (attempt 5)');
    expect(formatRetryStatus({ ...refused, retryInMs: 0 })).toBe('origin unreachable, retrying now (attempt 5)');
    expect(formatRetryStatus({ ...refused, retryInMs: -300 })).toBe('origin unreachable, retrying now (attempt 5)');
  });

  it('the bar shows it in place of the rate, ETA and origin bytes', () => {
    expect(formatProgressLine(HALF, 200, refused))
      .toBe(`[${'#'.repeat(20)}${'.'.repeat(20)}]  50%  512 MiB/1 GiB  origin unreachable, retrying in 8s (attempt 5)  128 MiB from 3 peers`);
    expect(formatProgressLine(HALF, 200, null)).toBe(formatProgressLine(HALF, 200));
  });

  it('fits the width as the plain bar does', () => {
    for (const columns of [20, 40, 60, 80, 120]) expect(formatProgressLine(HALF, columns, refused).length).toBeLessThanOrEqual(columns);
  });
});

describe('formatProgressLine: the peer count is labelled', () => {
  it.each([
    [0, '0 B from 0 peers'],
    [1, '0 B from 1 peer'],
    [2, '0 B from 2 peers'],
  ])('%i peers: %s', (peers, words) => {
    const line = formatProgressLine({ bytes: 0, size: 1, originBytes: 0, peerBytes: 0, peers, rateBytesPerSec: 0, etaSeconds: null }, 200);
    expect(line.endsWith(`origin 0 B  ${words}`)).toBe(true);
  });
});

describe('formatDoneLine', () => {
  it('summarises path, size, time, rate and sources', () => {
    expect(formatDoneLine({ path: '/data/ubuntu.iso', size: 1 * GiB, elapsedMs: 10_000, originBytes: 768 * MiB, peerBytes: 256 * MiB }))
      .toBe('saved /data/ubuntu.iso (1 GiB in 10.0s, 102.4 MiB/s; origin 768 MiB, peers 256 MiB)');
  });

  it('shows a finite rate for an instant download', () => {
    const line = formatDoneLine({ path: 'x', size: 1 * MiB, elapsedMs: 0, originBytes: 0, peerBytes: 0 });
    expect(line).toBe('saved x (1 MiB in 0.0s, 1000 MiB/s; origin 0 B, peers 0 B)');
    expect(line).not.toMatch(/Infinity|NaN/);
  });
});
