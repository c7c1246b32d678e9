/**
 * A per-source packet rate limit: at most `maxPerSecond` packets from one source in any sliding
 * window of 1000 ms. Packets refused do not count, so a source that floods still gets its quota.
 *
 * Memory is bounded: it remembers at most `maxSources` sources (the least recently seen is
 * forgotten first, which only resets that source's window) and at most `maxPerSecond` timestamps
 * for each.
 *
 * Pure: time is passed in as `nowMs` (monotonic, non-decreasing). Not responsible for: deciding
 * what a source is (the caller passes a key, e.g. the datagram's source address).
 */

const WINDOW_MS = 1000;

/** Sliding-window packet counter per source. Synchronous; not shared between threads. */
export class SourceRateLimiter {
  readonly maxPerSecond: number;
  readonly maxSources: number;
  /** Source -> times of its accepted packets in the last window, oldest first. Map order is LRU. */
  readonly #windows = new Map<string, number[]>();

  /**
   * @param maxPerSecond - packets accepted per source per 1000 ms, a positive integer.
   * @param maxSources - sources remembered at once, a positive integer.
   * @throws TypeError quoting a bad value.
   */
  constructor(maxPerSecond: number, maxSources: number) {
    if (!Number.isInteger(maxPerSecond) || maxPerSecond < 1) {
      throw new TypeError(`maxPerSecond must be a positive integer, got ${String(maxPerSecond)}`);
    }
    if (!Number.isInteger(maxSources) || maxSources < 1) {
      throw new TypeError(`maxSources must be a positive integer, got ${String(maxSources)}`);
    }
    this.maxPerSecond = maxPerSecond;
    this.maxSources = maxSources;
  }

  /** Number of sources currently remembered. */
  get size(): number {
    return this.#windows.size;
  }

  /** Counts one packet from `source` at `nowMs`; returns whether it is within the limit. */
  allow(source: string, nowMs: number): boolean {
    const times = this.#windows.get(source) ?? [];
    this.#windows.delete(source);
    dropOlderThan(times, nowMs - WINDOW_MS);
    const allowed = times.length < this.maxPerSecond;
    if (allowed) times.push(nowMs);
    this.#windows.set(source, times);
    this.#evictOverflow();
    return allowed;
  }

  /** Forgets sources with no accepted packet in the window ending at `nowMs`. */
  prune(nowMs: number): void {
    for (const [source, times] of this.#windows) {
      dropOlderThan(times, nowMs - WINDOW_MS);
      if (times.length === 0) this.#windows.delete(source);
    }
  }

  #evictOverflow(): void {
    for (const source of this.#windows.keys()) {
      if (this.#windows.size <= this.maxSources) return;
      this.#windows.delete(source);
    }
  }
}

/** Removes, in place, the leading times at or before `cutoffMs`. */
function dropOlderThan(times: number[], cutoffMs: number): void {
  let stale = 0;
  while (stale < times.length && (times[stale] as number) <= cutoffMs) stale++;
  if (stale > 0) times.splice(0, stale);
}
