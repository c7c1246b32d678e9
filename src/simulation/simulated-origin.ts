/**
 * The origin connections of a simulated host: the decisions of the real origin fetcher
 * (session/origin-fetcher.ts with the swarm hooks of session/transfer.ts). Up to `connections`
 * workers; at most {@link activeOriginRuns} runs at once; each picks a run with
 * {@link pickOriginRun} (BEP 19 gaps, spread in the gap) over the pieces nobody else has, asks
 * for, or fetches, streams on where its last run ended, announces its runs to peers, waits
 * {@link CLAIM_SETTLE_MS} before its request, and at each piece boundary yields the rest of the
 * run when a peer has or is asked for the next piece, or fetches it with precedence (a lower id).
 * An idle worker looks again when something changes (after a random pause below
 * {@link ORIGIN_PICK_JITTER_MS}) or after {@link ORIGIN_IDLE_MS}.
 *
 * Pure: no I/O, simulated time. Not responsible for retries (the simulated origin never fails).
 */
import { Bitfield } from '../pieces/bitfield.js';
import { pieceLength } from '../pieces/piece-geometry.js';
import { pickOriginRun } from '../piece-picker/origin-run-picker.js';
import {
  CLAIM_SETTLE_MS, ORIGIN_IDLE_MS, ORIGIN_PICK_JITTER_MS, activeOriginRuns, runPieces, swarmRunPieces,
} from '../swarm/swarm-parameters.js';
import type { PieceRun } from '../wire/codec.js';
import type { Flow } from './flow-network.js';
import type { SimulatedHost } from './simulated-host.js';
import type { SimulationWorld } from './simulation-world.js';

interface Run {
  startPiece: number;
  endPiece: number;
  nextMark: number;
  flow: Flow | null;
}

interface Worker {
  nextStart: number;
  /** Waiting for work: a poke (or the idle timer) wakes it; the version stales older wake-ups. */
  idle: boolean;
  wakeVersion: number;
}

/** The origin side of one simulated host. */
export class SimulatedOrigin {
  readonly inFlight: Bitfield;
  readonly #world: SimulationWorld;
  readonly #host: SimulatedHost;
  readonly #runs = new Set<Run>();
  readonly #workers: Worker[] = [];
  #picks = 0;
  #stopped = false;

  constructor(world: SimulationWorld, host: SimulatedHost) {
    this.#world = world;
    this.#host = host;
    this.inFlight = new Bitfield(world.geometry.pieceCount);
  }

  /** The first connection goes alone until the origin's first bytes come; then the others start. */
  start(): void {
    this.#addWorker();
  }

  #addWorker(): void {
    const worker: Worker = { nextStart: -1, idle: false, wakeVersion: 0 };
    this.#workers.push(worker);
    this.#loop(worker);
  }

  /** Stops every run (the host completed or died). */
  stop(): void {
    this.#stopped = true;
    for (const run of this.#runs) if (run.flow) this.#world.countOriginBytes(this.#world.network.cancel(run.flow));
    this.#runs.clear();
  }

  /** Our runs as peers should see them. */
  runs(): PieceRun[] {
    return [...this.#runs].filter((run) => run.nextMark < run.endPiece).map((run) => ({ startPiece: run.nextMark, endPiece: run.endPiece }));
  }

  /** Something changed: idle workers look for work again after a random pause. */
  poke(): void {
    for (const worker of this.#workers) {
      if (!worker.idle) continue;
      worker.idle = false;
      const version = ++worker.wakeVersion;
      this.#world.queue.after(Math.floor(this.#world.random01() * ORIGIN_PICK_JITTER_MS), () => {
        if (worker.wakeVersion === version) this.#loop(worker);
      });
    }
  }

  get #active(): boolean {
    return !this.#stopped && this.#host.alive && !this.#host.complete;
  }

  #loop(worker: Worker): void {
    if (!this.#active) return;
    const { connections, maxFetchingPeers } = this.#world.params;
    const limit = activeOriginRuns(connections, this.#host.views.size, this.#fetchingPeers(), maxFetchingPeers ?? Infinity);
    const run = this.#runs.size < limit ? this.#pick(worker.nextStart) : null;
    if (!run) {
      worker.nextStart = -1;
      worker.idle = true;
      const version = ++worker.wakeVersion;
      this.#world.queue.after(ORIGIN_IDLE_MS, () => {
        if (worker.wakeVersion !== version) return;
        worker.idle = false;
        this.#world.queue.after(Math.floor(this.#world.random01() * ORIGIN_PICK_JITTER_MS), () => {
          if (worker.wakeVersion === version) this.#loop(worker);
        });
      });
      return;
    }
    this.#runs.add(run);
    this.#host.announceRuns(this.runs());
    const settleMs = this.#host.views.size > 0 ? CLAIM_SETTLE_MS : 0;
    this.#world.queue.after(settleMs, () => this.#request(worker, run));
  }

  /** Peers that announce an origin run now. */
  #fetchingPeers(): number {
    let peers = 0;
    for (const view of this.#host.views.values()) if (view.fetching.length > 0) peers += 1;
    return peers;
  }

  /** No peer offers a piece we lack, and none is asked of a peer (as the real swarm's othersTaken). */
  #starving(): boolean {
    const host = this.#host;
    if (!host.requests.requested.isEmpty()) return false;
    for (let index = 0; index < host.availability.length; index++) if (host.availability[index]! > 0 && !host.have.has(index)) return false;
    return true;
  }

  /** Pieces that peers offer, are asked for, or fetch from the origin. */
  #othersTaken(): Bitfield {
    const host = this.#host;
    const taken = host.requests.requested.clone();
    for (let index = 0; index < taken.length; index++) {
      if (host.availability[index]! > 0 || host.fetchingCount[index]! > 0) taken.set(index);
    }
    return taken;
  }

  #pick(preferredStart: number): Run | null {
    const { geometry, params } = this.#world;
    let taken = this.#host.have.or(this.inFlight).or(this.#othersTaken());
    const gossip = this.#host.gossip;
    if (gossip) taken = taken.or(gossip.claimedUnlessStarved(this.#world.queue.nowMs, !this.#starving()));
    const policy = this.#picks === 0 || this.#host.views.size > 0 ? 'bep19' : 'sequential';
    const maxRunPieces = policy === 'bep19' ? swarmRunPieces(geometry) : runPieces(geometry, params.connections);
    if (policy === 'bep19' && preferredStart >= 0 && preferredStart < geometry.pieceCount && !taken.has(preferredStart)) {
      let end = preferredStart + 1;
      while (end < geometry.pieceCount && end - preferredStart < maxRunPieces && !taken.has(end)) end += 1;
      return this.#claim(preferredStart, end);
    }
    const picked = pickOriginRun(taken, {
      policy, firstConnection: this.#picks === 0, random01: this.#world.random01(), maxRunPieces, spreadInGap: true,
    });
    this.#picks += 1;
    return picked ? this.#claim(picked.startPiece, picked.endPiece) : null;
  }

  #claim(startPiece: number, endPiece: number): Run {
    for (let index = startPiece; index < endPiece; index++) this.inFlight.set(index);
    return { startPiece, endPiece, nextMark: startPiece, flow: null };
  }

  /** After the settle wait: yield to a claim that came meanwhile, else send the ranged GET. */
  #request(worker: Worker, run: Run): void {
    if (!this.#active) return;
    this.#yieldIfTaken(run);
    if (run.nextMark >= run.endPiece) return this.#endRun(worker, run);
    const roundTripMs = 2 * this.#world.originLatencyMs(this.#host);
    this.#world.queue.after(roundTripMs, () => {
      if (!this.#active || !this.#runs.has(run)) return;
      if (this.#workers.length === 1) for (let more = 1; more < this.#world.params.connections; more++) this.#addWorker();
      this.#streamPiece(worker, run);
    });
  }

  #streamPiece(worker: Worker, run: Run): void {
    const piece = run.nextMark;
    const bytes = pieceLength(this.#world.geometry, piece);
    run.flow = this.#world.network.start(this.#world.originPort, this.#host.down, bytes, () => {
      run.flow = null;
      this.#world.countOriginBytes(bytes);
      this.#host.originBytes += bytes;
      this.inFlight.clear(piece);
      run.nextMark += 1;
      this.#host.gotPiece(piece);
      if (!this.#active || !this.#runs.has(run)) return;
      if (run.nextMark < run.endPiece && this.#yieldIfTaken(run)) {
        this.#world.countOriginBytes(Math.min(this.#world.params.yieldWasteBytes, bytes));
      }
      if (run.nextMark >= run.endPiece) return this.#endRun(worker, run);
      this.#streamPiece(worker, run);
    });
  }

  /**
   * At a piece boundary: stop the run when a peer has, is asked for, or fetches first the next
   * piece, or when we hold more runs than a swarm's share.
   */
  #yieldIfTaken(run: Run): boolean {
    if (run.nextMark >= run.endPiece || (!this.#yieldsAt(run.nextMark) && !this.#overLimit())) return false;
    for (let index = run.nextMark; index < run.endPiece; index++) this.inFlight.clear(index);
    run.endPiece = run.nextMark;
    this.#host.releasedVersion += 1;
    this.#host.announceRuns(this.runs());
    return true;
  }

  /** As the real host's `keepLimit`: runs taken alone shrink to the swarm's share when peers come. */
  #overLimit(): boolean {
    let live = 0;
    for (const run of this.#runs) if (run.nextMark < run.endPiece) live++;
    return live > activeOriginRuns(this.#world.params.connections, this.#host.views.size);
  }

  #yieldsAt(piece: number): boolean {
    const host = this.#host;
    if (host.availability[piece]! > 0 || host.requests.requested.has(piece)) return true;
    if (host.fetchingCount[piece] === 0) return false;
    for (const view of host.views.values()) {
      if (view.peer.id < host.id && view.fetching.some((run) => run.startPiece <= piece && piece < run.endPiece)) return true;
    }
    return false;
  }

  #endRun(worker: Worker, run: Run): void {
    this.#runs.delete(run);
    if (run.nextMark < run.endPiece) this.#host.releasedVersion += 1;
    for (let index = run.nextMark; index < run.endPiece; index++) this.inFlight.clear(index);
    this.#host.announceRuns(this.runs());
    worker.nextStart = run.endPiece;
    this.#loop(worker);
  }
}
