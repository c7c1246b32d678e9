/**
 * Which piece is being fetched from which peer, block by block: the ledger of our requests to
 * peers. A piece is assigned to one peer; its blocks are asked in order; it is complete when
 * every block has arrived.
 *
 * Pure. Not responsible for sending or receiving (kraken's ledger idea), nor for choosing pieces.
 */
import { Bitfield } from '../pieces/bitfield.js';
import { pieceLength, type PieceGeometry } from '../pieces/piece-geometry.js';

interface Assignment {
  readonly peerId: string;
  /** Offset of the next block to ask. */
  nextBegin: number;
  /** Blocks not yet received. */
  readonly waiting: Set<number>;
}

/** A block to ask for. */
export interface BlockToAsk {
  readonly piece: number;
  readonly begin: number;
  readonly length: number;
}

/** Our outstanding piece requests to peers. */
export class PeerRequests {
  readonly #geometry: PieceGeometry;
  readonly #blockBytes: number;
  readonly #byPiece = new Map<number, Assignment>();
  readonly #byPeer = new Map<string, Set<number>>();
  /** Pieces assigned to some peer. */
  readonly requested: Bitfield;

  constructor(geometry: PieceGeometry, blockBytes: number) {
    if (!Number.isSafeInteger(blockBytes) || blockBytes <= 0) throw new TypeError(`blockBytes must be a positive integer, got ${String(blockBytes)}`);
    this.#geometry = geometry;
    this.#blockBytes = blockBytes;
    this.requested = new Bitfield(geometry.pieceCount);
  }

  /** Assigns `piece` to `peerId`. TypeError when it is assigned already. */
  assign(piece: number, peerId: string): void {
    if (this.#byPiece.has(piece)) throw new TypeError(`piece ${piece} is assigned already`);
    const waiting = new Set<number>();
    const length = pieceLength(this.#geometry, piece);
    for (let begin = 0; begin < length; begin += this.#blockBytes) waiting.add(begin);
    this.#byPiece.set(piece, { peerId, nextBegin: 0, waiting });
    let pieces = this.#byPeer.get(peerId);
    if (!pieces) this.#byPeer.set(peerId, (pieces = new Set()));
    pieces.add(piece);
    this.requested.set(piece);
  }

  /** The next block to ask of `peerId` among pieces assigned to it, or null. */
  nextBlockFor(peerId: string): BlockToAsk | null {
    for (const piece of this.#byPeer.get(peerId) ?? []) {
      const assignment = this.#byPiece.get(piece);
      const length = pieceLength(this.#geometry, piece);
      if (!assignment || assignment.nextBegin >= length) continue;
      const begin = assignment.nextBegin;
      assignment.nextBegin += this.#blockBytes;
      return { piece, begin, length: Math.min(this.#blockBytes, length - begin) };
    }
    return null;
  }

  /** Whether that block is still awaited (not a late or duplicate copy). */
  isAwaited(piece: number, begin: number): boolean {
    return this.#byPiece.get(piece)?.waiting.has(begin) ?? false;
  }

  /** Records a block's arrival; true when that completed the piece (its assignment ends). */
  received(piece: number, begin: number): boolean {
    const assignment = this.#byPiece.get(piece);
    if (!assignment || !assignment.waiting.delete(begin)) return false;
    if (assignment.waiting.size > 0) return false;
    this.#remove(piece, assignment.peerId);
    return true;
  }

  /** Ends `piece`'s assignment when it belongs to `peerId`. */
  unassign(piece: number, peerId: string): void {
    if (this.#byPiece.get(piece)?.peerId === peerId) this.#remove(piece, peerId);
  }

  /** Ends every assignment of `peerId`. */
  dropPeer(peerId: string): void {
    for (const piece of [...(this.#byPeer.get(peerId) ?? [])]) this.#remove(piece, peerId);
    this.#byPeer.delete(peerId);
  }

  /**
   * Endgame (BEP 3): the blocks still awaited of one piece assigned to another peer that
   * `peerHas`, so an idle peer can be asked for them too; the first copy of each block to arrive
   * counts. Empty when there is no such piece.
   */
  endgameBlocks(peerId: string, peerHas: (piece: number) => boolean): BlockToAsk[] {
    for (const [piece, assignment] of this.#byPiece) {
      if (assignment.peerId === peerId || !peerHas(piece) || assignment.waiting.size === 0) continue;
      const length = pieceLength(this.#geometry, piece);
      return [...assignment.waiting].map((begin) => ({ piece, begin, length: Math.min(this.#blockBytes, length - begin) }));
    }
    return [];
  }

  /** Pieces assigned to `peerId`. */
  countFor(peerId: string): number {
    return this.#byPeer.get(peerId)?.size ?? 0;
  }

  #remove(piece: number, peerId: string): void {
    this.#byPiece.delete(piece);
    this.#byPeer.get(peerId)?.delete(piece);
    this.requested.clear(piece);
  }
}
