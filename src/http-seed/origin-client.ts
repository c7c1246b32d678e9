/**
 * What the session needs of an origin, whatever serves it: a plain HTTP(S) server (S3 presigned
 * and public URLs included) or Azure Blob Storage through its SDK. The session's probe, fetcher
 * and transfer talk to this interface only, so the swarm key and the swarm behave the same on
 * top of any origin.
 *
 * No I/O of its own: types, the one error every client throws when the file changed, and the loop that feeds
 * a response body to a range read.
 */
import { finished, type Readable } from 'node:stream';
import { OriginError } from '../errors.js';
import type { Md5Lookup } from './md5-header.js';
import { redactUrl } from './redact.js';

/** Which kind of client reaches the origin. */
export type OriginKind = 'http' | 'azure';

/** What the origin says of the file. */
export interface OriginInfo {
  readonly url: string;
  /** Which client learned it; error messages differ (a header for HTTP, a blob property for Azure). */
  readonly kind: OriginKind;
  readonly fileBytes: number;
  readonly md5: Md5Lookup;
  /** The strong ETag, or null when the origin sends none or a weak one. */
  readonly etag: string | null;
  /**
   * The `Last-Modified` date as sent, or null without one (or one that is no date). Without a
   * strong ETag, ranged reads are conditioned on it (`If-Unmodified-Since`, `If-Range`).
   */
  readonly lastModified: string | null;
  /**
   * Whether the origin honours Range, as the probe learned it: `Accept-Ranges` on the HEAD
   * answer, or else the answer to a GET of `bytes=0-0` (206: yes; 200: no). Azure: always.
   */
  readonly rangesSupported: boolean;
}

/** One ranged read: bytes [start, endExclusive) go to `onData` in order. */
export interface RangeRead {
  readonly start: number;
  readonly endExclusive: number;
  /** `OriginInfo.etag`: the read is conditioned on it (`If-Match`, `If-Range`). */
  readonly etag: string | null;
  /** `OriginInfo.lastModified`: without an `etag`, the read is conditioned on this date instead. */
  readonly lastModified: string | null;
  readonly fileBytes: number;
  readonly signal: AbortSignal;
  /**
   * Receives each chunk and the file offset of its first byte, and returns (or resolves with,
   * which pauses the body meanwhile: backpressure) the offset it consumed up to; the read stops
   * when that is short of the chunk's end.
   */
  readonly onData: (chunk: Buffer, offset: number) => number | Promise<number>;
}

/**
 * A client of one origin file. Each call makes one attempt and throws an `OriginError` whose
 * `retryable` says whether another may succeed; the session owns the retry loop and its backoff.
 * A file that changed (ETag, or without one Last-Modified, no longer matches, or another size) is a final `ORIGIN_CHANGED`. Messages never carry
 * credentials (SAS signatures, keys, query strings).
 *
 * Concurrency: any number of `fetchRange` calls may run at once.
 */
export interface OriginClient {
  /** The URL as given (it may hold a signature: show it only through `redactUrl`). */
  readonly url: string;
  /**
   * True when the origin does not honour Range (plain HTTP only): known from `probe` on (the
   * opposite of `OriginInfo.rangesSupported`), and set later if a ranged read gets the whole body.
   */
  readonly rangesIgnored: boolean;
  /** Learns size, MD5 and ETag. */
  probe(signal: AbortSignal): Promise<OriginInfo>;
  /**
   * Streams [start, endExclusive) to `read.onData` and resolves with the offset reached, which may
   * be short of `endExclusive` when the origin sent less or `onData` stopped.
   */
  fetchRange(read: RangeRead): Promise<number>;
  /** Closes every connection. */
  close(): Promise<void>;
}

/** The final error of a conditional read that found another version of the file (exit 3). */
export function originChangedError(url: string, cause?: unknown): OriginError {
  return new OriginError('ORIGIN_CHANGED', `the file at ${redactUrl(url)} changed during the download; run the command again to fetch the new version`, { cause });
}

/** Called as each body chunk arrives (`arrived`) and after `onData` took it (`fed`). */
export interface FeedHooks {
  readonly arrived?: () => void;
  readonly fed?: () => void;
}

/**
 * Feeds the chunks of `body`, whose first byte is at file offset `bodyStart`, to `onData` until
 * the body ends or `onData` consumes less than it was offered; resolves with the offset reached.
 * Driven by 'data' events, so a chunk `onData` takes at once costs no promise; while a promise
 * of `onData` is pending the body is paused (backpressure), and the result waits for it. Empty
 * chunks are skipped. Errors of the body (a premature end among them) reject; the caller maps
 * them and destroys the body.
 */
export function feedBody(body: Readable, bodyStart: number, onData: RangeRead['onData'], hooks: FeedHooks = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    let offset = bodyStart;
    let settled = false;
    let waiting: Promise<void> | null = null;
    const finish = (err: unknown): void => {
      if (settled) return;
      if (waiting) {
        void waiting.then(() => finish(err));
        return;
      }
      settled = true;
      body.off('data', onChunk);
      stopWatching();
      if (err) reject(err);
      else resolve(offset);
    };
    const took = (reached: number, full: number): void => {
      offset = reached;
      if (reached < full) finish(null);
      else hooks.fed?.();
    };
    const onChunk = (chunk: Buffer): void => {
      hooks.arrived?.();
      if (settled || chunk.length === 0) return;
      const full = offset + chunk.length;
      let reached: number | Promise<number>;
      try {
        reached = onData(chunk, offset);
      } catch (err) {
        return finish(err);
      }
      if (typeof reached === 'number') return took(reached, full);
      body.pause();
      waiting = reached.then((value) => {
        waiting = null;
        took(value, full);
        if (!settled) body.resume();
      }, (err: unknown) => {
        waiting = null;
        finish(err);
      });
    };
    const stopWatching = finished(body, (err) => finish(err ?? null));
    body.on('data', onChunk);
  });
}
