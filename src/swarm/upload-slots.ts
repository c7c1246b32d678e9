/**
 * Upload slots (BEP 3 choking, seed-side flavour): which interested peers we unchoke, i.e. serve.
 * At most `slots` peers are unchoked at once; `slots - 1` regular slots go to the interested peers
 * we have served the fewest bytes (so everybody gets a fair share over time, and the set rotates
 * as shares even out), the last one is an optimistic unchoke: a random interested peer among the
 * rest. Ties keep peers that are unchoked now (no needless churn), then go by `random01`.
 *
 * Pure: no I/O, no clock; randomness is passed in. Not responsible for sending choke or unchoke
 * messages nor for when to run (the piece server rechokes on a timer and when interest changes).
 */

/** What the choice needs to know about one peer. */
export interface SlotCandidate {
  readonly id: string;
  /** It said `interested` (and not `not-interested` since). */
  readonly interested: boolean;
  /** We unchoke it now. */
  readonly unchoked: boolean;
  /** Bytes we served it so far. */
  readonly servedBytes: number;
}

/**
 * The ids to unchoke: every interested peer when they fit in `slots`, else `slots - 1` by fewest
 * bytes served plus one optimistic pick (`random01()` in [0, 1) chooses it and breaks ties).
 * Peers that are not interested are never unchoked. Throws a `TypeError` for `slots` < 1.
 */
export function chooseUnchoked(candidates: readonly SlotCandidate[], slots: number, random01: () => number): Set<string> {
  if (!Number.isSafeInteger(slots) || slots < 1) throw new TypeError(`slots must be a positive integer, got ${String(slots)}`);
  const interested = candidates.filter((peer) => peer.interested);
  if (interested.length <= slots) return new Set(interested.map((peer) => peer.id));
  const ranked = interested
    .map((peer) => ({ peer, tie: random01() }))
    .sort((a, b) => a.peer.servedBytes - b.peer.servedBytes || Number(b.peer.unchoked) - Number(a.peer.unchoked) || a.tie - b.tie)
    .map((entry) => entry.peer);
  const chosen = new Set(ranked.slice(0, slots - 1).map((peer) => peer.id));
  const rest = ranked.slice(slots - 1);
  const optimistic = rest[Math.min(rest.length - 1, Math.floor(random01() * rest.length))];
  if (optimistic) chosen.add(optimistic.id);
  return chosen;
}
