/**
 * The figures of a simulation, the same as `scripts/bench-swarm.js` prints for a real run: the
 * last completion T against the fluid-model bound T_min, the origin's egress in file sizes, and
 * the first, median and last completion.
 *
 * Pure: arithmetic only.
 */
import type { SimulatedHost } from './simulated-host.js';

/** What a simulation measured. Times in seconds from the common start. */
export interface SimulationFigures {
  readonly clients: number;
  readonly fileBytes: number;
  readonly pieceBytes: number;
  /** The last completion among hosts that did not die. */
  readonly T: number;
  readonly Tmin: number;
  readonly ratio: number;
  /** Bytes the origin sent, in file sizes. */
  readonly originEgress: number;
  readonly firstSeconds: number;
  readonly medianSeconds: number;
  readonly lastSeconds: number;
  /** Hosts that died before completing, and hosts still incomplete when the run stopped. */
  readonly died: number;
  readonly incomplete: number;
  /** Bytes hosts took from peers, in file sizes per completed host. */
  readonly peerShare: number;
  readonly completionSeconds: readonly number[];
  /** Origin bytes per simulated second, in file sizes (where the origin's bytes went over time). */
  readonly originBySecond: readonly number[];
  /**
   * Until their completion, the median and the lowest share of time hosts' download links
   * carried something, and the share of all hosts' upload capacity used until the last completion.
   */
  readonly downBusyMedian: number;
  readonly downBusyLowest: number;
  readonly upUsed: number;
  readonly events: number;
  readonly flows: number;
}

/**
 * The fluid-model lower bound (Kumar and Ross) on the time for N hosts to get F bytes:
 * max(F / u_origin, F / min d_i, N F / (u_origin + sum u_i)). Rates in bytes per second.
 */
export function fluidLowerBoundSeconds(fileBytes: number, originBps: number, hosts: readonly { upBps: number; downBps: number }[]): number {
  const slowestDown = Math.min(...hosts.map((host) => host.downBps));
  const totalUp = hosts.reduce((sum, host) => sum + host.upBps, 0);
  return Math.max(fileBytes / originBps, fileBytes / slowestDown, (hosts.length * fileBytes) / (originBps + totalUp));
}

/** The median of `values` (sorted ascending), NaN when empty. */
function median(sorted: readonly number[]): number {
  if (sorted.length === 0) return NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

interface FiguresSource {
  readonly hosts: readonly SimulatedHost[];
  readonly geometry: { readonly fileBytes: number; readonly pieceBytes: number };
  readonly originPort: { readonly capacityBps: number };
  readonly queue: { readonly fired: number };
  readonly originBytesBySecond: readonly number[];
  readonly network: { readonly started: number };
}

/** The figures of a finished simulation whose origin sent `originBytes`. */
export function simulationFigures(sim: FiguresSource, originBytes: number): SimulationFigures {
  const { fileBytes, pieceBytes } = sim.geometry;
  const done = sim.hosts.filter((host) => host.doneMs !== null);
  const seconds = done.map((host) => host.doneMs! / 1000);
  const sorted = [...seconds].sort((a, b) => a - b);
  const died = sim.hosts.filter((host) => host.doneMs === null && !host.alive && host.spec.dieMs !== null).length;
  const T = sorted.at(-1) ?? NaN;
  const Tmin = fluidLowerBoundSeconds(fileBytes, sim.originPort.capacityBps, sim.hosts.map((host) => host.spec));
  const peerBytes = done.reduce((sum, host) => sum + host.peerBytes, 0);
  return {
    clients: sim.hosts.length, fileBytes, pieceBytes, T, Tmin, ratio: T / Tmin,
    originEgress: originBytes / fileBytes,
    firstSeconds: sorted[0] ?? NaN, medianSeconds: median(sorted), lastSeconds: T,
    died, incomplete: sim.hosts.length - done.length - died,
    peerShare: done.length === 0 ? 0 : peerBytes / fileBytes / done.length,
    completionSeconds: seconds,
    originBySecond: sim.originBytesBySecond.map((bytes) => Math.round((bytes / fileBytes) * 1000) / 1000),
    ...busyShares(done, T),
    events: sim.queue.fired, flows: sim.network.started,
  };
}

/** Download-link busy shares of completed hosts from their join to their completion, and the upload capacity used until `lastSeconds`. */
function busyShares(done: readonly SimulatedHost[], lastSeconds: number): { downBusyMedian: number; downBusyLowest: number; upUsed: number } {
  const shares = done.map((host) => {
    const spanMs = host.doneMs! - host.spec.joinMs;
    const busy = host.down.busyMs + (host.down.busySinceMs === null ? 0 : host.doneMs! - host.down.busySinceMs);
    return spanMs > 0 ? Math.min(1, busy / spanMs) : 1;
  }).sort((a, b) => a - b);
  const upCapacity = done.reduce((sum, host) => sum + host.spec.upBps * lastSeconds, 0);
  const uploaded = done.reduce((sum, host) => sum + host.uploadedBytes, 0);
  return { downBusyMedian: median(shares), downBusyLowest: shares[0] ?? NaN, upUsed: upCapacity > 0 ? uploaded / upCapacity : NaN };
}
