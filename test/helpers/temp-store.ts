/**
 * Real piece stores in temp directories for unit tests of the parts that read and write one (the
 * piece server, peer downloads, the origin fetcher), and the content they hold.
 *
 * Not responsible for anything but setup and cleanup: {@link useTempStores} closes every store it
 * opened and removes its directory after each test. Concurrency: one test at a time per file.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { pieceLength, pieceStart } from '../../src/pieces/piece-geometry.js';
import { pieceDigest } from '../../src/storage/piece-digest.js';
import { PieceStore } from '../../src/storage/piece-store.js';

/** Opens a fresh store for a file of `fileBytes` cut into pieces of `pieceBytes`. */
export type OpenTempStore = (fileBytes: number, pieceBytes: number) => Promise<PieceStore>;

/** A store opener for this test file; what it opens is closed and removed after each test. */
export function useTempStores(): OpenTempStore {
  const stores: PieceStore[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close().catch(() => undefined);
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });
  return async (fileBytes, pieceBytes) => {
    const dir = await mkdtemp(join(tmpdir(), 'swarm-unit-'));
    dirs.push(dir);
    const store = await PieceStore.open(dir, { md5Hex: '00112233445566778899aabbccddeeff', fileBytes, pieceBytes, etag: null });
    stores.push(store);
    return store;
  };
}

/** The bytes of piece `index` of `content` (a copy), as `store`'s geometry cuts it. */
export function pieceOf(store: PieceStore, content: Buffer, index: number): Buffer {
  const start = pieceStart(store.geometry, index);
  return Buffer.from(content.subarray(start, start + pieceLength(store.geometry, index)));
}

/** The digest of piece `index` of `content`. */
export function digestOf(store: PieceStore, content: Buffer, index: number): Buffer {
  return pieceDigest(pieceOf(store, content, index));
}

/** Writes pieces `indexes` of `content` into `store`, records their digests and marks them. */
export async function putPieces(store: PieceStore, content: Buffer, indexes: Iterable<number>): Promise<void> {
  for (const index of indexes) {
    await store.write(pieceStart(store.geometry, index), [pieceOf(store, content, index)]);
    store.setDigest(index, digestOf(store, content, index));
    store.markPiece(index);
  }
}
