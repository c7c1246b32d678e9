import fc from 'fast-check';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { pieceGeometry, pieceLength, pieceStart } from '../../src/pieces/piece-geometry.js';
import { StreamDigester, pieceCrc, pieceDigest, type PieceSumKind } from '../../src/storage/piece-digest.js';

describe('StreamDigester', () => {
  it.each<[string, PieceSumKind, (bytes: Uint8Array) => Buffer]>([
    ['digest', 'digest', pieceDigest],
    ['CRC-32', crc32, (bytes) => pieceCrc(bytes, crc32)],
  ])('yields every piece of a run, cut anywhere, with the %s of its bytes', (_, kind, sumOf) => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200_000 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.array(fc.integer({ min: 1, max: 70_000 }), { maxLength: 12 }),
        (fileBytes, startSeed, cuts) => {
          const geometry = pieceGeometry(fileBytes, 16 * 1024);
          const content = Buffer.alloc(fileBytes, 0);
          for (let i = 0; i < fileBytes; i++) content[i] = (i * 131 + 7) & 0xff;
          const startPiece = startSeed % geometry.pieceCount;
          let at = pieceStart(geometry, startPiece);
          const digester = new StreamDigester(geometry, at, kind);
          const got = new Map<number, string>();
          for (const cut of [...cuts, fileBytes]) {
            if (at >= fileBytes) break;
            const end = Math.min(fileBytes, at + cut);
            const half = at + Math.floor((end - at) / 2);
            for (const { piece, digest } of digester.feed(at, [content.subarray(at, half), content.subarray(half, end)])) got.set(piece, digest.toString('hex'));
            at = end;
          }
          expect([...got.keys()]).toEqual(Array.from({ length: geometry.pieceCount - startPiece }, (_, i) => startPiece + i));
          for (const [piece, hex] of got) {
            const start = pieceStart(geometry, piece);
            expect(hex).toBe(sumOf(content.subarray(start, start + pieceLength(geometry, piece))).toString('hex'));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a CRC record is the big-endian CRC-32 of the piece (what zlib and other tools compute)', () => {
    expect(pieceCrc(Buffer.from('123456789'), crc32).toString('hex')).toBe('cbf43926');
  });

  it('after a jump to a mid-piece position, skips that piece and resumes at the next boundary', () => {
    const geometry = pieceGeometry(64 * 1024, 16 * 1024);
    const content = Buffer.alloc(64 * 1024, 5);
    const digester = new StreamDigester(geometry, 0);
    expect(digester.feed(0, [content.subarray(0, 1000)])).toEqual([]);
    const done = digester.feed(20_000, [content.subarray(20_000, 40_000)]);
    expect(done.map((entry) => entry.piece)).toEqual([]);
    const rest = digester.feed(40_000, [content.subarray(40_000)]);
    expect(rest.map((entry) => entry.piece)).toEqual([2, 3]);
  });
});
