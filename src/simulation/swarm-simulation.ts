/**
 * A discrete-event simulation of a swarm: N {@link SimulatedHost}s fetching one file from one
 * origin and from each other, on links of given rates and latencies, with arrivals spread over a
 * window, a seeded fraction of late joiners and of hosts that die mid-way. Deterministic: the same
 * options (seed included) give the same figures.
 *
 * Connections: a host dials random live hosts with room until it has `dialPeers` peers (all of
 * them when the swarm is smaller), and accepts dials up to `maxPeers`; a host that loses a peer
 * dials another a second later. A handshake takes three one-way latencies.
 *
 * Pure: no I/O, no sockets, no clock; simulated time only. Not responsible for printing (the CLI,
 * scripts/simulate-swarm.js). Single-threaded.
 */
import { pieceGeometry } from '../pieces/piece-geometry.js';
import { DEFAULT_CAPS } from '../host/connection-table.js';
import { MAX_FETCHING_PEERS, ROTATE_MS, UPLOAD_SLOTS } from '../swarm/swarm-parameters.js';
import { CLAIM_HOPS, CLAIM_TTL_MS, STARVE_MS } from '../swarm/claim-gossip.js';
import { EventQueue } from './event-queue.js';
import { FlowNetwork, Port } from './flow-network.js';
import { seededRandom } from './seeded-random.js';
import { SimulatedHost, type HostSpec } from './simulated-host.js';
import type { HostParameters, SimulationWorld } from './simulation-world.js';
import { simulationFigures, type SimulationFigures } from './simulation-figures.js';
import { hostSpecs, validateOptions, type SwarmSimulationOptions } from './simulation-options.js';

export type { SwarmSimulationOptions } from './simulation-options.js';

/** The parameters of the real host. */
export function realHostParameters(): HostParameters {
  return {
    connections: 4,
    uploadSlots: UPLOAD_SLOTS,
    rotateMs: ROTATE_MS,
    pipelinePieces: null,
    maxPeers: DEFAULT_CAPS.maxPeersPerSwarm,
    dialPeers: DEFAULT_CAPS.maxDialledPerSwarm,
    yieldWasteBytes: 128 * 1024,
    claimGossip: true,
    maxFetchingPeers: MAX_FETCHING_PEERS,
    claimHops: CLAIM_HOPS,
    claimTtlMs: CLAIM_TTL_MS,
    starveMs: STARVE_MS,
  };
}

/** One simulation run. Construct, then `run()` once. */
export class SwarmSimulation implements SimulationWorld {
  readonly queue = new EventQueue();
  readonly network = new FlowNetwork(this.queue);
  readonly originPort: Port;
  readonly geometry;
  readonly params: HostParameters;
  readonly random01: () => number;
  readonly hosts: SimulatedHost[] = [];
  readonly #opts: SwarmSimulationOptions;
  readonly #live: SimulatedHost[] = [];
  #originBytes = 0;
  #finished = 0;
  #gone = 0;

  /** TypeError on bad options (see {@link hostSpecs}). */
  constructor(opts: SwarmSimulationOptions) {
    validateOptions(opts);
    this.#opts = opts;
    this.random01 = seededRandom(opts.seed);
    this.geometry = pieceGeometry(opts.fileBytes, opts.pieceBytes ?? 'auto');
    this.params = { ...realHostParameters(), ...opts.params };
    this.originPort = new Port(opts.originBps);
    const specs = hostSpecs(opts, this.random01);
    const ids = new Set<string>();
    specs.forEach((spec, index) => {
      let id: string;
      do id = Math.floor(this.random01() * 2 ** 48).toString(16).padStart(12, '0'); while (ids.has(id));
      ids.add(id);
      this.hosts.push(new SimulatedHost(this, index, id, spec));
    });
  }

  /** Runs until every host has completed or died (or `maxSimulatedMs`); returns the figures. */
  run(): SimulationFigures {
    for (const host of this.hosts) {
      this.queue.at(host.spec.joinMs, () => this.#join(host));
      if (host.spec.dieMs !== null) this.queue.at(host.spec.dieMs, () => this.#die(host));
    }
    this.queue.run(() => this.#finished + this.#gone === this.hosts.length, this.#opts.maxSimulatedMs ?? Infinity);
    return simulationFigures(this, this.#originBytes);
  }

  #join(host: SimulatedHost): void {
    host.join();
    this.#live.push(host);
    this.#dialMore(host);
    this.queue.after(this.random01() * this.params.rotateMs, () => host.tick());
  }

  #die(host: SimulatedHost): void {
    if (!host.alive || host.doneMs !== null) return;
    host.die();
    this.#gone += 1;
    const at = this.#live.indexOf(host);
    if (at !== -1) this.#live.splice(at, 1);
  }

  #peerCount(host: SimulatedHost): number {
    return host.views.size + host.pending;
  }

  /** Dials random live hosts with room until `host` has `dialPeers` peers. */
  #dialMore(host: SimulatedHost): void {
    const { dialPeers, maxPeers } = this.params;
    const live = this.#live;
    const full = live.length <= dialPeers + 1;
    const order = full ? live : Array.from({ length: Math.min(live.length, 4 * dialPeers) }, () => live[Math.floor(this.random01() * live.length)]!);
    for (const other of order) {
      if (this.#peerCount(host) >= dialPeers) return;
      if (other === host || !other.alive || host.views.has(other.index) || this.#peerCount(other) >= maxPeers) continue;
      if (host.pendingWith.has(other.index) || other.pendingWith.has(host.index)) continue;
      this.#connect(host, other);
    }
  }

  #connect(a: SimulatedHost, b: SimulatedHost): void {
    a.pending += 1;
    b.pending += 1;
    a.pendingWith.add(b.index);
    this.queue.after(3 * (a.spec.latencyMs + b.spec.latencyMs), () => {
      a.pending -= 1;
      b.pending -= 1;
      a.pendingWith.delete(b.index);
      if (!a.alive || !b.alive) return;
      a.addPeer(b);
      b.addPeer(a);
    });
  }

  send(from: SimulatedHost, to: SimulatedHost, deliver: () => void): void {
    this.queue.after(from.spec.latencyMs + to.spec.latencyMs, deliver);
  }

  broadcast(from: SimulatedHost, deliver: (to: SimulatedHost) => void): void {
    const byLatency = new Map<number, SimulatedHost[]>();
    for (const view of from.views.values()) {
      const latency = view.peer.spec.latencyMs;
      const group = byLatency.get(latency);
      if (group) group.push(view.peer);
      else byLatency.set(latency, [view.peer]);
    }
    for (const [latency, peers] of byLatency) {
      this.queue.after(from.spec.latencyMs + latency, () => {
        for (const peer of peers) deliver(peer);
      });
    }
  }

  originLatencyMs(host: SimulatedHost): number {
    return host.spec.latencyMs + (this.#opts.originLatencyMs ?? 0);
  }

  countOriginBytes(bytes: number): void {
    this.#originBytes += bytes;
    const second = Math.floor(this.queue.nowMs / 1000);
    while (this.originBytesBySecond.length <= second) this.originBytesBySecond.push(0);
    this.originBytesBySecond[second]! += bytes;
  }

  /** Bytes the origin sent in each simulated second (counted when a piece or a cut run ends). */
  readonly originBytesBySecond: number[] = [];

  completed(): void {
    this.#finished += 1;
  }

  wantsPeers(host: SimulatedHost): void {
    this.queue.after(1000, () => {
      if (host.alive) this.#dialMore(host);
    });
  }

  /** The specs the hosts were made with. */
  get specs(): readonly HostSpec[] {
    return this.hosts.map((host) => host.spec);
  }
}
