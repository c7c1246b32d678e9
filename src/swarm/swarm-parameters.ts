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
/** Blocks we keep asked of one peer at once at most (the request pipeline; see {@link pipelineDepth}). */
export const MAX_ASKED_PER_PEER = 16;
/** Blocks asked of a peer whose rate is not known yet. */
export const INITIAL_ASKED_PER_PEER = 4;
/** Blocks asked of the slowest peer: one on its way while the next is asked. */
export const MIN_ASKED_PER_PEER = 2;
/** Seconds of a peer's rate kept asked of it (libtorrent's request_queue_time is 3). */
export const PIPELINE_SECONDS = 1;

/**
 * How many blocks to keep asked of a peer that delivers `rateBytesPerSec` (null: not measured
 * yet): about {@link PIPELINE_SECONDS} of its rate, from {@link MIN_ASKED_PER_PEER} to
 * {@link MAX_ASKED_PER_PEER}. A deeper pipeline to a slow peer (a busy uploader, a thin link)
 * would promise it pieces for many seconds: the rest of the swarm could not ask for them, and the
 * tail would wait on it.
 */
export function pipelineDepth(rateBytesPerSec: number | null): number {
  if (rateBytesPerSec === null || Number.isNaN(rateBytesPerSec)) return INITIAL_ASKED_PER_PEER;
  const blocks = Math.ceil((Math.max(0, rateBytesPerSec) * PIPELINE_SECONDS) / BLOCK_BYTES);
  return Math.min(MAX_ASKED_PER_PEER, Math.max(MIN_ASKED_PER_PEER, blocks));
}
/** Peers served (unchoked) at once. */
export const UPLOAD_SLOTS = 8;
/** How often the upload slots are recomputed (BEP 3 rechokes every 10 s; LAN peers come and go faster). */
export const ROTATE_MS = 3000;
/**
 * With peers, how long a claimed origin run waits for a claim of the same pieces by a peer that
 * picked at the same moment (LAN round trip plus a busy event loop) before its request. 15 ms was
 * too short for hosts sharing busy cores: at N = 8 on 2 cores (bench-swarm, 128 MiB, 100 mbit, six
 * pairs) 75 ms took the origin's egress from a median 1.043x to 1.030x (the bytes it sent twice
 * from 5.3 to 3.3 MiB) with T/T_min unchanged; the simulator agrees (N = 8 and 16, no worse).
 */
export const CLAIM_SETTLE_MS = 75;
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

/**
 * A host starts no origin run while this many of its peers or more fetch from the origin: the
 * origin's rate is shared by fewer runs, so pieces complete (and can be shared) sooner. Inert in a
 * swarm of 17 hosts or fewer. Simulator, 10 Gbit, 10 GiB (8 MiB pieces): without it a swarm of
 * N = 1,000 has a thousand runs at a thousandth of the origin each, and no piece is complete for
 * seconds; N = 100 went from T/T_min 1.57 to 1.49 (origin 1.004x, 1.005x).
 */
export const MAX_FETCHING_PEERS = 16;

/**
 * Origin runs a host may have at once with `peerCount` peers: the fleet shares about
 * `connections` in all, at least one per host; none while `fetchingPeers` (peers that announce an
 * origin run now) reach `maxFetchingPeers`.
 */
export function activeOriginRuns(connections: number, peerCount: number, fetchingPeers = 0, maxFetchingPeers = MAX_FETCHING_PEERS): number {
  if (peerCount > 0 && fetchingPeers >= maxFetchingPeers) return 0;
  return Math.max(1, Math.round(connections / (1 + peerCount)));
}
