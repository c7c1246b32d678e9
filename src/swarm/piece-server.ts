/**
 * Serves the pieces we have to peers that ask: keeps the upload slots (BEP 3 choking, see
 * `upload-slots.ts`), validates each request, queues it per peer (bounded), and sends blocks read
 * from the piece store within the process's upload limit.
 *
 * Before a block is read, its piece is checked against its digest (see {@link ServeGuard}): a
 * piece that rotted on disk is answered with `reject`, never served as good.
 *
 * Caps, per peer: at most {@link MAX_QUEUED_PER_PEER} requests queued (more is a flood: the caller
 * drops the peer), at most {@link MAX_CHOKED_REQUESTS} requests while choked and
 * {@link MAX_UNOFFERED_REQUESTS} for pieces we do not offer (answered with `reject`; more is a
 * flood), one block read at a time, and no new block while more than the
 * connection's piece cap (`maxQueuedPieceBytes`) wait unsent. Block buffers come from a small
 * pool and go back to it once the socket is done with them. Only {@link UPLOAD_SLOTS} peers are
 * served at once.
 *
 * Not responsible for choosing what to ask of peers (peer-downloads.ts). Fairness: the slots
 * rotate every {@link ROTATE_MS} towards the peers served least; within the slots the shared token
 * bucket grants in call order. One serve loop per peer at a time; a peer whose request is out of
 * range or a flood, or whose block cannot be read, is the caller's to drop.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { pieceLength, pieceStart } from '../pieces/piece-geometry.js';
import type { TokenBucket } from '../rate-limit/token-bucket.js';
import { BufferPool } from '../storage/buffer-pool.js';
import type { PieceStore } from '../storage/piece-store.js';
import type { Peer } from './peer.js';
import { chooseUnchoked } from './upload-slots.js';
import { UPLOAD_SLOTS } from './swarm-parameters.js';

/** Blocks one peer may have queued with us; one more is a flood. */
export const MAX_QUEUED_PER_PEER = 64;
/** Requests a choked peer may send between two unchokes (each is rejected); one more is a flood. */
export const MAX_CHOKED_REQUESTS = 256;
/**
 * Requests for pieces we do not offer (lack, or hold no digest for yet) one connection may send
 * (each is rejected); one more is a flood. An honest peer asks only for offered pieces, and for a
 * piece we lost (rot) only until our `reject` reaches it.
 */
export const MAX_UNOFFERED_REQUESTS = 64;
export { ROTATE_MS, UPLOAD_SLOTS } from './swarm-parameters.js';
/** Idle block buffers kept for reuse (at 256 KiB blocks, 4 MiB). */
const POOLED_BLOCKS = 16;

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
  /** Buffers of the usual block size, reused once the socket is done with them. */
  readonly #buffers: BufferPool;
  /** Bytes sent to all peers. */
  uploadedBytes = 0;

  /**
   * `blockBytes` is the block size peers usually ask for (its buffers are reused); requests up to
   * `maxBlockBytes` are served.
   */
  constructor(store: PieceStore, limiter: TokenBucket, blockBytes: number, maxBlockBytes: number, onActivity: () => void, guard: ServeGuard) {
    this.#buffers = new BufferPool(blockBytes, POOLED_BLOCKS);
    this.#guard = guard;
    this.#store = store;
    this.#limiter = limiter;
    this.#maxBlockBytes = maxBlockBytes;
    this.#onActivity = onActivity;
  }

  /**
   * Takes a peer's request: queued, or answered with `reject` when we lack the piece (or its
   * digest) or choke the peer. Returns why to drop the peer (out of range, a flood), or null.
   */
  request(peer: Peer, piece: number, begin: number, length: number): string | null {
    const { geometry, have } = this.#store;
    if (piece >= geometry.pieceCount || length <= 0 || length > this.#maxBlockBytes || begin + length > pieceLength(geometry, piece)) {
      return 'request out of range';
    }
    this.#onActivity();
    if (peer.amChoking) {
      if (++peer.chokedRequests > MAX_CHOKED_REQUESTS) return 'request flood while choked';
      peer.connection.send({ type: 'reject', piece, begin, length });
      return null;
    }
    // A piece without a digest yet (taken while we had no peer) is not offered until it has one.
    if (!have.has(piece) || !this.#store.digestOf(piece)) {
      if (++peer.unofferedRequests > MAX_UNOFFERED_REQUESTS) return 'request flood for pieces not offered';
      peer.connection.send({ type: 'reject', piece, begin, length });
      return null;
    }
    if (peer.queue.length >= MAX_QUEUED_PER_PEER) return 'request flood';
    peer.queue.push({ piece, begin, length, atMs: Date.now() });
    void this.#serve(peer);
    return null;
  }

  /** Drops a queued request the peer no longer wants. */
  cancel(peer: Peer, piece: number, begin: number): void {
    const at = peer.queue.findIndex((queued) => queued.piece === piece && queued.begin === begin);
    if (at !== -1) peer.queue.splice(at, 1);
  }

  /**
   * Recomputes the upload slots and sends `choke` / `unchoke` where they change. A peer choked
   * loses its queued requests (BEP 3: the peer knows they are discarded).
   */
  rechoke(peers: Iterable<Peer>): void {
    const all = [...peers].filter((peer) => !peer.connection.closed);
    const unchoke = chooseUnchoked(
      all.map((peer) => ({ id: peer.id, interested: peer.peerInterested, unchoked: !peer.amChoking, servedBytes: peer.uploadedBytes })),
      UPLOAD_SLOTS,
      Math.random,
    );
    for (const peer of all) {
      const choke = !unchoke.has(peer.id);
      if (choke === peer.amChoking) continue;
      peer.amChoking = choke;
      if (choke) peer.queue.length = 0;
      else peer.chokedRequests = 0;
      peer.connection.send({ type: choke ? 'choke' : 'unchoke' });
    }
  }

  async #serve(peer: Peer): Promise<void> {
    if (peer.serving) return;
    peer.serving = true;
    try {
      for (let next = peer.queue.shift(); next && !peer.connection.closed && !peer.amChoking; next = peer.queue.shift()) {
        if (!(await this.#stillGood(next.piece))) {
          peer.connection.send({ type: 'reject', piece: next.piece, begin: next.begin, length: next.length });
          continue;
        }
        const waitMs = this.#limiter.take(next.length, Date.now());
        if (waitMs > 0) await sleep(waitMs);
        if (peer.amChoking || peer.connection.closed) {
          this.#limiter.refund(next.length, Date.now());
          break;
        }
        const block = this.#buffers.take(next.length);
        try {
          await this.#store.read(pieceStart(this.#store.geometry, next.piece) + next.begin, block);
        } catch (err) {
          this.#buffers.give(block);
          throw err;
        }
        if (peer.amChoking) {
          this.#buffers.give(block);
          this.#limiter.refund(next.length, Date.now());
          break;
        }
        this.#onActivity();
        peer.uploadedBytes += next.length;
        this.uploadedBytes += next.length;
        if (!peer.connection.sendPiece(next.piece, next.begin, block, () => this.#buffers.give(block))) await peer.connection.drained();
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
