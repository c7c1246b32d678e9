/**
 * PieceTrust over a real piece store in a temp dir: pieces from peers are kept only when they
 * match their digest, senders of bad pieces are banned at MAX_BAD_PIECES, and a piece that rotted
 * on disk is not good for serving.
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_BAD_PIECES, PieceTrust } from '../../src/swarm/piece-trust.js';
import { pieceDigest } from '../../src/storage/piece-digest.js';
import { PieceStore, entryDirectory, type EntryKey } from '../../src/storage/piece-store.js';

const PIECE = 16 * 1024;
const KEY: EntryKey = { md5Hex: 'fedcba9876543210fedcba9876543210', fileBytes: 4 * PIECE, pieceBytes: PIECE, etag: null };
const dirs: string[] = [];
const stores: PieceStore[] = [];

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close().catch(() => undefined);
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

function piece(index: number): Buffer {
  return Buffer.alloc(PIECE, index + 1);
}

async function freshStore(): Promise<{ store: PieceStore; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'swarm-trust-'));
  dirs.push(dir);
  const store = await PieceStore.open(dir, KEY);
  stores.push(store);
  return { store, dir };
}

describe('PieceTrust', () => {
  it('keeps a piece that matches the announced digest and records it as from peers', async () => {
    const { store } = await freshStore();
    const trust = new PieceTrust(store);
    expect(trust.claim(1, pieceDigest(piece(1)), 'a')).toBe('ok');
    await store.write(PIECE, [piece(1)]);
    const outcome = await trust.checkArrived(1, new Set(['a']));
    expect(outcome).toEqual({ verdict: 'good', banned: [] });
    expect(store.digestOf(1)?.equals(pieceDigest(piece(1)))).toBe(true);
    expect(trust.fromPeers.has(1)).toBe(true);
    expect([...trust.sourcesOf(1)]).toEqual(['a']);
  });

  it('rejects a piece with a flipped byte, and bans its sender at the second bad piece', async () => {
    const { store } = await freshStore();
    const trust = new PieceTrust(store);
    for (const index of [0, 2]) {
      trust.claim(index, pieceDigest(piece(index)), 'honest');
      const bad = piece(index);
      bad[100] = 0xee;
      await store.write(index * PIECE, [bad]);
    }
    expect(MAX_BAD_PIECES).toBe(2);
    expect(await trust.checkArrived(0, new Set(['liar']))).toEqual({ verdict: 'bad', banned: [] });
    expect(await trust.checkArrived(2, new Set(['liar']))).toEqual({ verdict: 'bad', banned: ['liar'] });
    expect(trust.isBanned('liar')).toBe(true);
    expect(store.digestOf(0)).toBeNull();
  });

  it('cannot check a piece nobody announced a digest for, or a disputed one', async () => {
    const { store } = await freshStore();
    const trust = new PieceTrust(store);
    await store.write(0, [piece(0)]);
    expect((await trust.checkArrived(0, new Set(['a']))).verdict).toBe('unverifiable');
    trust.claim(0, pieceDigest(piece(0)), 'a');
    trust.claim(0, pieceDigest(piece(9)), 'b');
    expect((await trust.checkArrived(0, new Set(['a']))).verdict).toBe('unverifiable');
    expect(trust.originDigest(0, pieceDigest(piece(0)))).toEqual(['b']);
  });

  it('a piece that rots on disk is not good for serving', async () => {
    const { store, dir } = await freshStore();
    const trust = new PieceTrust(store);
    store.setDigest(3, pieceDigest(piece(3)));
    await store.write(3 * PIECE, [piece(3)]);
    store.markPiece(3);
    await store.flush();
    const file = await open(join(entryDirectory(dir, KEY.md5Hex, KEY.fileBytes), 'data'), 'r+');
    await file.write(Buffer.from([0]), 0, 1, 3 * PIECE + 7);
    await file.close();
    expect(await trust.goodForServing(3)).toBe(false);
    expect(await trust.goodForServing(1)).toBe(false);
  });

  it('ownDigest: a piece from the origin hashed later is an origin digest (contradicting peers are liars); a resumed one is our own claim', async () => {
    const { store } = await freshStore();
    store.markPiece(2);
    const trust = new PieceTrust(store);
    expect(trust.fromPeers.has(2), 'resumed: its source is unknown').toBe(true);
    expect(trust.claim(1, pieceDigest(piece(9)), 'liar')).toBe('ok');
    expect(trust.ownDigest(1, pieceDigest(piece(1)))).toEqual(['liar']);
    expect(trust.book.expected(1)?.equals(pieceDigest(piece(1)))).toBe(true);
    expect(trust.ownDigest(2, pieceDigest(piece(2)))).toEqual([]);
    expect(trust.claim(2, pieceDigest(piece(8)), 'other'), 'a resumed digest is a claim, not final').toBe('disputed');
  });

  it('a piece just hashed by ownDigest is served without a second hash within the window', async () => {
    const { store } = await freshStore();
    await store.write(3 * PIECE, [piece(0)]);
    store.markPiece(3);
    store.markComplete();
    const trust = new PieceTrust(store);
    store.setDigest(3, pieceDigest(piece(3)));
    trust.ownDigest(3, pieceDigest(piece(3)));
    expect(await trust.goodForServing(3), 'the bytes differ, but it was read just now').toBe(true);
  });

  it('a good piece is checked once per window, not per block', async () => {
    const { store } = await freshStore();
    const trust = new PieceTrust(store);
    store.setDigest(2, pieceDigest(piece(2)));
    await store.write(2 * PIECE, [piece(2)]);
    expect(await trust.goodForServing(2)).toBe(true);
    await store.write(2 * PIECE, [piece(0)]);
    expect(await trust.goodForServing(2), 'within the window the earlier check stands').toBe(true);
  });
});
