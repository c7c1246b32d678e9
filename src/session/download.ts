/**
 * One download from start to verified, published file: the orchestrator, the only place that
 * wires the shells (origin, piece store, hasher, publish) together.
 *
 * Steps: ask the origin for size and MD5 (the swarm key), open the cache entry (resuming what a
 * previous run left), fetch the missing pieces, check the MD5 of the whole file, and publish it
 * at the output path atomically. A cache entry that is already complete is published at once.
 *
 * Not responsible for presentation (it reports {@link DownloadEvent}s) nor for signals (it
 * stops when `signal` aborts, keeps the partial state, and rethrows the abort reason).
 */
import { setInterval } from 'node:timers';
import { OriginError, VerifyError } from '../errors.js';
import { HttpOrigin, redactUrl, type OriginInfo } from '../http-seed/http-origin.js';
import { md5Hex, type Md5Found } from '../http-seed/md5-header.js';
import { retryDelayMs, type RetryOptions } from '../http-seed/retry-delay.js';
import { pieceGeometry, pieceStart } from '../piece-picker/piece-geometry.js';
import { TokenBucket } from '../rate-limit/token-bucket.js';
import { PieceStore } from '../storage/piece-store.js';
import { PrefixHasher } from '../storage/prefix-hasher.js';
import { publishFile } from '../storage/publish.js';
import { OriginFetcher } from './origin-fetcher.js';
import { RateMeter } from './rate-meter.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** Everything one download needs, already validated. */
export interface DownloadOptions {
  readonly url: string;
  readonly outputPath: string;
  readonly storageDirectory: string;
  /** The MD5 the user gave with --md5, if any. */
  readonly md5: Buffer | null;
  readonly preferredPieceBytes: number | 'auto';
  readonly speedLimitDown: number | null;
  readonly connections: number;
  readonly stallTimeoutMs: number;
  readonly retry: RetryOptions;
  readonly signal: AbortSignal;
  /** How often a `progress` event is reported. */
  readonly progressIntervalMs: number;
  readonly onEvent: (event: DownloadEvent) => void;
}

/** Figures shared by progress and the final report. */
export interface TransferFigures {
  readonly bytes: number;
  readonly size: number;
  readonly originBytes: number;
  readonly peerBytes: number;
  readonly peers: number;
}

/** What a download reports as it goes. */
export type DownloadEvent =
  | { readonly event: 'start'; readonly url: string; readonly output: string; readonly size: number; readonly md5: string; readonly md5Source: string; readonly pieceBytes: number; readonly pieceCount: number; readonly resumedBytes: number }
  | ({ readonly event: 'progress'; readonly rateBytesPerSec: number; readonly etaSeconds: number | null } & TransferFigures)
  | ({ readonly event: 'verifying' } & TransferFigures)
  | { readonly event: 'done'; readonly path: string; readonly size: number; readonly md5: string; readonly originBytes: number; readonly peerBytes: number; readonly elapsedMs: number; readonly maxRssBytes: number };

/** How often written pieces are recorded in the resume file (what a SIGKILL can cost). */
const FLUSH_INTERVAL_MS = 100;
/** How often written data is made durable (what a power loss can cost). */
const SYNC_INTERVAL_MS = 15_000;

/** Picks the swarm key: the origin's MD5, or --md5 when the origin publishes none. */
export function chooseMd5(info: OriginInfo, flag: Buffer | null): Md5Found {
  const lookup = info.md5;
  if (lookup.kind === 'found') {
    if (flag && !flag.equals(lookup.found.md5)) {
      throw new OriginError('ORIGIN_MD5_MISMATCH', `${redactUrl(info.url)} publishes MD5 ${md5Hex(lookup.found.md5)} (${lookup.found.source}) but --md5 says ${md5Hex(flag)}; the origin serves another file than the one you expect`);
    }
    return lookup.found;
  }
  if (flag) return { md5: flag, source: 'flag' };
  if (lookup.multipartEtag) {
    throw new OriginError('ORIGIN_NO_MD5', `${redactUrl(info.url)} has an S3 multipart ETag, which is not an MD5; pass --md5 HEX or set x-amz-meta-md5 metadata on the object`);
  }
  throw new OriginError('ORIGIN_NO_MD5', `${redactUrl(info.url)} publishes no MD5 (Content-MD5, x-ms-blob-content-md5, x-goog-hash, Repr-Digest, Digest or an MD5 ETag); pass --md5 HEX`);
}

async function probeWithRetry(origin: HttpOrigin, opts: DownloadOptions): Promise<OriginInfo> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await origin.probe(opts.signal);
    } catch (err) {
      if (opts.signal.aborted) throw opts.signal.reason ?? err;
      if (!(err instanceof OriginError) || !err.retryable) throw err;
      const delayMs = retryDelayMs(attempt, opts.retry, Math.random(), { header: err.retryAfter, nowMs: Date.now() });
      if (delayMs === null) throw err;
      await sleep(delayMs, undefined, { signal: opts.signal });
    }
  }
}

/** Runs one download; resolves with the published path. */
export async function download(opts: DownloadOptions): Promise<string> {
  const startedMs = Date.now();
  const origin = new HttpOrigin(opts.url, { connections: opts.connections, stallTimeoutMs: opts.stallTimeoutMs });
  try {
    const info = await probeWithRetry(origin, opts);
    const key = chooseMd5(info, opts.md5);
    const geometry = pieceGeometry(info.fileBytes, opts.preferredPieceBytes);
    const store = await PieceStore.open(opts.storageDirectory, {
      md5Hex: md5Hex(key.md5),
      fileBytes: info.fileBytes,
      pieceBytes: geometry.pieceBytes,
      etag: info.etag,
    });
    opts.onEvent({
      event: 'start',
      url: redactUrl(opts.url),
      output: opts.outputPath,
      size: info.fileBytes,
      md5: md5Hex(key.md5),
      md5Source: key.source,
      pieceBytes: geometry.pieceBytes,
      pieceCount: geometry.pieceCount,
      resumedBytes: store.haveBytes,
    });
    const originBytes = await fetchAndVerify(origin, store, info, key.md5, opts);
    opts.onEvent({
      event: 'done',
      path: opts.outputPath,
      size: info.fileBytes,
      md5: md5Hex(key.md5),
      originBytes,
      peerBytes: 0,
      elapsedMs: Date.now() - startedMs,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
    });
    return opts.outputPath;
  } finally {
    await origin.close();
  }
}

/** Fetches what is missing, verifies, publishes; returns the bytes taken from the origin. */
async function fetchAndVerify(origin: HttpOrigin, store: PieceStore, info: OriginInfo, md5: Buffer, opts: DownloadOptions): Promise<number> {
  let originBytes = 0;
  if (!store.complete) {
    const hasher = new PrefixHasher(store.dataPath);
    const meter = new RateMeter(Date.now());
    const progress = (): TransferFigures => ({ bytes: store.haveBytes, size: info.fileBytes, originBytes, peerBytes: 0, peers: 0 });
    const advanceHash = (): void => {
      const firstMissing = store.have.firstClear(0);
      hasher.advance(firstMissing === -1 ? info.fileBytes : pieceStart(store.geometry, firstMissing));
    };
    const flushTimer = setInterval(() => void store.flush().catch(() => undefined), FLUSH_INTERVAL_MS);
    const syncTimer = setInterval(() => void store.sync().catch(() => undefined), SYNC_INTERVAL_MS);
    const progressTimer = setInterval(() => {
      const figures = progress();
      const rate = meter.rate(figures.bytes, Date.now());
      const left = figures.size - figures.bytes;
      opts.onEvent({ event: 'progress', ...figures, rateBytesPerSec: Math.round(rate), etaSeconds: rate > 0 ? Math.ceil(left / rate) : null });
    }, opts.progressIntervalMs);
    try {
      advanceHash();
      const fetcher = new OriginFetcher({
        origin,
        store,
        etag: info.etag,
        connections: opts.connections,
        policy: 'sequential',
        retry: opts.retry,
        limiter: new TokenBucket(opts.speedLimitDown, Date.now()),
        signal: opts.signal,
        onPiece: advanceHash,
        onBytes: (bytes) => {
          originBytes += bytes;
        },
      });
      await fetcher.run();
      await store.flush();
      opts.onEvent({ event: 'verifying', ...progress() });
      const digest = await hasher.digest(info.fileBytes);
      if (!digest.equals(md5)) {
        await store.discard();
        throw new VerifyError(`the downloaded file's MD5 is ${md5Hex(digest)}, not ${md5Hex(md5)} as the origin says; the partial state was discarded, run again to retry`);
      }
      store.markComplete();
    } catch (err) {
      await store.close().catch(() => undefined);
      throw err;
    } finally {
      clearInterval(flushTimer);
      clearInterval(syncTimer);
      clearInterval(progressTimer);
      await hasher.close();
    }
  }
  try {
    await store.sync();
    await publishFile(store.dataPath, opts.outputPath);
  } finally {
    await store.close();
  }
  return originBytes;
}
