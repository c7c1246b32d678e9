/**
 * The LAN swarm of one file: finds peers (discovery), keeps TCP connections to them, asks them
 * for pieces we lack (the peer picker decides which) and serves them the pieces we have.
 *
 * Every piece from peers is checked against its digest before it is marked ({@link PieceTrust}):
 * a bad one is not kept and is fetched again elsewhere; a peer that sent {@link MAX_BAD_PIECES}
 * bad pieces, or announced a digest that contradicts the origin's, is dropped and banned. Digests
 * travel as `piece-hash` messages before the `have` or `bitfield` that offers the piece; only
 * pieces with a digest to check against are asked of peers.
 *
 * Not responsible for the origin (the origin fetcher) nor for the whole-file MD5. It tells the
 * session what happens through the callbacks in {@link SwarmOptions}. Every peer misbehaviour
 * (bad frame, bad bitfield, request out of range, unrequested block, stall) drops that peer.
 * Concurrency: all state changes on the event loop; block writes and reads overlap freely.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Discovery } from '../discovery/discovery.js';
import { Bitfield } from '../piece-picker/bitfield.js';
import { pickPeerPiece } from '../piece-picker/peer-piece-picker.js';
import { pieceStart } from '../piece-picker/piece-geometry.js';
import type { TokenBucket } from '../rate-limit/token-bucket.js';
import type { PieceStore } from '../storage/piece-store.js';
import type { PieceRun, WireMessage } from '../wire/codec.js';
import type { PeerConnection } from '../wire/peer-connection.js';
import { Peer, blockKey } from './peer.js';
import { PeerRequests } from './peer-requests.js';
import { PieceServer, ROTATE_MS } from './piece-server.js';
import { MAX_BAD_PIECES, SELF, type PieceTrust } from './piece-trust.js';
import { debugLog } from './debug-log.js';
import { MAX_HANDSHAKING, MAX_PEERS, openPeerConnection, startDiscovery, type SwarmNetwork } from './swarm-network.js';

/** Bytes per block request. */
export const BLOCK_BYTES = 256 * 1024;
/** Blocks we keep asked of one peer at once. */
const MAX_ASKED_PER_PEER = 16;
/** Unrequested blocks a peer may send before it is dropped. */
const MAX_STRIKES = 3;
/** A peer that leaves a block unanswered this long is dropped. */
const ASK_TIMEOUT_MS = 20_000;

/** A connected peer as reported to the daemon's API. */
export interface PeerSummary {
  readonly id: string;
  readonly address: string;
  readonly piecesHeld: number;
  readonly downloadedBytes: number;
  readonly uploadedBytes: number;
}

/** What the swarm needs. */
export interface SwarmOptions extends SwarmNetwork {
  readonly store: PieceStore;
  readonly upLimiter: TokenBucket;
  readonly downLimiter: TokenBucket;
  /** Pieces our own origin connections fetch now. */
  readonly originInFlight: () => Bitfield;
  /** A piece arrived from a peer and is written and marked. */
  readonly onPiece: (index: number) => void;
  /** Bytes arrived from peers. */
  readonly onPeerBytes: (bytes: number) => void;
  /** A peer asked us for something (for idle tracking). */
  readonly onRequest: () => void;
  /** The set of peers, or what they have or fetch, changed. */
  readonly onChange: () => void;
  /** Digests, bans and bad-piece counts. */
  readonly trust: PieceTrust;
  /** A piece failed its digest: sent by `peers`, or (`peers` empty) rotted on our disk. */
  readonly onCorrupt: (index: number, peers: readonly string[]) => void;
  /** A peer was dropped and banned. */
  readonly onBan: (peerId: string, reason: string) => void;
}

/** The swarm of one file. */
export class Swarm {
  readonly peerId: Buffer;
  readonly #opts: SwarmOptions;
  readonly #peers = new Map<string, Peer>();
  readonly #connecting = new Set<string>();
  #handshaking = 0;
  #lastRechokeMs = 0;
  readonly #availability: Uint16Array;
  readonly #requests: PeerRequests;
  /** Blocks being written: a second copy that arrives meanwhile is a duplicate. */
  readonly #writing = new Set<string>();
  #listener: Server | null = null;
  readonly #server: PieceServer;
  #discovery: Discovery | null = null;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  #fetching: readonly PieceRun[] = [];
  /** Pieces whose last block arrived and whose digest is being checked. */
  readonly #verifying: Bitfield;
  /** Peers that sent blocks of each piece being fetched from peers. */
  readonly #senders = new Map<number, Set<string>>();
  #paused = false;
  readonly #bansReported = new Set<string>();

  constructor(opts: SwarmOptions) {
    this.#opts = opts;
    this.peerId = opts.host?.peerId ?? randomBytes(20);
    this.#availability = new Uint16Array(opts.store.geometry.pieceCount);
    this.#requests = new PeerRequests(opts.store.geometry, BLOCK_BYTES);
    this.#verifying = new Bitfield(opts.store.geometry.pieceCount);
    this.#server = new PieceServer(opts.store, opts.upLimiter, 4 * BLOCK_BYTES, opts.onRequest, {
      goodForServing: (index) => opts.trust.goodForServing(index),
      onRot: (index) => this.#onRot(index),
    });
  }

  /** Bytes served to peers. */
  get uploadedBytes(): number {
    return this.#server.uploadedBytes;
  }

  /** Peers connected now. */
  get peerCount(): number {
    return this.#peers.size;
  }

  /** The swarm id peers name in the handshake. */
  get swarmId(): Buffer {
    return this.#opts.swarmId;
  }

  /** The peers connected now. */
  peers(): PeerSummary[] {
    return [...this.#peers.values()].map((peer) => ({
      id: peer.id,
      address: peer.address,
      piecesHeld: peer.has.count(),
      downloadedBytes: peer.downloadedBytes,
      uploadedBytes: peer.uploadedBytes,
    }));
  }

  /** Starts listening and announcing (or joins the shared host). */
  async start(): Promise<void> {
    this.#timer = setInterval(() => this.#checkStalls(), 1000);
    this.#timer.unref();
    if (this.#opts.host) {
      this.#opts.host.attach(this);
      return;
    }
    const server = createServer((socket) => this.adopt(socket));
    server.listen(this.#opts.port, this.#opts.bindAddress ?? undefined);
    await once(server, 'listening');
    this.#listener = server;
    const address = server.address();
    const tcpPort = typeof address === 'object' && address ? address.port : 0;
    this.#discovery = await startDiscovery(this.#opts, this.peerId, tcpPort, () => [this.#opts.swarmId], (peer) => this.discovered(peer));
  }

  /** Stops everything; connections are closed. */
  async stop(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#opts.host?.detach(this);
    await this.#discovery?.stop().catch(() => undefined);
    for (const peer of this.#peers.values()) peer.connection.destroy('shutting down');
    this.#listener?.close();
  }

  /** Pieces that peers have or fetch from the origin: not for our origin connections. */
  othersTaken(): Bitfield {
    const taken = this.#requests.requested.clone();
    for (const peer of this.#peers.values()) {
      for (const run of peer.fetching) for (let index = run.startPiece; index < run.endPiece; index++) taken.set(index);
    }
    for (let index = 0; index < this.#availability.length; index++) if (this.#offered(index)) taken.set(index);
    return taken.or(this.#verifying);
  }

  /**
   * Whether our origin run that reached `piece` should stop there: a peer has it, we asked a peer
   * for it, or a peer fetches it from the origin and has precedence (the lower peer id), so two
   * hosts that picked the same run at once do not both fetch it.
   */
  yieldsAt(piece: number): boolean {
    if (this.#offered(piece) || this.#requests.requested.has(piece) || this.#verifying.has(piece)) return true;
    for (const peer of this.#peers.values()) {
      if (peer.id >= this.#idHex) continue;
      if (peer.fetching.some((run) => run.startPiece <= piece && piece < run.endPiece)) return true;
    }
    return false;
  }

  /** Resolves when a peer has sent its bitfield, after `timeoutMs`, or when `signal` aborts. */
  async waitForPeer(timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (timeoutMs <= 0) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#peerWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.#peerWaiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  readonly #peerWaiters = new Set<() => void>();

  /** Whether a peer has piece `index` and we have a digest to check its copy against. */
  #offered(index: number): boolean {
    return (this.#availability[index] ?? 0) > 0 && !this.#opts.trust.book.unusable.has(index);
  }

  /** Stops (true) or resumes asking peers for pieces, e.g. while pieces are checked against the origin. */
  pauseRequests(paused: boolean): void {
    this.#paused = paused;
    if (!paused) this.#scheduleAll();
  }

  get #idHex(): string {
    return this.peerId.toString('hex');
  }

  /** Tells every peer we have piece `index` (its digest first), and asks peers for more. */
  announceHave(index: number): void {
    const digest = this.#opts.store.digestOf(index);
    const complete = this.#opts.store.have.isComplete();
    for (const peer of this.#peers.values()) {
      if (digest) peer.connection.send({ type: 'piece-hash', piece: index, hash: digest });
      peer.connection.send({ type: 'have', piece: index });
      if (complete && peer.amInterested) {
        peer.amInterested = false;
        peer.connection.send({ type: 'not-interested' });
      }
    }
    this.#scheduleAll();
  }

  /** Our origin connections fetched piece `index`: its digest is final; peers that said otherwise go. */
  originPiece(index: number): void {
    const digest = this.#opts.store.digestOf(index);
    if (digest) for (const liar of this.#opts.trust.originDigest(index, digest)) this.ban(liar, 'announced a digest the origin contradicts');
    this.announceHave(index);
  }

  /** Drops peer `id` and refuses it for the rest of the run. */
  ban(id: string, reason: string): void {
    if (id === SELF) return;
    this.#opts.trust.ban(id);
    if (!this.#bansReported.has(id)) this.#opts.onBan(id, reason);
    this.#bansReported.add(id);
    this.#peers.get(id)?.connection.destroy(reason);
  }

  /** A piece we have no longer matches its digest (rot): stop offering it; it is fetched again. */
  #onRot(index: number): void {
    this.#opts.store.unmarkPiece(index);
    // Recorded at once: a seeder has no flush timer, and a kill must not leave the entry "complete".
    void this.#opts.store.flush().catch(() => undefined);
    this.#opts.onCorrupt(index, []);
    this.#opts.onChange();
  }

  /** Tells every peer which runs our origin connections fetch now. */
  announceFetching(runs: readonly PieceRun[]): void {
    this.#fetching = runs.slice(0, 256);
    for (const peer of this.#peers.values()) peer.connection.send({ type: 'fetching', runs: this.#fetching });
  }

  /** A peer announced our swarm id: dial it unless we know it already. */
  discovered(found: { peerId: Buffer; address: string; tcpPort: number }): void {
    const id = found.peerId.toString('hex');
    if (this.#closed || this.#peers.has(id) || this.#connecting.has(id) || id === this.#idHex || this.#opts.trust.isBanned(id)) return;
    if (this.#peers.size >= MAX_PEERS) return;
    // Both sides of a pair may dial at once; #register keeps one connection (see there).
    debugLog('swarm', () => `dialling ${id.slice(0, 8)} at ${found.address}:${found.tcpPort}`);
    this.#connecting.add(id);
    const socket = connect({ host: found.address, port: found.tcpPort, ...(this.#opts.bindAddress ? { localAddress: this.#opts.bindAddress } : {}) });
    socket.once('error', () => this.#connecting.delete(id));
    socket.once('close', () => this.#connecting.delete(id));
    this.adopt(socket, true, found.address);
  }

  /** Runs the wire protocol on `socket` (accepted, or dialled to `dialled`). */
  adopt(socket: Socket, outbound = false, dialled?: string): void {
    if (this.#closed || this.#peers.size >= MAX_PEERS || this.#handshaking >= MAX_HANDSHAKING) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const address = dialled ?? socket.remoteAddress ?? '?';
    const { swarmId, authKey } = this.#opts;
    const connection = openPeerConnection(socket, { swarmId, peerId: this.peerId, authKey, outbound, pieceCount: this.#availability.length, blockBytes: BLOCK_BYTES });
    this.#handshaking++;
    let handshaking = true;
    const settled = (): void => {
      if (handshaking) this.#handshaking--;
      handshaking = false;
    };
    connection.once('close', settled);
    connection.once('handshake', (theirId: Buffer) => {
      settled();
      this.#register(theirId.toString('hex'), address, connection, outbound);
    });
    connection.start();
  }

  /**
   * Adds a peer whose handshake completed. When a pair already has a connection, both sides keep
   * the same one of the two: the one the lower peer id dialled, else the first.
   */
  #register(id: string, address: string, connection: PeerConnection, outbound: boolean): void {
    this.#connecting.delete(id);
    const existing = this.#peers.get(id);
    if (this.#closed || id === this.#idHex || this.#opts.trust.isBanned(id)) {
      connection.destroy('closed');
      return;
    }
    if (existing) {
      const weAreLower = this.#idHex < id;
      const canonical = outbound === weAreLower;
      if (!canonical || existing.outbound === weAreLower) {
        connection.destroy('duplicate connection');
        return;
      }
      existing.connection.destroy('duplicate connection');
      this.#unregister(existing);
    }
    const peer = new Peer(id, address, connection, this.#availability.length, outbound);
    debugLog('swarm', () => `peer ${id.slice(0, 8)} at ${address} (${outbound ? 'dialled' : 'accepted'})`);
    this.#peers.set(id, peer);
    connection.on('message', (message: WireMessage) => this.#onMessage(peer, message));
    connection.once('close', () => this.#unregister(peer));
    this.#sendDigests(connection);
    connection.send({ type: 'bitfield', bytes: this.#opts.store.have.toBytes() });
    if (this.#fetching.length > 0) connection.send({ type: 'fetching', runs: this.#fetching });
    this.#opts.onChange();
  }

  /** The digests of every piece we have, before the bitfield that offers them. */
  #sendDigests(connection: PeerConnection): void {
    const { store } = this.#opts;
    for (let index = store.have.firstSet(0); index !== -1; index = store.have.firstSet(index + 1)) {
      const digest = store.digestOf(index);
      if (digest) connection.send({ type: 'piece-hash', piece: index, hash: digest });
    }
  }

  #unregister(peer: Peer): void {
    if (this.#peers.get(peer.id) !== peer) return;
    this.#peers.delete(peer.id);
    for (let index = peer.has.firstSet(0); index !== -1; index = peer.has.firstSet(index + 1)) {
      this.#availability[index] = Math.max(0, (this.#availability[index] ?? 0) - 1);
    }
    this.#requests.dropPeer(peer.id);
    peer.queue.length = 0;
    if (!peer.amChoking) this.#server.rechoke(this.#peers.values());
    this.#opts.onChange();
    this.#scheduleAll();
  }

  #drop(peer: Peer, reason: string): void {
    peer.connection.destroy(reason);
  }

  #onMessage(peer: Peer, message: WireMessage): void {
    switch (message.type) {
      case 'bitfield':
        return this.#onBitfield(peer, message.bytes);
      case 'have':
        return this.#onHave(peer, message.piece);
      case 'fetching':
        return this.#onFetching(peer, message.runs);
      case 'request': {
        const problem = this.#server.request(peer, message.piece, message.begin, message.length);
        if (problem !== null) this.#drop(peer, problem);
        return;
      }
      case 'interested':
      case 'not-interested':
        // Only a change rechokes: a peer repeating itself costs nothing.
        if (peer.peerInterested === (message.type === 'interested')) return;
        peer.peerInterested = message.type === 'interested';
        return this.#server.rechoke(this.#peers.values());
      case 'choke':
        return this.#onChoke(peer);
      case 'unchoke':
        peer.peerChoking = false;
        return this.#schedule(peer);
      case 'cancel':
        return this.#server.cancel(peer, message.piece, message.begin);
      case 'piece':
        void this.#onBlock(peer, message.piece, message.begin, message.block);
        return;
      case 'reject':
        return this.#onReject(peer, message.piece, message.begin);
      case 'piece-hash':
        return this.#onPieceHash(peer, message.piece, Buffer.from(message.hash));
      default:
        return;
    }
  }

  /** BEP 3: a peer that chokes us discards what we asked; we ask it again once unchoked. */
  #onChoke(peer: Peer): void {
    peer.peerChoking = true;
    peer.asked.clear();
    this.#requests.dropPeer(peer.id);
    this.#scheduleAll();
  }

  /** Tells `peer` we are interested when it has a piece we lack (BEP 3). */
  #updateInterest(peer: Peer, index: number): void {
    if (peer.amInterested || this.#opts.store.have.has(index)) return;
    peer.amInterested = true;
    peer.connection.send({ type: 'interested' });
  }

  #onBitfield(peer: Peer, bytes: Uint8Array): void {
    const has = Bitfield.fromBytes(this.#availability.length, bytes);
    if (!has) return this.#drop(peer, 'bad bitfield');
    for (let index = has.firstSet(0); index !== -1; index = has.firstSet(index + 1)) this.#onHave(peer, index, false);
    this.#opts.onChange();
    for (const wake of [...this.#peerWaiters]) wake();
    this.#schedule(peer);
  }

  #onHave(peer: Peer, index: number, schedule = true): void {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.#availability.length) return this.#drop(peer, 'have out of range');
    if (peer.has.has(index)) return;
    peer.has.set(index);
    this.#updateInterest(peer, index);
    this.#availability[index] = (this.#availability[index] ?? 0) + 1;
    if (schedule) {
      this.#opts.onChange();
      this.#schedule(peer);
    }
  }

  /** A peer that rejects a piece it offered has lost it (or is busy): it is not asked for it again. */
  #onReject(peer: Peer, piece: number, begin: number): void {
    peer.asked.delete(blockKey(piece, begin));
    this.#requests.unassign(piece, peer.id);
    if (piece < this.#availability.length && peer.has.has(piece)) {
      peer.has.clear(piece);
      this.#availability[piece] = Math.max(0, (this.#availability[piece] ?? 0) - 1);
      this.#opts.onChange();
    }
    this.#schedule(peer);
  }

  #onPieceHash(peer: Peer, piece: number, digest: Buffer): void {
    if (!Number.isSafeInteger(piece) || piece < 0 || piece >= this.#availability.length) return this.#drop(peer, 'piece-hash out of range');
    const verdict = this.#opts.trust.claim(piece, digest, peer.id);
    if (verdict === 'liar') return this.ban(peer.id, 'announced a digest the origin contradicts');
    if (verdict === 'ok' && peer.has.has(piece)) this.#schedule(peer);
  }

  #onFetching(peer: Peer, runs: readonly PieceRun[]): void {
    const count = this.#availability.length;
    if (runs.some((run) => run.startPiece >= run.endPiece || run.endPiece > count)) return this.#drop(peer, 'bad fetching runs');
    peer.fetching = runs;
    this.#opts.onChange();
  }

  async #onBlock(peer: Peer, piece: number, begin: number, block: Uint8Array): Promise<void> {
    const key = blockKey(piece, begin);
    const ask = peer.asked.get(key);
    if (!ask || ask.length !== block.length) {
      peer.strikes += 1;
      if (peer.strikes >= MAX_STRIKES) this.#drop(peer, 'unrequested blocks');
      return;
    }
    peer.asked.delete(key);
    // A copy that another peer's endgame block beat (on disk, or being written): nothing to do.
    if (!this.#requests.isAwaited(piece, begin) || this.#writing.has(key)) return;
    this.#writing.add(key);
    try {
      const waitMs = this.#opts.downLimiter.take(block.length, Date.now());
      if (waitMs > 0) await sleep(waitMs);
      const { store } = this.#opts;
      await store.write(pieceStart(store.geometry, piece) + begin, [Buffer.from(block.buffer, block.byteOffset, block.byteLength)]);
    } catch {
      this.#requests.unassign(piece, peer.id);
      return;
    } finally {
      this.#writing.delete(key);
    }
    const { store } = this.#opts;
    peer.downloadedBytes += block.length;
    this.#opts.onPeerBytes(block.length);
    let senders = this.#senders.get(piece);
    if (!senders) this.#senders.set(piece, (senders = new Set()));
    senders.add(peer.id);
    if (this.#requests.received(piece, begin) && !store.have.has(piece)) {
      this.#senders.delete(piece);
      void this.#checkArrived(piece, senders);
    }
    this.#schedule(peer);
  }

  /** The last block of `piece` arrived: keep it only if it matches its digest. */
  async #checkArrived(piece: number, senders: Set<string>): Promise<void> {
    const { store, trust } = this.#opts;
    this.#verifying.set(piece);
    const checked = [...senders].map((id) => this.#peers.get(id)).filter((peer) => peer !== undefined);
    for (const peer of checked) peer.checking += 1;
    let outcome: Awaited<ReturnType<PieceTrust['checkArrived']>> = { verdict: 'unverifiable', banned: [] };
    try {
      outcome = await trust.checkArrived(piece, senders);
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
      for (const id of outcome.banned) this.ban(id, `sent ${MAX_BAD_PIECES} pieces that failed their digest`);
    }
    this.#opts.onChange();
    this.#scheduleAll();
  }

  #scheduleAll(): void {
    for (const peer of this.#peers.values()) this.#schedule(peer);
  }

  /** Asks `peer` for blocks until it has MAX_ASKED_PER_PEER outstanding or nothing fits. */
  #schedule(peer: Peer): void {
    const { store } = this.#opts;
    if (this.#closed || this.#paused || peer.connection.closed || peer.peerChoking || store.have.isComplete()) return;
    while (peer.asked.size < MAX_ASKED_PER_PEER) {
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
    return have.or(this.#requests.requested).or(this.#opts.originInFlight()).or(this.#verifying).isComplete();
  }

  #ask(peer: Peer, block: { piece: number; begin: number; length: number }): void {
    peer.asked.set(blockKey(block.piece, block.begin), { ...block, atMs: Date.now() });
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

  #checkStalls(): void {
    const now = Date.now();
    if (now - this.#lastRechokeMs >= ROTATE_MS) {
      this.#lastRechokeMs = now;
      this.#server.rechoke(this.#peers.values());
    }
    for (const peer of this.#peers.values()) {
      const oldest = peer.oldestAskMs();
      if (oldest !== null && now - oldest > ASK_TIMEOUT_MS) this.#drop(peer, 'requests timed out');
    }
  }
}
