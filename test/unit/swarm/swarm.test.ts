/**
 * Swarm against fake peers and a fake host: each peer is a {@link FakeLink} handed in with
 * `addPeer` as the host does after the proof handshake; the host is a {@link FakeSwarmHost} that
 * records what the swarm asks of it; the store and the piece trust are real (a temp dir). What is
 * asserted is what goes on the wire, to the host and to the swarm's callbacks. Peer exchange has
 * its own file (swarm-exchange.test.ts).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SELF } from '../../../src/swarm/piece-trust.js';
import type { WireMessage } from '../../../src/wire/codec.js';
import { bits } from '../../helpers/picker-fixtures.js';
import { HOST_TCP_PORT, PIECE_BYTES, SWARM_FAKE_TIMERS, SWARM_ID, connect, peerIdOf, useSwarmHarness } from '../../helpers/swarm-harness.js';
import { digestOf, pieceOf, putPieces, useTempStores } from '../../helpers/temp-store.js';

const openStore = useTempStores();
const setup = useSwarmHarness(openStore);

/** A bitfield message of `pattern` (see `bits`). */
function bitfield(pattern: string): WireMessage {
  return { type: 'bitfield', bytes: bits(pattern).toBytes() };
}

describe('Swarm: start and stop', () => {
  it('start attaches to the host; stop detaches and destroys every link', async () => {
    const h = await setup({ have: [0] });
    h.swarm.start();
    expect(h.host.attached).toEqual([h.swarm]);
    const a = connect(h, 1);
    const b = connect(h, 2, { outbound: false });
    expect(h.swarm.peerCount).toBe(2);
    h.swarm.stop();
    expect(h.host.detached).toEqual([h.swarm]);
    expect([a.link.closeReason, b.link.closeReason]).toEqual(['shutting down', 'shutting down']);
    expect(h.swarm.peerCount).toBe(0);
  });
});

describe('Swarm.addPeer: what a new peer hears first', () => {
  it('our listen port, the digest of each piece we have, then the bitfield offering them', async () => {
    const h = await setup({ have: [0, 2] });
    const { link } = connect(h, 1);
    expect(link.sent).toEqual([
      { type: 'listen', port: HOST_TCP_PORT },
      { type: 'piece-hash', piece: 0, hash: digestOf(h.store, h.content, 0) },
      { type: 'piece-hash', piece: 2, hash: digestOf(h.store, h.content, 2) },
      bitfield('YnYn'),
    ]);
    expect(h.swarm.peers()).toEqual([{ id: peerIdOf(1), address: '127.0.0.3', piecesHeld: 0, downloadedBytes: 0, uploadedBytes: 0, source: 'fixed' }]);
  });

  it('the runs our origin connections fetch come after listen, before the digests', async () => {
    const h = await setup({ have: [0] });
    h.swarm.announceFetching([{ startPiece: 2, endPiece: 4 }]);
    const { link } = connect(h, 1);
    expect(link.sent).toEqual([
      { type: 'listen', port: HOST_TCP_PORT },
      { type: 'fetching', runs: [{ startPiece: 2, endPiece: 4 }] },
      { type: 'piece-hash', piece: 0, hash: digestOf(h.store, h.content, 0) },
      bitfield('Ynnn'),
    ]);
  });

  it('a piece without a digest is not offered: it is announced as fetched, hashed from disk, then offered', async () => {
    const h = await setup({ have: [0], undigested: [1, 2] });
    const { link } = connect(h, 1);
    expect(link.sent.slice(0, 4)).toEqual([
      { type: 'listen', port: HOST_TCP_PORT },
      { type: 'fetching', runs: [{ startPiece: 1, endPiece: 3 }] },
      { type: 'piece-hash', piece: 0, hash: digestOf(h.store, h.content, 0) },
      bitfield('Ynnn'),
    ]);
    await link.until((l) => l.sentOf('have').length === 2 && l.sent.at(-1)?.type === 'fetching', 'both pieces hashed and offered');
    expect(link.sentTypes().slice(4)).toEqual(['fetching', 'piece-hash', 'have', 'piece-hash', 'have', 'fetching']);
    expect(link.sentOf('piece-hash').slice(1)).toEqual([1, 2].map((piece) => ({ type: 'piece-hash', piece, hash: digestOf(h.store, h.content, piece) })));
    expect(link.sentOf('have')).toEqual([{ type: 'have', piece: 1 }, { type: 'have', piece: 2 }]);
    expect(link.sent.at(-1)).toEqual({ type: 'fetching', runs: [] });
    expect(h.store.digestOf(1)).toEqual(digestOf(h.store, h.content, 1));
  });

  it('a link handed in after stop, or of a banned peer, is destroyed unheard', async () => {
    const h = await setup({ have: [0] });
    h.swarm.ban(peerIdOf(1), 'test ban');
    const banned = connect(h, 1);
    expect(banned.link.closeReason).toBe('closed');
    h.swarm.stop();
    const late = connect(h, 2);
    expect(late.link.closeReason).toBe('closed');
    expect([...banned.link.sent, ...late.link.sent]).toEqual([]);
    expect(h.swarm.peerCount).toBe(0);
  });
});

describe('Swarm.waitForPeer', () => {
  const QUIET_MS = 100;
  const MAX_MS = 1000;
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Fake timers for the wait's timeouts (the store is opened before, on real ones). */
  function fakeTime(): void {
    vi.useFakeTimers({ toFake: [...SWARM_FAKE_TIMERS.toFake] });
  }

  /** A wait started now, and whether it has resolved yet. */
  function startWait(h: Awaited<ReturnType<typeof setup>>, signal = new AbortController().signal): { done: boolean } {
    const state = { done: false };
    void h.swarm.waitForPeer({ quietMs: QUIET_MS, maxMs: MAX_MS }, signal).then(() => {
      state.done = true;
    });
    return state;
  }

  it('resolves at once with no time to wait, an aborted signal, or a bitfield already here', async () => {
    const h = await setup();
    fakeTime();
    h.host.joiningNow = true;
    await h.swarm.waitForPeer({ quietMs: QUIET_MS, maxMs: 0 }, new AbortController().signal);
    await h.swarm.waitForPeer({ quietMs: QUIET_MS, maxMs: MAX_MS }, AbortSignal.abort());
    connect(h, 1).link.receive(bitfield('nnnn'));
    await h.swarm.waitForPeer({ quietMs: QUIET_MS, maxMs: MAX_MS }, new AbortController().signal);
    expect(vi.getTimerCount(), 'no wait left a timer behind').toBe(0);
  });

  it("resolves on a peer's bitfield, before the quiet window", async () => {
    const h = await setup();
    fakeTime();
    const wait = startWait(h);
    const { link } = connect(h, 1);
    await vi.advanceTimersByTimeAsync(QUIET_MS * 2);
    expect(wait.done, 'a peer without a bitfield yet holds the wait').toBe(false);
    link.receive(bitfield('nnnn'));
    await vi.advanceTimersByTimeAsync(0);
    expect(wait.done).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('resolves after quietMs when the host says nothing is joining', async () => {
    const h = await setup();
    fakeTime();
    const wait = startWait(h);
    await vi.advanceTimersByTimeAsync(QUIET_MS - 1);
    expect(wait.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(wait.done).toBe(true);
    expect(h.host.joiningAsked.at(-1)).toEqual(SWARM_ID);
  });

  it('is held while the host is joining, and released by hostChanged once it is not', async () => {
    const h = await setup();
    fakeTime();
    h.host.joiningNow = true;
    const wait = startWait(h);
    await vi.advanceTimersByTimeAsync(QUIET_MS * 3);
    h.swarm.hostChanged();
    await vi.advanceTimersByTimeAsync(0);
    expect(wait.done, 'still joining').toBe(false);
    h.host.joiningNow = false;
    await vi.advanceTimersByTimeAsync(QUIET_MS);
    expect(wait.done, 'nothing re-asks the host until it says something changed').toBe(false);
    h.swarm.hostChanged();
    await vi.advanceTimersByTimeAsync(0);
    expect(wait.done).toBe(true);
  });

  it('is released when a peer without a bitfield leaves and nothing else is joining', async () => {
    const h = await setup();
    fakeTime();
    const wait = startWait(h);
    const { link } = connect(h, 1);
    await vi.advanceTimersByTimeAsync(QUIET_MS * 2);
    expect(wait.done).toBe(false);
    link.destroy('gone');
    await vi.advanceTimersByTimeAsync(0);
    expect(wait.done).toBe(true);
  });

  it('is bounded by maxMs', async () => {
    const h = await setup();
    fakeTime();
    h.host.joiningNow = true;
    const wait = startWait(h);
    await vi.advanceTimersByTimeAsync(MAX_MS - 1);
    expect(wait.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(wait.done).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('resolves when its signal is aborted during the wait', async () => {
    const h = await setup();
    fakeTime();
    h.host.joiningNow = true;
    const abort = new AbortController();
    const wait = startWait(h, abort.signal);
    await vi.advanceTimersByTimeAsync(QUIET_MS);
    expect(wait.done).toBe(false);
    abort.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(wait.done).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('Swarm: misbehaving peers are dropped', () => {
  it('a second bitfield, or a malformed one', async () => {
    const h = await setup();
    const twice = connect(h, 1);
    twice.link.receive(bitfield('nnnn'));
    expect(twice.link.closed).toBe(false);
    twice.link.receive(bitfield('YYYY'));
    expect(twice.link.closeReason).toBe('second bitfield');
    const long = connect(h, 2);
    long.link.receive({ type: 'bitfield', bytes: new Uint8Array(2) });
    expect(long.link.closeReason).toBe('bad bitfield');
    expect(h.swarm.peerCount).toBe(0);
  });

  it('a piece-hash out of range', async () => {
    const h = await setup();
    const { link } = connect(h, 1);
    link.receive({ type: 'piece-hash', piece: 3, hash: digestOf(h.store, h.content, 3) });
    expect(link.closed).toBe(false);
    link.receive({ type: 'piece-hash', piece: 4, hash: digestOf(h.store, h.content, 3) });
    expect(link.closeReason).toBe('piece-hash out of range');
  });

  it('bad fetching runs: past the last piece, or empty (which the decoder refuses first)', async () => {
    const h = await setup();
    const good = connect(h, 1);
    good.link.receive({ type: 'fetching', runs: [{ startPiece: 0, endPiece: 4 }] });
    expect(good.link.closed).toBe(false);
    const past = connect(h, 2);
    past.link.receive({ type: 'fetching', runs: [{ startPiece: 1, endPiece: 2 }, { startPiece: 3, endPiece: 5 }] });
    expect(past.link.closeReason).toBe('bad fetching runs');
    const empty = connect(h, 3);
    empty.link.emit('message', { type: 'fetching', runs: [{ startPiece: 2, endPiece: 2 }] });
    expect(empty.link.closeReason).toBe('bad fetching runs');
  });

  it('a piece-hash that contradicts the origin bans the peer', async () => {
    const h = await setup({ have: [0] });
    h.swarm.originPiece(0);
    const { link } = connect(h, 1);
    link.receive({ type: 'piece-hash', piece: 0, hash: digestOf(h.store, h.content, 1) });
    const reason = 'announced a digest the origin contradicts';
    expect(link.closeReason).toBe(reason);
    expect(h.bans).toEqual([{ id: peerIdOf(1), reason }]);
    expect(h.host.bans).toEqual([peerIdOf(1)]);
  });
});

describe('Swarm.ban', () => {
  it('bans on the host and in the trust, destroys the link, and reports onBan once', async () => {
    const h = await setup();
    const { link } = connect(h, 1);
    const other = connect(h, 2);
    h.swarm.ban(peerIdOf(1), 'sent junk');
    h.swarm.ban(peerIdOf(1), 'sent junk again');
    expect(link.closeReason).toBe('sent junk');
    expect(h.trust.isBanned(peerIdOf(1))).toBe(true);
    expect(h.host.bans).toEqual([peerIdOf(1), peerIdOf(1)]);
    expect(h.bans).toEqual([{ id: peerIdOf(1), reason: 'sent junk' }]);
    expect(other.link.closed).toBe(false);
    expect(h.swarm.peerCount).toBe(1);
  });

  it('never bans ourselves (the pseudo peer of our resumed pieces)', async () => {
    const h = await setup();
    h.swarm.ban(SELF, 'contradicted');
    expect([h.host.bans, h.bans, h.trust.isBanned(SELF)]).toEqual([[], [], false]);
  });
});

describe('Swarm: downloads through the dispatcher', () => {
  it('a have with a digest, once unchoked, makes us interested and asks for the piece', async () => {
    const h = await setup();
    const { link } = connect(h, 1);
    link.clearSent();
    link.receive(bitfield('nnnn'));
    link.receive({ type: 'unchoke' });
    link.receive({ type: 'piece-hash', piece: 2, hash: digestOf(h.store, h.content, 2) });
    expect(link.sent).toEqual([]);
    link.receive({ type: 'have', piece: 2 });
    expect(link.sent).toEqual([{ type: 'interested' }, { type: 'request', piece: 2, begin: 0, length: PIECE_BYTES }]);
    link.receive({ type: 'piece', piece: 2, begin: 0, block: pieceOf(h.store, h.content, 2) });
    await h.watch.until(() => h.pieces.length > 0, 'the piece checked and kept');
    expect(h.pieces).toEqual([2]);
    expect(h.store.have.has(2)).toBe(true);
    expect(h.swarm.peers()[0]?.downloadedBytes).toBe(PIECE_BYTES);
  });

  it('a piece offered without a digest is not asked for until its piece-hash comes', async () => {
    const h = await setup();
    const { link } = connect(h, 1);
    link.clearSent();
    link.receive(bitfield('nYnn'));
    link.receive({ type: 'unchoke' });
    expect(link.sent).toEqual([{ type: 'interested' }]);
    link.receive({ type: 'piece-hash', piece: 1, hash: digestOf(h.store, h.content, 1) });
    expect(link.sent).toEqual([{ type: 'interested' }, { type: 'request', piece: 1, begin: 0, length: PIECE_BYTES }]);
  });

  it('a peer that fetches a piece from the origin and has a lower id takes precedence', async () => {
    const h = await setup();
    const lower = connect(h, 1, { id: '11'.repeat(20) });
    const higher = connect(h, 2);
    lower.link.receive({ type: 'fetching', runs: [{ startPiece: 0, endPiece: 2 }] });
    higher.link.receive({ type: 'fetching', runs: [{ startPiece: 2, endPiece: 3 }] });
    expect([0, 1, 2, 3].map((piece) => h.swarm.yieldsAt(piece))).toEqual([true, true, false, false]);
    expect(h.swarm.othersTaken().toBytes()).toEqual(bits('YYYn').toBytes());
  });
});

describe('Swarm.announceHave', () => {
  it('sends piece-hash then have to every peer; completion tells the host and ends our interest', async () => {
    const h = await setup({ have: [0, 1] });
    const a = connect(h, 1);
    const b = connect(h, 2, { outbound: false });
    a.link.receive(bitfield('nnnY'));
    for (const { link } of [a, b]) link.clearSent();
    await putPieces(h.store, h.content, [2]);
    h.swarm.announceHave(2);
    const hash2 = { type: 'piece-hash', piece: 2, hash: digestOf(h.store, h.content, 2) };
    expect(a.link.sent).toEqual([hash2, { type: 'have', piece: 2 }]);
    expect(b.link.sent).toEqual([hash2, { type: 'have', piece: 2 }]);
    expect(h.host.swarmChanges).toBe(0);
    await putPieces(h.store, h.content, [3]);
    h.swarm.announceHave(3);
    expect(h.host.swarmChanges, 'trackers hear completed').toBe(1);
    expect(a.link.sent.slice(2)).toEqual([{ type: 'piece-hash', piece: 3, hash: digestOf(h.store, h.content, 3) }, { type: 'have', piece: 3 }, { type: 'not-interested' }]);
    expect(b.link.sentTypes().slice(2), 'b was never interesting').toEqual(['piece-hash', 'have']);
    h.swarm.announceHave(3);
    expect(h.host.swarmChanges, 'only a change is reported').toBe(1);
  });
});

describe('Swarm.peersBySource', () => {
  it('counts connected peers by the origin of their connection', async () => {
    const h = await setup();
    expect(h.swarm.peersBySource()).toEqual({});
    connect(h, 1, { origin: 'broadcast' });
    const tracker = connect(h, 2, { origin: 'tracker' });
    connect(h, 3, { origin: 'tracker' });
    connect(h, 4, { outbound: false });
    connect(h, 5, { origin: 'exchange' });
    expect(h.swarm.peersBySource()).toEqual({ broadcast: 1, tracker: 2, incoming: 1, exchange: 1 });
    tracker.link.destroy('gone');
    expect(h.swarm.peersBySource()).toEqual({ broadcast: 1, tracker: 1, incoming: 1, exchange: 1 });
  });
});
