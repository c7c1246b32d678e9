/**
 * The numbers a swarm host decides with, in one pure module: the real host (peer-downloads.ts,
 * piece-server.ts, origin-fetcher.ts, transfer.ts) and the simulator (src/simulation/) import them
 * from here, so a simulated host makes its choices with the same parameters as a real one.
 *
 * Pure: constants and arithmetic only.
 */
import type { PieceGeometry } from '../pieces/piece-geometry.js';

/** Bytes per block request. */
export const BLOCK_BYTES = 256 * 1024;
/** Blocks we keep asked of one peer at once (the request pipeline). */
export const MAX_ASKED_PER_PEER = 16;
/** Peers served (unchoked) at once. */
export const UPLOAD_SLOTS = 8;
/** How often the upload slots are recomputed (BEP 3 rechokes every 10 s; LAN peers come and go faster). */
export const ROTATE_MS = 3000;
/**
 * With peers, how long a claimed origin run waits for a claim of the same pieces by a peer that
 * picked at the same moment (LAN round trip plus a busy event loop) before its request.
 */
export const CLAIM_SETTLE_MS = 15;
/** An idle origin connection looks for work again at the latest after this long. */
export const ORIGIN_IDLE_MS = 500;
/**
 * Hosts woken by the same event (a peer's `have`) would pick at the same moment from the same
 * view; an idle origin connection pauses a random time below this before it picks.
 */
export const ORIGIN_PICK_JITTER_MS = 40;

/**
 * How long a download listens for peers before its first origin request (`Swarm.waitForPeer`).
 * Peers that hear our first announce dial us at once, so on a LAN a connection is under way within
 * milliseconds; a swarm that shows none by `quietMs` is taken to be empty.
 */
export interface DiscoveryWait {
  /** With no connection under way by then, the swarm is taken to be empty. */
  readonly quietMs: number;
  /** The longest wait, while a connection is under way (dialled, in its handshake, or before its bitfield). */
  readonly maxMs: number;
}

/** The wait of every download: a tenth of a second when nobody answers. */
export const DEFAULT_DISCOVERY_WAIT: DiscoveryWait = { quietMs: 100, maxMs: 1000 };

/** Target length of one origin run when alone: short enough that the verified prefix keeps moving. */
export function runPieces(geometry: PieceGeometry, connections: number): number {
  const targetBytes = Math.min(16 * 2 ** 20, Math.max(2 * 2 ** 20, geometry.fileBytes / (connections * 8)));
  return Math.max(1, Math.floor(targetBytes / geometry.pieceBytes));
}

/**
 * Length of one origin run with peers: about 1 MiB. What the origin has already pushed into its
 * socket when a run must yield to a peer is wasted, and a short request bounds it.
 */
export function swarmRunPieces(geometry: PieceGeometry): number {
  return Math.max(1, Math.floor(2 ** 20 / geometry.pieceBytes));
}

/** What {@link activeOriginRuns} decides from. */
export interface OriginShareInput {
  /** Origin connections of the host (`--connections`). */
  readonly connections: number;
  /** Peers connected now. */
  readonly peerCount: number;
  /**
   * Whether the swarm is larger than the host's peer set (it knows of hosts it is not connected
   * to): then its peers do not see every origin run of the swarm. @default false
   */
  readonly partialView?: boolean;
  /** Whether the host's peer id is lower than every connected peer's. @default false */
  readonly lowestId?: boolean;
  /** Whether no peer offers a piece the host lacks and none is asked of a peer. @default false */
  readonly starving?: boolean;
}

/**
 * Origin runs a host may have at once.
 *
 * Full view (every host of the swarm is a peer): the fleet shares about `connections` in all, at
 * least one per host: `max(1, round(connections / (1 + peerCount)))`.
 *
 * Partial view (a swarm larger than the peer set, e.g. 1,000 hosts with 64 peers each): hosts see
 * only their peers' origin runs, so if each fetched, many would fetch the same pieces. Only the
 * hosts whose id is the lowest of their neighbourhood (about one in `peerCount + 1`, and never two
 * neighbours) fetch, with all their `connections`; the others take every piece from peers, and
 * fetch with one connection only while starving (no peer offers anything they lack), so that a
 * neighbourhood whose fetcher died still progresses. Pure arithmetic.
 */
export function activeOriginRuns(input: OriginShareInput): number {
  const { connections, peerCount } = input;
  if (input.partialView !== true || peerCount === 0) return Math.max(1, Math.round(connections / (1 + peerCount)));
  if (input.lowestId === true) return connections;
  return input.starving === true ? 1 : 0;
}
