import { describe, it, expect } from 'vitest';
import { announceBatches, jitteredDelayMs, MAX_PACKETS_PER_ROUND } from '../../../src/discovery/announce-plan.js';

function ids(count: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => {
    const id = Buffer.alloc(32);
    id.writeUInt32BE(i, 28);
    return id;
  });
}

function numbers(batches: Buffer[][]): number[][] {
  return batches.map((batch) => batch.map((id) => id.readUInt32BE(28)));
}

describe('announceBatches', () => {
  it.each([
    [0, [0]],
    [1, [1]],
    [32, [32]],
    [33, [32, 1]],
    [256, [32, 32, 32, 32, 32, 32, 32, 32]],
  ])('%d ids -> batch sizes %j', (count, sizes) => {
    const batches = announceBatches(ids(count), 0);
    expect(batches.map((batch) => batch.length)).toEqual(sizes);
    expect(batches.flat()).toHaveLength(count);
  });

  it('removes duplicates', () => {
    const [a, b] = ids(2) as [Buffer, Buffer];
    expect(numbers(announceBatches([a, b, Buffer.from(a), b], 0))).toEqual([[0, 1]]);
  });

  it('rotates a window of 256 over more ids, covering all of them', () => {
    const all = ids(300);
    const round0 = announceBatches(all, 0).flat();
    const round1 = announceBatches(all, 1).flat();
    expect(round0).toHaveLength(256);
    expect(announceBatches(all, 0)).toHaveLength(MAX_PACKETS_PER_ROUND);
    expect(round1[0]?.readUInt32BE(28)).toBe(256);
    const seen = new Set([...round0, ...round1].map((id) => id.readUInt32BE(28)));
    expect(seen.size).toBe(300);
  });

  it.each([-1, 1.5, Number.NaN])('roundIndex %d is a TypeError', (roundIndex) => {
    expect(() => announceBatches(ids(1), roundIndex)).toThrow(TypeError);
  });
});

describe('jitteredDelayMs', () => {
  it.each([
    [2000, 0, 1500],
    [2000, 0.5, 2000],
    [2000, 0.999999, 2500],
    [100, 0.25, 88],
  ])('interval %d, random %d -> %d', (intervalMs, random01, expected) => {
    expect(jitteredDelayMs(intervalMs, random01)).toBe(expected);
  });

  it.each([[0, 0.5], [-5, 0.5], [Number.POSITIVE_INFINITY, 0.5], [2000, 1], [2000, -0.1], [2000, Number.NaN]])(
    'interval %d, random %d is a TypeError',
    (intervalMs, random01) => {
      expect(() => jitteredDelayMs(intervalMs, random01)).toThrow(TypeError);
    },
  );
});
