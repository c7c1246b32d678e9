/**
 * PieceServer against fake peers: each peer is a {@link Peer} on a {@link FakeLink}; the store and
 * the piece trust that guards serving are real (a temp dir), as the swarm wires them. What is
 * asserted is what goes on the wire: rejects, chokes, and blocks with the store's bytes.
 */
import { describe, expect, it } from 'vitest';
import { pieceStart } from '../../../src/pieces/piece-geometry.js';
import { TokenBucket } from '../../../src/rate-limit/token-bucket.js';
import type { PieceStore } from '../../../src/storage/piece-store.js';
import { makeContent } from '../../../src/testing/origin-content.js';
import { Peer } from '../../../src/swarm/peer.js';
import { MAX_CHOKED_REQUESTS, MAX_QUEUED_PER_PEER, MAX_UNOFFERED_REQUESTS, PieceServer, UPLOAD_SLOTS } from '../../../src/swarm/piece-server.js';
import { PieceTrust } from '../../../src/swarm/piece-trust.js';
import { FakeLink } from '../../helpers/fake-link.js';
import { pieceOf, putPieces, useTempStores } from '../../helpers/temp-store.js';

const KiB = 1024;
const PIECE = 64 * KiB;
const BLOCK = 16 * KiB;
const MAX_BLOCK = 32 * KiB;
/** Pieces 0-2 whole, piece 3 short. */
const LAST_PIECE = 10_000;
const FILE_BYTES = 3 * PIECE + LAST_PIECE;

const openStore = useTempStores();

interface Harness {
  readonly store: PieceStore;
  readonly content: Buffer;
  readonly server: PieceServer;
  readonly rots: number[];
  activity: number;
}

/**
 * The store has pieces 0, 1 and 3 with their digests, and piece 2 without one (taken while we
 * had no peer); the guard is the piece trust, and a rotten piece is unmarked as the swarm does.
 */
async function setup(): Promise<Harness> {
  const store = await openStore(FILE_BYTES, PIECE);
  const content = makeContent(FILE_BYTES, 11);
  await putPieces(store, content, [0, 1, 3]);
  await store.write(pieceStart(store.geometry, 2), [pieceOf(store, content, 2)]);
  store.markPiece(2);
  const trust = new PieceTrust(store);
  const h: Harness = {
    store, content, rots: [], activity: 0,
    server: new PieceServer(store, new TokenBucket(null, 0), BLOCK, MAX_BLOCK, () => { h.activity += 1; }, {
      goodForServing: (index) => trust.goodForServing(index),
      onRot: (index) => {
        h.rots.push(index);
        store.unmarkPiece(index);
      },
    }),
  };
  return h;
}

/** A peer on a fake link; `interested` as it said; `unchoked` by a rechoke of it alone. */
function peer(h: Harness, id: string, { interested = true, unchoked = true } = {}): { peer: Peer; link: FakeLink } {
  const link = new FakeLink();
  const remote = new Peer(id, '127.0.0.1', link, h.store.geometry.pieceCount, false);
  remote.peerInterested = interested;
  if (unchoked) {
    h.server.rechoke([remote]);
    link.clearSent();
  }
  return { peer: remote, link };
}

/**
 * An unchoked peer that asks the blocks of piece 0 at `begins`, whose link is full: the serve
 * loop sent the first block and waits for drain, the others are queued.
 */
async function stalledPeer(h: Harness, begins: readonly number[]): Promise<{ peer: Peer; link: FakeLink }> {
  const remote = peer(h, 'a');
  remote.link.fill();
  for (const begin of begins) h.server.request(remote.peer, 0, begin, BLOCK);
  await remote.link.until((l) => l.drainWaiters === 1, 'the serve loop to wait for drain');
  return remote;
}

/** The [piece, begin, length] of each reject sent. */
function rejects(link: FakeLink): Array<[number, number, number]> {
  return link.sentOf('reject').map((r) => [r.piece, r.begin, r.length]);
}

/** The [piece, begin] of each block sent. */
function blocks(link: FakeLink): Array<[number, number]> {
  return link.sentOf('piece').map((p) => [p.piece, p.begin]);
}

describe('PieceServer: requests', () => {
  it.each([
    ['a piece past the last', 4, 0, BLOCK],
    ['an empty block', 0, 0, 0],
    ['a block over maxBlockBytes', 0, 0, MAX_BLOCK + 1],
    ['a block past the end of its piece', 0, PIECE - BLOCK, MAX_BLOCK],
    ['a block past the end of the short last piece', 3, 16, LAST_PIECE],
  ])('%s is out of range: a problem string, nothing sent', async (_name, piece, begin, length) => {
    const h = await setup();
    const { peer: a, link } = peer(h, 'a');
    expect(h.server.request(a, piece, begin, length)).toBe('request out of range');
    expect(link.sent).toEqual([]);
    expect(h.activity).toBe(0);
  });

  it(`requests while choked are rejected and counted; past ${MAX_CHOKED_REQUESTS} they are a flood`, async () => {
    const h = await setup();
    const { peer: a, link } = peer(h, 'a', { unchoked: false });
    for (let i = 0; i < MAX_CHOKED_REQUESTS; i++) expect(h.server.request(a, 0, 0, BLOCK)).toBeNull();
    expect(rejects(link)).toHaveLength(MAX_CHOKED_REQUESTS);
    expect(rejects(link)[0]).toEqual([0, 0, BLOCK]);
    expect(a.chokedRequests).toBe(MAX_CHOKED_REQUESTS);
    expect(h.server.request(a, 0, 0, BLOCK)).toBe('request flood while choked');
    expect(blocks(link)).toEqual([]);
    h.server.rechoke([a]);
    expect(a.chokedRequests, 'an unchoke starts the count again').toBe(0);
  });

  it(`requests for pieces we lack or hold no digest for are rejected; past ${MAX_UNOFFERED_REQUESTS} they are a flood`, async () => {
    const h = await setup();
    h.store.unmarkPiece(1);
    const { peer: a, link } = peer(h, 'a');
    expect(h.server.request(a, 1, 0, BLOCK)).toBeNull();
    expect(h.server.request(a, 2, 0, BLOCK)).toBeNull();
    expect(rejects(link)).toEqual([[1, 0, BLOCK], [2, 0, BLOCK]]);
    for (let i = 2; i < MAX_UNOFFERED_REQUESTS; i++) expect(h.server.request(a, 2, 0, BLOCK)).toBeNull();
    expect(h.server.request(a, 2, 0, BLOCK)).toBe('request flood for pieces not offered');
  });

  it('serves blocks with the bytes the store holds, the short last piece included', async () => {
    const h = await setup();
    const { peer: a, link } = peer(h, 'a');
    expect(h.server.request(a, 1, BLOCK, BLOCK)).toBeNull();
    expect(h.server.request(a, 3, 0, LAST_PIECE)).toBeNull();
    await link.untilSent('piece', 2);
    const [first, second] = link.sentOf('piece');
    expect(first?.block).toEqual(pieceOf(h.store, h.content, 1).subarray(BLOCK, 2 * BLOCK));
    expect(second?.block).toEqual(pieceOf(h.store, h.content, 3));
    expect(blocks(link)).toEqual([[1, BLOCK], [3, 0]]);
    expect(a.uploadedBytes).toBe(BLOCK + LAST_PIECE);
    expect(h.server.uploadedBytes).toBe(BLOCK + LAST_PIECE);
    expect(h.activity, 'each request and each block sent').toBe(4);
  });

  it('a full link waits for drain before the next block', async () => {
    const h = await setup();
    const { peer: a, link } = await stalledPeer(h, [0, BLOCK]);
    expect(blocks(link)).toEqual([[0, 0]]);
    expect(a.queue).toHaveLength(1);
    link.drain();
    await link.untilSent('piece', 2);
    expect(blocks(link)).toEqual([[0, 0], [0, BLOCK]]);
  });

  it('cancel removes a queued request', async () => {
    const h = await setup();
    const { peer: a, link } = await stalledPeer(h, [0, BLOCK, 2 * BLOCK]);
    h.server.cancel(a, 0, BLOCK);
    h.server.cancel(a, 1, 0);
    expect(a.queue.map((q) => q.begin)).toEqual([2 * BLOCK]);
    link.drain();
    await link.untilSent('piece', 2);
    expect(blocks(link)).toEqual([[0, 0], [0, 2 * BLOCK]]);
    expect(a.serving).toBe(false);
  });

  it(`more than ${MAX_QUEUED_PER_PEER} queued requests are a flood`, async () => {
    const h = await setup();
    const { peer: a, link } = await stalledPeer(h, [0]);
    for (let i = 0; i < MAX_QUEUED_PER_PEER; i++) expect(h.server.request(a, 0, 0, BLOCK)).toBeNull();
    expect(h.server.request(a, 0, 0, BLOCK)).toBe('request flood');
    link.destroy('request flood');
    expect(blocks(link)).toHaveLength(1);
  });

  it('a piece that no longer matches its digest on disk is not served: rejected, and onRot hears of it', async () => {
    const h = await setup();
    await h.store.write(pieceStart(h.store.geometry, 1) + 5, [Buffer.from([0xde, 0xad])]);
    const { peer: a, link } = peer(h, 'a');
    h.server.request(a, 1, 0, BLOCK);
    h.server.request(a, 0, 0, BLOCK);
    await link.untilSent('piece', 1);
    expect(rejects(link)).toEqual([[1, 0, BLOCK]]);
    expect(blocks(link)).toEqual([[0, 0]]);
    expect(h.rots).toEqual([1]);
    expect(h.server.request(a, 1, BLOCK, BLOCK), 'no longer offered').toBeNull();
    expect(rejects(link)).toEqual([[1, 0, BLOCK], [1, BLOCK, BLOCK]]);
  });
});

describe('PieceServer: upload slots', () => {
  it(`rechoke unchokes the interested peers, at most ${UPLOAD_SLOTS}, and never one that is not interested`, async () => {
    const h = await setup();
    const interested = Array.from({ length: UPLOAD_SLOTS + 2 }, (_, i) => peer(h, `i${i}`, { unchoked: false }));
    const idle = [0, 1].map((i) => peer(h, `n${i}`, { interested: false, unchoked: false }));
    const closed = peer(h, 'closed', { unchoked: false });
    closed.link.destroy('gone');
    const all = [...interested, ...idle, closed];
    h.server.rechoke(all.map((p) => p.peer));
    const unchoked = all.filter((p) => !p.peer.amChoking);
    expect(unchoked).toHaveLength(UPLOAD_SLOTS);
    for (const p of unchoked) expect(p.link.sentTypes()).toEqual(['unchoke']);
    for (const p of all.filter((q) => q.peer.amChoking)) expect(p.link.sent).toEqual([]);
    expect(unchoked.every((p) => interested.includes(p))).toBe(true);
  });

  it('a peer that is no longer interested is choked at the next rechoke and loses its queued requests', async () => {
    const h = await setup();
    const { peer: a, link } = await stalledPeer(h, [0, BLOCK, 2 * BLOCK]);
    a.peerInterested = false;
    h.server.rechoke([a]);
    expect(a.amChoking).toBe(true);
    expect(a.queue).toEqual([]);
    expect(link.sentTypes()).toEqual(['piece', 'choke']);
    link.drain();
    // Interested again: the next block it gets is the one it asks now, not one queued before.
    a.peerInterested = true;
    h.server.rechoke([a]);
    h.server.request(a, 0, 3 * BLOCK, BLOCK);
    await link.untilSent('piece', 2);
    expect(link.sentTypes()).toEqual(['piece', 'choke', 'unchoke', 'piece']);
    expect(blocks(link)).toEqual([[0, 0], [0, 3 * BLOCK]]);
  });
});
