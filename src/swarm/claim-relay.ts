/**
 * The shell of claim gossip in a real swarm (the policy is {@link ClaimGossip}'s): it hears the
 * runs peers fetch and the claims they relay, checks what a peer sends (runs within the file, a
 * rate of `claims` messages), and sends the relays to every peer, batched on a timer of
 * {@link CLAIM_RELAY_MS}. A new peer first hears the claims we know of, with no hops left.
 *
 * Not responsible for which pieces the origin fetcher picks (the swarm hands it
 * {@link ClaimRelay.claimed}). Timers are unref'd; {@link ClaimRelay.stop} clears them.
 */
import { performance } from 'node:perf_hooks';
import type { Bitfield } from '../pieces/bitfield.js';
import type { PieceRun } from '../wire/codec.js';
import { debugLog } from '../debug-log.js';
import { CLAIM_RELAY_MS, ClaimGossip } from './claim-gossip.js';
import type { Peer } from './peer.js';
import type { PeerLink } from './peer-link.js';

/** Claim gossip for one swarm. */
export class ClaimRelay {
  readonly #gossip: ClaimGossip;
  readonly #pieceCount: number;
  readonly #peers: () => Iterable<Peer>;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;
  #starved = false;

  /** `peers`: the connected peers now (relays go to each). */
  constructor(pieceCount: number, peers: () => Iterable<Peer>) {
    this.#pieceCount = pieceCount;
    this.#gossip = new ClaimGossip(pieceCount);
    this.#peers = peers;
  }

  /** A peer's `fetching` runs (checked already): its claims, relayed with every hop. */
  fetching(runs: readonly PieceRun[]): void {
    if (this.#gossip.hear(runs, this.#gossip.hops, performance.now())) this.#schedule();
  }

  /** A peer's `claims` message: null when taken, else why the peer should be dropped. */
  claims(peer: Peer, hops: number, runs: readonly PieceRun[]): string | null {
    if (peer.claimInbox.accept(performance.now(), runs.length).verdict === 'flood') return 'claims flood';
    if (runs.some((run) => run.endPiece > this.#pieceCount)) return 'claims runs out of range';
    debugLog('claims', () => `heard from ${peer.id.slice(0, 8)}, ${hops} hops left: ${runs.map((run) => `${run.startPiece}-${run.endPiece}`).join(' ')}`);
    if (this.#gossip.hear(runs, hops, performance.now())) this.#schedule();
    return null;
  }

  /** What a new peer hears first: the claims we know of (it relays none of them). */
  offer(link: PeerLink): void {
    const runs = this.#gossip.snapshot(performance.now());
    if (runs.length > 0) link.send({ type: 'claims', hops: 0, runs });
  }

  /** A piece came, from a peer or the origin (the host is not starving). */
  fed(): void {
    this.#gossip.fed(performance.now());
  }

  /** Pieces claimed in the swarm, unless we have starved; see {@link ClaimGossip.claimedUnlessStarved}. */
  claimed(peersOffer: boolean): Bitfield {
    const nowMs = performance.now();
    const claimed = this.#gossip.claimedUnlessStarved(nowMs, peersOffer);
    if (this.#gossip.starved(nowMs) !== this.#starved) {
      this.#starved = !this.#starved;
      debugLog('claims', () => (this.#starved ? 'starved: claims ignored' : 'fed again: claims kept'));
    }
    return claimed;
  }

  /** Stops relaying. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(): void {
    if (this.#timer || this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#flush();
    }, CLAIM_RELAY_MS);
    this.#timer.unref();
  }

  #flush(): void {
    const relays = this.#gossip.takeRelays();
    for (const peer of this.#peers()) for (const relay of relays) peer.connection.send({ type: 'claims', ...relay });
    if (this.#gossip.pendingPieces > 0) this.#schedule();
  }
}
