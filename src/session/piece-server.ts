/**
 * Serves the pieces we have to peers that ask: validates each request, queues it per peer
 * (bounded), and sends blocks read from the piece store within the process's upload limit.
 *
 * Before a block is read, its piece is checked against its digest (see {@link ServeGuard}): a
 * piece that rotted on disk is answered with `reject`, never served as good.
 *
 * Not responsible for choosing what to ask of peers (the swarm) nor for fairness beyond the
 * shared token bucket, which grants in call order. One serve loop per peer at a time; a peer
 * whose request is out of range, or whose block cannot be read, is the caller's to drop.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { pieceLength, pieceStart } from '../piece-picker/piece-geometry.js';
import type { TokenBucket } from '../rate-limit/token-bucket.js';
import type { PieceStore } from '../storage/piece-store.js';
import type { Peer } from './peer.js';

/** Blocks one peer may have queued with us before we reject more. */
const MAX_QUEUED_PER_PEER = 64;

/** Checks a piece before it is served, and hears of one that rotted. */
export interface ServeGuard {
  /** Whether piece `index` on disk still matches its digest. */
  goodForServing(index: number): Promise<boolean>;
  /** Piece `index` did not: forget it (it is no longer ours to serve). */
  onRot(index: number): void;
}

/** Serves blocks to peers. */
export class PieceServer {
  readonly #store: PieceStore;
  readonly #limiter: TokenBucket;
  readonly #maxBlockBytes: number;
  readonly #onActivity: () => void;
  readonly #guard: ServeGuard;
  /** Bytes sent to all peers. */
  uploadedBytes = 0;

  constructor(store: PieceStore, limiter: TokenBucket, maxBlockBytes: number, onActivity: () => void, guard: ServeGuard) {
    this.#guard = guard;
    this.#store = store;
    this.#limiter = limiter;
    this.#maxBlockBytes = maxBlockBytes;
    this.#onActivity = onActivity;
  }

  /**
   * Takes a peer's request: queued, or answered with `reject` when we lack the piece or the
   * peer's queue is full. Returns false when the request is out of range (drop the peer).
   */
  request(peer: Peer, piece: number, begin: number, length: number): boolean {
    const { geometry, have } = this.#store;
    if (piece >= geometry.pieceCount || length <= 0 || length > this.#maxBlockBytes || begin + length > pieceLength(geometry, piece)) {
      return false;
    }
    this.#onActivity();
    if (!have.has(piece) || peer.queue.length >= MAX_QUEUED_PER_PEER) {
      peer.connection.send({ type: 'reject', piece, begin, length });
      return true;
    }
    peer.queue.push({ piece, begin, length, atMs: Date.now() });
    void this.#serve(peer);
    return true;
  }

  /** Drops a queued request the peer no longer wants. */
  cancel(peer: Peer, piece: number, begin: number): void {
    const at = peer.queue.findIndex((queued) => queued.piece === piece && queued.begin === begin);
    if (at !== -1) peer.queue.splice(at, 1);
  }

  async #serve(peer: Peer): Promise<void> {
    if (peer.serving) return;
    peer.serving = true;
    try {
      for (let next = peer.queue.shift(); next && !peer.connection.closed; next = peer.queue.shift()) {
        if (!(await this.#stillGood(next.piece))) {
          peer.connection.send({ type: 'reject', piece: next.piece, begin: next.begin, length: next.length });
          continue;
        }
        const waitMs = this.#limiter.take(next.length, Date.now());
        if (waitMs > 0) await sleep(waitMs);
        const block = Buffer.allocUnsafe(next.length);
        await this.#store.read(pieceStart(this.#store.geometry, next.piece) + next.begin, block);
        this.#onActivity();
        peer.uploadedBytes += next.length;
        this.uploadedBytes += next.length;
        if (!peer.connection.sendPiece(next.piece, next.begin, block)) await peer.connection.drained();
      }
    } catch (err) {
      peer.connection.destroy(`serving failed: ${(err as Error).message}`);
    } finally {
      peer.serving = false;
    }
  }

  async #stillGood(piece: number): Promise<boolean> {
    if (!this.#store.have.has(piece)) return false;
    if (await this.#guard.goodForServing(piece)) return true;
    if (this.#store.have.has(piece)) this.#guard.onRot(piece);
    return false;
  }
}
