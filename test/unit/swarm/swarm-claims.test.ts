/**
 * Claim gossip in the Swarm (the policy itself is tested in claim-gossip.test.ts): a peer's
 * `fetching` runs go on to the other peers as `claims`, relayed claims enter what the origin
 * fetcher leaves alone and go on with one hop less, a new peer first hears the claims known, and
 * a peer that sends claims outside the file or too many is dropped. Fake peers ({@link FakeLink}).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CLAIM_BURST_MESSAGES, CLAIM_HOPS, CLAIM_RELAY_MS } from '../../../src/swarm/claim-gossip.js';
import { SWARM_FAKE_TIMERS, connect, useSwarmHarness } from '../../helpers/swarm-harness.js';
import { useTempStores } from '../../helpers/temp-store.js';

const openStore = useTempStores();
const setup = useSwarmHarness(openStore);

afterEach(() => {
  vi.useRealTimers();
});

describe('Swarm: claim gossip', () => {
  it("a peer's fetching runs reach the other peers as claims after the relay delay, with one hop less", async () => {
    const h = await setup({ pieces: 8 });
    vi.useFakeTimers({ toFake: [...SWARM_FAKE_TIMERS.toFake] });
    const a = connect(h, 1);
    const b = connect(h, 2);
    a.link.receive({ type: 'fetching', runs: [{ startPiece: 2, endPiece: 5 }] });
    expect(b.link.sentOf('claims')).toEqual([]);
    vi.advanceTimersByTime(CLAIM_RELAY_MS);
    expect(b.link.sentOf('claims')).toEqual([{ type: 'claims', hops: CLAIM_HOPS - 1, runs: [{ startPiece: 2, endPiece: 5 }] }]);
    // The same runs again (a shorter run, as the peer gets on): nothing new to relay.
    a.link.receive({ type: 'fetching', runs: [{ startPiece: 3, endPiece: 5 }] });
    vi.advanceTimersByTime(CLAIM_RELAY_MS);
    expect(b.link.sentOf('claims')).toHaveLength(1);
  });

  it('relayed claims are left alone by the origin fetcher and go on with one hop less; with no hop left they stop here', async () => {
    const h = await setup({ pieces: 8 });
    vi.useFakeTimers({ toFake: [...SWARM_FAKE_TIMERS.toFake] });
    const a = connect(h, 1);
    const b = connect(h, 2);
    a.link.receive({ type: 'claims', hops: 1, runs: [{ startPiece: 0, endPiece: 2 }] });
    a.link.receive({ type: 'claims', hops: 0, runs: [{ startPiece: 6, endPiece: 7 }] });
    const taken = h.swarm.othersTaken();
    expect([0, 1, 2, 5, 6, 7].map((piece) => taken.has(piece))).toEqual([true, true, false, false, true, false]);
    vi.advanceTimersByTime(CLAIM_RELAY_MS);
    expect(b.link.sentOf('claims')).toEqual([{ type: 'claims', hops: 0, runs: [{ startPiece: 0, endPiece: 2 }] }]);
  });

  it('a new peer first hears the claims we know of, with no hop left, before the runs and the bitfield', async () => {
    const h = await setup({ pieces: 8 });
    const a = connect(h, 1);
    a.link.receive({ type: 'claims', hops: 2, runs: [{ startPiece: 4, endPiece: 6 }] });
    const b = connect(h, 2);
    const first = b.link.sent.findIndex((message) => message.type === 'claims');
    expect(b.link.sent[first]).toEqual({ type: 'claims', hops: 0, runs: [{ startPiece: 4, endPiece: 6 }] });
    expect(first).toBeLessThan(b.link.sent.findIndex((message) => message.type === 'bitfield'));
  });

  it('drops a peer whose claims run past the file, and one that floods claims', async () => {
    const h = await setup({ pieces: 8 });
    const past = connect(h, 1);
    past.link.receive({ type: 'claims', hops: 1, runs: [{ startPiece: 7, endPiece: 9 }] });
    expect(past.link.closeReason).toBe('claims runs out of range');
    const flood = connect(h, 2);
    for (let i = 0; i <= CLAIM_BURST_MESSAGES && flood.link.closeReason === null; i++) {
      flood.link.receive({ type: 'claims', hops: 0, runs: [{ startPiece: 0, endPiece: 1 }] });
    }
    expect(flood.link.closeReason).toBe('claims flood');
  });
});
