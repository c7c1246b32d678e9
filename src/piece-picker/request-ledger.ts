/**
 * The ledger of outstanding piece requests, after kraken's piecerequest.Manager.
 *
 * Pure: no I/O, no clock; time is passed in as `sinceMs` / `nowMs`.
 */
import { Bitfield } from '../pieces/bitfield.js';

/** One outstanding request: piece `piece` asked of `peerId` at `sinceMs`. */
export interface PieceRequest {
  readonly peerId: string;
  readonly piece: number;
  readonly sinceMs: number;
}

/** Options of {@link RequestLedger}. */
export interface RequestLedgerOptions {
  /** Number of pieces of the file. */
  readonly pieceCount: number;
  /** Default cap on outstanding requests per peer; `add` may override it per call. */
  readonly maxPerPeer: number;
}

function assertPositiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new TypeError(`${name} must be a positive integer, got ${String(value)} (${typeof value})`);
  }
}

function assertPeerId(peerId: string): void {
  if (typeof peerId !== 'string' || peerId === '') {
    throw new TypeError(`peerId must be a non-empty string, got ${JSON.stringify(peerId)} (${typeof peerId})`);
  }
}

function assertTime(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(`${name} must be a finite number, got ${String(value)} (${typeof value})`);
  }
}

function byAge(a: PieceRequest, b: PieceRequest): number {
  if (a.sinceMs !== b.sinceMs) return a.sinceMs - b.sinceMs;
  if (a.piece !== b.piece) return a.piece - b.piece;
  return a.peerId < b.peerId ? -1 : a.peerId > b.peerId ? 1 : 0;
}

/**
 * A ledger of outstanding requests `(peerId, piece, sinceMs)`: who was asked for what and when,
 * at most one request per (peer, piece), at most a cap per peer. Peers are opaque ids; an origin
 * connection can be a "peer" too (e.g. `origin:1`) with its own cap passed to `add`.
 *
 * Not responsible for sending nor receiving pieces, nor for choosing them (see pickPeerPiece and
 * pickOriginRun), nor for timing out: `expired` only reports. Every query returns fresh arrays
 * and bitfields, so the caller may mutate the ledger while iterating them.
 */
export class RequestLedger {
  readonly pieceCount: number;
  readonly maxPerPeer: number;
  private readonly byPeer = new Map<string, Map<number, number>>();
  private readonly byPiece = new Map<number, Set<string>>();
  private readonly requested: Bitfield;

  /** An empty ledger. TypeError on a bad pieceCount or maxPerPeer. */
  constructor(opts: RequestLedgerOptions) {
    if (!Number.isSafeInteger(opts.pieceCount) || opts.pieceCount < 0) {
      throw new TypeError(`pieceCount must be a non-negative integer, got ${String(opts.pieceCount)} (${typeof opts.pieceCount})`);
    }
    assertPositiveInteger('maxPerPeer', opts.maxPerPeer);
    this.pieceCount = opts.pieceCount;
    this.maxPerPeer = opts.maxPerPeer;
    this.requested = new Bitfield(opts.pieceCount);
  }

  /** Whether `peerId` has fewer than `maxOutstanding` outstanding requests. */
  hasCapacity(peerId: string, maxOutstanding: number = this.maxPerPeer): boolean {
    assertPositiveInteger('maxOutstanding', maxOutstanding);
    return this.countForPeer(peerId) < maxOutstanding;
  }

  /**
   * Records that `piece` was requested from `peerId` at `sinceMs`. Returns false (and records
   * nothing) when the peer already has `maxOutstanding` outstanding requests. Throws a TypeError
   * when that same (peer, piece) request is already outstanding, or on bad arguments.
   */
  add(peerId: string, piece: number, sinceMs: number, maxOutstanding: number = this.maxPerPeer): boolean {
    this.assertPiece(piece);
    assertTime('sinceMs', sinceMs);
    if (!this.hasCapacity(peerId, maxOutstanding)) return false;
    let pieces = this.byPeer.get(peerId);
    if (pieces?.has(piece) === true) {
      throw new TypeError(`piece ${piece} is already requested from peer ${JSON.stringify(peerId)}`);
    }
    if (pieces === undefined) {
      pieces = new Map();
      this.byPeer.set(peerId, pieces);
    }
    pieces.set(piece, sinceMs);
    let peers = this.byPiece.get(piece);
    if (peers === undefined) {
      peers = new Set();
      this.byPiece.set(piece, peers);
    }
    peers.add(peerId);
    this.requested.set(piece);
    return true;
  }

  /** Forgets the request of `piece` from `peerId` (received, rejected or cancelled). Returns whether it existed. */
  remove(peerId: string, piece: number): boolean {
    assertPeerId(peerId);
    this.assertPiece(piece);
    const pieces = this.byPeer.get(peerId);
    if (pieces?.delete(piece) !== true) return false;
    if (pieces.size === 0) this.byPeer.delete(peerId);
    const peers = this.byPiece.get(piece);
    peers?.delete(peerId);
    if (peers?.size === 0) {
      this.byPiece.delete(piece);
      this.requested.clear(piece);
    }
    return true;
  }

  /**
   * Forgets every request of `piece` (e.g. it was verified) and returns them, oldest first, so the
   * caller can cancel the duplicates still in flight.
   */
  removePiece(piece: number): PieceRequest[] {
    const removed = this.requestsForPiece(piece);
    for (const request of removed) this.remove(request.peerId, piece);
    return removed;
  }

  /** Forgets every request of `peerId` (it disconnected or choked us) and returns them, oldest first. */
  removePeer(peerId: string): PieceRequest[] {
    const removed = this.requestsForPeer(peerId);
    for (const request of removed) this.remove(peerId, request.piece);
    return removed;
  }

  /**
   * The requests outstanding for at least `timeoutMs` at `nowMs` (`nowMs - sinceMs >= timeoutMs`),
   * oldest first. Reports only: the caller decides whether to remove them.
   */
  expired(nowMs: number, timeoutMs: number): PieceRequest[] {
    assertTime('nowMs', nowMs);
    assertTime('timeoutMs', timeoutMs);
    const result: PieceRequest[] = [];
    for (const [peerId, pieces] of this.byPeer) {
      for (const [piece, sinceMs] of pieces) {
        if (nowMs - sinceMs >= timeoutMs) result.push({ peerId, piece, sinceMs });
      }
    }
    return result.sort(byAge);
  }

  /** Number of outstanding requests of `peerId`. */
  countForPeer(peerId: string): number {
    assertPeerId(peerId);
    return this.byPeer.get(peerId)?.size ?? 0;
  }

  /** Number of peers `piece` is outstanding from (more than 1 only in endgame). */
  countForPiece(piece: number): number {
    this.assertPiece(piece);
    return this.byPiece.get(piece)?.size ?? 0;
  }

  /** Total number of outstanding requests. */
  size(): number {
    let total = 0;
    for (const pieces of this.byPeer.values()) total += pieces.size;
    return total;
  }

  /** Whether `piece` is outstanding from any peer. */
  isRequested(piece: number): boolean {
    this.assertPiece(piece);
    return this.requested.has(piece);
  }

  /** Whether `piece` is outstanding from `peerId`. */
  isRequestedFrom(peerId: string, piece: number): boolean {
    assertPeerId(peerId);
    this.assertPiece(piece);
    return this.byPeer.get(peerId)?.has(piece) === true;
  }

  /** The pieces outstanding from any peer: a copy, for PeerPickInput.requested. */
  requestedBitfield(): Bitfield {
    return this.requested.clone();
  }

  /** The outstanding requests of `peerId`, oldest first. */
  requestsForPeer(peerId: string): PieceRequest[] {
    assertPeerId(peerId);
    const pieces = this.byPeer.get(peerId) ?? new Map<number, number>();
    return [...pieces].map(([piece, sinceMs]) => ({ peerId, piece, sinceMs })).sort(byAge);
  }

  /** The outstanding requests of `piece`, oldest first. */
  requestsForPiece(piece: number): PieceRequest[] {
    this.assertPiece(piece);
    const result: PieceRequest[] = [];
    for (const peerId of this.byPiece.get(piece) ?? []) {
      result.push({ peerId, piece, sinceMs: this.byPeer.get(peerId)?.get(piece) ?? 0 });
    }
    return result.sort(byAge);
  }

  /**
   * Pieces `peerId` must not be asked for in endgame (PeerPickInput.exclude): those already
   * outstanding from it, and those outstanding from `maxPerPiece` or more peers.
   */
  endgameExclusions(peerId: string, maxPerPiece: number): Bitfield {
    assertPeerId(peerId);
    assertPositiveInteger('maxPerPiece', maxPerPiece);
    const result = new Bitfield(this.pieceCount);
    for (const [piece, peers] of this.byPiece) {
      if (peers.size >= maxPerPiece || peers.has(peerId)) result.set(piece);
    }
    return result;
  }

  private assertPiece(piece: number): void {
    if (!Number.isSafeInteger(piece) || piece < 0 || piece >= this.pieceCount) {
      throw new TypeError(`piece must be an integer in [0, ${this.pieceCount}), got ${String(piece)} (${typeof piece})`);
    }
  }
}
