/**
 * Claim gossip: hosts relay to their peers the origin claims they hear of, so that two hosts that
 * are not connected do not fetch the same range from the origin. In a swarm larger than the peer
 * set (64 peers, 32 dialled) a host sees the `fetching` runs of its own peers only; without relays
 * a far host picks the same gap and the origin serves it twice (simulator, N = 100: 1.21x; with
 * gossip 1.00x).
 *
 * A claim heard in a peer's `fetching` message may travel {@link CLAIM_HOPS} more hops in
 * `claims` messages; a host relays only what is new to it (so each claim crosses each connection
 * about once), batched every {@link CLAIM_RELAY_MS}. The origin fetcher treats claimed pieces as
 * taken when it picks a run, unless the host has starved for {@link STARVE_MS}: no piece came
 * (from peers or from its own origin runs), no peer offered a piece it lacks and none was asked of
 * a peer (a claimer that died or left leaves a hole that nobody else would fill). Its own origin
 * pieces count: at the start of a large swarm nobody has a piece to offer for seconds, and a host
 * that took that for starvation would fetch what others claimed. Claims expire between {@link CLAIM_TTL_MS} / 2 and
 * {@link CLAIM_TTL_MS} after they were last heard.
 *
 * Memory: a few bits per piece, whatever peers send: two generations of claimed pieces and one
 * bitfield per hop count of pieces waiting to be relayed. What a peer can make us relay is bounded
 * the same way: a piece is relayed again only once its claim has expired.
 *
 * Pure: no I/O, time passed in as `nowMs` (any monotonic clock in milliseconds). Used by the real
 * swarm (swarm/swarm.ts) and by the simulator (simulation/simulated-host.ts). Not responsible for
 * the wire (the swarm sends what {@link ClaimGossip.takeRelays} returns and checks what it hears),
 * nor for the rate of a peer's messages (see {@link claimInbox}). Single-threaded.
 */
import { Bitfield } from '../pieces/bitfield.js';
import { MAX_FETCHING_RUNS, type PieceRun } from '../wire/codec.js';
import { PexInbox } from './peer-exchange.js';

/** Hops a claim heard in a peer's `fetching` message travels on (reach: 1 + this hops from the claimer). */
export const CLAIM_HOPS = 3;
/** Relays wait this long to go out together (one `claims` message per peer and hop count). */
export const CLAIM_RELAY_MS = 10;
/** Claims last heard longer ago than this are forgotten (from half of it on). */
export const CLAIM_TTL_MS = 60_000;
/** A host that has starved this long (nothing offered, nothing asked) ignores claims. */
export const STARVE_MS = 2_000;
/** Most runs in one `claims` message (as in `fetching`). */
export const MAX_CLAIM_RUNS = MAX_FETCHING_RUNS;
/** `claims` messages a peer may send back to back before the rate applies. */
export const CLAIM_BURST_MESSAGES = 64;

/** One `claims` message to send to every peer. */
export interface ClaimRelay {
  /** Hops the receiver may relay it on. */
  readonly hops: number;
  readonly runs: PieceRun[];
}

/** Options of {@link ClaimGossip} (tests and the simulator try others). */
export interface ClaimGossipOptions {
  /** @default {@link CLAIM_TTL_MS} */
  readonly ttlMs?: number;
  /** @default {@link STARVE_MS} */
  readonly starveMs?: number;
  /** @default {@link CLAIM_HOPS} */
  readonly hops?: number;
}

/** Most `claims` messages a host sends each peer per {@link CLAIM_RELAY_MS} (see {@link ClaimGossip.takeRelays}). */
export const CLAIM_MESSAGES_PER_RELAY = CLAIM_HOPS + 1;
/** On average a peer may send one `claims` message per this many ms. */
export const CLAIM_REFILL_MS = Math.max(1, Math.floor(CLAIM_RELAY_MS / CLAIM_MESSAGES_PER_RELAY));

/**
 * The rate bound on one peer's `claims` messages: a relaying peer sends at most
 * {@link CLAIM_MESSAGES_PER_RELAY} every {@link CLAIM_RELAY_MS}; a burst of
 * {@link CLAIM_BURST_MESSAGES}, then one per {@link CLAIM_REFILL_MS} on average; beyond that it
 * floods and the swarm drops it.
 */
export function claimInbox(): PexInbox {
  return new PexInbox({ burstMessages: CLAIM_BURST_MESSAGES, refillMs: CLAIM_REFILL_MS, maxEntriesTaken: Number.MAX_SAFE_INTEGER });
}

/** The claims one host knows of, and those it has yet to relay. */
export class ClaimGossip {
  readonly #count: number;
  readonly #ttlMs: number;
  readonly #starveMs: number;
  readonly #hops: number;
  /** Claims heard in this generation and the one before (a generation lasts half the TTL). */
  #current: Bitfield;
  #previous: Bitfield;
  #generationStartMs: number | null = null;
  /** `#current | #previous`, or null when it must be computed again. */
  #live: Bitfield | null = null;
  /** Pieces to relay, by the hop count they go with (index h: relayed with h hops left). */
  readonly #pending: Bitfield[];
  #pendingPieces = 0;
  /** When peers last gave us a piece or offered one we lack (or, before that, when we first looked). */
  #peersHelpedMs: number | null = null;

  /** Throws a TypeError on a piece count or option that is not a non-negative integer (TTL, starve and hops). */
  constructor(pieceCount: number, opts: ClaimGossipOptions = {}) {
    this.#count = pieceCount;
    this.#ttlMs = nonNegative('ttlMs', opts.ttlMs ?? CLAIM_TTL_MS);
    this.#starveMs = nonNegative('starveMs', opts.starveMs ?? STARVE_MS);
    this.#hops = nonNegative('hops', opts.hops ?? CLAIM_HOPS);
    if (this.#hops > 255) throw new TypeError(`ClaimGossip: hops must be at most 255, got ${this.#hops}`);
    this.#current = new Bitfield(pieceCount);
    this.#previous = new Bitfield(pieceCount);
    this.#pending = Array.from({ length: this.#hops }, () => new Bitfield(pieceCount));
  }

  /** The hops a claim heard in a direct peer's `fetching` message may travel on. */
  get hops(): number {
    return this.#hops;
  }

  /** Pieces waiting to be relayed. */
  get pendingPieces(): number {
    return this.#pendingPieces;
  }

  /**
   * Claims heard at `nowMs`: `runs` (checked by the caller: start < end <= piece count) that may
   * be relayed `hops` more times (capped at our own {@link hops}). Pieces new to us are queued for
   * relay with one hop less (none when `hops` is 0); known ones are only refreshed. Returns
   * whether something was queued (the caller then schedules {@link takeRelays}).
   */
  hear(runs: readonly PieceRun[], hops: number, nowMs: number): boolean {
    this.#age(nowMs);
    const relayHops = Math.min(Math.max(0, Math.floor(hops)), this.#hops) - 1;
    const pending = relayHops >= 0 ? this.#pending[relayHops]! : null;
    let queued = false;
    for (const run of runs) {
      const end = Math.min(run.endPiece, this.#count);
      for (let index = Math.max(0, run.startPiece); index < end; index++) {
        if (this.#current.has(index)) continue;
        this.#current.set(index);
        if (this.#previous.has(index)) continue;
        this.#live?.set(index);
        if (!pending || this.#pendingAt(index)) continue;
        pending.set(index);
        this.#pendingPieces += 1;
        queued = true;
      }
    }
    return queued;
  }

  #pendingAt(index: number): boolean {
    return this.#pending.some((pending) => pending.has(index));
  }

  /**
   * The `claims` messages to send to every peer now, most hops first, each of at most
   * {@link MAX_CLAIM_RUNS} runs; what does not fit waits for the next call. Clears what it returns.
   */
  takeRelays(maxMessages = CLAIM_MESSAGES_PER_RELAY): ClaimRelay[] {
    const relays: ClaimRelay[] = [];
    for (let hops = this.#hops - 1; hops >= 0 && relays.length < maxMessages; hops--) {
      const pending = this.#pending[hops]!;
      while (!pending.isEmpty() && relays.length < maxMessages) {
        const runs = takeRuns(pending, MAX_CLAIM_RUNS);
        for (const run of runs) this.#pendingPieces -= run.endPiece - run.startPiece;
        relays.push({ hops, runs });
      }
    }
    return relays;
  }

  /** Live claims as runs (at most `maxRuns`), for a peer that just connected: sent with no hops left. */
  snapshot(nowMs: number, maxRuns = MAX_CLAIM_RUNS): PieceRun[] {
    return runsOf(this.#claimed(nowMs), maxRuns);
  }

  /** A piece came (from a peer or from the origin) at `nowMs`: the host is not starving. */
  fed(nowMs: number): void {
    this.#peersHelpedMs = nowMs;
  }

  /**
   * Pieces claimed somewhere in the swarm, for the origin fetcher to leave alone; empty once the
   * host has starved for the starve time: no piece came (see {@link fed}) and
   * no call said `peersOffer` (a peer offers a piece we lack, or one is asked of a peer) for that
   * long. The clock starts at the first call. Do not change the bitfield returned.
   */
  claimedUnlessStarved(nowMs: number, peersOffer: boolean): Bitfield {
    if (peersOffer || this.#peersHelpedMs === null) this.#peersHelpedMs = nowMs;
    if (this.starved(nowMs)) return new Bitfield(this.#count);
    return this.#claimed(nowMs);
  }

  /** Whether the host has starved for the starve time as of the last {@link claimedUnlessStarved} and {@link fed}. */
  starved(nowMs: number): boolean {
    return this.#peersHelpedMs !== null && nowMs - this.#peersHelpedMs >= this.#starveMs;
  }

  #claimed(nowMs: number): Bitfield {
    this.#age(nowMs);
    this.#live ??= this.#current.or(this.#previous);
    return this.#live;
  }

  /** Starts a new generation every half TTL: claims not heard for two generations are forgotten. */
  #age(nowMs: number): void {
    this.#generationStartMs ??= nowMs;
    const halfMs = this.#ttlMs / 2;
    if (nowMs - this.#generationStartMs < halfMs) return;
    const generations = Math.floor((nowMs - this.#generationStartMs) / halfMs);
    this.#previous = generations === 1 ? this.#current : new Bitfield(this.#count);
    this.#current = new Bitfield(this.#count);
    this.#generationStartMs += generations * halfMs;
    this.#live = null;
  }
}

/** Takes (clears) the first `maxRuns` runs of set bits of `bits`. */
function takeRuns(bits: Bitfield, maxRuns: number): PieceRun[] {
  const runs = runsOf(bits, maxRuns);
  for (const run of runs) for (let index = run.startPiece; index < run.endPiece; index++) bits.clear(index);
  return runs;
}

/** The first `maxRuns` runs of set bits of `bits`. */
function runsOf(bits: Bitfield, maxRuns: number): PieceRun[] {
  const runs: PieceRun[] = [];
  for (let start = bits.firstSet(0); start !== -1 && runs.length < maxRuns;) {
    const clear = bits.firstClear(start);
    const end = clear === -1 ? bits.length : clear;
    runs.push({ startPiece: start, endPiece: end });
    start = end >= bits.length ? -1 : bits.firstSet(end);
  }
  return runs;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new TypeError(`ClaimGossip: ${name} must be a non-negative integer, got ${String(value)}`);
  return value;
}
