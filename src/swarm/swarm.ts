/**
 * The LAN swarm of one file: finds peers (discovery), keeps TCP connections to them, dispatches
 * their messages, asks them for pieces we lack ({@link PeerDownloads}) and serves them the pieces
 * we have ({@link PieceServer}).
 *
 * Every piece from peers is checked against its digest before it is marked (see
 * {@link PeerDownloads}); a peer that sent too many bad pieces, or announced a digest that
 * contradicts the origin's, is dropped and banned. Digests travel as `piece-hash` messages before
 * the `have` or `bitfield` that offers the piece; only pieces with a digest to check against are
 * asked of peers. Pieces we took while we had no peer (a CRC, no digest) are hashed from disk when
 * one comes, and announced as a `fetching` run of ours until each is offered (see #backfill).
 *
 * Not responsible for the origin (the origin fetcher) nor for the whole-file MD5. It tells the
 * session what happens through the callbacks in {@link SwarmOptions}. Every peer misbehaviour
 * (bad frame, bad bitfield, request out of range, unrequested block, stall) drops that peer.
 * Concurrency: all state changes on the event loop; block writes and reads overlap freely.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Server, type Socket } from 'node:net';
import type { Discovery } from '../discovery/discovery.js';
import type { Bitfield } from '../pieces/bitfield.js';
import type { PieceStore } from '../storage/piece-store.js';
import type { TokenBucket } from '../rate-limit/token-bucket.js';
import { MAX_FETCHING_RUNS, type PieceRun, type WireMessage } from '../wire/codec.js';
import type { PeerConnection } from '../wire/peer-connection.js';
import { Peer } from './peer.js';
import { BLOCK_BYTES, PeerDownloads, type PeerDownloadsOptions } from './peer-downloads.js';
import { PieceServer, ROTATE_MS } from './piece-server.js';
import { SELF } from './piece-trust.js';
import { debugLog } from '../debug-log.js';
import { MAX_HANDSHAKING, MAX_PEERS, listenForPeers, openPeerConnection, startDiscovery, type DiscoveryWait, type SwarmNetwork } from '../host/connection-settings.js';

/** A connected peer as reported to the daemon's API. */
export interface PeerSummary {
  readonly id: string;
  readonly address: string;
  readonly piecesHeld: number;
  readonly downloadedBytes: number;
  readonly uploadedBytes: number;
}

/** What the swarm needs. */
export interface SwarmOptions extends SwarmNetwork, PeerDownloadsOptions {
  readonly upLimiter: TokenBucket;
  /** A peer asked us for something (for idle tracking). */
  readonly onRequest: () => void;
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
  readonly #downloads: PeerDownloads;
  #listener: Server | null = null;
  readonly #server: PieceServer;
  #discovery: Discovery | null = null;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  #fetching: readonly PieceRun[] = [];
  /** Runs of pieces we have without a digest, being hashed from disk for peers (see #backfill). */
  #backfillRuns: readonly PieceRun[] = [];
  #backfilling = false;
  readonly #bansReported = new Set<string>();

  constructor(opts: SwarmOptions) {
    this.#opts = opts;
    this.peerId = opts.host?.peerId ?? randomBytes(20);
    this.#downloads = new PeerDownloads(opts, { peers: this.#peers, ban: (id, reason) => this.ban(id, reason) });
    this.#server = new PieceServer(opts.store, opts.upLimiter, BLOCK_BYTES, 4 * BLOCK_BYTES, opts.onRequest, {
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
    this.#timer = setInterval(() => this.#onTick(), 1000);
    this.#timer.unref();
    if (this.#opts.host) {
      this.#opts.host.attach(this);
      return;
    }
    const { server, port } = await listenForPeers(this.#opts, (socket) => this.adopt(socket));
    this.#listener = server;
    this.#discovery = await startDiscovery(this.#opts, this.peerId, port, () => [this.#opts.swarmId], (peer) => this.discovered(peer));
  }

  /** Stops everything; connections are closed. */
  async stop(): Promise<void> {
    this.#closed = true;
    this.#downloads.close();
    if (this.#timer) clearInterval(this.#timer);
    this.#opts.host?.detach(this);
    await this.#discovery?.stop().catch(() => undefined);
    for (const peer of this.#peers.values()) peer.connection.destroy('shutting down');
    this.#listener?.close();
  }

  /** Pieces that peers have or fetch from the origin: not for our origin connections. */
  othersTaken(): Bitfield {
    const taken = this.#downloads.taken();
    for (const peer of this.#peers.values()) {
      for (const run of peer.fetching) for (let index = run.startPiece; index < run.endPiece; index++) taken.set(index);
    }
    return taken;
  }

  /**
   * Whether our origin run that reached `piece` should stop there: a peer has it, we asked a peer
   * for it, or a peer fetches it from the origin and has precedence (the lower peer id), so two
   * hosts that picked the same run at once do not both fetch it.
   */
  yieldsAt(piece: number): boolean {
    if (this.#downloads.isTaken(piece)) return true;
    for (const peer of this.#peers.values()) {
      if (peer.id >= this.#idHex) continue;
      if (peer.fetching.some((run) => run.startPiece <= piece && piece < run.endPiece)) return true;
    }
    return false;
  }

  /**
   * Resolves once a peer has sent its bitfield, or once the swarm looks empty: `wait.quietMs` have
   * passed and no connection is under way (being dialled, in its handshake, or registered without a
   * bitfield yet). A connection under way holds the wait, up to `wait.maxMs` in all. Resolves at
   * once when `signal` is aborted.
   */
  async waitForPeer(wait: DiscoveryWait, signal: AbortSignal): Promise<void> {
    if (wait.maxMs <= 0 || signal.aborted) return;
    for (const peer of this.#peers.values()) if (peer.bitfieldSeen) return;
    await new Promise<void>((resolve) => {
      let quiet = false;
      const done = (): void => {
        clearTimeout(quietTimer);
        clearTimeout(maxTimer);
        this.#peerWaiters.delete(check);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const check = (found: boolean): void => {
        if (found || (quiet && !this.#joining())) done();
      };
      const quietTimer = setTimeout(() => {
        quiet = true;
        check(false);
      }, wait.quietMs);
      const maxTimer = setTimeout(done, wait.maxMs);
      this.#peerWaiters.add(check);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Waiters of {@link waitForPeer}, told when a bitfield came (true) or a connection settled (false). */
  readonly #peerWaiters = new Set<(found: boolean) => void>();

  #tellWaiters(found: boolean): void {
    for (const check of [...this.#peerWaiters]) check(found);
  }

  /** Whether a connection is under way: dialled, in its handshake, or waiting for its bitfield. */
  #joining(): boolean {
    if (this.#connecting.size > 0 || this.#handshaking > 0) return true;
    for (const peer of this.#peers.values()) if (!peer.bitfieldSeen) return true;
    return false;
  }

  /** Stops (true) or resumes asking peers for pieces, e.g. while pieces are checked against the origin. */
  pauseRequests(paused: boolean): void {
    this.#downloads.pause(paused);
  }

  get #pieceCount(): number {
    return this.#opts.store.geometry.pieceCount;
  }

  get #idHex(): string {
    return this.peerId.toString('hex');
  }

  /**
   * Tells every peer we have piece `index` (its digest first), and asks peers for more. A piece
   * without a digest (taken while we had no peer) is offered once #backfill has made one.
   */
  announceHave(index: number): void {
    const digest = this.#opts.store.digestOf(index);
    if (!digest) {
      // Hashed for peers by #backfill; until then it is one of the runs peers hear we fetch, so
      // none of them takes it from the origin meanwhile.
      if (this.#backfilling) this.#refreshBackfillRuns();
      else void this.#backfill();
      this.#downloads.scheduleAll();
      return;
    }
    const complete = this.#opts.store.have.isComplete();
    for (const peer of this.#peers.values()) {
      peer.connection.send({ type: 'piece-hash', piece: index, hash: digest });
      peer.connection.send({ type: 'have', piece: index });
      if (complete && peer.amInterested) {
        peer.amInterested = false;
        peer.connection.send({ type: 'not-interested' });
      }
    }
    this.#downloads.scheduleAll();
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
    // No longer ours to hash: peers hear that we do not fetch it after all.
    if (this.#backfilling) this.#refreshBackfillRuns();
    this.#opts.onCorrupt(index, []);
    this.#opts.onChange();
  }

  /** Tells every peer which runs our origin connections fetch now. */
  announceFetching(runs: readonly PieceRun[]): void {
    this.#fetching = runs.slice(0, MAX_FETCHING_RUNS);
    this.#sendRuns();
    // Pieces a run let go (it ended, or yielded to a peer) are ours to ask of peers now: no other
    // event may come to ask for them (the last blocks from peers may have arrived already).
    this.#downloads.scheduleAll();
  }

  /** What peers are told we fetch: our origin runs, then the pieces we hash for them. */
  #announcedRuns(): PieceRun[] {
    return [...this.#fetching, ...this.#backfillRuns].slice(0, MAX_FETCHING_RUNS);
  }

  #sendRuns(): void {
    const runs = this.#announcedRuns();
    for (const peer of this.#peers.values()) peer.connection.send({ type: 'fetching', runs });
  }

  /** The pieces still to hash changed during a #backfill pass: peers hear the runs as they are now. */
  #refreshBackfillRuns(): void {
    this.#backfillRuns = undigestedRuns(this.#opts.store);
    this.#sendRuns();
  }

  /**
   * Pieces we have without a digest (taken from the origin while we had no peer, or resumed) are
   * hashed from disk while peers are connected, one at a time, each checked against its CRC: a
   * piece that no longer matches is dropped as rot, never vouched for. Each digest is announced
   * with a `have` as soon as it is known. Until then the pieces are announced as a `fetching` run
   * of ours, so peers wait for them instead of taking them from the origin.
   */
  async #backfill(): Promise<void> {
    const { store, trust } = this.#opts;
    if (this.#backfilling || !this.#busyWithPeers()) return;
    let runs = undigestedRuns(store);
    if (runs.length === 0) return;
    this.#backfilling = true;
    try {
      for (; runs.length > 0 && this.#busyWithPeers(); runs = undigestedRuns(store)) {
        this.#backfillRuns = runs;
        this.#sendRuns();
        for (const run of runs) {
          for (let index = run.startPiece; index < run.endPiece && this.#busyWithPeers(); index++) {
            if (!store.have.has(index) || store.digestOf(index)) continue;
            const digest = await store.digestForPeers(index);
            if (!store.have.has(index) || store.digestOf(index)) continue;
            if (!digest) {
              this.#onRot(index);
              continue;
            }
            store.setDigest(index, digest);
            for (const liar of trust.ownDigest(index, digest)) this.ban(liar, 'announced a digest the origin contradicts');
            this.announceHave(index);
          }
        }
      }
    } catch (err) {
      // A read error here is the store's to report when the piece is served or verified.
      debugLog('swarm', () => `hashing pieces for peers stopped: ${String(err)}`);
    } finally {
      this.#backfilling = false;
      this.#backfillRuns = [];
      this.#sendRuns();
      // A seeder has no flush timer: the digests are kept now, not only at a clean exit.
      void store.flush().catch(() => undefined);
    }
  }

  #busyWithPeers(): boolean {
    return !this.#closed && this.#peers.size > 0;
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
    const settled = (): void => {
      this.#connecting.delete(id);
      this.#tellWaiters(false);
    };
    socket.once('error', settled);
    socket.once('close', settled);
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
    const connection = openPeerConnection(socket, { swarmId, peerId: this.peerId, authKey, outbound, pieceCount: this.#pieceCount, blockBytes: BLOCK_BYTES,
      allocateFrame: this.#downloads.allocateFrame });
    this.#handshaking++;
    let handshaking = true;
    const settled = (): void => {
      if (handshaking) this.#handshaking--;
      handshaking = false;
    };
    connection.once('close', () => {
      settled();
      this.#tellWaiters(false);
    });
    connection.once('handshake', (theirId: Buffer) => {
      settled();
      this.#register(theirId.toString('hex'), address, connection, outbound);
      this.#tellWaiters(false);
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
    const peer = new Peer(id, address, connection, this.#pieceCount, outbound);
    debugLog('swarm', () => `peer ${id.slice(0, 8)} at ${address} (${outbound ? 'dialled' : 'accepted'})`);
    this.#peers.set(id, peer);
    connection.on('message', (message: WireMessage) => this.#onMessage(peer, message));
    connection.once('close', () => this.#unregister(peer));
    this.#backfillRuns = undigestedRuns(this.#opts.store);
    this.#offer(connection);
    this.#opts.onChange();
    void this.#backfill();
  }

  /**
   * What a new peer hears first: the runs we fetch (or hash for peers: pieces without a digest
   * yet are announced so, not offered), then the digest of every piece we offer, then the bitfield
   * that offers them. The runs go before the bitfield: a joiner waits for the bitfield
   * (waitForPeer), and then picks its first origin run knowing what we fetch.
   */
  #offer(connection: PeerConnection): void {
    const { store } = this.#opts;
    const runs = this.#announcedRuns();
    if (runs.length > 0) connection.send({ type: 'fetching', runs });
    const offered = store.have.clone();
    for (let index = store.have.firstSet(0); index !== -1; index = store.have.firstSet(index + 1)) {
      const digest = store.digestOf(index);
      if (digest) connection.send({ type: 'piece-hash', piece: index, hash: digest });
      else offered.clear(index);
    }
    connection.send({ type: 'bitfield', bytes: offered.toBytes() });
  }

  #unregister(peer: Peer): void {
    if (this.#peers.get(peer.id) !== peer) return;
    this.#peers.delete(peer.id);
    this.#downloads.dropPeer(peer);
    peer.queue.length = 0;
    if (!peer.amChoking) this.#server.rechoke(this.#peers.values());
    this.#opts.onChange();
    this.#downloads.scheduleAll();
    this.#tellWaiters(false);
  }

  #drop(peer: Peer, reason: string): void {
    peer.connection.destroy(reason);
  }

  #onMessage(peer: Peer, message: WireMessage): void {
    switch (message.type) {
      case 'bitfield':
        return this.#onBitfield(peer, message.bytes);
      case 'have':
        return this.#downloads.onHave(peer, message.piece);
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
        return this.#downloads.onChoke(peer);
      case 'unchoke':
        return this.#downloads.onUnchoke(peer);
      case 'cancel':
        return this.#server.cancel(peer, message.piece, message.begin);
      case 'piece':
        void this.#downloads.onBlock(peer, message.piece, message.begin, message.block);
        return;
      case 'reject':
        return this.#downloads.onReject(peer, message.piece, message.begin);
      case 'piece-hash':
        return this.#onPieceHash(peer, message.piece, Buffer.from(message.hash));
      default:
        return;
    }
  }

  #onBitfield(peer: Peer, bytes: Uint8Array): void {
    // Once per connection: a second one could not take pieces back, so it would only pretend.
    if (peer.bitfieldSeen) return this.#drop(peer, 'second bitfield');
    peer.bitfieldSeen = true;
    debugLog('swarm', () => `peer ${peer.id.slice(0, 8)} bitfield`);
    if (!this.#downloads.addBitfield(peer, bytes)) return this.#drop(peer, 'bad bitfield');
    this.#opts.onChange();
    this.#tellWaiters(true);
    this.#downloads.schedule(peer);
  }

  #onPieceHash(peer: Peer, piece: number, digest: Buffer): void {
    if (!Number.isSafeInteger(piece) || piece < 0 || piece >= this.#pieceCount) return this.#drop(peer, 'piece-hash out of range');
    const verdict = this.#opts.trust.claim(piece, digest, peer.id);
    if (verdict === 'liar') return this.ban(peer.id, 'announced a digest the origin contradicts');
    if (verdict === 'ok' && peer.has.has(piece)) this.#downloads.schedule(peer);
  }

  #onFetching(peer: Peer, runs: readonly PieceRun[]): void {
    const count = this.#pieceCount;
    if (runs.some((run) => run.startPiece >= run.endPiece || run.endPiece > count)) return this.#drop(peer, 'bad fetching runs');
    peer.fetching = runs;
    debugLog('swarm', () => `peer ${peer.id.slice(0, 8)} fetches ${runs.map((run) => `${run.startPiece}-${run.endPiece}`).join(' ') || 'nothing'}`);
    this.#opts.onChange();
  }

  /** Once a second: the upload slots rotate every ROTATE_MS, and peers that stall are dropped. */
  #onTick(): void {
    const now = Date.now();
    if (now - this.#lastRechokeMs >= ROTATE_MS) {
      this.#lastRechokeMs = now;
      this.#server.rechoke(this.#peers.values());
    }
    this.#downloads.checkStalls(now);
  }
}

/** The runs of pieces `store` has without a digest, in order. */
function undigestedRuns(store: PieceStore): PieceRun[] {
  const runs: PieceRun[] = [];
  for (let index = store.have.firstSet(0); index !== -1; index = store.have.firstSet(index + 1)) {
    if (store.digestOf(index)) continue;
    const last = runs.at(-1);
    if (last && last.endPiece === index) last.endPiece = index + 1;
    else runs.push({ startPiece: index, endPiece: index + 1 });
  }
  return runs;
}
