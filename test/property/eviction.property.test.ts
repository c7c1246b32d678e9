/**
 * Properties of the eviction policy: whatever the cache holds, a plan that says `fits` leaves
 * room under the cap, evicts only evictable entries, oldest first, and no more than needed; a
 * plan that refuses does so only when no choice of evictable entries could make room.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planEviction, type CacheUsage } from '../../src/storage/eviction-policy.js';

const entriesArb: fc.Arbitrary<CacheUsage[]> = fc.uniqueArray(
  fc.record({
    id: fc.stringMatching(/^[a-f0-9]{4}$/),
    bytes: fc.integer({ min: 0, max: 1000 }),
    lastUsedMs: fc.integer({ min: 0, max: 50 }),
    evictable: fc.boolean(),
  }),
  { selector: (entry) => entry.id, maxLength: 12 },
);

const sum = (entries: readonly CacheUsage[]): number => entries.reduce((total, entry) => total + entry.bytes, 0);

describe('planEviction properties', () => {
  it('fits: room is made, only evictable entries go, least recently used first, none needlessly', () => {
    fc.assert(fc.property(entriesArb, fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 8000 }), (entries, needed, cap) => {
      const plan = planEviction(entries, needed, cap);
      if (plan.kind !== 'fits') return;
      const evicted = new Set(plan.evict);
      const kept = entries.filter((entry) => !evicted.has(entry.id));
      expect(sum(kept) + needed).toBeLessThanOrEqual(cap);
      for (const id of plan.evict) expect(entries.find((entry) => entry.id === id)?.evictable).toBe(true);
      // Oldest first: every kept evictable entry is at least as recent as every evicted one.
      const newestEvicted = Math.max(-1, ...entries.filter((entry) => evicted.has(entry.id)).map((entry) => entry.lastUsedMs));
      for (const entry of kept) if (entry.evictable) expect(entry.lastUsedMs).toBeGreaterThanOrEqual(newestEvicted);
      // None needlessly: without the last one evicted there would not be room.
      const last = entries.find((entry) => entry.id === plan.evict.at(-1));
      if (last) expect(sum(kept) + last.bytes + needed).toBeGreaterThan(cap);
    }));
  });

  it('refuses only when nothing could make room, and says which way', () => {
    fc.assert(fc.property(entriesArb, fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 8000 }), (entries, needed, cap) => {
      const plan = planEviction(entries, needed, cap);
      const pinnedBytes = sum(entries.filter((entry) => !entry.evictable));
      if (plan.kind === 'too-large') expect(needed).toBeGreaterThan(cap);
      if (plan.kind === 'no-room') {
        expect(needed).toBeLessThanOrEqual(cap);
        expect(pinnedBytes + needed).toBeGreaterThan(cap);
        expect(plan.inUseBytes).toBe(pinnedBytes);
      }
      if (plan.kind === 'fits') expect(pinnedBytes + needed).toBeLessThanOrEqual(cap);
    }));
  });

  it('no cap: nothing is ever evicted', () => {
    fc.assert(fc.property(entriesArb, fc.integer({ min: 0, max: 1e9 }), (entries, needed) => {
      expect(planEviction(entries, needed, null)).toEqual({ kind: 'fits', evict: [] });
    }));
  });
});

describe('planEviction examples', () => {
  const at = (id: string, bytes: number, lastUsedMs: number, evictable = true): CacheUsage => ({ id, bytes, lastUsedMs, evictable });

  it('evicts the oldest first and stops as soon as the file fits', () => {
    const entries = [at('new', 30, 3), at('old', 30, 1), at('mid', 30, 2)];
    expect(planEviction(entries, 30, 100)).toEqual({ kind: 'fits', evict: ['old'] });
    expect(planEviction(entries, 60, 100)).toEqual({ kind: 'fits', evict: ['old', 'mid'] });
  });

  it('skips files in use and ties break by id', () => {
    const entries = [at('b', 40, 1), at('a', 40, 1), at('busy', 10, 0, false)];
    expect(planEviction(entries, 50, 100)).toEqual({ kind: 'fits', evict: ['a'] });
  });

  it('too large, and no room because of files in use', () => {
    expect(planEviction([], 101, 100)).toEqual({ kind: 'too-large', capBytes: 100 });
    expect(planEviction([at('busy', 60, 0, false)], 50, 100)).toEqual({ kind: 'no-room', inUseBytes: 60, capBytes: 100 });
  });

  it('rejects nonsense sizes with a TypeError', () => {
    expect(() => planEviction([], -1, 10)).toThrow(TypeError);
    expect(() => planEviction([at('x', 1.5, 0)], 1, 10)).toThrow(/bytes of x/);
    expect(() => planEviction([], 1, Number.NaN)).toThrow(/capBytes/);
  });
});
