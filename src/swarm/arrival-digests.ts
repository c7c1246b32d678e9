/**
 * The digests of pieces taken from peers, hashed from the blocks in memory as they are accepted,
 * so a piece that arrived whole and in order is checked without reading it back from disk.
 *
 * A piece gets a digest only when every one of its blocks was fed once, in order, from its first
 * byte (one peer sends a piece's blocks in the order we asked them); blocks out of order (an
 * endgame copy from another peer, a piece asked again of someone else) stop its hash, and so does
 * a block whose write failed ({@link ArrivalDigests.spoil}): such a piece is hashed from disk, as
 * before. Not responsible for writing blocks nor for checking digests (piece-trust.ts does).
 * Event loop only; holds one hash state per piece being received.
 */
import { pieceStart, type PieceGeometry } from '../pieces/piece-geometry.js';
import { StreamDigester } from '../storage/piece-digest.js';

/** Per-piece hashes of accepted blocks. */
export class ArrivalDigests {
  readonly #geometry: PieceGeometry;
  /** A piece's hash in progress, its digest once fed whole, or null once spoilt. */
  readonly #pieces = new Map<number, StreamDigester | Buffer | null>();

  constructor(geometry: PieceGeometry) {
    this.#geometry = geometry;
  }

  /** Feeds block `block` of piece `piece` at `begin` (call it before the block's bytes are reused). */
  feed(piece: number, begin: number, block: Uint8Array): void {
    let entry = this.#pieces.get(piece);
    if (entry === undefined) this.#pieces.set(piece, (entry = new StreamDigester(this.#geometry, pieceStart(this.#geometry, piece))));
    if (!(entry instanceof StreamDigester)) {
      // A digest already made, then another block of the piece: it was asked again.
      if (entry !== null) this.#pieces.set(piece, null);
      return;
    }
    const position = pieceStart(this.#geometry, piece) + begin;
    const done = entry.feed(position, [block]).find((d) => d.piece === piece);
    if (done) this.#pieces.set(piece, done.digest);
  }

  /** A block of `piece` was not written: its bytes on disk are not those fed, so no digest. */
  spoil(piece: number): void {
    this.#pieces.set(piece, null);
  }

  /** The digest of `piece` if it was fed whole and in order, else null; forgets the piece. */
  take(piece: number): Buffer | null {
    const entry = this.#pieces.get(piece);
    this.#pieces.delete(piece);
    return entry instanceof Buffer ? entry : null;
  }
}
