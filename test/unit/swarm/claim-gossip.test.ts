import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CLAIM_BURST_MESSAGES, CLAIM_HOPS, CLAIM_MESSAGES_PER_RELAY, CLAIM_REFILL_MS, CLAIM_RELAY_MS, CLAIM_TTL_MS, ClaimGossip, MAX_CLAIM_RUNS, STARVE_MS, claimInbox,
} from '../../../src/swarm/claim-gossip.js';
import type { Bitfield } from '../../../src/pieces/bitfield.js';
import type { PieceRun } from '../../../src/wire/codec.js';

const run = (startPiece: number, endPiece: number): PieceRun => ({ startPiece, endPiece });
const setBits = (bits: Bitfield): number[] => {
  const out: number[] = [];
  for (let index = bits.firstSet(0); index !== -1; index = bits.firstSet(index + 1)) out.push(index);
  return out;
};

describe('ClaimGossip: what is relayed, with how many hops', () => {
  it.each<[string, number, PieceRun[], { hops: number; runs: PieceRun[] }[]]>([
    ['a peer\'s fetching runs go on with one hop less', CLAIM_HOPS, [run(2, 5)], [{ hops: CLAIM_HOPS - 1, runs: [run(2, 5)] }]],
    ['a relay with 1 hop left goes on with none', 1, [run(0, 1), run(7, 9)], [{ hops: 0, runs: [run(0, 1), run(7, 9)] }]],
    ['a relay with no hop left is kept, not relayed', 0, [run(3, 4)], []],
    ['more hops than ours are cut to ours', 200, [run(1, 2)], [{ hops: CLAIM_HOPS - 1, runs: [run(1, 2)] }]],
    ['runs past the end are cut to the file', 1, [run(8, 40)], [{ hops: 0, runs: [run(8, 10)] }]],
  ])('%s', (_name, hops, runs, relays) => {
    const gossip = new ClaimGossip(10);
    expect(gossip.hear(runs, hops, 0)).toBe(relays.length > 0);
    expect(gossip.takeRelays()).toEqual(relays);
    expect(gossip.takeRelays()).toEqual([]);
    expect(gossip.pendingPieces).toBe(0);
  });

  it('relays only what is new: a claim heard again (from another peer) is not relayed twice', () => {
    const gossip = new ClaimGossip(20);
    gossip.hear([run(0, 4)], 2, 0);
    expect(gossip.hear([run(2, 6)], 2, 5)).toBe(true);
    expect(gossip.takeRelays()).toEqual([{ hops: 1, runs: [run(0, 6)] }]);
    expect(gossip.hear([run(0, 6)], 3, 10)).toBe(false);
    expect(gossip.takeRelays()).toEqual([]);
  });

  it('sends most hops first, at most MAX_CLAIM_RUNS runs per message, the rest at the next call', () => {
    const gossip = new ClaimGossip(4 * MAX_CLAIM_RUNS);
    const many = Array.from({ length: MAX_CLAIM_RUNS + 3 }, (_, i) => run(2 * i, 2 * i + 1));
    gossip.hear(many, 1, 0);
    gossip.hear([run(2 * MAX_CLAIM_RUNS + 20, 2 * MAX_CLAIM_RUNS + 22)], 2, 0);
    const relays = gossip.takeRelays(2);
    expect(relays.map((relay) => [relay.hops, relay.runs.length])).toEqual([[1, 1], [0, MAX_CLAIM_RUNS]]);
    expect(gossip.pendingPieces).toBe(3);
    expect(gossip.takeRelays()).toEqual([{ hops: 0, runs: many.slice(MAX_CLAIM_RUNS) }]);
  });

  it('throws a TypeError on a bad option', () => {
    expect(() => new ClaimGossip(4, { ttlMs: -1 })).toThrow(/ttlMs .*got -1/);
    expect(() => new ClaimGossip(4, { hops: 256 })).toThrow(/hops must be at most 255/);
    expect(() => new ClaimGossip(4, { starveMs: 1.5 })).toThrow(TypeError);
  });
});

describe('ClaimGossip: expiry and the starvation fallback', () => {
  it('forgets a claim not heard again between TTL/2 and TTL; one heard again lives on', () => {
    const gossip = new ClaimGossip(10);
    gossip.hear([run(0, 2)], 0, 0);
    gossip.hear([run(5, 6)], 0, 0);
    expect(setBits(gossip.claimedUnlessStarved(CLAIM_TTL_MS / 2 - 1, true))).toEqual([0, 1, 5]);
    gossip.hear([run(5, 6)], 0, CLAIM_TTL_MS / 2 + 1);
    expect(setBits(gossip.claimedUnlessStarved(CLAIM_TTL_MS - 1, true))).toEqual([0, 1, 5]);
    expect(setBits(gossip.claimedUnlessStarved(CLAIM_TTL_MS, true))).toEqual([5]);
    expect(setBits(gossip.claimedUnlessStarved(3 * CLAIM_TTL_MS, true))).toEqual([]);
  });

  it('relays a claim again once it has expired (and only then)', () => {
    const gossip = new ClaimGossip(10);
    gossip.hear([run(1, 3)], 2, 0);
    gossip.takeRelays();
    expect(gossip.hear([run(1, 3)], 2, CLAIM_TTL_MS - 1)).toBe(false);
    expect(gossip.hear([run(1, 3)], 2, 3 * CLAIM_TTL_MS)).toBe(true);
  });

  it('gives the claims up once the host has starved STARVE_MS (no piece came, nothing offered), back when peers help again', () => {
    const gossip = new ClaimGossip(10);
    gossip.hear([run(0, 10)], 0, 0);
    expect(gossip.claimedUnlessStarved(100, false).count()).toBe(10);
    expect(gossip.claimedUnlessStarved(100 + STARVE_MS - 1, false).count()).toBe(10);
    expect(gossip.claimedUnlessStarved(100 + STARVE_MS, false).count()).toBe(0);
    expect(gossip.claimedUnlessStarved(100 + STARVE_MS + 1, true).count()).toBe(10);
    // A piece (from a peer or the origin) between two looks that saw nothing offered restarts the clock too.
    gossip.fed(200 + STARVE_MS);
    expect(gossip.claimedUnlessStarved(200 + 2 * STARVE_MS - 1, false).count()).toBe(10);
    expect(gossip.claimedUnlessStarved(200 + 2 * STARVE_MS, false).count()).toBe(0);
  });

  it('sends a new peer the live claims as runs', () => {
    const gossip = new ClaimGossip(10);
    gossip.hear([run(0, 2), run(2, 3), run(7, 10)], 0, 0);
    expect(gossip.snapshot(0)).toEqual([run(0, 3), run(7, 10)]);
    expect(gossip.snapshot(0, 1)).toEqual([run(0, 3)]);
    expect(gossip.snapshot(2 * CLAIM_TTL_MS)).toEqual([]);
  });
});

describe('ClaimGossip: properties', () => {
  const runs = (count: number): fc.Arbitrary<PieceRun[]> =>
    fc.array(fc.tuple(fc.nat({ max: count + 5 }), fc.integer({ min: 1, max: 20 })).map(([start, length]) => run(start, start + length)), { maxLength: 12 });
  const hearing = (count: number) => fc.record({ runs: runs(count), hops: fc.nat({ max: 300 }), afterMs: fc.nat({ max: 5_000 }) });

  it('claims exactly the pieces heard within the TTL; relays each new piece once, with fewer hops than heard, within the file', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 300 }), fc.array(hearing(300), { maxLength: 30 }), (count, hearings) => {
      const gossip = new ClaimGossip(count);
      const relayed = new Map<number, number>();
      const heard = new Set<number>();
      let nowMs = 0;
      for (const { runs: heardRuns, hops, afterMs } of hearings) {
        nowMs += afterMs;
        gossip.hear(heardRuns, hops, nowMs);
        for (const r of heardRuns) for (let index = r.startPiece; index < Math.min(r.endPiece, count); index++) heard.add(index);
        for (const relay of gossip.takeRelays(Infinity)) {
          expect(relay.hops).toBeLessThan(Math.min(CLAIM_HOPS, 255));
          expect(relay.runs.length).toBeLessThanOrEqual(MAX_CLAIM_RUNS);
          for (const r of relay.runs) {
            expect(r.startPiece).toBeLessThan(r.endPiece);
            expect(r.endPiece).toBeLessThanOrEqual(count);
            for (let index = r.startPiece; index < r.endPiece; index++) relayed.set(index, (relayed.get(index) ?? 0) + 1);
          }
        }
      }
      // Within one TTL (5 s steps, 30 at most = 150 s: so only when the total stays under TTL/2).
      if (nowMs < CLAIM_TTL_MS / 2) {
        expect(setBits(gossip.claimedUnlessStarved(nowMs, true))).toEqual([...heard].sort((a, b) => a - b));
        for (const times of relayed.values()) expect(times).toBe(1);
      }
      for (const index of relayed.keys()) expect(heard.has(index)).toBe(true);
      expect(gossip.pendingPieces).toBe(0);
    }));
  });

  it('keeps no more than the file in memory and relays no more than the file per TTL, however much a peer sends', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 200 }), fc.array(runs(200), { minLength: 1, maxLength: 50 }), (count, floods) => {
      const gossip = new ClaimGossip(count);
      let relayedPieces = 0;
      floods.forEach((flood, i) => {
        gossip.hear(flood, 255, i);
        for (const relay of gossip.takeRelays(Infinity)) for (const r of relay.runs) relayedPieces += r.endPiece - r.startPiece;
      });
      expect(relayedPieces).toBeLessThanOrEqual(count);
      expect(gossip.claimedUnlessStarved(floods.length, true).length).toBe(count);
    }));
  });
});

describe('claimInbox', () => {
  it(`takes a burst of ${CLAIM_BURST_MESSAGES} messages, then one per ${CLAIM_REFILL_MS} ms; a flood beyond it is refused for good`, () => {
    const inbox = claimInbox();
    for (let i = 0; i < CLAIM_BURST_MESSAGES; i++) expect(inbox.accept(0, 1).verdict).toBe('ok');
    expect(inbox.accept(CLAIM_REFILL_MS, 1).verdict).toBe('ok');
    expect(inbox.accept(CLAIM_REFILL_MS, 1).verdict).toBe('flood');
    expect(inbox.accept(10 * CLAIM_TTL_MS, 1).verdict).toBe('flood');
  });

  it('never refuses a peer that sends what takeRelays gives every CLAIM_RELAY_MS', () => {
    const inbox = claimInbox();
    for (let t = 0; t < 60_000; t += CLAIM_RELAY_MS) {
      for (let i = 0; i < CLAIM_MESSAGES_PER_RELAY; i++) expect(inbox.accept(t, MAX_CLAIM_RUNS).verdict).toBe('ok');
    }
  });
});
