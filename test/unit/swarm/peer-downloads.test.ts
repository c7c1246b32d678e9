/**
 * PeerDownloads against fake peers: each peer is a {@link Peer} on a {@link FakeLink}, whose
 * messages a small dispatcher hands to the downloads as the swarm does; the store and the piece
 * trust are real (a temp dir). What is asserted is what goes on the wire and into the store.
 */
import { describe, expect, it } from 'vitest';
import { Bitfield } from '../../../src/pieces/bitfield.js';
import { TokenBucket } from '../../../src/rate-limit/token-bucket.js';
import type { PieceStore } from '../../../src/storage/piece-store.js';
import { makeContent } from '../../../src/testing/origin-content.js';
import { Peer } from '../../../src/swarm/peer.js';
import { BLOCK_BYTES, PeerDownloads } from '../../../src/swarm/peer-downloads.js';
import { MAX_BAD_PIECES, PieceTrust } from '../../../src/swarm/piece-trust.js';
import { INITIAL_ASKED_PER_PEER } from '../../../src/swarm/swarm-parameters.js';
import type { WireMessage } from '../../../src/wire/codec.js';
import { FakeLink } from '../../helpers/fake-link.js';
import { bits, indexesOf } from '../../helpers/picker-fixtures.js';
import { digestOf, pieceOf, putPieces, useTempStores } from '../../helpers/temp-store.js';
import { Watch } from '../../helpers/watch.js';

/** Not exported by peer-downloads.ts: blocks asked of one peer at once, strikes, ask timeout. */
/** Blocks asked of a peer whose rate is not measured yet (every peer of these quick tests). */
const PIPELINE_DEPTH = INITIAL_ASKED_PER_PEER;
const MAX_STRIKES = 3;
const ASK_TIMEOUT_MS = 20_000;
/** The smallest piece size: one block per piece. */
const PIECE = 16 * 1024;

const openStore = useTempStores();

/** One fake peer: its Peer, its link, and the block handlers still running. */
interface Remote {
  readonly peer: Peer;
  readonly link: FakeLink;
  readonly blocks: Array<Promise<void>>;
}

/** The downloads of one file, the fakes around them, and what their callbacks reported. */
interface Harness {
  readonly store: PieceStore;
  readonly content: Buffer;
  readonly trust: PieceTrust;
  readonly downloads: PeerDownloads;
  readonly peers: Map<string, Peer>;
  readonly originInFlight: Bitfield;
  readonly pieces: number[];
  readonly corrupt: Array<{ piece: number; peers: readonly string[] }>;
  readonly bans: Array<{ id: string; reason: string }>;
  readonly peerBytes: number[];
  changes: number;
  readonly watch: Watch;
}

/**
 * A file of `pieces` pieces (`pieceBytes` each; the last `lastBytes`), the store holding the
 * pieces set in `have`, and a digest for the pieces set in `digests` (all by default), as a
 * peer announced them.
 */
async function setup(options: { pieces: number; pieceBytes?: number; lastBytes?: number; have?: string; digests?: string }): Promise<Harness> {
  const pieceBytes = options.pieceBytes ?? PIECE;
  const fileBytes = (options.pieces - 1) * pieceBytes + (options.lastBytes ?? pieceBytes);
  const store = await openStore(fileBytes, pieceBytes);
  const content = makeContent(fileBytes, 7);
  const have = bits(options.have ?? 'n'.repeat(options.pieces));
  await putPieces(store, content, indexesOf(have));
  const trust = new PieceTrust(store);
  for (const index of indexesOf(bits(options.digests ?? 'Y'.repeat(options.pieces)))) trust.claim(index, digestOf(store, content, index), 'announcer');
  const peers = new Map<string, Peer>();
  const watch = new Watch();
  const originInFlight = new Bitfield(options.pieces);
  const h: Harness = {
    store, content, trust, peers, originInFlight, pieces: [], corrupt: [], bans: [], peerBytes: [], changes: 0, watch,
    downloads: new PeerDownloads({
      store, trust, downLimiter: new TokenBucket(null, 0), originInFlight: () => originInFlight,
      onPiece: (index) => { h.pieces.push(index); watch.poke(); },
      onPeerBytes: (bytes) => { h.peerBytes.push(bytes); watch.poke(); },
      onChange: () => { h.changes += 1; },
      onCorrupt: (piece, senders) => { h.corrupt.push({ piece, peers: senders }); watch.poke(); },
    }, {
      peers,
      // As Swarm.ban: the peer is refused and its connection dropped.
      ban: (id, reason) => { h.bans.push({ id, reason }); peers.get(id)?.connection.destroy(reason); },
    }),
  };
  return h;
}

/** A peer on a fake link, registered as the swarm does: its messages go to the downloads. */
function connect(h: Harness, id: string): Remote {
  const link = new FakeLink();
  const peer = new Peer(id, '127.0.0.1', link, h.store.geometry.pieceCount, false);
  const remote: Remote = { peer, link, blocks: [] };
  h.peers.set(id, peer);
  link.on('message', (message: WireMessage) => dispatch(h, remote, message));
  // As Swarm.#unregister: what it had is no longer offered, what we asked of it goes elsewhere.
  link.once('close', () => {
    h.peers.delete(id);
    h.downloads.dropPeer(peer);
    h.downloads.scheduleAll();
  });
  return remote;
}

/** The download side of Swarm.#onMessage. */
function dispatch(h: Harness, remote: Remote, message: WireMessage): void {
  const { peer } = remote;
  switch (message.type) {
    case 'bitfield':
      if (!h.downloads.addBitfield(peer, message.bytes)) return peer.connection.destroy('bad bitfield');
      return h.downloads.schedule(peer);
    case 'have':
      return h.downloads.onHave(peer, message.piece);
    case 'choke':
      return h.downloads.onChoke(peer);
    case 'unchoke':
      return h.downloads.onUnchoke(peer);
    case 'piece':
      remote.blocks.push(h.downloads.onBlock(peer, message.piece, message.begin, message.block));
      return;
    case 'reject':
      return h.downloads.onReject(peer, message.piece, message.begin);
    default:
      return;
  }
}

/** A peer that has the pieces set in `has` and unchokes us (`unchoke: false`: not yet). */
function peerWith(h: Harness, id: string, has: string, { unchoke = true } = {}): Remote {
  const remote = connect(h, id);
  remote.link.receive({ type: 'bitfield', bytes: bits(has).toBytes() });
  if (unchoke) remote.link.receive({ type: 'unchoke' });
  return remote;
}

/** The [piece, begin, length] of each request `remote` was sent. */
function requests(remote: Remote): Array<[number, number, number]> {
  return remote.link.sentOf('request').map((r) => [r.piece, r.begin, r.length]);
}

/** `remote` answers its request number `at` with the right bytes (or `corrupt` ones); the write is awaited. */
async function answer(h: Harness, remote: Remote, at: number, { corrupt = false } = {}): Promise<void> {
  const ask = remote.link.sentOf('request')[at];
  if (!ask) throw new Error(`no request number ${at} was sent to ${remote.peer.id}`);
  const block = pieceOf(h.store, h.content, ask.piece).subarray(ask.begin, ask.begin + ask.length);
  if (corrupt) block[0] = (block[0] ?? 0) ^ 0xff;
  remote.link.receive({ type: 'piece', piece: ask.piece, begin: ask.begin, block });
  await Promise.all(remote.blocks);
}

describe('PeerDownloads: interest and requests', () => {
  it('a bitfield with a piece we lack makes us interested; we ask nothing until unchoked', async () => {
    const h = await setup({ pieces: 4, have: 'Ynnn' });
    const a = peerWith(h, 'a', 'YYYY', { unchoke: false });
    expect(a.link.sentTypes()).toEqual(['interested']);
    expect(a.peer.amInterested).toBe(true);
    a.link.receive({ type: 'unchoke' });
    expect(requests(a)).toHaveLength(1);
  });

  it('a peer with only pieces we have does not interest us', async () => {
    const h = await setup({ pieces: 4, have: 'YYnn' });
    const a = peerWith(h, 'a', 'YYnn');
    expect(a.link.sent).toEqual([]);
  });

  it('on probation (no good piece yet) a peer gets one piece, the end of the longest gap, and only one with a digest', async () => {
    const h = await setup({ pieces: 6, have: 'Ynnnnn', digests: 'YYYYnn' });
    const a = peerWith(h, 'a', 'YYYYYY');
    expect(requests(a)).toEqual([[3, 0, PIECE]]);
  });

  it('does not ask peers for a piece our origin connections fetch now', async () => {
    const h = await setup({ pieces: 4 });
    h.originInFlight.set(3);
    const a = peerWith(h, 'a', 'YYYY');
    expect(requests(a)).toEqual([[2, 0, PIECE]]);
  });

  it('once a piece matched its digest, a peer is asked up to the pipeline depth, and kept there', async () => {
    const h = await setup({ pieces: 24 });
    const a = peerWith(h, 'a', 'Y'.repeat(24));
    expect(requests(a)).toHaveLength(1);
    await answer(h, a, 0);
    await h.watch.until(() => h.pieces.length === 1, 'the first piece');
    expect(a.peer.goodPieces).toBe(1);
    expect(a.peer.asked.size).toBe(PIPELINE_DEPTH);
    expect(requests(a)).toHaveLength(1 + PIPELINE_DEPTH);
    expect(new Set(requests(a).map(([piece]) => piece)).size).toBe(1 + PIPELINE_DEPTH);
    await answer(h, a, 1);
    expect(a.peer.asked.size, 'one answered, one more asked').toBe(PIPELINE_DEPTH);
  });

  it('a have of a piece out of range drops the peer; one in range is recorded and interests us', async () => {
    const h = await setup({ pieces: 4 });
    const a = peerWith(h, 'a', 'nnnn', { unchoke: false });
    const before = h.changes;
    a.link.receive({ type: 'have', piece: 2 });
    expect(a.peer.has.has(2)).toBe(true);
    expect(a.link.sentTypes()).toEqual(['interested']);
    expect(h.changes).toBe(before + 1);
    expect(h.downloads.isTaken(2)).toBe(true);
    a.link.receive({ type: 'have', piece: 4 });
    expect(a.link.closeReason).toBe('have out of range');
  });

  it('a bitfield of the wrong length is refused', async () => {
    const h = await setup({ pieces: 9 });
    const a = connect(h, 'a');
    a.link.receive({ type: 'bitfield', bytes: new Uint8Array(1) });
    expect(a.link.closeReason).toBe('bad bitfield');
  });
});

describe('PeerDownloads: blocks', () => {
  it('writes each block as it arrives, and marks the piece once whole and matching its digest', async () => {
    // Piece 1 has two blocks: a whole one and a short one.
    const h = await setup({ pieces: 2, pieceBytes: 2 * BLOCK_BYTES, lastBytes: BLOCK_BYTES + 1000 });
    const a = peerWith(h, 'a', 'YY');
    expect(requests(a)).toEqual([[1, 0, BLOCK_BYTES], [1, BLOCK_BYTES, 1000]]);
    await answer(h, a, 0);
    expect(h.peerBytes).toEqual([BLOCK_BYTES]);
    const onDisk = Buffer.alloc(BLOCK_BYTES);
    await h.store.read(2 * BLOCK_BYTES, onDisk);
    expect(onDisk.equals(pieceOf(h.store, h.content, 1).subarray(0, BLOCK_BYTES))).toBe(true);
    expect(h.store.have.has(1)).toBe(false);
    expect(h.pieces).toEqual([]);
    await answer(h, a, 1);
    await h.watch.until(() => h.pieces.length === 1, 'piece 1');
    expect(h.pieces).toEqual([1]);
    expect(h.store.have.has(1)).toBe(true);
    expect(h.store.digestOf(1)?.equals(digestOf(h.store, h.content, 1))).toBe(true);
    expect(a.peer.downloadedBytes).toBe(BLOCK_BYTES + 1000);
    expect(h.trust.sourcesOf(1)).toEqual(new Set(['a']));
    expect(requests(a).slice(2).map(([piece]) => piece), 'then the next piece').toEqual([0, 0]);
  });

  it(`a piece that fails its digest is not kept and counts against its sender, banned at ${MAX_BAD_PIECES}`, async () => {
    const h = await setup({ pieces: 4 });
    const a = peerWith(h, 'a', 'YYYY');
    await answer(h, a, 0, { corrupt: true });
    await h.watch.until(() => h.corrupt.length === 1, 'the first bad piece');
    expect(h.corrupt).toEqual([{ piece: 3, peers: ['a'] }]);
    expect(h.store.have.has(3)).toBe(false);
    expect(h.store.digestOf(3)).toBeNull();
    expect(h.bans).toEqual([]);
    expect(a.link.closed).toBe(false);
    expect(requests(a), 'asked again (still on probation: one piece)').toEqual([[3, 0, PIECE], [3, 0, PIECE]]);
    await answer(h, a, 1, { corrupt: true });
    await h.watch.until(() => h.corrupt.length === 2, 'the second bad piece');
    expect(h.bans).toEqual([{ id: 'a', reason: `sent ${MAX_BAD_PIECES} pieces that failed their digest` }]);
    expect(h.trust.isBanned('a')).toBe(true);
    expect(a.link.closed).toBe(true);
    expect(h.pieces).toEqual([]);
  });

  it(`an unrequested block is a strike, and ${MAX_STRIKES} drop the peer; nothing of them is written`, async () => {
    const h = await setup({ pieces: 4 });
    const a = peerWith(h, 'a', 'YYYY');
    expect(requests(a)).toEqual([[3, 0, PIECE]]);
    a.link.receive({ type: 'piece', piece: 0, begin: 0, block: pieceOf(h.store, h.content, 0) });
    expect(a.peer.strikes).toBe(1);
    // The block asked, but not of the length asked: a strike too, and the ask stands.
    a.link.receive({ type: 'piece', piece: 3, begin: 0, block: pieceOf(h.store, h.content, 3).subarray(0, 100) });
    expect(a.peer.strikes).toBe(2);
    expect(a.peer.asked.size).toBe(1);
    expect(a.link.closed).toBe(false);
    a.link.receive({ type: 'piece', piece: 1, begin: 0, block: pieceOf(h.store, h.content, 1) });
    expect(a.link.closeReason).toBe('unrequested blocks');
    await Promise.all(a.blocks);
    expect(h.peerBytes).toEqual([]);
  });
});

describe('PeerDownloads: choke, reject, stalls', () => {
  it('a choke forgets what we asked: another peer is asked, and the choker again once it unchokes', async () => {
    const h = await setup({ pieces: 4 });
    const a = peerWith(h, 'a', 'YYYY');
    const b = peerWith(h, 'b', 'nnnY');
    expect(requests(a)).toEqual([[3, 0, PIECE]]);
    expect(requests(b), 'piece 3 is asked of a').toEqual([]);
    a.link.receive({ type: 'choke' });
    expect(a.peer.asked.size).toBe(0);
    expect(requests(b)).toEqual([[3, 0, PIECE]]);
    expect(requests(a)).toHaveLength(1);
    a.link.receive({ type: 'unchoke' });
    expect(requests(a).slice(1)).toEqual([[2, 0, PIECE]]);
    // A block of the ask that the choke discarded is no longer awaited of a.
    a.link.receive({ type: 'piece', piece: 3, begin: 0, block: pieceOf(h.store, h.content, 3) });
    expect(a.peer.strikes).toBe(1);
  });

  it('a reject of an asked block: the peer no longer offers that piece, and is asked for another', async () => {
    const h = await setup({ pieces: 4 });
    const a = peerWith(h, 'a', 'YYYY');
    const before = h.changes;
    a.link.receive({ type: 'reject', piece: 3, begin: 0, length: PIECE });
    expect(a.peer.has.has(3)).toBe(false);
    expect(h.changes).toBe(before + 1);
    expect(requests(a)).toEqual([[3, 0, PIECE], [2, 0, PIECE]]);
  });

  // Before: onReject rescheduled only the peer that rejected, so an idle peer with the piece was
  // not asked until another event came; at the tail of a download none may come.
  it('a reject of an asked block: another peer that has the piece is asked at once', async () => {
    const h = await setup({ pieces: 4, have: 'YYYn' });
    const a = peerWith(h, 'a', 'nnnY');
    const b = peerWith(h, 'b', 'nnnY');
    expect(requests(a)).toEqual([[3, 0, PIECE]]);
    expect(requests(b)).toEqual([]);
    a.link.receive({ type: 'reject', piece: 3, begin: 0, length: PIECE });
    expect(requests(b)).toEqual([[3, 0, PIECE]]);
  });

  it('a stale reject (of a block not asked, or asked before a choke) changes nothing', async () => {
    const h = await setup({ pieces: 4 });
    const a = peerWith(h, 'a', 'YYYY');
    const before = h.changes;
    a.link.receive({ type: 'reject', piece: 2, begin: 0, length: PIECE });
    a.link.receive({ type: 'choke' });
    a.link.receive({ type: 'reject', piece: 3, begin: 0, length: PIECE });
    expect(a.peer.has.has(2) && a.peer.has.has(3)).toBe(true);
    expect(h.changes).toBe(before);
    a.link.receive({ type: 'unchoke' });
    expect(requests(a), 'piece 3 is asked again').toEqual([[3, 0, PIECE], [3, 0, PIECE]]);
  });

  it(`a peer that leaves a block unanswered over ${ASK_TIMEOUT_MS} ms is dropped, and its piece asked elsewhere`, async () => {
    const h = await setup({ pieces: 4 });
    const a = peerWith(h, 'a', 'YYYY');
    const idle = peerWith(h, 'idle', 'nnnn');
    const askedAtMs = a.peer.oldestAskMs();
    if (askedAtMs === null) throw new Error('nothing was asked of a');
    const b = peerWith(h, 'b', 'nnnY');
    h.downloads.checkStalls(askedAtMs + ASK_TIMEOUT_MS);
    expect(a.link.closed).toBe(false);
    h.downloads.checkStalls(askedAtMs + ASK_TIMEOUT_MS + 1);
    expect(a.link.closeReason).toBe('requests timed out');
    expect(idle.link.closed, 'nothing asked of it: no stall').toBe(false);
    expect(requests(b)).toEqual([[3, 0, PIECE]]);
  });
});
