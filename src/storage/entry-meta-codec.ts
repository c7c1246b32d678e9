/**
 * The daemon's notes on one cache entry, `<entry>/source.json`: the URLs it was fetched from (so
 * a partial download resumes after a restart and `swarm info URL` finds it), when a client last
 * used it (for least-recently-used eviction), and whether it is pinned.
 *
 * Pure: text in, value out. Not responsible for file permissions (the URLs may carry a SAS or
 * presigned secret: the shell writes the file with mode 0600) nor for atomic writes.
 */
import { parseJsonObject } from './resume-state.js';

/** What the daemon remembers of an entry. */
export interface EntryMeta {
  readonly version: 1;
  /** URLs clients asked for, most recent last; at most {@link MAX_URLS}. */
  readonly urls: readonly string[];
  /** When a client last asked for or read the file (ms since the epoch). */
  readonly lastUsedMs: number;
  /** Pinned files are never evicted. */
  readonly pinned: boolean;
}

/** URLs kept per entry. */
export const MAX_URLS = 8;

/** Serialises `meta` as one JSON line. */
export function encodeEntryMeta(meta: EntryMeta): string {
  return `${JSON.stringify({ version: 1, urls: meta.urls.slice(-MAX_URLS), lastUsedMs: meta.lastUsedMs, pinned: meta.pinned })}\n`;
}

/** Parses `source.json`; `null` for anything {@link encodeEntryMeta} would not write. Never throws. */
export function decodeEntryMeta(text: string): EntryMeta | null {
  const raw = parseJsonObject(text);
  if (raw === null) return null;
  const { version, urls, lastUsedMs, pinned } = raw;
  if (version !== 1 || typeof pinned !== 'boolean') return null;
  if (typeof lastUsedMs !== 'number' || !Number.isSafeInteger(lastUsedMs) || lastUsedMs < 0) return null;
  if (!Array.isArray(urls) || urls.length > MAX_URLS || !urls.every((url) => typeof url === 'string')) return null;
  return { version: 1, urls: urls as string[], lastUsedMs, pinned };
}

/** `meta` with `url` as the most recent URL (moved to the end when known), capped. */
export function withUrl(meta: EntryMeta, url: string): EntryMeta {
  const urls = [...meta.urls.filter((known) => known !== url), url].slice(-MAX_URLS);
  return { ...meta, urls };
}
