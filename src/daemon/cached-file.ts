/**
 * One file in the daemon's cache: its identity, where it is in its life (downloading, complete,
 * partial, failed), the live parts that move its bytes (piece store, transfer or seeding swarm),
 * who uses it (readers, pin, last use) and its figures for the control API.
 *
 * Not responsible for deciding anything (the daemon downloads, seeds, evicts); it only holds the
 * state and reports it. Concurrency: one event loop; `settled()` is the current attempt's outcome.
 */
import { join } from 'node:path';
import type { ApiError, FileInfo, FileState, FileStatus } from '../control/api-types.js';
import { redactUrl } from '../http-seed/http-origin.js';
import { pieceGeometry, type PieceGeometry } from '../pieces/piece-geometry.js';
import { withUrl, type EntryMeta } from '../storage/entry-meta-codec.js';
import type { PieceStore } from '../storage/piece-store.js';
import type { SwarmError } from '../errors.js';
import { RateMeter, etaSeconds } from '../rate-limit/rate-meter.js';
import type { Swarm } from '../swarm/swarm.js';
import { swarmIdForPieces } from '../discovery/swarm-id.js';
import { trackerInfoHash } from '../peer-sources/tracker-info-hash.js';
import type { Transfer } from '../session/transfer.js';

/** The outcome of one download attempt, shared by every client that waits for it. */
class Attempt {
  readonly promise: Promise<void>;
  resolve: () => void = () => undefined;
  reject: (err: unknown) => void = () => undefined;

  constructor() {
    this.promise = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // A failure nobody waits for is reported through the file's state, not as unhandled.
    this.promise.catch(() => undefined);
  }
}

/** Identity of a cache entry. */
export interface CachedFileKey {
  readonly md5Hex: string;
  readonly fileBytes: number;
  readonly pieceBytes: number;
}

/** A file the daemon holds or fetches. */
export class CachedFile {
  readonly id: string;
  readonly md5Hex: string;
  readonly fileBytes: number;
  readonly directory: string;
  geometry: PieceGeometry;
  state: FileState;
  meta: EntryMeta;
  error: ApiError | null = null;
  /** Clients reading (publishing) the file now. */
  readers = 0;
  store: PieceStore | null = null;
  transfer: Transfer | null = null;
  swarm: Swarm | null = null;
  abort: AbortController | null = null;
  /** Pieces held when no store is open (a partial entry found at start). */
  idlePiecesHeld = 0;
  originBytes = 0;
  peerBytes = 0;
  etaSeconds: number | null = null;
  downloadRate = 0;
  uploadRate = 0;
  #downMeter: RateMeter;
  #upMeter: RateMeter;
  #attempt = new Attempt();

  constructor(storageDirectory: string, key: CachedFileKey, state: FileState, meta: EntryMeta, nowMs: number) {
    this.id = `${key.md5Hex}-${key.fileBytes}`;
    this.md5Hex = key.md5Hex;
    this.fileBytes = key.fileBytes;
    this.directory = join(storageDirectory, 'files', this.id);
    this.geometry = pieceGeometry(key.fileBytes, key.pieceBytes);
    this.state = state;
    this.meta = meta;
    this.#downMeter = new RateMeter(nowMs);
    this.#upMeter = new RateMeter(nowMs);
  }

  /** The cached file. */
  get dataPath(): string {
    return join(this.directory, 'data');
  }

  /** Whether eviction may take it: not downloading, read, or pinned. */
  get evictable(): boolean {
    return this.state !== 'downloading' && this.readers === 0 && !this.meta.pinned;
  }

  /** Records a client's use (and the URL it used). */
  touch(nowMs: number, url: string | null, pin: boolean): void {
    const meta = url === null ? this.meta : withUrl(this.meta, url);
    this.meta = { ...meta, lastUsedMs: Math.max(meta.lastUsedMs, nowMs), pinned: meta.pinned || pin };
  }

  /** Starts a new download attempt; waiters of `settled()` see its outcome. */
  beginAttempt(abort: AbortController): void {
    this.#attempt = new Attempt();
    this.abort = abort;
    this.state = 'downloading';
    this.error = null;
  }

  /** The file is verified. */
  succeed(): void {
    this.state = 'complete';
    this.etaSeconds = 0;
    this.#attempt.resolve();
  }

  /** The attempt failed (`failed`) or was stopped (`partial`). */
  fail(err: SwarmError, state: 'failed' | 'partial'): void {
    this.state = state;
    this.error = { code: err.code, exitCode: err.exitCode, message: err.message };
    this.#attempt.reject(err);
  }

  /** Resolves once the current attempt verified the file; rejects with its failure. */
  settled(): Promise<void> {
    if (this.state === 'complete') return Promise.resolve();
    return this.#attempt.promise;
  }

  /**
   * Samples the byte counters for the rates (called about once a second). The ETA follows the
   * download rate shown beside it, so the two never disagree. (It used to come from the transfer's
   * progress events, the first of them a second after the probe and the piece store's opening, so
   * a download of a few seconds showed `ETA --` most of its life, beside a nonzero rate.)
   */
  sample(nowMs: number): void {
    const downloaded = (this.transfer?.originBytes ?? this.originBytes) + (this.transfer?.peerBytes ?? this.peerBytes);
    this.downloadRate = Math.round(this.#downMeter.rate(downloaded, nowMs));
    if (this.state === 'downloading') this.etaSeconds = etaSeconds(this.fileBytes - (this.store?.haveBytes ?? 0), this.downloadRate);
    this.uploadRate = Math.round(this.#upMeter.rate(this.swarm?.uploadedBytes ?? 0, nowMs));
  }

  /** The API's view of the file. */
  status(): FileStatus {
    const piecesHeld = this.store ? this.store.have.count() : this.state === 'complete' ? this.geometry.pieceCount : this.idlePiecesHeld;
    return {
      id: this.id,
      md5: this.md5Hex,
      size: this.fileBytes,
      pieceBytes: this.geometry.pieceBytes,
      pieceCount: this.geometry.pieceCount,
      piecesHeld,
      bytesHeld: this.store ? this.store.haveBytes : Math.min(this.fileBytes, piecesHeld * this.geometry.pieceBytes),
      state: this.state,
      path: this.dataPath,
      urls: this.meta.urls.map((url) => redactUrl(url)),
      pinned: this.meta.pinned,
      readers: this.readers,
      lastUsed: new Date(this.meta.lastUsedMs).toISOString(),
      peers: this.swarm?.peerCount ?? 0,
      originBytes: this.transfer?.originBytes ?? this.originBytes,
      peerBytes: this.transfer?.peerBytes ?? this.peerBytes,
      uploadedBytes: this.swarm?.uploadedBytes ?? 0,
      downloadRateBytesPerSec: this.state === 'downloading' ? this.downloadRate : 0,
      uploadRateBytesPerSec: this.uploadRate,
      etaSeconds: this.state === 'complete' ? 0 : this.etaSeconds,
      error: this.error,
    };
  }

  /** The status with the peers connected for this file. */
  info(): FileInfo {
    const swarmId = swarmIdForPieces(Buffer.from(this.md5Hex, 'hex'), this.fileBytes, this.geometry.pieceBytes);
    return { ...this.status(), peerList: this.swarm?.peers() ?? [], trackerInfoHash: trackerInfoHash(swarmId).toString('hex') };
  }

  /** Stops moving bytes: the transfer or swarm stops, the store closes (state kept on disk). */
  async shutdown(): Promise<void> {
    this.abort?.abort();
    if (this.transfer) {
      this.originBytes = this.transfer.originBytes;
      this.peerBytes = this.transfer.peerBytes;
    }
    if (this.transfer) await this.transfer.stop().catch(() => undefined);
    else this.swarm?.stop();
    await this.store?.close().catch(() => undefined);
    this.transfer = null;
    this.swarm = null;
    this.store = null;
  }
}
