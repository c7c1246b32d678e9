/**
 * Which contiguous run of pieces an HTTP-origin connection fetches next (BEP 19).
 *
 * Pure: no I/O; randomness is passed in as `random01`.
 */
import type { Bitfield } from '../pieces/bitfield.js';

/**
 * How origin connections choose where to start.
 * - `sequential`: the lowest untaken piece (alone, this keeps the verified-prefix hash moving).
 * - `bep19`: random start for the very first connection, else the start of the largest gap.
 */
export type OriginPolicy = 'sequential' | 'bep19';

/** A half-open range of pieces `[startPiece, endPiece)`, never empty. */
export interface OriginRun {
  readonly startPiece: number;
  /** Exclusive. */
  readonly endPiece: number;
}

/** Options of {@link pickOriginRun}. */
export interface OriginRunOptions {
  readonly policy: OriginPolicy;
  /** Whether this is the first origin connection of a download (BEP 19: start at random). */
  readonly firstConnection: boolean;
  /** A uniform random number in [0, 1), used only by `bep19` with `firstConnection`. */
  readonly random01: number;
  /** The longest run to return, a positive integer. */
  readonly maxRunPieces: number;
  /**
   * bep19 only, not the first connection: when the largest gap is longer than two runs, start at
   * a random piece of it (leaving at least one run before its end) instead of at its start. Hosts
   * of a swarm that pick at the same moment from the same view would otherwise all pick the same
   * start and fetch the same bytes from the origin. @default false
   */
  readonly spreadInGap?: boolean;
}

/**
 * The largest gap of clear bits in `taken` as a run (ties: the lowest start), or null when every
 * piece is taken. Not capped: callers cap the length themselves.
 */
export function largestGap(taken: Bitfield): OriginRun | null {
  let best: OriginRun | null = null;
  let start = taken.firstClear(0);
  while (start !== -1) {
    const next = taken.firstSet(start);
    const end = next === -1 ? taken.length : next;
    if (best === null || end - start > best.endPiece - best.startPiece) {
      best = { startPiece: start, endPiece: end };
    }
    start = end >= taken.length ? -1 : taken.firstClear(end);
  }
  return best;
}

function validateOptions(opts: OriginRunOptions): void {
  if (opts.policy !== 'sequential' && opts.policy !== 'bep19') {
    throw new TypeError(`origin policy must be 'sequential' or 'bep19', got ${String(opts.policy)}`);
  }
  if (!Number.isSafeInteger(opts.maxRunPieces) || opts.maxRunPieces < 1) {
    throw new TypeError(`maxRunPieces must be a positive integer, got ${String(opts.maxRunPieces)} (${typeof opts.maxRunPieces})`);
  }
  if (typeof opts.random01 !== 'number' || !(opts.random01 >= 0 && opts.random01 < 1)) {
    throw new TypeError(`random01 must be a number in [0, 1), got ${String(opts.random01)} (${typeof opts.random01})`);
  }
}

function startPiece(taken: Bitfield, opts: OriginRunOptions): number {
  if (opts.policy === 'sequential') return taken.firstClear(0);
  if (opts.firstConnection) {
    const untaken = taken.length - taken.count();
    return taken.nthClear(Math.floor(opts.random01 * untaken));
  }
  if (!opts.spreadInGap) return largestGap(taken)?.startPiece ?? -1;
  return spreadStart(taken, opts.random01, opts.maxRunPieces);
}

/** The gaps (runs of untaken pieces) of `taken`, in order. */
export function gaps(taken: Bitfield): OriginRun[] {
  const found: OriginRun[] = [];
  for (let start = taken.firstClear(0); start !== -1; ) {
    const next = taken.firstSet(start);
    const end = next === -1 ? taken.length : next;
    found.push({ startPiece: start, endPiece: end });
    start = end >= taken.length ? -1 : taken.firstClear(end);
  }
  return found;
}

/**
 * For hosts of a swarm picking at once from the same view: one of the gaps at least half as long
 * as the largest, chosen by `random01`; its start, or a random piece of it when it is longer than
 * two runs. Spreads simultaneous picks apart while keeping BEP 19's preference for long gaps.
 */
function spreadStart(taken: Bitfield, random01: number, maxRunPieces: number): number {
  const all = gaps(taken);
  const longest = Math.max(0, ...all.map((gap) => gap.endPiece - gap.startPiece));
  const candidates = all.filter((gap) => 2 * (gap.endPiece - gap.startPiece) >= longest);
  const scaled = random01 * candidates.length;
  const gap = candidates[Math.floor(scaled)];
  if (!gap) return -1;
  const length = gap.endPiece - gap.startPiece;
  if (length <= 2 * maxRunPieces) return gap.startPiece;
  return gap.startPiece + Math.floor((scaled % 1) * (length - maxRunPieces));
}

/**
 * Which run of pieces an origin connection should fetch next.
 *
 * `taken`: pieces nobody should fetch from the origin now — we have them, one of our connections
 * fetches them, or (later) a peer has them or fetches them from the origin.
 * - sequential: the lowest untaken piece, run extends over untaken pieces up to maxRunPieces.
 * - bep19: if `firstConnection`, start at a uniformly random untaken piece (BEP 19: "start the
 *   HTTP/FTP download somewhere randomly in the file"), which may be inside a gap; otherwise at
 *   the START of the LARGEST gap of untaken pieces (ties: the lowest start). BEP 19's example:
 *   taken "YYnnnnYnnY" starts at piece 2.
 * The run extends until the next taken piece or maxRunPieces. Returns null when every piece is
 * taken. Does not mark the run as taken: the caller records it (e.g. in a RequestLedger).
 * Throws a TypeError on bad options.
 */
export function pickOriginRun(taken: Bitfield, opts: OriginRunOptions): OriginRun | null {
  validateOptions(opts);
  if (taken.isComplete()) return null;
  const start = startPiece(taken, opts);
  if (start === -1) return null;
  const nextTaken = taken.firstSet(start);
  const gapEnd = nextTaken === -1 ? taken.length : nextTaken;
  return { startPiece: start, endPiece: Math.min(gapEnd, start + opts.maxRunPieces) };
}
