/**
 * Which cached files to evict so that a new file fits under `max-storage-size`: least recently
 * used first, among the files that may go (complete or idle, not pinned, not being downloaded,
 * not being read by a client).
 *
 * Pure: entries and sizes in, a plan out; no clock (the caller passes `lastUsedMs`), no I/O. Not
 * responsible for deleting anything, nor for deciding what is evictable (the daemon says so per
 * entry).
 */

/** One cached file as the policy sees it. */
export interface CacheUsage {
  readonly id: string;
  /** Disk bytes the entry takes or has reserved (its file size). */
  readonly bytes: number;
  /** When a client last asked for it; smaller is older. */
  readonly lastUsedMs: number;
  /** False for a file being downloaded, read by a client, or pinned. */
  readonly evictable: boolean;
}

/** What to do to make room. */
export type EvictionPlan =
  | { readonly kind: 'fits'; readonly evict: readonly string[] }
  | { readonly kind: 'too-large'; readonly capBytes: number }
  | { readonly kind: 'no-room'; readonly inUseBytes: number; readonly capBytes: number };

/**
 * Plans room for `neededBytes` more in a cache capped at `capBytes` (null: no cap) holding
 * `entries`. `fits` lists the entries to evict, oldest first (ties broken by id), and no more
 * than needed; `too-large` when the file alone exceeds the cap; `no-room` when even evicting
 * every evictable entry would not make room. Throws a `TypeError` on a negative or non-integer
 * size.
 */
export function planEviction(entries: readonly CacheUsage[], neededBytes: number, capBytes: number | null): EvictionPlan {
  checkBytes('neededBytes', neededBytes);
  for (const entry of entries) checkBytes(`bytes of ${entry.id}`, entry.bytes);
  if (capBytes === null) return { kind: 'fits', evict: [] };
  checkBytes('capBytes', capBytes);
  if (neededBytes > capBytes) return { kind: 'too-large', capBytes };
  let usedBytes = entries.reduce((sum, entry) => sum + entry.bytes, 0);
  const candidates = entries
    .filter((entry) => entry.evictable)
    .sort((a, b) => a.lastUsedMs - b.lastUsedMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const evict: string[] = [];
  for (const entry of candidates) {
    if (usedBytes + neededBytes <= capBytes) break;
    evict.push(entry.id);
    usedBytes -= entry.bytes;
  }
  if (usedBytes + neededBytes > capBytes) {
    const inUseBytes = entries.filter((entry) => !entry.evictable).reduce((sum, entry) => sum + entry.bytes, 0);
    return { kind: 'no-room', inUseBytes, capBytes };
  }
  return { kind: 'fits', evict };
}

function checkBytes(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new TypeError(`planEviction: ${name} must be a non-negative safe integer, got ${String(value)} (${typeof value})`);
  }
}
