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
import { swarmAuthKey, swarmIdForPieces } from '../discovery/swarm-id.js';
import { secretKeys } from '../discovery/swarm-secret.js';
import { OriginError } from '../errors.js';
import { chooseOriginKind, type AzureEnv, type OriginType } from '../http-seed/azure-auth.js';
import { HttpOrigin } from '../http-seed/http-origin.js';
import type { OriginClient, OriginInfo } from '../http-seed/origin-client.js';
import { redactUrl } from '../http-seed/redact.js';
import { md5Hex, type Md5Found } from '../http-seed/md5-header.js';
import { expectedMd5From } from '../http-seed/md5-source-label.js';
import type { FailureStreak, RetryOptions } from '../http-seed/retry-delay.js';
import { pieceGeometry, type PieceGeometry } from '../pieces/piece-geometry.js';
import { PieceStore } from '../storage/piece-store.js';
import { publishFile } from '../storage/publish.js';
import type { Host } from '../host/host.js';
import type { PeerSourceKind } from '../peer-sources/peer-source.js';
import { trackerInfoHash } from '../peer-sources/tracker-info-hash.js';
import type { SwarmHostLink } from '../swarm/swarm.js';
import { openHost, type NetworkSettings } from './open-host.js';
import { Transfer, type SwarmSettings, type TransferEvent } from './transfer.js';
import { OriginRequests, type OnOriginRequest } from './origin-requests.js';
import { OriginRetryEvents, failedAgain, waitBeforeRetry } from './wait-before-retry.js';

/** Everything one download needs, already validated. */
export interface DownloadOptions {
  readonly url: string;
  readonly outputPath: string;
  readonly storageDirectory: string;
  /** The MD5 the user gave with --md5, if any. */
  readonly md5: Buffer | null;
  readonly preferredPieceBytes: number | 'auto';
  readonly speedLimitDown: number | null;
  readonly speedLimitUp: number | null;
  readonly connections: number;
  readonly stallTimeoutMs: number;
  readonly retry: RetryOptions;
  /** Where the host listens and how it finds peers, or null to fetch from the origin alone. */
  readonly network: NetworkSettings | null;
  /** Keep seeding after publishing until no peer asked anything for this long; null: exit at once. */
  readonly seedIdleMs: number | null;
  readonly signal: AbortSignal;
  /** How often a `progress` event is reported. */
  readonly progressIntervalMs: number;
  readonly onEvent: (event: DownloadEvent) => void;
  /** Which client reaches the origin; `auto` picks Azure for `*.blob.core.windows.net`. @default 'auto' */
  readonly originType?: OriginType;
  /** Azure credentials from the environment (used by the Azure client only). @default {} */
  readonly azureEnv?: AzureEnv;
  /** Each request to the origin (probe or range) as it ends, e.g. for metrics. */
  readonly onOriginRequest?: OnOriginRequest;
}

/** What a download reports as it goes. */
export type DownloadEvent =
  | { readonly event: 'start'; readonly url: string; readonly output: string; readonly size: number; readonly md5: string; readonly md5Source: string; readonly pieceBytes: number; readonly pieceCount: number; readonly resumedBytes: number; readonly trackerInfoHash: string }
  | TransferEvent
  | { readonly event: 'done'; readonly path: string; readonly size: number; readonly md5: string; readonly originBytes: number; readonly peerBytes: number; readonly originRequests: number; readonly elapsedMs: number; readonly maxRssBytes: number }
  | { readonly event: 'seeding'; readonly idleTimeoutSeconds: number; readonly peers: number }
  | { readonly event: 'idle'; readonly uploadedBytes: number; readonly peers: number }
  /** A peer source had trouble (a tracker's failure, a name that does not resolve); the download goes on. */
  | { readonly event: 'peer-source-warning'; readonly source: PeerSourceKind; readonly message: string }
  /** The port from the config file or environment was in use (by a daemon, say): peers reach us on `port` instead. */
  | { readonly event: 'peer-port-fallback'; readonly configuredPort: number; readonly port: number };

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
  if (info.kind === 'azure') {
    throw new OriginError('ORIGIN_NO_MD5', `the blob ${redactUrl(info.url)} has no Content-MD5 (blobs uploaded in blocks often have none); pass --md5 HEX or set the blob's Content-MD5 property`);
  }
  if (lookup.multipartEtag) {
    throw new OriginError('ORIGIN_NO_MD5', `${redactUrl(info.url)} has an S3 multipart ETag, which is not an MD5; pass --md5 HEX, or set x-amz-meta-md5 (or x-amz-meta-content-md5) metadata on the object to its MD5`);
  }
  throw new OriginError('ORIGIN_NO_MD5', `${redactUrl(info.url)} publishes no MD5 (Content-MD5, x-ms-blob-content-md5, x-goog-hash, Repr-Digest, Digest, x-amz-meta-md5 or an MD5 ETag); pass --md5 HEX`);
}

async function probeWithRetry(origin: OriginClient, opts: ProbeOptions, events: OriginRetryEvents | null): Promise<OriginInfo> {
  const { retry, signal } = opts;
  const requests = new OriginRequests('probe', opts.onOriginRequest);
  let streak: FailureStreak | null = null;
  for (;;) {
    const startedMs = performance.now();
    try {
      const info = await origin.probe(signal);
      requests.ok();
      events?.answered();
      return info;
    } catch (err) {
      if (signal.aborted || !(err instanceof OriginError) || !err.retryable) {
        requests.ended(err, signal.aborted);
        throw signal.aborted ? (signal.reason ?? err) : err;
      }
      streak = failedAgain(streak, false, startedMs);
      await waitBeforeRetry(streak, retry, err, signal, events?.retrying, requests);
    }
  }
}

/**
 * The client for the URL: Azure's SDK or plain HTTP, as `originType` and the host say. The SDK
 * is loaded only for Azure, so plain downloads do not pay for its start-up.
 */
async function openOrigin(opts: ProbeOptions): Promise<OriginClient> {
  const kind = chooseOriginKind(new URL(opts.url), opts.originType ?? 'auto');
  if (kind === 'azure') {
    const { AzureOrigin } = await import('../http-seed/azure-origin.js');
    return new AzureOrigin(opts.url, { stallTimeoutMs: opts.stallTimeoutMs, env: opts.azureEnv ?? {} });
  }
  return new HttpOrigin(opts.url, { connections: opts.connections, stallTimeoutMs: opts.stallTimeoutMs });
}

/** The swarm settings of one file on `host`: its swarm id, and the key its peers prove they hold. */
export function swarmSettings(network: NetworkSettings, host: SwarmHostLink, md5: Buffer, fileBytes: number, pieceBytes: number): SwarmSettings {
  const secretKey = network.swarmSecret ? secretKeys(network.swarmSecret).handshakeKey : null;
  return {
    host,
    discoveryWait: network.discoveryWait,
    swarmId: swarmIdForPieces(md5, fileBytes, pieceBytes),
    authKey: swarmAuthKey(md5, fileBytes, pieceBytes, secretKey),
  };
}

/**
 * What {@link probeEntry} needs: the origin half of {@link DownloadOptions}; with `onEvent`, the
 * probe's `origin-retry` and `origin-ok` events go there.
 */
export type ProbeOptions = Pick<DownloadOptions, 'url' | 'md5' | 'preferredPieceBytes' | 'connections' | 'stallTimeoutMs' | 'retry' | 'signal' | 'originType' | 'azureEnv' | 'onOriginRequest'>
  & { readonly onEvent?: DownloadOptions['onEvent'] };

/** The origin's answer about a file: its size, the swarm key, and the piece size to use. */
export interface ProbedFile {
  readonly origin: OriginClient;
  readonly info: OriginInfo;
  readonly key: Md5Found;
  readonly geometry: PieceGeometry;
}

/**
 * Asks the origin for size and MD5 (retrying what may pass) and chooses the swarm key and piece
 * size. The caller owns `origin` (close it); on failure it is closed here.
 */
export async function probeEntry(opts: ProbeOptions): Promise<ProbedFile> {
  const origin = await openOrigin(opts);
  try {
    const { onEvent } = opts;
    const events = onEvent ? new OriginRetryEvents((event) => onEvent(event)) : null;
    const info = await probeWithRetry(origin, opts, events);
    const key = chooseMd5(info, opts.md5);
    return { origin, info, key, geometry: pieceGeometry(info.fileBytes, opts.preferredPieceBytes) };
  } catch (err) {
    await origin.close();
    throw err;
  }
}

/**
 * Opens (or resumes) the cache entry of a probed file. With `withPeers` (the daemon, which serves
 * peers at once) claimed pieces without a digest are hashed now; a download leaves them as they
 * are: its swarm hashes them when a peer comes.
 */
export function openProbedEntry(storageDirectory: string, probed: ProbedFile, withPeers = true): Promise<PieceStore> {
  return PieceStore.open(storageDirectory, {
    md5Hex: md5Hex(probed.key.md5),
    fileBytes: probed.info.fileBytes,
    pieceBytes: probed.geometry.pieceBytes,
    etag: probed.info.etag,
  }, { hashClaimed: withPeers });
}

/** Starts `host`; on failure closes `store` (the caller's finally does not hold it yet). */
async function startHost(host: Host, store: PieceStore): Promise<void> {
  try {
    await host.start();
  } catch (err) {
    await host.stop();
    await store.close();
    throw err;
  }
}

/** Runs one download; resolves with the published path. */
export async function download(given: DownloadOptions): Promise<string> {
  const startedMs = Date.now();
  let originRequests = 0;
  const opts: DownloadOptions = {
    ...given,
    onOriginRequest: (report) => {
      originRequests += 1;
      given.onOriginRequest?.(report);
    },
  };
  const { origin, info, key, geometry } = await probeEntry(opts);
  try {
    const store = await openProbedEntry(opts.storageDirectory, { origin, info, key, geometry }, false);
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
      trackerInfoHash: trackerInfoHash(swarmIdForPieces(key.md5, info.fileBytes, geometry.pieceBytes)).toString('hex'),
    });
    const host = opts.network ? openHost(opts.network) : null;
    if (host) {
      host.onWarning = (source, message) => opts.onEvent({ event: 'peer-source-warning', source, message });
      host.onPortFallback = (configuredPort, port) => opts.onEvent({ event: 'peer-port-fallback', configuredPort, port });
    }
    const transfer = new Transfer({
      origin,
      store,
      md5: key.md5,
      md5From: expectedMd5From(key, info.kind, opts.md5 !== null),
      etag: info.etag,
      lastModified: info.lastModified,
      connections: opts.connections,
      retry: opts.retry,
      speedLimitDown: opts.speedLimitDown,
      speedLimitUp: opts.speedLimitUp,
      swarm: opts.network && host ? swarmSettings(opts.network, host, key.md5, info.fileBytes, geometry.pieceBytes) : null,
      signal: opts.signal,
      progressIntervalMs: opts.progressIntervalMs,
      onEvent: opts.onEvent,
      ...(opts.onOriginRequest ? { onOriginRequest: opts.onOriginRequest } : {}),
    });
    // The swarm joins before the host starts: the sources' first announcements name the file.
    transfer.join();
    if (host) await startHost(host, store);
    try {
      await transfer.start();
      if (!store.complete) await transfer.fetch();
      await store.sync();
      await publishFile(store.dataPath, opts.outputPath);
      opts.onEvent({
        event: 'done',
        path: opts.outputPath,
        size: info.fileBytes,
        md5: md5Hex(key.md5),
        originBytes: transfer.originBytes,
        peerBytes: transfer.peerBytes,
        originRequests,
        elapsedMs: Date.now() - startedMs,
        maxRssBytes: process.resourceUsage().maxRSS * 1024,
      });
      if (opts.seedIdleMs !== null && transfer.swarm) {
        opts.onEvent({ event: 'seeding', idleTimeoutSeconds: opts.seedIdleMs / 1000, peers: transfer.swarm.peerCount });
        await transfer.seedUntilIdle(opts.seedIdleMs);
        opts.onEvent({ event: 'idle', uploadedBytes: transfer.uploadedBytes, peers: transfer.swarm.peerCount });
      }
    } finally {
      await transfer.stop();
      await host?.stop();
      await store.close();
    }
    return opts.outputPath;
  } finally {
    await origin.close();
  }
}
