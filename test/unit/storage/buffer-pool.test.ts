/**
 * BufferPool: reuse, bounds, and that two holders never share a buffer.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BufferPool } from '../../../src/storage/buffer-pool.js';

describe('BufferPool', () => {
  it('rejects sizes and bounds that are not positive integers', () => {
    for (const [bytes, max] of [[0, 1], [1, 0], [1.5, 1], [1, Number.NaN], [-1, 1]]) {
      expect(() => new BufferPool(bytes as number, max as number)).toThrow(TypeError);
    }
  });

  it('hands back a given buffer on the next take, also as a shorter view', () => {
    const pool = new BufferPool(1024, 2);
    const first = pool.take(1024);
    pool.give(first);
    const again = pool.take(100);
    expect(again.length).toBe(100);
    expect(again.buffer).toBe(first.buffer);
    pool.give(again);
    expect(pool.freeCount).toBe(1);
    expect(pool.take(1024).buffer).toBe(first.buffer);
  });

  it('allocates a fresh buffer for more than its size and does not keep it', () => {
    const pool = new BufferPool(1024, 2);
    const big = pool.take(4096);
    expect(big.length).toBe(4096);
    pool.give(big);
    expect(pool.freeCount).toBe(0);
  });

  it('keeps at most maxFree idle buffers, ignores strangers and a buffer given twice', () => {
    const pool = new BufferPool(64, 2);
    const taken = [pool.take(64), pool.take(64), pool.take(64)];
    for (const buffer of taken) pool.give(buffer);
    expect(pool.freeCount).toBe(2);
    const again = pool.take(64);
    pool.give(again);
    pool.give(again);
    expect(pool.freeCount).toBe(2);
    pool.give(Buffer.alloc(32));
    pool.give(Buffer.alloc(64).subarray(1));
    expect(pool.freeCount).toBe(2);
  });

  it('never hands one buffer to two holders at once, whatever the order of takes and gives (property)', () => {
    const op = fc.oneof(
      fc.record({ take: fc.integer({ min: 1, max: 96 }) }),
      fc.record({ give: fc.nat(), twice: fc.boolean() }),
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 60 }), fc.integer({ min: 1, max: 4 }), (ops, maxFree) => {
      const pool = new BufferPool(64, maxFree);
      const held: Buffer[] = [];
      for (const step of ops) {
        if ('take' in step) {
          const buffer = pool.take(step.take);
          expect(buffer.length).toBe(step.take);
          expect(held.some((other) => other.buffer === buffer.buffer)).toBe(false);
          held.push(buffer);
        } else if (held.length > 0) {
          const [buffer] = held.splice(step.give % held.length, 1) as [Buffer];
          pool.give(buffer);
          if (step.twice) pool.give(buffer);
        }
        expect(pool.freeCount).toBeLessThanOrEqual(maxFree);
      }
    }));
  });
});
