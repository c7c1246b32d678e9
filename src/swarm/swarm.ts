/**
 * The swarm of one file: a dispatcher of the authenticated connections its host hands it (the
 * host dials, listens, runs the proof handshake and owns the caps and the ban list; see
 * host/host.ts). It dispatches their messages, asks them for pieces we lack ({@link PeerDownloads}) and serves them the pieces
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
import type { Bitfield } from '../pieces/bitfield.js';
import type { PieceStore } from '../storage/piece-store.js';
import type { TokenBucket } from '../rate-limit/token-bucket.js';
import { MAX_FETCHING_RUNS, type PexAddress, type PieceRun, type WireMessage } from '../wire/codec.js';
import type { ConnectionOrigin } from '../peer-sources/peer-source.js';
import { Peer } from './peer.js';
import type { PeerInfo, PeerLink } from './peer-link.js';
import { BLOCK_BYTES, PeerDownloads, type PeerDownloadsOptions } from './peer-downloads.js';
import { PieceServer, ROTATE_MS } from './piece-server.js';
import { SELF } from './piece-trust.js';
import { ClaimRelay } from './claim-relay.js';
import { debugLog } from '../debug-log.js';
import type { DiscoveryWait } from '../host/connection-settings.js';

/** A connected peer as reported to the daemon's API. */
export interface PeerSummary {
  readonly id: string;
  readonly address: string;
  readonly piecesHeld: number;
  readonly downloadedBytes: number;
  readonly uploadedBytes: number;
  /** How the connection came to be: the source of the address we dialled, or `incoming`. */
  readonly source: ConnectionOrigin;
}

/** What a swarm needs of its host (host/host.ts implements it). */
export interface SwarmHostLink {
  /** The host's peer id, used by every swarm it holds. */
  readonly peerId: Buffer;
  /** The TCP port the host accepts peers on (told to peers in our `listen` message). */
  readonly tcpPort: number;
  /** An inbound peer told us the port it listens on. */
  listening(connectionId: number, port: number): void;
  /** Addresses a peer told us of (peer exchange): the host dials them like any candidate. */
  exchanged(swarmId: Buffer, found: readonly { address: string; port: number }[]): void;
  /** Routes connections with this swarm's id to it, and finds peers for it. */
  attach(swarm: Swarm): void;
  /** Stops routing to it and closes its connections. */
  detach(swarm: Swarm): void;
  /** The swarm's completeness changed (trackers hear `completed`). */
  swarmChanged(): void;
  /** Whether a connection for `swarmId` is under way or a source has not answered for it yet. */
  joining(swarmId: Buffer): boolean;
  /** Bans a peer on the whole host. */
  ban(peerId: string): void;
}

/** What the swarm needs. */
export interface SwarmOptions extends PeerDownloadsOptions {
  readonly swarmId: Buffer;
  /** The key peers prove they hold in the handshake (`swarmAuthKey`). */
  readonly authKey: Buffer;
  readonly host: SwarmHostLink;
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
  #lastRechokeMs = 0;
  readonly #downloads: PeerDownloads;
  readonly #server: PieceServer;
  #wasComplete: boolean;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  #fetching: readonly PieceRun[] = [];
  /** Runs of pieces we have without a digest, being hashed from disk for peers (see #backfill). */
  #backfillRuns: readonly PieceRun[] = [];
  #backfilling = false;
  readonly #bansReported = new Set<string>();
  /** Origin claims of hosts beyond our peers, relayed (claim gossip). */
  readonly #claims: ClaimRelay;

  constructor(opts: SwarmOptions) {
    this.#opts = opts;
    this.peerId = opts.host.peerId;
    this.#claims = new ClaimRelay(opts.store.geometry.pieceCount, () => this.#peers.values());
    this.#wasComplete = opts.store.have.isComplete();
    const onPiece = (index: number): void => {
      this.#claims.fed();
      opts.onPiece(index);
    };
    this.#downloads = new PeerDownloads({ ...opts, onPiece }, { peers: this.#peers, ban: (id, reason) => this.ban(id, reason) });
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

  /** The key peers prove they hold in the handshake. */
  get authKey(): Buffer {
    return this.#opts.authKey;
  }

  /** Peers that announce an origin run now (`fetching`). */
  fetchingPeers(): number {
    let count = 0;
    for (const peer of this.#peers.values()) if (peer.fetching.length > 0) count += 1;
    return count;
  }

  /** Pieces of the file (a frame must fit its bitfield). */
  get pieceCount(): number {
    return this.#pieceCount;
  }

  /** Bytes per block request (a frame must fit a block). */
  get blockBytes(): number {
    return BLOCK_BYTES;
  }

  /** Buffers for frames split across reads. */
  get allocateFrame(): (bytes: number) => Buffer {
    return this.#downloads.allocateFrame;
  }

  /** Bytes we still lack. */
  get leftBytes(): number {
    const { store } = this.#opts;
    return store.geometry.fileBytes - store.haveBytes;
  }

  /** The peers connected now. */
  peers(): PeerSummary[] {
    return [...this.#peers.values()].map((peer) => ({
      id: peer.id,
      address: peer.address,
      piecesHeld: peer.has.count(),
      downloadedBytes: peer.downloadedBytes,
      uploadedBytes: peer.uploadedBytes,
      source: peer.source,
    }));
  }

  /** Connected peers by how their connection came to be (only sources with peers are listed). */
  peersBySource(): Partial<Record<ConnectionOrigin, number>> {
    const counts: Partial<Record<ConnectionOrigin, number>> = {};
    for (const peer of this.#peers.values()) counts[peer.source] = (counts[peer.source] ?? 0) + 1;
    return counts;
  }

  /** Joins the host: it routes this swarm's connections here and finds peers for it. */
  start(): void {
    this.#timer = setInterval(() => this.#onTick(), 1000);
    this.#timer.unref();
    this.#opts.host.attach(this);
  }

  /** Leaves the host; connections are closed. */
  stop(): void {
    this.#closed = true;
    this.#claims.stop();
    this.#downloads.close();
    if (this.#timer) clearInterval(this.#timer);
    this.#opts.host.detach(this);
    for (const peer of this.#peers.values()) peer.connection.destroy('shutting down');
  }

  /** The host's state for this swarm changed (a connection settled, a source answered). */
  hostChanged(): void {
    this.#tellWaiters(false);
  }

  /**
   * Pieces that peers have or fetch from the origin, or that hosts beyond them claimed from it
   * (claim gossip; not once we have starved, see `ClaimGossip`): not for our origin connections.
   */
  othersTaken(): Bitfield {
    const taken = this.#downloads.taken();
    const peersOffer = !taken.andNot(this.#opts.store.have).isEmpty();
    for (const peer of this.#peers.values()) {
      for (const run of peer.fetching) for (let index = run.startPiece; index < run.endPiece; index++) taken.set(index);
    }
    return taken.or(this.#claims.claimed(peersOffer));
  }

  /**
   * Whether our origin run that reached `piece` should stop there: a peer has it, we asked a peer
   * for it, or a peer fetches it from the origin and has precedence (the lower peer id), so two
   * hosts that picked the same run at once do not both fetch it.
   */
  yieldsAt(piece: number): boolean {
    return this.#downloads.isTaken(piece) || this.precedes(piece);
  }

  /**
   * Whether a peer streams the whole body of an origin that ignores Range ahead of our own stream,
   * which has reached `piece`: its stream (a run to the end of the file) is further on (its first
   * missing piece, or the start of its run, past `piece`), or as far with the lower peer id. That
   * one stream goes on; ours ends, and what it would bring comes from that peer.
   */
  streamPrecedes(piece: number): boolean {
    const count = this.#pieceCount;
    for (const peer of this.#peers.values()) {
      for (const run of peer.fetching) {
        if (run.endPiece !== count) continue;
        const reached = Math.max(run.startPiece, peer.has.firstClear(0) === -1 ? count : peer.has.firstClear(0));
        if (reached > piece || (reached === piece && peer.id < this.#idHex)) return true;
      }
    }
    return false;
  }

  /** Whether a peer with precedence over us (the lower peer id) fetches `piece` from the origin. */
  precedes(piece: number): boolean {
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

  /** Whether a connection is under way: dialled, in its handshake, or waiting for its bitfield (or a source has not answered yet). */
  #joining(): boolean {
    if (this.#opts.host.joining(this.#opts.swarmId)) return true;
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
    if (complete !== this.#wasComplete) {
      this.#wasComplete = complete;
      this.#opts.host.swarmChanged();
    }
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
    this.#claims.fed();
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
    this.#opts.host.ban(id);
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

  /**
   * A connection whose proof handshake passed, handed over by the host (which has already settled
   * duplicates, caps and bans). Called synchronously from the handshake, so no message is missed.
   */
  addPeer(link: PeerLink, info: PeerInfo): void {
    if (this.#closed || this.#opts.trust.isBanned(info.id)) {
      link.destroy('closed');
      return;
    }
    const peer = new Peer(info.id, info.address, link, this.#pieceCount, info.outbound, info.origin);
    peer.listenPort = info.listenPort;
    peer.connectionId = info.connectionId;
    debugLog('swarm', () => `peer ${info.id.slice(0, 8)} at ${info.address} (${info.outbound ? 'dialled' : 'accepted'}, ${info.origin})`);
    this.#peers.set(info.id, peer);
    link.on('message', (message: WireMessage) => this.#onMessage(peer, message));
    link.once('close', () => this.#unregister(peer));
    this.#backfillRuns = undigestedRuns(this.#opts.store);
    // The port we accept peers on comes first: a peer that we dialled learns it from the socket,
    // one that dialled us from this.
    link.send({ type: 'listen', port: this.#opts.host.tcpPort });
    this.#offer(link);
    this.#opts.onChange();
    void this.#backfill();
    this.#exchangePeers();
  }

  /**
   * What a new peer hears first: the origin claims we heard of (claim gossip), the runs we fetch (or hash for peers: pieces without a digest
   * yet are announced so, not offered), then the digest of every piece we offer, then the bitfield
   * that offers them. The runs go before the bitfield: a joiner waits for the bitfield
   * (waitForPeer), and then picks its first origin run knowing what we fetch.
   */
  #offer(connection: PeerLink): void {
    const { store } = this.#opts;
    this.#claims.offer(connection);
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
      case 'claims': {
        const problem = this.#claims.claims(peer, message.hops, message.runs);
        if (problem !== null) return this.#drop(peer, problem);
        return this.#opts.onChange();
      }
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
      case 'listen':
        return this.#onListen(peer, message.port);
      case 'peers':
        return this.#onPeers(peer, message.added);
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
    this.#claims.fetching(runs);
    debugLog('swarm', () => `peer ${peer.id.slice(0, 8)} fetches ${runs.map((run) => `${run.startPiece}-${run.endPiece}`).join(' ') || 'nothing'}`);
    this.#opts.onChange();
  }

  /** The peer's listen port: for a peer that dialled us, the address others can reach it at. */
  #onListen(peer: Peer, port: number): void {
    if (peer.listenPort !== null) return;
    peer.listenPort = port;
    this.#opts.host.listening(peer.connectionId, port);
    this.#exchangePeers();
  }

  /** Addresses the peer tells us of: within its rate and lifetime caps, dialled by the host. */
  #onPeers(peer: Peer, added: readonly PexAddress[]): void {
    const verdict = peer.pexInbox.accept(performance.now(), added.length);
    if (verdict.verdict === 'flood') return this.#drop(peer, 'peer-exchange flood');
    // The sender is not dialled back; one that dialled us without saying its listen port has none to skip.
    const sender = peer.listenPort === null ? [] : [{ address: peer.address, port: peer.listenPort }];
    const found = peer.pexInbox.filterAdded(added, sender).slice(0, verdict.takeCount);
    if (found.length > 0) this.#opts.host.exchanged(this.#opts.swarmId, found);
  }

  /**
   * Peer exchange: tells each peer the listen addresses of the others that passed the proof
   * handshake (at once for a new one, then at most every PEX_INTERVAL_MS, only what it has not heard).
   */
  #exchangePeers(): void {
    const exchangeable: PexAddress[] = [];
    for (const peer of this.#peers.values()) if (peer.listenPort !== null) exchangeable.push({ address: peer.address, port: peer.listenPort });
    if (exchangeable.length === 0) return;
    const nowMs = performance.now();
    for (const peer of this.#peers.values()) {
      const recipient = peer.listenPort === null ? null : { address: peer.address, port: peer.listenPort };
      const message = peer.pexSender.next(nowMs, exchangeable, recipient);
      if (message) peer.connection.send(message);
    }
  }

  /** Once a second: the upload slots rotate every ROTATE_MS, peers that stall are dropped, and peers hear of new peers. */
  #onTick(): void {
    this.#exchangePeers();
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
