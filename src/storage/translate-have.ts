/**
 * Carries completed pieces over to another piece size: a new piece counts as complete when every
 * old piece that overlaps its bytes was complete. Used when a resume file was written with another
 * `--preferred-chunk-size`, so changing it never throws away fetched data.
 *
 * Pure. Not responsible for checking that both geometries describe the same file size.
 */
import { Bitfield } from '../pieces/bitfield.js';
import { pieceAt, pieceLength, pieceStart, type PieceGeometry } from '../pieces/piece-geometry.js';

export function translateHave(from: PieceGeometry, have: Bitfield, to: PieceGeometry): Bitfield {
  if (from.fileBytes !== to.fileBytes) {
    throw new TypeError(`geometries describe different files: ${from.fileBytes} vs ${to.fileBytes} bytes`);
  }
  if (from.pieceBytes === to.pieceBytes) return have.clone();
  const out = new Bitfield(to.pieceCount);
  for (let index = 0; index < to.pieceCount; index++) {
    const start = pieceStart(to, index);
    const last = start + pieceLength(to, index) - 1;
    let covered = true;
    for (let old = pieceAt(from, start); old <= pieceAt(from, last); old++) {
      if (!have.has(old)) {
        covered = false;
        break;
      }
    }
    if (covered) out.set(index);
  }
  return out;
}
