/**
 * What one announce round sends, and when the next one is due.
 *
 * A round sends the swarm ids in packets of at most {@link MAX_SWARM_IDS_PER_PACKET}, and at most
 * {@link MAX_PACKETS_PER_ROUND} packets, so a host stays well under the receivers' per-source rate
 * limit (20 packets per second by default) at the default 2 s interval. A host with more than
 * 8 x 32 = 256 swarm ids announces a rotating window of 256 per round, so every id is announced
 * every ceil(n / 256) rounds.
 *
 * Pure: randomness is passed in. Not responsible for: encoding, sending, or timers.
 */
import { MAX_SWARM_IDS_PER_PACKET } from './announce-codec.js';

/** Most packets one announce round sends. */
export const MAX_PACKETS_PER_ROUND = 8;

/** How far each interval is randomly stretched or shrunk: +-25%. */
export const ANNOUNCE_JITTER = 0.25;

/**
 * The batches of swarm ids for round number `roundIndex` (0, 1, 2...), duplicates removed, each
 * batch one packet. With no swarm ids, one empty batch (the host still announces itself).
 *
 * @throws TypeError when `roundIndex` is not a non-negative safe integer.
 */
export function announceBatches(swarmIds: readonly Buffer[], roundIndex: number): Buffer[][] {
  if (!Number.isSafeInteger(roundIndex) || roundIndex < 0) {
    throw new TypeError(`roundIndex must be a non-negative safe integer, got ${String(roundIndex)}`);
  }
  const unique = uniqueIds(swarmIds);
  if (unique.length === 0) return [[]];
  const perRound = MAX_PACKETS_PER_ROUND * MAX_SWARM_IDS_PER_PACKET;
  const window = unique.length <= perRound ? unique : rotatingWindow(unique, roundIndex, perRound);
  const batches: Buffer[][] = [];
  for (let start = 0; start < window.length; start += MAX_SWARM_IDS_PER_PACKET) {
    batches.push(window.slice(start, start + MAX_SWARM_IDS_PER_PACKET));
  }
  return batches;
}

/**
 * The delay before the next round: `intervalMs` times a factor in [0.75, 1.25), so hosts started
 * together drift apart instead of announcing in lockstep.
 *
 * @param random01 - a number in [0, 1), e.g. from `Math.random()`.
 * @throws TypeError when `intervalMs` is not positive or `random01` is outside [0, 1).
 */
export function jitteredDelayMs(intervalMs: number, random01: number): number {
  if (!(Number.isFinite(intervalMs) && intervalMs > 0)) {
    throw new TypeError(`intervalMs must be a positive number, got ${String(intervalMs)}`);
  }
  if (!(random01 >= 0 && random01 < 1)) {
    throw new TypeError(`random01 must be in [0, 1), got ${String(random01)}`);
  }
  return Math.round(intervalMs * (1 - ANNOUNCE_JITTER + 2 * ANNOUNCE_JITTER * random01));
}

function uniqueIds(swarmIds: readonly Buffer[]): Buffer[] {
  const seen = new Set<string>();
  const unique: Buffer[] = [];
  for (const id of swarmIds) {
    const hex = id.toString('hex');
    if (seen.has(hex)) continue;
    seen.add(hex);
    unique.push(id);
  }
  return unique;
}

function rotatingWindow(ids: readonly Buffer[], roundIndex: number, size: number): Buffer[] {
  const start = ((roundIndex % ids.length) * size) % ids.length;
  const doubled = [...ids, ...ids];
  return doubled.slice(start, start + size);
}
