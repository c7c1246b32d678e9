/**
 * Which piece to request from a given peer: "pretty rare with the biggest distance from a
 * completed piece", filling each gap from its end (BEP 19), with a bounded endgame.
 *
 * Pure: no I/O; randomness is passed in as `random01`.
 */
import type { Bitfield } from '../pieces/bitfield.js';

/** The state {@link pickPeerPiece} chooses from. Every bitfield has the same length. */
export interface PeerPickInput {
  /** Pieces we hold (verified). */
  readonly have: Bitfield;
  /** Pieces this peer holds. */
  readonly peerHas: Bitfield;
  /** Pieces we already requested from any peer or fetch from the origin. */
  readonly requested: Bitfield;
  /** How many connected peers hold each piece; length = the bitfields' length. */
  readonly availability: Uint16Array;
  /** A uniform random number in [0, 1), to break ties. */
  readonly random01: number;
  /** Caller decides: all missing pieces are requested, so duplicates are allowed. */
  readonly endgame: boolean;
  /**
   * Pieces never to pick for this peer, in any mode: in endgame, pass
   * `ledger.endgameExclusions(peerId, maxRequestsPerPiece)` so a piece is not requested twice from
   * the same peer and duplicates stay bounded.
   */
  readonly exclude?: Bitfield | undefined;
}

function validate(input: PeerPickInput): void {
  const { have, peerHas, requested, availability, random01, exclude } = input;
  const length = have.length;
  for (const [name, field] of [['peerHas', peerHas], ['requested', requested], ['exclude', exclude]] as const) {
    if (field !== undefined && field.length !== length) {
      throw new TypeError(`${name} has length ${field.length}, expected have's length ${length}`);
    }
  }
  if (!(availability instanceof Uint16Array) || availability.length !== length) {
    throw new TypeError(`availability must be a Uint16Array of length ${length}, got ${String(availability?.length)}`);
  }
  if (typeof random01 !== 'number' || !(random01 >= 0 && random01 < 1)) {
    throw new TypeError(`random01 must be a number in [0, 1), got ${String(random01)} (${typeof random01})`);
  }
}

/** Pieces this peer has and we lack, minus the excluded ones and (unless endgame) the requested. */
export function peerCandidates(input: PeerPickInput): Bitfield {
  const base = input.exclude === undefined ? input.peerHas.andNot(input.have) : input.peerHas.andNot(input.have).andNot(input.exclude);
  const fresh = base.andNot(input.requested);
  return fresh.isEmpty() && input.endgame ? base : fresh;
}

function minAvailability(candidates: Bitfield, availability: Uint16Array): number {
  let min = Infinity;
  for (let i = candidates.firstSet(0); i !== -1; i = nextSet(candidates, i)) {
    min = Math.min(min, availability[i] ?? 0);
  }
  return min;
}

function nextSet(field: Bitfield, index: number): number {
  return index + 1 >= field.length ? -1 : field.firstSet(index + 1);
}

/**
 * For each gap of `have` (a maximal run of pieces we lack) that holds an eligible candidate, the
 * highest eligible index in it; returns those whose gap is the longest.
 */
function bestGapEnds(candidates: Bitfield, availability: Uint16Array, maxAvail: number, have: Bitfield): number[] {
  let best: number[] = [];
  let bestGapPieces = 0;
  let gapStart = -1;
  let gapEnd = -1;
  let gapPick = -1;
  for (let i = candidates.firstSet(0); i !== -1; i = nextSet(candidates, i)) {
    if ((availability[i] ?? 0) > maxAvail) continue;
    if (i >= gapEnd) {
      if (gapPick !== -1) [best, bestGapPieces] = keepBest(best, bestGapPieces, gapPick, gapEnd - gapStart);
      gapStart = have.lastSet(i) + 1;
      const next = have.firstSet(i);
      gapEnd = next === -1 ? have.length : next;
    }
    gapPick = i;
  }
  if (gapPick !== -1) [best] = keepBest(best, bestGapPieces, gapPick, gapEnd - gapStart);
  return best;
}

function keepBest(best: number[], bestGapPieces: number, pick: number, gapPieces: number): [number[], number] {
  if (gapPieces > bestGapPieces) return [[pick], gapPieces];
  if (gapPieces === bestGapPieces) best.push(pick);
  return [best, bestGapPieces];
}

/**
 * The piece index to request from this peer, or -1.
 *
 * Candidates: pieces the peer has, we lack, nobody has requested and not in `exclude`. When there
 * are none and `endgame` is set, requested pieces become candidates too (a duplicate request).
 * "Pretty rare" (BEP 19): consider candidates whose availability is within +1 of the minimum among
 * candidates; among those prefer the one in the gap (a maximal run of pieces we lack) with the
 * biggest distance from a piece we hold, i.e. the longest gap, taking the highest index in that
 * gap ("in any gap, it is best to fill in from the end"), so gaps stay long for HTTP runs. Ties
 * between equally long gaps are broken by random01.
 *
 * It does not record the request: the caller adds it to its RequestLedger. O(pieces / 8 +
 * candidates). Throws a TypeError when the inputs disagree in length or random01 is out of range.
 */
export function pickPeerPiece(input: PeerPickInput): number {
  validate(input);
  const candidates = peerCandidates(input);
  if (candidates.isEmpty()) return -1;
  const min = minAvailability(candidates, input.availability);
  const ties = bestGapEnds(candidates, input.availability, min + 1, input.have);
  return ties[Math.floor(input.random01 * ties.length)] ?? -1;
}
