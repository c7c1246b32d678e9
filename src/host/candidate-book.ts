/**
 * Every address the peer sources suggested, kept so that the host can dial it (again) when it is
 * due: one entry per address, port and swarm (or "any swarm" for fixed and DNS addresses), with
 * the source that last reported it and when.
 *
 * Bounded: at most {@link MAX_CANDIDATES_PER_SOURCE} entries per source (a source that reports
 * more replaces its own oldest, never another source's), and an entry not reported again for
 * {@link CANDIDATE_TTL_MS} is forgotten. Non-dialable addresses (unspecified, multicast, the
 * limited broadcast, a bad port) are dropped on the way in.
 *
 * Pure: time passed in. Not responsible for dialling, caps or backoff (the connection table).
 */
import type { PeerCandidate, PeerSourceKind } from '../peer-sources/peer-source.js';
import { isDialableAddress } from '../peer-sources/peer-address.js';
import { addressKey } from './connection-table.js';

/** Entries one source may hold at once. */
export const MAX_CANDIDATES_PER_SOURCE = 1024;
/** An entry not reported again for this long is forgotten (longer than a tracker's usual interval). */
export const CANDIDATE_TTL_MS = 60 * 60_000;

/** One candidate of the book. */
export interface Candidate {
  readonly address: string;
  readonly port: number;
  /** The swarm id in hex, or null for any swarm. */
  readonly swarm: string | null;
  /** The peer id in hex the source heard, or null. */
  readonly peerId: string | null;
  readonly origin: PeerSourceKind;
  readonly seenMs: number;
}

/** The candidate book of a host. */
export class CandidateBook {
  readonly #entries = new Map<string, Candidate>();
  readonly #perSource = new Map<PeerSourceKind, Set<string>>();

  /** Records `candidate` reported by `origin` at `nowMs`; returns false when it was dropped as not dialable. */
  add(origin: PeerSourceKind, candidate: PeerCandidate, nowMs: number): boolean {
    if (!isDialable(candidate.address, candidate.port)) return false;
    const swarm = candidate.swarmId ? candidate.swarmId.toString('hex') : null;
    const key = `${addressKey(candidate.address, candidate.port)}|${swarm ?? '*'}`;
    const previous = this.#entries.get(key);
    if (previous) this.#keysOf(previous.origin).delete(key);
    const keys = this.#keysOf(origin);
    if (keys.size >= MAX_CANDIDATES_PER_SOURCE) {
      // Sets iterate in insertion order: the first key is the source's oldest report.
      const oldest = keys.values().next().value;
      if (oldest !== undefined) {
        keys.delete(oldest);
        this.#entries.delete(oldest);
      }
    }
    keys.add(key);
    // Re-inserted, so iteration order stays oldest report first.
    this.#entries.delete(key);
    this.#entries.set(key, {
      address: candidate.address, port: candidate.port, swarm,
      peerId: candidate.peerId ? candidate.peerId.toString('hex') : (previous?.peerId ?? null),
      origin, seenMs: nowMs,
    });
    return true;
  }

  /** Every candidate, oldest report first. */
  all(): Candidate[] {
    return [...this.#entries.values()];
  }

  /** Candidates reported for swarm `swarm` (hex) by name. */
  countFor(swarm: string): number {
    let count = 0;
    for (const entry of this.#entries.values()) if (entry.swarm === swarm) count++;
    return count;
  }

  /** Forgets entries not reported since `nowMs - CANDIDATE_TTL_MS`. */
  prune(nowMs: number): void {
    for (const [key, entry] of this.#entries) {
      if (nowMs - entry.seenMs <= CANDIDATE_TTL_MS) continue;
      this.#entries.delete(key);
      this.#keysOf(entry.origin).delete(key);
    }
  }

  #keysOf(origin: PeerSourceKind): Set<string> {
    let keys = this.#perSource.get(origin);
    if (!keys) this.#perSource.set(origin, (keys = new Set()));
    return keys;
  }
}

/** Whether `address`:`port` may be dialled: a dialable IP literal (see `isDialableAddress`) and a port in 1..65535. */
export function isDialable(address: string, port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535 && isDialableAddress(address);
}
