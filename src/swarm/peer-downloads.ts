/**
 * The download side of the peer protocol for one file: what each peer offers us (its `bitfield`,
 * `have` and `reject`, and our BEP 3 interest in it), which blocks to ask of which peer (the peer
 * picker, probation, endgame), the blocks that arrive (within the download limit) and the check of
 * each finished piece against its digest.
 *
 * Every piece from peers is checked against its digest before it is marked ({@link PieceTrust}):
 * a bad one is not kept and is fetched again elsewhere; a peer that sent {@link MAX_BAD_PIECES}
 * bad pieces is dropped and banned. Only pieces with a digest to check against are asked of peers.
 *
 * Not responsible for connections, message dispatch, serving pieces, or announcing what we have
 * (the swarm that owns it and calls it with each message). A peer that sends a `have` out of
 * range, unrequested blocks, or leaves a block unanswered too long is dropped here.
 * Concurrency: all state changes on the event loop; block writes overlap freely.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Bitfield } from '../pieces/bitfield.js';
import { pickPeerPiece } from '../piece-picker/peer-piece-picker.js';
import { pieceStart } from '../pieces/piece-geometry.js';
import type { TokenBucket } from '../rate-limit/token-bucket.js';
import { BufferPool } from '../storage/buffer-pool.js';
import type { PieceStore } from '../storage/piece-store.js';
import { PIECE_PAYLOAD_HEADER_BYTES } from '../wire/codec.js';
import { debugLog } from '../debug-log.js';
import { ArrivalDigests } from './arrival-digests.js';
import { type Peer, blockKey } from './peer.js';
import { PeerRequests } from './peer-requests.js';
import { MAX_BAD_PIECES, type PieceTrust } from './piece-trust.js';
import { BLOCK_BYTES, MAX_ASKED_PER_PEER, pipelineDepth } from './swarm-parameters.js';

export { BLOCK_BYTES } from './swarm-parameters.js';
/** Idle frame buffers kept for reuse (at 256 KiB blocks, 4 MiB). */
const POOLED_FRAMES = 16;
/** Frames up to this size (every message but `piece`) get a buffer of their own. */
const SMALL_FRAME_BYTES = 64 * 1024;
/** Unrequested blocks a peer may send before it is dropped. */
const MAX_STRIKES = 3;
/** A peer that leaves a block unanswered this long is dropped. */
const ASK_TIMEOUT_MS = 20_000;

/** What the downloads need of the session (part of the swarm's options). */
export interface PeerDownloadsOptions {
  readonly store: PieceStore;
  readonly downLimiter: TokenBucket;
  /** Pieces our own origin connections fetch now. */
  readonly originInFlight: () => Bitfield;
  /** A piece arrived from a peer and is written and marked. */
  readonly onPiece: (index: number) => void;
  /** Bytes arrived from peers. */
  readonly onPeerBytes: (bytes: number) => void;
  /** The set of peers, or what they have or fetch, changed. */
  readonly onChange: () => void;
  /** Digests, bans and bad-piece counts. */
  readonly trust: PieceTrust;
  /** A piece failed its digest: sent by `peers`, or (`peers` empty) rotted on our disk. */
  readonly onCorrupt: (index: number, peers: readonly string[]) => void;
}

/** What the downloads see of the swarm that owns them. */
export interface DownloadsSwarm {
  /** The peers connected now, by id (the swarm adds and removes them). */
  readonly peers: ReadonlyMap<string, Peer>;
  /** Drops peer `id` and refuses it for the rest of the run. */
  ban(id: string, reason: string): void;
}

/** Our downloads from the peers of one file. */
export class PeerDownloads {
  readonly #opts: PeerDownloadsOptions;
  readonly #swarm: DownloadsSwarm;
  /** How many connected peers have each piece. */
  readonly #availability: Uint16Array;
  readonly #requests: PeerRequests;
  /** Blocks being written: a second copy that arrives meanwhile is a duplicate. */
  readonly #writing = new Set<string>();
  /** Pieces whose last block arrived and whose digest is being checked. */
  readonly #verifying: Bitfield;
  /** Peers that sent blocks of each piece being fetched from peers. */
  readonly #senders = new Map<number, Set<string>>();
  /** Pieces hashed from their blocks as accepted, so a whole piece is not read back to check it. */
  readonly #arrivals: ArrivalDigests;
  /** Buffers of `piece` frames, given back once their block is written (see {@link allocateFrame}). */
  readonly #frames = new BufferPool(PIECE_PAYLOAD_HEADER_BYTES + BLOCK_BYTES, POOLED_FRAMES);
  #paused = false;
  #closed = false;

  constructor(opts: PeerDownloadsOptions, swarm: DownloadsSwarm) {
    this.#opts = opts;
    this.#swarm = swarm;
    this.#availability = new Uint16Array(opts.store.geometry.pieceCount);
    this.#requests = new PeerRequests(opts.store.geometry, BLOCK_BYTES);
    this.#verifying = new Bitfield(opts.store.geometry.pieceCount);
    this.#arrivals = new ArrivalDigests(opts.store.geometry);
  }

  /**
   * The buffer for a frame split across reads: frames of a block's size come from a pool that
   * {@link onBlock} gives them back to; small ones are plain buffers.
   */
  readonly allocateFrame = (bytes: number): Buffer => (bytes > SMALL_FRAME_BYTES ? this.#frames.take(bytes) : Buffer.allocUnsafe(bytes));

  /** Pieces peers offer us, asked of peers, or being checked: a new bitfield. */
  taken(): Bitfield {
    const taken = this.#requests.requested.clone();
    for (let index = 0; index < this.#availability.length; index++) if (this.#offered(index)) taken.set(index);
    return taken.or(this.#verifying);
  }

  /** Whether piece `piece` is offered us by a peer, asked of one, or being checked. */
  isTaken(piece: number): boolean {
    return this.#offered(piece) || this.#requests.requested.has(piece) || this.#verifying.has(piece);
  }

  /** Whether a peer has piece `index` and we have a digest to check its copy against. */
  #offered(index: number): boolean {
    return (this.#availability[index] ?? 0) > 0 && !this.#opts.trust.book.unusable.has(index);
  }

  /** Stops (true) or resumes asking peers for pieces. */
  pause(paused: boolean): void {
    this.#paused = paused;
    if (!paused) this.scheduleAll();
  }

  /** Asks no peer for anything any more (the swarm stops). */
  close(): void {
    this.#closed = true;
  }

  /** `peer` left: what it had is no longer offered, and what we asked of it is asked elsewhere. */
  dropPeer(peer: Peer): void {
    for (let index = peer.has.firstSet(0); index !== -1; index = peer.has.firstSet(index + 1)) {
      this.#availability[index] = Math.max(0, (this.#availability[index] ?? 0) - 1);
    }
    this.#requests.dropPeer(peer.id);
  }

  /** BEP 3: a peer that chokes us discards what we asked; we ask it again once unchoked. */
  onChoke(peer: Peer): void {
    peer.peerChoking = true;
    peer.asked.clear();
    this.#requests.dropPeer(peer.id);
    this.scheduleAll();
  }

  /** `peer` unchoked us: ask it for blocks. */
  onUnchoke(peer: Peer): void {
    peer.peerChoking = false;
    this.schedule(peer);
  }

  /** Tells `peer` we are interested when it has a piece we lack (BEP 3). */
  #updateInterest(peer: Peer, index: number): void {
    if (peer.amInterested || this.#opts.store.have.has(index)) return;
    peer.amInterested = true;
    peer.connection.send({ type: 'interested' });
  }

  /** Records the pieces of `peer`'s bitfield (not scheduled yet); false when it is malformed. */
  addBitfield(peer: Peer, bytes: Uint8Array): boolean {
    const has = Bitfield.fromBytes(this.#availability.length, bytes);
    if (!has) return false;
    for (let index = has.firstSet(0); index !== -1; index = has.firstSet(index + 1)) this.onHave(peer, index, false);
    return true;
  }

  /** `peer` has piece `index`; with `schedule`, the session hears of it and `peer` is asked for more. */
  onHave(peer: Peer, index: number, schedule = true): void {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.#availability.length) return peer.connection.destroy('have out of range');
    if (peer.has.has(index)) return;
    peer.has.set(index);
    this.#updateInterest(peer, index);
    this.#availability[index] = (this.#availability[index] ?? 0) + 1;
    if (schedule) {
      this.#opts.onChange();
      this.schedule(peer);
    }
  }

  /** A peer that rejects a piece it offered has lost it (or is busy): it is not asked for it again. */
  onReject(peer: Peer, piece: number, begin: number): void {
    // A reject of a block we no longer await is stale: the peer choked us (we forgot our asks
    // then) and rejected what was still on its way. It does not say the peer lacks the piece.
    if (!peer.asked.delete(blockKey(piece, begin))) return;
    this.#requests.unassign(piece, peer.id);
    if (piece < this.#availability.length && peer.has.has(piece)) {
      peer.has.clear(piece);
      this.#availability[piece] = Math.max(0, (this.#availability[piece] ?? 0) - 1);
      this.#opts.onChange();
    }
    // Another idle peer may have the piece: at the tail no other event would come to ask it.
    this.scheduleAll();
  }

  /** A block arrived from `peer`: written if we asked for it and still await it. */
  async onBlock(peer: Peer, piece: number, begin: number, block: Uint8Array): Promise<void> {
    try {
      await this.#takeBlock(peer, piece, begin, block);
    } finally {
      // Whatever became of the block, nothing reads its frame any more (a frame that was a view
      // of a socket read is not the pool's, and the pool ignores it).
      this.#frames.give(Buffer.from(block.buffer, 0, block.buffer.byteLength));
    }
  }

  async #takeBlock(peer: Peer, piece: number, begin: number, block: Uint8Array): Promise<void> {
    const key = blockKey(piece, begin);
    const ask = peer.asked.get(key);
    if (!ask || ask.length !== block.length) {
      peer.strikes += 1;
      if (peer.strikes >= MAX_STRIKES) peer.connection.destroy('unrequested blocks');
      return;
    }
    peer.asked.delete(key);
    // A copy that another peer's endgame block beat (on disk, or being written): nothing to do.
    if (!this.#requests.isAwaited(piece, begin) || this.#writing.has(key)) return;
    this.#writing.add(key);
    this.#arrivals.feed(piece, begin, block);
    try {
      const waitMs = this.#opts.downLimiter.take(block.length, Date.now());
      if (waitMs > 0) await sleep(waitMs);
      const { store } = this.#opts;
      await store.write(pieceStart(store.geometry, piece) + begin, [Buffer.from(block.buffer, block.byteOffset, block.byteLength)]);
    } catch {
      this.#arrivals.spoil(piece);
      this.#requests.unassign(piece, peer.id);
      return;
    } finally {
      this.#writing.delete(key);
    }
    const { store } = this.#opts;
    peer.noteReceived(block.length, Date.now());
    this.#opts.onPeerBytes(block.length);
    let senders = this.#senders.get(piece);
    if (!senders) this.#senders.set(piece, (senders = new Set()));
    senders.add(peer.id);
    if (this.#requests.received(piece, begin) && !store.have.has(piece)) {
      this.#senders.delete(piece);
      void this.#checkArrived(piece, senders);
    }
    this.schedule(peer);
  }

  /** The last block of `piece` arrived: keep it only if it matches its digest. */
  async #checkArrived(piece: number, senders: Set<string>): Promise<void> {
    const { store, trust } = this.#opts;
    this.#verifying.set(piece);
    const checked = [...senders].map((id) => this.#swarm.peers.get(id)).filter((peer) => peer !== undefined);
    for (const peer of checked) peer.checking += 1;
    let outcome: Awaited<ReturnType<PieceTrust['checkArrived']>> = { verdict: 'unverifiable', banned: [] };
    try {
      outcome = await trust.checkArrived(piece, senders, this.#arrivals.take(piece));
    } catch {
      // Unreadable: the piece is fetched again.
    }
    this.#verifying.clear(piece);
    for (const peer of checked) {
      peer.checking -= 1;
      if (outcome.verdict === 'good') peer.goodPieces += 1;
    }
    if (outcome.verdict === 'good' && !store.have.has(piece)) {
      store.markPiece(piece);
      this.#opts.onPiece(piece);
    } else if (outcome.verdict === 'bad') {
      debugLog('swarm', () => `piece ${piece} from ${[...senders].map((id) => id.slice(0, 8)).join(',')} failed its digest`);
      this.#opts.onCorrupt(piece, [...senders]);
      for (const id of outcome.banned) this.#swarm.ban(id, `sent ${MAX_BAD_PIECES} pieces that failed their digest`);
    }
    this.#opts.onChange();
    this.scheduleAll();
  }

  /** Asks every peer for blocks (see {@link PeerDownloads.schedule}). */
  scheduleAll(): void {
    for (const peer of this.#swarm.peers.values()) this.schedule(peer);
  }

  /** Asks `peer` for blocks until it has about a second of its rate outstanding ({@link pipelineDepth}) or nothing fits. */
  schedule(peer: Peer): void {
    const { store } = this.#opts;
    if (this.#closed || this.#paused || peer.connection.closed || peer.peerChoking || store.have.isComplete()) return;
    const depth = pipelineDepth(peer.downloadRate);
    while (peer.asked.size < depth) {
      const block = this.#requests.nextBlockFor(peer.id) ?? (this.#mayAssign(peer) ? this.#assignPiece(peer) : null);
      if (!block) break;
      this.#ask(peer, block);
    }
    if (peer.asked.size === 0 && peer.goodPieces > 0 && this.#allMissingInFlight()) this.#endgame(peer);
  }

  /**
   * Probation: a peer none of whose pieces has matched its digest yet gets one piece at a time, so
   * a peer that corrupts everything costs at most {@link MAX_BAD_PIECES} pieces before its ban.
   */
  #mayAssign(peer: Peer): boolean {
    return peer.goodPieces > 0 || this.#requests.countFor(peer.id) + peer.checking === 0;
  }

  /** The tail: every piece we lack is asked of a peer or fetched by our origin connections. */
  #allMissingInFlight(): boolean {
    const { have } = this.#opts.store;
    return have.unionIsComplete(this.#requests.requested, this.#opts.originInFlight(), this.#verifying);
  }

  #ask(peer: Peer, block: { piece: number; begin: number; length: number }): void {
    const nowMs = Date.now();
    peer.noteAsked(nowMs);
    peer.asked.set(blockKey(block.piece, block.begin), { ...block, atMs: nowMs });
    peer.connection.send({ type: 'request', piece: block.piece, begin: block.begin, length: block.length });
  }

  /**
   * Endgame: an idle peer with nothing new to offer is asked, too, for the blocks still awaited of
   * a piece another peer is slow to send, so one slow peer does not hold up the tail.
   */
  #endgame(peer: Peer): void {
    const blocks = this.#requests.endgameBlocks(peer.id, (piece) => peer.has.has(piece));
    for (const block of blocks.slice(0, MAX_ASKED_PER_PEER)) this.#ask(peer, block);
  }

  #assignPiece(peer: Peer): { piece: number; begin: number; length: number } | null {
    const { store } = this.#opts;
    const piece = pickPeerPiece({
      have: store.have,
      peerHas: peer.has,
      requested: this.#requests.requested.or(this.#opts.originInFlight()).or(this.#verifying).or(this.#opts.trust.book.unusable),
      availability: this.#availability,
      random01: Math.random(),
      endgame: false,
    });
    if (piece === -1) return null;
    this.#requests.assign(piece, peer.id);
    this.#senders.delete(piece);
    return this.#requests.nextBlockFor(peer.id);
  }

  /** Drops the peers that left a block we asked unanswered for longer than ASK_TIMEOUT_MS. */
  checkStalls(now: number): void {
    for (const peer of this.#swarm.peers.values()) {
      const oldest = peer.oldestAskMs();
      if (oldest !== null && now - oldest > ASK_TIMEOUT_MS) peer.connection.destroy('requests timed out');
    }
  }
}
