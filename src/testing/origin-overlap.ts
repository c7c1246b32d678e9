/**
 * Where an origin's excess egress went: of the bodies an origin sent ({@link OriginBodyLog}),
 * which bytes of the file it sent more than once, and when (the start, the middle, the tail of
 * the run) and to whom. Used by `bench-swarm --origin-log` to find the excess at N = 16 and 32.
 *
 * Pure: intervals in, figures out.
 */
import type { OriginBodyLog } from './origin-server.js';

/** The origin's egress taken apart. */
export interface OriginOverlap {
  /** Bytes sent in all. */
  readonly sentBytes: number;
  /** Distinct file bytes sent at least once. */
  readonly distinctBytes: number;
  /** Bytes sent again after another body had sent them: `sentBytes - distinctBytes`. */
  readonly repeatedBytes: number;
  /**
   * Repeated bytes by when the repeating body started, in thirds of the time from the first
   * body's start to the last body's end.
   */
  readonly repeatedByThird: readonly [number, number, number];
  /** Repeated bytes by where they lie in the file, in tenths of it. */
  readonly repeatedByTenth: readonly number[];
  /** Bodies per client address, and bytes each was sent. */
  readonly clients: Readonly<Record<string, { bodies: number; sentBytes: number }>>;
}

/** Takes apart `bodies` of a file of `fileBytes` bytes. */
export function originOverlap(bodies: readonly OriginBodyLog[], fileBytes: number): OriginOverlap {
  const ordered = [...bodies].filter((b) => b.sentBytes > 0).sort((a, b) => a.startMs - b.startMs);
  const firstMs = ordered.length > 0 ? ordered[0]!.startMs : 0;
  const lastMs = ordered.reduce((end, b) => Math.max(end, b.endMs), firstMs);
  const spanMs = Math.max(1e-9, lastMs - firstMs);
  const covered: Array<[number, number]> = [];
  const byThird: [number, number, number] = [0, 0, 0];
  const byTenth = new Array<number>(10).fill(0);
  const clients: Record<string, { bodies: number; sentBytes: number }> = {};
  let sentBytes = 0;
  for (const body of ordered) {
    const start = body.offset;
    const end = Math.min(fileBytes, body.offset + body.sentBytes);
    sentBytes += body.sentBytes;
    const client = (clients[body.client] ??= { bodies: 0, sentBytes: 0 });
    client.bodies++;
    client.sentBytes += body.sentBytes;
    const third = Math.min(2, Math.floor((3 * (body.startMs - firstMs)) / spanMs)) as 0 | 1 | 2;
    for (const [from, to] of intersections(covered, start, end)) {
      byThird[third] += to - from;
      addByTenth(byTenth, from, to, fileBytes);
    }
    addInterval(covered, start, end);
  }
  const distinctBytes = covered.reduce((sum, [from, to]) => sum + to - from, 0);
  return { sentBytes, distinctBytes, repeatedBytes: sentBytes - distinctBytes, repeatedByThird: byThird, repeatedByTenth: byTenth, clients };
}

/** The parts of [start, end) that `covered` (sorted, disjoint) already holds. */
function intersections(covered: ReadonlyArray<[number, number]>, start: number, end: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [from, to] of covered) {
    const a = Math.max(from, start);
    const b = Math.min(to, end);
    if (a < b) out.push([a, b]);
  }
  return out;
}

/** Adds [start, end) to `covered`, keeping it sorted and disjoint. */
function addInterval(covered: Array<[number, number]>, start: number, end: number): void {
  if (start >= end) return;
  let from = start;
  let to = end;
  const kept: Array<[number, number]> = [];
  for (const [a, b] of covered) {
    if (b < from || a > to) kept.push([a, b]);
    else {
      from = Math.min(from, a);
      to = Math.max(to, b);
    }
  }
  kept.push([from, to]);
  kept.sort((x, y) => x[0] - y[0]);
  covered.splice(0, covered.length, ...kept);
}

/** Spreads the bytes [from, to) over the tenths of a file of `fileBytes`. */
function addByTenth(byTenth: number[], from: number, to: number, fileBytes: number): void {
  for (let tenth = 0; tenth < 10; tenth++) {
    const a = Math.max(from, Math.floor((tenth * fileBytes) / 10));
    const b = Math.min(to, Math.floor(((tenth + 1) * fileBytes) / 10));
    if (a < b) byTenth[tenth]! += b - a;
  }
}
