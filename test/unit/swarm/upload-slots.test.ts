import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chooseUnchoked, type SlotCandidate } from '../../../src/swarm/upload-slots.js';

/** Peers from a string, one character each: '.' not interested, digit = bytes served (interested), 'U' suffix marks unchoked. */
function peers(spec: string): SlotCandidate[] {
  return spec.split(' ').map((token, index) => ({
    id: `p${index}`,
    interested: !token.startsWith('.'),
    unchoked: token.endsWith('U'),
    servedBytes: Number.parseInt(token, 10) || 0,
  }));
}

const first = (): number => 0;

describe('chooseUnchoked', () => {
  it('unchokes every interested peer when they fit, and never one that is not interested', () => {
    expect([...chooseUnchoked(peers('0 . 5 .U'), 4, first)].sort()).toEqual(['p0', 'p2']);
  });

  it('gives slots - 1 to the least served and one optimistic slot among the rest', () => {
    const chosen = chooseUnchoked(peers('50 10 40 20 30 60'), 3, () => 0.99);
    expect(chosen.has('p1') && chosen.has('p3')).toBe(true);
    expect(chosen.size).toBe(3);
    expect(['p4', 'p2', 'p0', 'p5'].filter((id) => chosen.has(id))).toHaveLength(1);
  });

  it('on ties keeps peers unchoked now', () => {
    const chosen = chooseUnchoked(peers('0 0 0U 0U 0'), 3, first);
    expect(chosen.has('p2') && chosen.has('p3')).toBe(true);
  });

  it('never unchokes more than the slots, and rotates: the least served peer is always chosen', () => {
    fc.assert(fc.property(fc.array(fc.record({ interested: fc.boolean(), unchoked: fc.boolean(), servedBytes: fc.nat() }), { maxLength: 40 }), fc.integer({ min: 1, max: 10 }), fc.double({ min: 0, max: 0.999, noNaN: true }), (list, slots, r) => {
      const candidates = list.map((peer, index) => ({ ...peer, id: `p${index}` }));
      const chosen = chooseUnchoked(candidates, slots, () => r);
      const interested = candidates.filter((peer) => peer.interested);
      expect(chosen.size).toBe(Math.min(slots, interested.length));
      for (const id of chosen) expect(candidates.find((peer) => peer.id === id)?.interested).toBe(true);
      const least = Math.min(...interested.map((peer) => peer.servedBytes));
      if (interested.length > 0 && slots >= 2) expect(interested.some((peer) => peer.servedBytes === least && chosen.has(peer.id))).toBe(true);
    }));
  });

  it('throws a TypeError for fewer than one slot', () => {
    expect(() => chooseUnchoked([], 0, first)).toThrow(TypeError);
  });
});
