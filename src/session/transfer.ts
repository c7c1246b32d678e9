/**
 * Moving the bytes of one file: from the origin and from peers at once, into the piece store,
 * while serving peers, then verifying the whole file, then (optionally) seeding until idle.
 *
 * Wires the origin fetcher and the swarm to the store, the prefix hasher, the rate limits and the
 * progress timers. Not responsible for the origin probe, the MD5 choice, or publishing (the
 * download does those), nor for presentation (it reports through `onEvent`).
 */
import { setInterval } from 'node:timers';
import { VerifyError } from '../errors.js';
import type { OriginClient } from '../http-seed/origin-client.js';
import type { OriginOkEvent, OriginRetryEvent } from '../http-seed/origin-outage.js';
import { md5Hex } from '../http-seed/md5-header.js';
import type { RetryOptions } from '../http-seed/retry-delay.js';
import type { OriginPolicy } from '../piece-picker/origin-run-picker.js';
import { pieceStart } from '../pieces/piece-geometry.js';
import { TokenBucket } from '../rate-limit/token-bucket.js';
import type { PieceStore } from '../storage/piece-store.js';
import { PrefixHasher } from '../storage/prefix-hasher.js';
import { OriginFetcher, type OriginFetcherOptions } from './origin-fetcher.js';
import { RateMeter, etaSeconds } from '../rate-limit/rate-meter.js';
import { Swarm, type SwarmHostLink } from '../swarm/swarm.js';
import type { DiscoveryWait } from '../host/connection-settings.js';
import type { ConnectionOrigin } from '../peer-sources/peer-source.js';
import { debugLog } from '../debug-log.js';
import { PieceTrust } from '../swarm/piece-trust.js';
import type { OnOriginRequest } from './origin-requests.js';
import { OriginRetryEvents } from './wait-before-retry.js';
import { CLAIM_SETTLE_MS, activeOriginRuns } from '../swarm/swarm-parameters.js';

/** How often written pieces are recorded in the resume file (what a SIGKILL can cost). */
const FLUSH_INTERVAL_MS = 50;
/**
 * How often written data is made durable (what a power loss can cost). Often, so the disk writes
 * overlap the download instead of all waiting for the final fdatasync before publishing.
 */
const SYNC_INTERVAL_MS = 1000;

/** The swarm of a transfer; `null` in {@link TransferOptions} means no swarm. */
export interface SwarmSettings {
  readonly swarmId: Buffer;
  /** The key peers prove they hold in the handshake (`swarmAuthKey`). */
  readonly authKey: Buffer;
  /** The host the swarm joins (started already). */
  readonly host: SwarmHostLink;
  /** How long to listen for peers before the first origin request. */
  readonly discoveryWait: DiscoveryWait;
}

/** Figures shared by progress and the final report. */
export interface TransferFigures {
  readonly bytes: number;
  readonly size: number;
  readonly originBytes: number;
  readonly peerBytes: number;
  readonly peers: number;
}

/** What a transfer reports. */
export type TransferEvent =
  | ({ readonly event: 'progress'; readonly rateBytesPerSec: number; readonly etaSeconds: number | null; readonly uploadedBytes: number; readonly peersBySource: Partial<Record<ConnectionOrigin, number>> } & TransferFigures)
  | ({ readonly event: 'verifying' } & TransferFigures)
  | { readonly event: 'corrupt-piece'; readonly piece: number; readonly source: 'peer' | 'disk' | 'origin-check'; readonly peers: readonly string[] }
  | { readonly event: 'peer-banned'; readonly peer: string; readonly reason: string }
  | { readonly event: 'rechecking'; readonly pieces: number }
  /** An origin request failed and is retried (coalesced over connections); `origin-ok` once it answers again. */
  | OriginRetryEvent
  | OriginOkEvent;

/** What a transfer needs. */
export interface TransferOptions {
  readonly origin: OriginClient;
  readonly store: PieceStore;
  readonly md5: Buffer;
  /** Where `md5` came from, for the message when the file does not match it (`expectedMd5From`). */
  readonly md5From: string;
  readonly etag: string | null;
  /** The probe's Last-Modified (`OriginInfo.lastModified`), passed to the origin fetcher. @default null */
  readonly lastModified?: string | null;
  readonly connections: number;
  readonly retry: RetryOptions;
  readonly speedLimitDown: number | null;
  readonly speedLimitUp: number | null;
  /** Process-wide rate limits shared with other transfers (the daemon); default: this transfer's own. */
  readonly limiters?: { readonly up: TokenBucket; readonly down: TokenBucket } | undefined;
  readonly swarm: SwarmSettings | null;
  /**
   * With a swarm, take digests on the way in even while no peer is connected (the daemon, whose
   * cache serves peers for days: its pieces are then never hashed twice). Default: only while
   * peers are connected; a peer that comes later gets the others hashed from disk.
   */
  readonly digestsWhileAlone?: boolean | undefined;
  readonly signal: AbortSignal;
  readonly progressIntervalMs: number;
  readonly onEvent: (event: TransferEvent) => void;
  /** Each ranged request to the origin as it ends, e.g. for metrics. */
  readonly onOriginRequest?: OnOriginRequest;
}

/** One file's transfer. Construct, `start()`, `fetch()`, then `seedUntilIdle()` or `stop()`. */
export class Transfer {
  readonly #opts: TransferOptions;
  readonly #down: TokenBucket;
  readonly #up: TokenBucket;
  #fetcher: OriginFetcher;
  readonly swarm: Swarm | null;
  readonly trust: PieceTrust;
  /** While pieces are checked against the origin: their digests before the check. */
  #checking: Map<number, Buffer> | null = null;
  originBytes = 0;
  peerBytes = 0;
  #lastRequestMs = Date.now();
  #lastProgressMs = -Infinity;
  #hasher: PrefixHasher | null = null;
  readonly #originEvents: OriginRetryEvents;

  constructor(opts: TransferOptions) {
    this.#opts = opts;
    this.#down = opts.limiters?.down ?? new TokenBucket(opts.speedLimitDown, Date.now());
    this.#up = opts.limiters?.up ?? new TokenBucket(opts.speedLimitUp, Date.now());
    this.trust = new PieceTrust(opts.store);
    this.#originEvents = new OriginRetryEvents((event) => opts.onEvent(event));
    this.swarm = opts.swarm ? this.#makeSwarm(opts.swarm) : null;
    this.#fetcher = this.#makeFetcher(this.swarm);
  }

  /** The origin fetcher; with `swarm` null it fetches every missing piece alone and returns. */
  #makeFetcher(swarm: Swarm | null): OriginFetcher {
    const opts = this.#opts;
    return new OriginFetcher({
      origin: opts.origin,
      store: opts.store,
      etag: opts.etag,
      lastModified: opts.lastModified ?? null,
      connections: opts.connections,
      policy: () => this.#policy(),
      digestOnPath: () => this.#wantsDigests,
      ...(swarm ? this.#swarmHooks(swarm) : {}),
      untilComplete: swarm !== null,
      retry: opts.retry,
      onRetry: this.#originEvents.retrying,
      ...(opts.onOriginRequest ? { onRequest: opts.onOriginRequest } : {}),
      limiter: this.#down,
      signal: opts.signal,
      onPiece: (index) => this.#onOriginPiece(index),
      onBytes: (bytes) => {
        this.originBytes += bytes;
        this.#originEvents.answered();
      },
    });
  }

  #makeSwarm(settings: SwarmSettings): Swarm {
    return new Swarm({
      store: this.#opts.store,
      ...settings,
      upLimiter: this.#up,
      downLimiter: this.#down,
      originInFlight: () => this.#fetcher.inFlight,
      onPiece: (index) => this.#onPiece(index),
      onPeerBytes: (bytes) => {
        this.peerBytes += bytes;
      },
      onRequest: () => {
        this.#lastRequestMs = Date.now();
      },
      onChange: () => {
        this.#fetcher.poke();
      },
      trust: this.trust,
      onCorrupt: (piece, peers) => this.#opts.onEvent({ event: 'corrupt-piece', piece, source: peers.length > 0 ? 'peer' : 'disk', peers }),
      onBan: (peer, reason) => this.#opts.onEvent({ event: 'peer-banned', peer, reason }),
    });
  }

  #swarmHooks(swarm: Swarm): Pick<OriginFetcherOptions, 'othersTaken' | 'yieldAt' | 'precededAt' | 'onRunsChanged' | 'activeLimit' | 'keepLimit' | 'claimSettleMs'> {
    return {
      claimSettleMs: () => (swarm.peerCount > 0 ? CLAIM_SETTLE_MS : 0),
      // The fleet shares the origin: about `connections` connections in all, not per host, and
      // none of ours while many peers fetch from it.
      activeLimit: () => activeOriginRuns(this.#opts.connections, swarm.peerCount, swarm.fetchingPeers()),
      // Runs taken alone (`connections` long sequential runs) shrink to the swarm's share when
      // peers come: the excess yields at its next piece end instead of trickling on for the whole
      // download at a share of the origin split over every host's run.
      keepLimit: () => activeOriginRuns(this.#opts.connections, swarm.peerCount),
      othersTaken: () => swarm.othersTaken(),
      yieldAt: (piece) => swarm.yieldsAt(piece),
      precededAt: (piece) => swarm.streamPrecedes(piece),
      onRunsChanged: () => swarm.announceFetching(this.#fetcher.runs()),
    };
  }

  /**
   * Sequential while no peer is known (keeps the verified-prefix MD5 moving, so completion
   * re-reads little), BEP 19 once peers are. In a swarm the very first run is random all the same
   * (the fetcher sees to it): hosts that start alone at about the same time must not all begin at
   * piece 0.
   */
  #policy(): OriginPolicy {
    return this.swarm && this.swarm.peerCount > 0 ? 'bep19' : 'sequential';
  }

  #onPiece(index: number): void {
    this.#onPieceHash();
    this.swarm?.announceHave(index);
    this.#fetcher.poke();
  }

  /**
   * Digests are for the peers connected now (a peer that comes later gets them hashed from disk,
   * see `Swarm`), and for naming bad pieces when the MD5 fails; else a CRC will do.
   */
  get #wantsDigests(): boolean {
    if (this.#checking !== null) return true;
    if (!this.swarm) return false;
    return this.swarm.peerCount > 0 || this.#opts.digestsWhileAlone === true;
  }

  /**
   * A piece from the origin. Its digest was recorded on the way to disk, except in a run claimed
   * while we had no peer (the swarm hashes those for peers when one comes). The check against the
   * origin always has one: its fetcher is made while `#checking` is set, so every run it claims
   * takes digests.
   */
  #onOriginPiece(index: number): void {
    const digest = this.#opts.store.digestOf(index);
    const before = this.#checking?.get(index);
    if (before && digest && !before.equals(digest)) this.#onCheckedBad(index);
    this.#onPieceHash();
    if (this.swarm) this.swarm.originPiece(index);
    else if (digest) this.trust.originDigest(index, digest);
    this.#fetcher.poke();
  }

  /** The origin's bytes of piece `index` differ from what peers gave us: blame them. */
  #onCheckedBad(index: number): void {
    const peers = [...this.trust.sourcesOf(index)];
    this.#opts.onEvent({ event: 'corrupt-piece', piece: index, source: 'origin-check', peers });
    for (const peer of this.trust.blame(peers)) {
      if (this.swarm) this.swarm.ban(peer, 'sent pieces the origin contradicts');
      else this.#opts.onEvent({ event: 'peer-banned', peer, reason: 'sent pieces the origin contradicts' });
    }
  }

  /**
   * Joins the swarm to its host (at most once). Before the host starts, so that its sources'
   * first announcements already name this file.
   */
  join(): void {
    if (!this.swarm || this.#joined) return;
    this.#joined = true;
    this.swarm.start();
  }

  #joined = false;

  /** Joins the swarm to its (started) host and waits briefly for peers to show up (see `Swarm.waitForPeer`). */
  async start(): Promise<void> {
    if (!this.swarm || !this.#opts.swarm) return;
    this.join();
    await this.swarm.waitForPeer(this.#opts.swarm.discoveryWait, this.#opts.signal);
  }

  #figures(): TransferFigures {
    const { store } = this.#opts;
    return { bytes: store.haveBytes, size: store.geometry.fileBytes, originBytes: this.originBytes, peerBytes: this.peerBytes, peers: this.swarm?.peerCount ?? 0 };
  }

  /** Fetches every missing piece and verifies the whole file; throws VerifyError on a mismatch. */
  async fetch(): Promise<void> {
    const { store } = this.#opts;
    this.#hasher = new PrefixHasher(store.dataPath);
    this.#onPieceHash();
    const meter = new RateMeter(Date.now(), 5000, store.haveBytes);
    const timers = [
      setInterval(() => void store.flush().catch(() => undefined), FLUSH_INTERVAL_MS),
      setInterval(() => void store.sync().catch(() => undefined), SYNC_INTERVAL_MS),
      setInterval(() => this.#progress(meter), this.#opts.progressIntervalMs),
    ];
    try {
      await this.#fetcher.run();
      debugLog('transfer', () => `all pieces on disk; ${this.#hasher?.hashedBytes ?? 0} bytes hashed so far`);
      this.#opts.onEvent({ event: 'verifying', ...this.#figures() });
      // The last fdatasync runs while the hash catches up.
      const syncing = store.sync();
      let digest = await this.#hasher.digest(store.geometry.fileBytes);
      await syncing;
      debugLog('transfer', () => 'MD5 computed, data durable');
      if (!digest.equals(this.#opts.md5) && !this.trust.fromPeers.isEmpty()) digest = await this.#checkAgainstOrigin();
      if (!digest.equals(this.#opts.md5)) {
        await store.discard();
        throw new VerifyError(`the downloaded file's MD5 is ${md5Hex(digest)}, not ${md5Hex(this.#opts.md5)} (expected from ${this.#opts.md5From}); the partial state was discarded, run again to retry`);
      }
      store.markComplete();
    } finally {
      for (const timer of timers) clearInterval(timer);
      await this.#hasher.close();
      this.#hasher = null;
    }
  }

  /**
   * The whole-file MD5 failed: every piece that came from peers (or from an earlier run) is fetched
   * again from the origin, which overwrites it; a piece whose digest changed was bad, and its
   * senders are blamed. Returns the MD5 of the file after that.
   */
  async #checkAgainstOrigin(): Promise<Buffer> {
    const { store } = this.#opts;
    const suspects = this.trust.fromPeers.clone();
    this.#opts.onEvent({ event: 'rechecking', pieces: suspects.count() });
    this.#checking = new Map();
    for (let index = suspects.firstSet(0); index !== -1; index = suspects.firstSet(index + 1)) {
      const digest = store.digestOf(index);
      if (digest) this.#checking.set(index, Buffer.from(digest));
      store.unmarkPiece(index);
    }
    this.swarm?.pauseRequests(true);
    try {
      this.#fetcher = this.#makeFetcher(null);
      await this.#fetcher.run();
    } finally {
      this.#checking = null;
      this.swarm?.pauseRequests(false);
    }
    await store.sync();
    const hasher = new PrefixHasher(store.dataPath);
    try {
      return await hasher.digest(store.geometry.fileBytes);
    } finally {
      await hasher.close();
    }
  }

  #onPieceHash(): void {
    const { store } = this.#opts;
    const firstMissing = store.have.firstClear(0);
    this.#hasher?.advance(firstMissing === -1 ? store.geometry.fileBytes : pieceStart(store.geometry, firstMissing));
  }

  /**
   * One `progress` event. A timer that fires late and then on time would report twice within a
   * second; the contract is at most once a second, so an event that soon after the last is skipped.
   */
  #progress(meter: RateMeter): void {
    const nowMs = Date.now();
    if (nowMs - this.#lastProgressMs < this.#opts.progressIntervalMs * 0.95) return;
    this.#lastProgressMs = nowMs;
    const figures = this.#figures();
    const rate = meter.rate(figures.bytes, nowMs);
    const left = figures.size - figures.bytes;
    this.#opts.onEvent({
      event: 'progress',
      ...figures,
      rateBytesPerSec: Math.round(rate),
      etaSeconds: etaSeconds(left, rate),
      uploadedBytes: this.swarm?.uploadedBytes ?? 0,
      peersBySource: this.swarm?.peersBySource() ?? {},
    });
  }

  /** Serves peers until none has asked for anything for `idleMs`, or until `signal` aborts. */
  async seedUntilIdle(idleMs: number): Promise<void> {
    if (!this.swarm) return;
    // The idle clock starts when seeding starts: peers may not have heard of our last pieces yet.
    this.#lastRequestMs = Math.max(this.#lastRequestMs, Date.now());
    const { signal } = this.#opts;
    while (!signal.aborted && Date.now() - this.#lastRequestMs < idleMs) {
      const leftMs = idleMs - (Date.now() - this.#lastRequestMs);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(50, leftMs));
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        }, { once: true });
      });
    }
    if (signal.aborted) throw signal.reason;
  }

  /** Bytes served to peers. */
  get uploadedBytes(): number {
    return this.swarm?.uploadedBytes ?? 0;
  }

  /** Stops the swarm. */
  async stop(): Promise<void> {
    await this.swarm?.stop();
  }
}
