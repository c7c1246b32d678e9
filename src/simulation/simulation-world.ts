/**
 * What a simulated host sees of the simulation it runs in: the clock and agenda, the flow network,
 * the origin's port, the seeded random source, the file's geometry and the parameters every host
 * shares, and how messages travel between hosts (after the link's latency).
 *
 * Pure: types only.
 */
import type { PieceGeometry } from '../pieces/piece-geometry.js';
import type { EventQueue } from './event-queue.js';
import type { FlowNetwork, Port } from './flow-network.js';
import type { SimulatedHost } from './simulated-host.js';

/** The decisions' parameters, the same for every host (defaults: the real host's, see swarm-parameters.ts). */
export interface HostParameters {
  /** Origin connections per host (`--connections`). */
  readonly connections: number;
  /** Peers unchoked at once. */
  readonly uploadSlots: number;
  /** How often upload slots are recomputed. */
  readonly rotateMs: number;
  /**
   * Pieces kept asked of one peer at once (the block pipeline, in pieces), or null for the real
   * host's: about a second of the peer's measured rate (`pipelineDepth` blocks), at least 2 pieces.
   */
  readonly pipelinePieces: number | null;
  /** Active peers per swarm, both directions (the host's cap). */
  readonly maxPeers: number;
  /** Peers a host dials on its own; the rest of `maxPeers` is left for peers that dial it. */
  readonly dialPeers: number;
  /** Bytes the origin has pushed into the socket, and are lost, when a run yields mid-way. */
  readonly yieldWasteBytes: number;
  /**
   * Claim gossip (swarm/claim-gossip.ts, as the real host): hosts relay to their peers the origin
   * claims they hear of, up to `claimHops` hops, so origin runs avoid what hosts beyond their
   * peers fetch, unless the host has starved (no peer offers anything it lacks) for `starveMs`.
   */
  readonly claimGossip: boolean;
  /** No new origin run while this many peers or more fetch from the origin (`activeOriginRuns`); null: no such cap. */
  readonly maxFetchingPeers: number | null;
  readonly claimHops: number;
  readonly claimTtlMs: number;
  readonly starveMs: number;
}

/** The simulation as its hosts see it. */
export interface SimulationWorld {
  readonly queue: EventQueue;
  readonly network: FlowNetwork;
  readonly originPort: Port;
  readonly geometry: PieceGeometry;
  readonly params: HostParameters;
  readonly random01: () => number;
  /** Runs `deliver` once a message from `from` has reached `to` (one-way latency of their link). */
  send(from: SimulatedHost, to: SimulatedHost, deliver: () => void): void;
  /** Runs `deliver(peer)` for each peer of `from` once a message from it has reached that peer. */
  broadcast(from: SimulatedHost, deliver: (to: SimulatedHost) => void): void;
  /** One-way latency between a host and the origin, in ms. */
  originLatencyMs(host: SimulatedHost): number;
  /** Bytes the origin sent (counted as they move). */
  countOriginBytes(bytes: number): void;
  /** A host has every piece. */
  completed(host: SimulatedHost): void;
  /** A host lost a peer: it may dial another. */
  wantsPeers(host: SimulatedHost): void;
}
