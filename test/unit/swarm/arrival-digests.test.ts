/**
 * ArrivalDigests: a piece fed whole, once, in order gets the digest of its bytes; any other
 * arrival (out of order, a block fed twice, a failed write) gets none, so it is hashed from disk.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { pieceGeometry } from '../../../src/pieces/piece-geometry.js';
import { pieceDigest } from '../../../src/storage/piece-digest.js';
import { ArrivalDigests } from '../../../src/swarm/arrival-digests.js';

const BLOCK = 16 * 1024;
const geometry = pieceGeometry(3 * 4 * BLOCK - 100, 4 * BLOCK); // the last piece is short
const file = randomBytes(geometry.fileBytes);

function blocksOf(piece: number): Array<{ begin: number; block: Buffer }> {
  const start = piece * geometry.pieceBytes;
  const bytes = file.subarray(start, Math.min(start + geometry.pieceBytes, geometry.fileBytes));
  const blocks = [];
  for (let begin = 0; begin < bytes.length; begin += BLOCK) blocks.push({ begin, block: bytes.subarray(begin, begin + BLOCK) });
  return blocks;
}

function pieceBytes(piece: number): Buffer {
  return file.subarray(piece * geometry.pieceBytes, Math.min((piece + 1) * geometry.pieceBytes, geometry.fileBytes));
}

describe('ArrivalDigests', () => {
  it('gives the digest of a piece fed in order, pieces interleaved, the short last one too', () => {
    const digests = new ArrivalDigests(geometry);
    const [a, b] = [blocksOf(0), blocksOf(2)];
    for (let k = 0; k < 4; k++) {
      digests.feed(0, a[k]!.begin, a[k]!.block);
      if (b[k]) digests.feed(2, b[k]!.begin, b[k]!.block);
    }
    expect(digests.take(0)).toEqual(pieceDigest(pieceBytes(0)));
    expect(digests.take(2)).toEqual(pieceDigest(pieceBytes(2)));
    expect(digests.take(0)).toBeNull(); // taken once
  });

  it('gives none for a piece not yet whole, fed out of order, spoilt, or fed a block again', () => {
    const digests = new ArrivalDigests(geometry);
    const blocks = blocksOf(1);
    for (const { begin, block } of blocks.slice(0, 3)) digests.feed(1, begin, block);
    expect(digests.take(1)).toBeNull();

    for (const k of [1, 0, 2, 3]) digests.feed(1, blocks[k]!.begin, blocks[k]!.block);
    expect(digests.take(1)).toBeNull();

    for (const { begin, block } of blocks) digests.feed(1, begin, block);
    digests.spoil(1);
    expect(digests.take(1)).toBeNull();

    for (const { begin, block } of blocks) digests.feed(1, begin, block);
    digests.feed(1, blocks[3]!.begin, blocks[3]!.block);
    expect(digests.take(1)).toBeNull();
  });

  it('gives none when an earlier block was spoilt, even if the rest came in order', () => {
    const digests = new ArrivalDigests(geometry);
    const blocks = blocksOf(0);
    digests.feed(0, blocks[0]!.begin, blocks[0]!.block);
    digests.spoil(0);
    for (const { begin, block } of blocks) digests.feed(0, begin, block);
    expect(digests.take(0)).toBeNull();
  });
});
