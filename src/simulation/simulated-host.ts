/**
 * A swarm host in the simulation: it makes the decisions the real one makes (swarm/swarm.ts,
 * swarm/peer-downloads.ts, swarm/piece-server.ts), with the same pure modules and parameters:
 * which piece to ask of which peer ({@link pickPeerPiece}, the {@link PeerRequests} ledger,
 * probation and endgame), whom to serve ({@link chooseUnchoked}), and, through its
 * {@link SimulatedOrigin}, which runs to fetch from the origin.
 *
 * Granularity: a piece, not a block. A request is for a whole piece, moved as one flow of the
 * flow network; the block pipeline becomes {@link HostParameters.pipelinePieces} pieces asked of a
 * peer at once. Pieces are verified the moment they arrive (no CPU cost is modelled).
 *
 * Pure: no I/O, simulated time. Not responsible for connections (the simulation links hosts and
 * tells both ends) nor for message latency (the world's `send`). Single-threaded.
 */
import { Bitfield } from '../pieces/bitfield.js';
import { pieceLength } from '../pieces/piece-geometry.js';
import { pickPeerPiece } from '../piece-picker/peer-piece-picker.js';
import { PeerRequests } from '../swarm/peer-requests.js';
import { chooseUnchoked } from '../swarm/upload-slots.js';
import { CLAIM_RELAY_MS, ClaimGossip } from '../swarm/claim-gossip.js';
import { BLOCK_BYTES, pipelineDepth } from '../swarm/swarm-parameters.js';
import type { PieceRun } from '../wire/codec.js';
import { Port } from './flow-network.js';
import { PeerView } from './peer-view.js';
import { SimulatedOrigin } from './simulated-origin.js';
import type { SimulationWorld } from './simulation-world.js';

/** How a simulated host is set up. */
export interface HostSpec {
  readonly upBps: number;
  readonly downBps: number;
  /** One-way latency from the host to the network's core, in ms. */
  readonly latencyMs: number;
  readonly joinMs: number;
  /** When its process dies, or null. */
  readonly dieMs: number | null;
}

/** One simulated host. */
export class SimulatedHost {
  readonly index: number;
  /** A hex peer id (its order decides origin-run precedence, as in the real swarm). */
  readonly id: string;
  readonly spec: HostSpec;
  readonly up: Port;
  readonly down: Port;
  readonly have: Bitfield;
  readonly views = new Map<number, PeerView>();
  /** How many connected peers offer each piece. */
  readonly availability: Uint16Array;
  /** How many connected peers announce an origin run over each piece. */
  readonly fetchingCount: Uint16Array;
  readonly requests: PeerRequests;
  /** Origin claims of hosts beyond our peers, as claim gossip told us (null without gossip). */
  readonly gossip: ClaimGossip | null;
  #relayScheduled = false;
  readonly origin: SimulatedOrigin;
  alive = false;
  doneMs: number | null = null;
  /** Bytes of the pieces it kept from peers and from the origin. */
  peerBytes = 0;
  originBytes = 0;
  /** Bytes of the pieces it served whole. */
  uploadedBytes = 0;
  /** Connections being set up (they count against the caps). */
  pending = 0;
  /** Hosts we are dialling now. */
  readonly pendingWith = new Set<number>();
  readonly #world: SimulationWorld;
  #discovering = true;
  /**
   * Bumped when a piece may be picked again (a request or origin run let it go): with the peer's
   * `hasVersion`, it tells a pick that found nothing whether it could find something now. A cache
   * only: the picks made are the same without it.
   */
  releasedVersion = 0;
  /** `#allMissingInFlight` as of event number `#missingCheckedAt` (one check per event). */
  #missingInFlight = false;
  #missingCheckedAt = -1;

  constructor(world: SimulationWorld, index: number, id: string, spec: HostSpec) {
    const count = world.geometry.pieceCount;
    this.#world = world;
    this.index = index;
    this.id = id;
    this.spec = spec;
    this.up = new Port(spec.upBps);
    this.down = new Port(spec.downBps);
    this.have = new Bitfield(count);
    this.availability = new Uint16Array(count);
    this.fetchingCount = new Uint16Array(count);
    this.requests = new PeerRequests(world.geometry, world.geometry.pieceBytes);
    const { claimGossip, claimTtlMs, starveMs, claimHops } = world.params;
    this.gossip = claimGossip ? new ClaimGossip(count, { ttlMs: claimTtlMs, starveMs, hops: claimHops }) : null;
    this.origin = new SimulatedOrigin(world, this);
  }

  get complete(): boolean {
    return this.have.isComplete();
  }

  /** The process starts: it waits for a peer's bitfield, or 100 ms of silence, before the origin. */
  join(): void {
    this.alive = true;
    this.#world.queue.after(100, () => this.#quiet());
  }

  #quiet(): void {
    if (!this.#discovering || !this.alive) return;
    if (this.pending > 0) {
      this.#world.queue.after(900, () => this.#startOrigin());
      return;
    }
    this.#startOrigin();
  }

  #startOrigin(): void {
    if (!this.#discovering || !this.alive) return;
    this.#discovering = false;
    this.origin.start();
  }

  /** The process dies: its flows stop; peers hear the connection close. */
  die(): void {
    if (!this.alive) return;
    this.alive = false;
    this.origin.stop();
    for (const view of this.views.values()) {
      if (view.serving) this.#world.network.cancel(view.serving);
      this.#world.send(this, view.peer, () => view.peer.dropPeer(this));
    }
    this.views.clear();
  }

  /** A connection to `peer` passed its handshake: we tell it our runs and offer our pieces. */
  addPeer(peer: SimulatedHost): void {
    if (!this.alive || this.views.has(peer.index)) return;
    this.views.set(peer.index, new PeerView(peer, this.have.length));
    const offered = this.have.clone();
    const runs = this.origin.runs();
    // The claims go first, as the runs go before the bitfield: a joiner picks its first origin
    // run when the bitfield comes.
    const claims = this.gossip?.snapshot(this.#world.queue.nowMs) ?? [];
    if (claims.length > 0) this.#world.send(this, peer, () => peer.onClaims(this, 0, claims));
    this.#world.send(this, peer, () => peer.onOffer(this, offered, runs));
    this.origin.poke();
  }

  /** `peer`'s connection closed (it died, or we did). */
  dropPeer(peer: SimulatedHost): void {
    const view = this.views.get(peer.index);
    if (!view || !this.alive) return;
    this.views.delete(peer.index);
    for (let index = view.has.firstSet(0); index !== -1; index = view.has.firstSet(index + 1)) this.availability[index]! -= 1;
    this.#countRuns(view.fetching, -1);
    this.requests.dropPeer(peer.id);
    this.releasedVersion += 1;
    if (view.serving) this.#world.network.cancel(view.serving);
    if (!view.amChoking) this.rechoke();
    this.scheduleAll();
    this.origin.poke();
    this.#world.wantsPeers(this);
  }

  #countRuns(runs: readonly PieceRun[], delta: number): void {
    for (const run of runs) for (let index = run.startPiece; index < run.endPiece; index++) this.fetchingCount[index]! += delta;
  }

  onOffer(from: SimulatedHost, offered: Bitfield, runs: readonly PieceRun[]): void {
    const view = this.views.get(from.index);
    if (!view) return;
    this.onFetching(from, runs);
    view.bitfieldSeen = true;
    for (let index = offered.firstSet(0); index !== -1; index = offered.firstSet(index + 1)) this.#takeHave(view, index);
    if (this.#discovering) this.#startOrigin();
    this.origin.poke();
    this.schedule(view);
  }

  onFetching(from: SimulatedHost, runs: readonly PieceRun[]): void {
    const view = this.views.get(from.index);
    if (!view) return;
    this.#countRuns(view.fetching, -1);
    view.fetching = runs;
    this.#countRuns(runs, 1);
    if (this.gossip?.hear(runs, this.gossip.hops, this.#world.queue.nowMs)) this.#scheduleRelay();
    this.origin.poke();
  }

  onHave(from: SimulatedHost, piece: number): void {
    const view = this.views.get(from.index);
    if (!view || view.has.has(piece)) return;
    this.#takeHave(view, piece);
    this.origin.poke();
    this.schedule(view);
  }

  #takeHave(view: PeerView, piece: number): void {
    if (view.has.has(piece)) return;
    view.has.set(piece);
    view.hasVersion += 1;
    this.availability[piece]! += 1;
    if (view.amInterested || this.have.has(piece)) return;
    view.amInterested = true;
    this.#world.send(this, view.peer, () => view.peer.onInterest(this, true));
  }

  onInterest(from: SimulatedHost, interested: boolean): void {
    const view = this.views.get(from.index);
    if (!view || view.peerInterested === interested) return;
    view.peerInterested = interested;
    this.rechoke();
  }

  /** Upload slots: every `rotateMs` and when interest changes (piece-server.ts). */
  rechoke(): void {
    const views = [...this.views.values()];
    const unchoke = chooseUnchoked(
      views.map((view) => ({ id: view.peer.id, interested: view.peerInterested, unchoked: !view.amChoking, servedBytes: view.uploadedBytes })),
      this.#world.params.uploadSlots,
      this.#world.random01,
    );
    for (const view of views) {
      const choke = !unchoke.has(view.peer.id);
      if (choke === view.amChoking) continue;
      view.amChoking = choke;
      if (choke) {
        view.queue = [];
        if (view.serving) this.#world.network.cancel(view.serving);
        view.serving = null;
      }
      this.#world.send(this, view.peer, () => view.peer.onChoke(this, choke));
    }
  }

  /** The rechoke timer (real: a one-second tick that rechokes every ROTATE_MS). */
  tick(): void {
    if (!this.alive) return;
    this.rechoke();
    this.#world.queue.after(this.#world.params.rotateMs, () => this.tick());
  }

  onChoke(from: SimulatedHost, choked: boolean): void {
    const view = this.views.get(from.index);
    if (!view) return;
    view.peerChoking = choked;
    if (!choked) return this.schedule(view);
    // BEP 3: a peer that chokes us discards what we asked; we ask it again once unchoked.
    view.asked.clear();
    this.requests.dropPeer(from.id);
    this.releasedVersion += 1;
    this.scheduleAll();
  }

  scheduleAll(): void {
    for (const view of this.views.values()) this.schedule(view);
  }

  /** Asks `view`'s peer for pieces until the pipeline is full (peer-downloads.ts `schedule`). */
  schedule(view: PeerView): void {
    if (!this.alive || view.peerChoking || this.complete) return;
    const pipelinePieces = this.#pipelinePieces(view);
    while (view.asked.size < pipelinePieces) {
      let piece = this.requests.nextBlockFor(view.peer.id)?.piece ?? -1;
      if (piece === -1 && this.#mayAssign(view)) piece = this.#assignPiece(view);
      if (piece === -1) break;
      this.#ask(view, piece);
    }
    if (view.asked.size === 0 && view.goodPieces > 0 && this.#allMissingInFlight()) this.#endgame(view);
  }

  /** The pipeline to `view`'s peer in pieces: fixed, or `pipelineDepth` blocks of its rate (at least 2 pieces). */
  #pipelinePieces(view: PeerView): number {
    const fixed = this.#world.params.pipelinePieces;
    if (fixed !== null) return fixed;
    return Math.max(2, Math.ceil((pipelineDepth(view.rate.rate) * BLOCK_BYTES) / this.#world.geometry.pieceBytes));
  }

  /** Probation: a peer none of whose pieces we kept yet gets one piece at a time. */
  #mayAssign(view: PeerView): boolean {
    return view.goodPieces > 0 || this.requests.countFor(view.peer.id) === 0;
  }

  #allMissingInFlight(): boolean {
    const event = this.#world.queue.fired;
    if (this.#missingCheckedAt !== event) {
      this.#missingCheckedAt = event;
      this.#missingInFlight = this.have.or(this.requests.requested).or(this.origin.inFlight).isComplete();
    }
    return this.#missingInFlight;
  }

  #assignPiece(view: PeerView): number {
    const empty = view.emptyAt;
    if (empty && empty.released === this.releasedVersion && empty.has === view.hasVersion) return -1;
    const piece = pickPeerPiece({
      have: this.have,
      peerHas: view.has,
      requested: this.requests.requested.or(this.origin.inFlight),
      availability: this.availability,
      random01: this.#world.random01(),
      endgame: false,
    });
    if (piece === -1) {
      view.emptyAt = { released: this.releasedVersion, has: view.hasVersion };
      return -1;
    }
    view.emptyAt = null;
    this.requests.assign(piece, view.peer.id);
    return this.requests.nextBlockFor(view.peer.id)?.piece ?? -1;
  }

  /** Endgame: an idle peer is asked too for a piece another peer is slow to send. */
  #endgame(view: PeerView): void {
    const [block] = this.requests.endgameBlocks(view.peer.id, (piece) => view.has.has(piece));
    if (block && !view.asked.has(block.piece)) this.#ask(view, block.piece);
  }

  #ask(view: PeerView, piece: number): void {
    view.asked.add(piece);
    view.rate.asked(this.#world.queue.nowMs);
    this.#world.send(this, view.peer, () => view.peer.onRequest(this, piece));
  }

  /** A peer's request: served in order while it is unchoked, else rejected. */
  onRequest(from: SimulatedHost, piece: number): void {
    const view = this.views.get(from.index);
    if (!view) return;
    if (view.amChoking || !this.have.has(piece)) {
      this.#world.send(this, from, () => from.onReject(this, piece));
      return;
    }
    view.queue.push(piece);
    this.#serveNext(view);
  }

  #serveNext(view: PeerView): void {
    if (view.serving || view.amChoking || !this.alive) return;
    const piece = view.queue.shift();
    if (piece === undefined) return;
    const bytes = pieceLength(this.#world.geometry, piece);
    view.serving = this.#world.network.start(this.up, view.peer.down, bytes, () => {
      view.serving = null;
      view.uploadedBytes += bytes;
      this.uploadedBytes += bytes;
      const peer = view.peer;
      this.#world.send(this, peer, () => peer.onPiece(this, piece, bytes));
      this.#serveNext(view);
    });
  }

  /** A rejected request: the peer has lost the piece (or choked us meanwhile: then it is stale). */
  onReject(from: SimulatedHost, piece: number): void {
    const view = this.views.get(from.index);
    if (!view || !view.asked.delete(piece)) return;
    this.requests.unassign(piece, from.id);
    this.releasedVersion += 1;
    if (view.has.has(piece)) {
      view.has.clear(piece);
      this.availability[piece]! -= 1;
    }
    this.scheduleAll();
  }

  /** A piece from a peer: kept if we still await it (the first endgame copy wins). */
  onPiece(from: SimulatedHost, piece: number, bytes: number): void {
    const view = this.views.get(from.index);
    if (!view || !this.alive || !view.asked.delete(piece)) return;
    if (!this.requests.isAwaited(piece, 0)) return;
    this.requests.received(piece, 0);
    this.peerBytes += bytes;
    view.rate.received(bytes, this.#world.queue.nowMs);
    view.goodPieces += 1;
    this.gotPiece(piece);
    this.schedule(view);
  }

  /** Piece `piece` is ours (from a peer or the origin): announce it, ask for more. */
  gotPiece(piece: number): void {
    if (this.have.has(piece)) return;
    this.have.set(piece);
    this.gossip?.fed(this.#world.queue.nowMs);
    this.#world.broadcast(this, (peer) => peer.onHave(this, piece));
    if (this.complete) this.#finish();
    this.scheduleAll();
    this.origin.poke();
  }

  #finish(): void {
    this.doneMs = this.#world.queue.nowMs;
    for (const view of this.views.values()) {
      view.asked.clear();
      if (!view.amInterested) continue;
      view.amInterested = false;
      this.#world.send(this, view.peer, () => view.peer.onInterest(this, false));
    }
    this.origin.stop();
    this.#world.completed(this);
  }

  /** A peer's `claims` message (claim gossip, swarm/claim-relay.ts). */
  onClaims(from: SimulatedHost, hops: number, runs: readonly PieceRun[]): void {
    if (!this.alive || !this.views.has(from.index) || !this.gossip) return;
    if (this.gossip.hear(runs, hops, this.#world.queue.nowMs)) this.#scheduleRelay();
    this.origin.poke();
  }

  /** Relays go out together after CLAIM_RELAY_MS, to every peer. */
  #scheduleRelay(): void {
    if (this.#relayScheduled) return;
    this.#relayScheduled = true;
    this.#world.queue.after(CLAIM_RELAY_MS, () => {
      this.#relayScheduled = false;
      if (!this.alive || !this.gossip) return;
      for (const relay of this.gossip.takeRelays()) this.#world.broadcast(this, (peer) => peer.onClaims(this, relay.hops, relay.runs));
      if (this.gossip.pendingPieces > 0) this.#scheduleRelay();
    });
  }

  /** Our origin runs changed: peers hear them. */
  announceRuns(runs: readonly PieceRun[]): void {
    this.#world.broadcast(this, (peer) => peer.onFetching(this, runs));
    this.scheduleAll();
  }
}
