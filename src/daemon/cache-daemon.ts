/**
 * The engine of `swarm-server`: a bounded cache of many files, each fetched like `swarm-download`
 * fetches one (origin + LAN swarm), and every file held seeded to the LAN through one shared TCP
 * listener and one discovery socket ({@link SwarmHost}).
 *
 * At start it lists the storage directory: complete entries are seeded at once; partial ones whose
 * URL it remembers resume, the others wait for a client to ask again. When a new file needs room
 * under `max-storage-size`, complete or idle files are evicted least recently used first
 * ({@link planEviction}); a file being downloaded, read by a client or pinned never is.
 *
 * Not responsible for the control API's transport (control-server.ts) nor for presentation (it
 * reports {@link DaemonEvent}s). Concurrency: one event loop; requests for one URL share one
 * probe, requests for one file share one download.
 */
import { rm } from 'node:fs/promises';
import type { DaemonStatus, DownloadRequest, DownloadResponse, FileInfo, FilesResponse } from '../control/api-types.js';
import { swarmIdForPieces } from '../discovery/swarm-id.js';
import { CACHE_FULL, ExitCode, NotFoundError, SwarmError, UsageError, VerifyError, toSwarmError } from '../errors.js';
import { redactUrl } from '../http-seed/http-origin.js';
import { md5Hex, parseMd5Text } from '../http-seed/md5-header.js';
import { expectedMd5From } from '../http-seed/md5-source-label.js';
import { describeOriginEvent } from '../http-seed/origin-outage.js';
import { formatBytes } from '../config/size.js';
import { Bitfield } from '../pieces/bitfield.js';
import { TokenBucket } from '../rate-limit/token-bucket.js';
import { planEviction } from '../storage/eviction-policy.js';
import { scanEntries, writeEntryMeta, type ScannedEntry } from '../storage/entry-meta.js';
import { PieceStore } from '../storage/piece-store.js';
import { publishFile } from '../storage/publish.js';
import { CachedFile } from './cached-file.js';
import { openProbedEntry, probeEntry, swarmSettings, type DownloadEvent, type DownloadOptions, type ProbeOptions, type ProbedFile } from '../session/download.js';
import { PieceTrust } from '../swarm/piece-trust.js';
import { PeerRates } from './peer-rates.js';
import { Swarm } from '../swarm/swarm.js';
import type { Host } from '../host/host.js';
import { openHost, type NetworkSettings } from '../session/open-host.js';
import { Transfer, type TransferEvent } from '../session/transfer.js';
import type { ConnectionOrigin } from '../peer-sources/peer-source.js';

/** Everything the daemon needs, already validated. */
export interface DaemonOptions
  extends Pick<DownloadOptions, 'storageDirectory' | 'preferredPieceBytes' | 'speedLimitDown' | 'speedLimitUp' | 'connections' | 'stallTimeoutMs' | 'retry' | 'originType' | 'azureEnv' | 'onOriginRequest'> {
  readonly maxStorageBytes: number | null;
  readonly network: NetworkSettings;
  readonly version: string;
  readonly onEvent: (event: DaemonEvent) => void;
  /**
   * Every event of every file's transfer (corrupt pieces, bans, origin retries), and the corrupt
   * pieces and bans of the files seeded since start, e.g. for metrics.
   */
  readonly onTransferEvent?: (event: TransferEvent) => void;
}

/** What the daemon reports as it goes (its log). */
export type DaemonEvent =
  | { readonly event: 'seeding'; readonly id: string; readonly size: number }
  | { readonly event: 'download-start'; readonly id: string; readonly url: string; readonly size: number; readonly resumedBytes: number }
  | { readonly event: 'download-done'; readonly id: string; readonly originBytes: number; readonly peerBytes: number; readonly elapsedMs: number }
  | { readonly event: 'download-failed'; readonly id: string; readonly code: string; readonly message: string }
  | { readonly event: 'published'; readonly id: string; readonly path: string }
  | { readonly event: 'evicted'; readonly id: string; readonly size: number }
  | { readonly event: 'warning'; readonly message: string };

/** The cache daemon. Construct, `start()`, serve requests, `stop()`. */
export class CacheDaemon {
  readonly #opts: DaemonOptions;
  readonly #host: Host;
  readonly #files = new Map<string, CachedFile>();
  readonly #probing = new Map<string, Promise<CachedFile>>();
  readonly #evicting = new Map<string, Promise<void>>();
  readonly #limiters: { up: TokenBucket; down: TokenBucket };
  readonly #stopping = new AbortController();
  readonly #peerRates = new PeerRates();
  #ticker: NodeJS.Timeout | null = null;

  constructor(opts: DaemonOptions) {
    this.#opts = opts;
    this.#host = openHost(opts.network);
    this.#host.onWarning = (kind, message) => opts.onEvent({ event: 'warning', message: `${kind}: ${message}` });
    this.#limiters = { up: new TokenBucket(opts.speedLimitUp, Date.now()), down: new TokenBucket(opts.speedLimitDown, Date.now()) };
  }

  /** Listens for peers, seeds the complete files found in storage, resumes partial ones. */
  async start(): Promise<void> {
    await this.#host.start();
    const entries = await scanEntries(this.#opts.storageDirectory);
    for (const entry of entries) await this.#adoptStored(entry);
    this.#ticker = setInterval(() => this.#sample(), 1000);
    for (const file of this.#files.values()) {
      const url = file.meta.urls.at(-1);
      if (file.state === 'partial' && url !== undefined) void this.request({ url, output: null, md5: null, pin: false, wait: false }).catch(() => undefined);
    }
  }

  /** Stops every download (state kept) and swarm, and the listener. */
  async stop(): Promise<void> {
    this.#stopping.abort();
    if (this.#ticker) clearInterval(this.#ticker);
    await Promise.all([...this.#files.values()].map((file) => file.shutdown()));
    await Promise.all(this.#evicting.values());
    await this.#host.stop();
  }

  /** Takes an entry found in storage: seeded when complete, remembered when partial; skipped with a warning when unusable. */
  async #adoptStored(entry: ScannedEntry): Promise<void> {
    const { state } = entry;
    if (state === null) return;
    try {
      const meta = entry.meta ?? { version: 1 as const, urls: [], lastUsedMs: Date.now(), pinned: false };
      const key = { md5Hex: state.md5Hex, fileBytes: state.fileBytes, pieceBytes: state.pieceBytes };
      const file = new CachedFile(this.#opts.storageDirectory, key, state.complete ? 'complete' : 'partial', meta, Date.now());
      if (file.id !== entry.id) return;
      this.#files.set(file.id, file);
      if (!state.complete) {
        file.idlePiecesHeld = Bitfield.fromBytes(file.geometry.pieceCount, state.have)?.count() ?? 0;
        return;
      }
      await this.#seed(file, state.etag);
    } catch (err) {
      this.#files.delete(entry.id);
      this.#opts.onEvent({ event: 'warning', message: `not seeding ${entry.directory}: ${toSwarmError(err).message}` });
    }
  }

  async #seed(file: CachedFile, etag: string | null): Promise<void> {
    const store = await PieceStore.open(this.#opts.storageDirectory, { md5Hex: file.md5Hex, fileBytes: file.fileBytes, pieceBytes: file.geometry.pieceBytes, etag });
    if (!store.complete) {
      file.state = 'partial';
      await store.close();
      return;
    }
    const swarm = new Swarm({
      store,
      ...swarmSettings(this.#opts.network, this.#host, Buffer.from(file.md5Hex, 'hex'), file.fileBytes, file.geometry.pieceBytes),
      trust: new PieceTrust(store),
      onCorrupt: (piece, peers) => {
        this.#opts.onEvent({ event: 'warning', message: `${file.id}: piece ${piece} failed its digest; no longer served` });
        this.#opts.onTransferEvent?.({ event: 'corrupt-piece', piece, source: peers.length > 0 ? 'peer' : 'disk', peers });
      },
      onBan: (peer, reason) => {
        this.#opts.onEvent({ event: 'warning', message: `${file.id}: banned peer ${peer}: ${reason}` });
        this.#opts.onTransferEvent?.({ event: 'peer-banned', peer, reason });
      },
      upLimiter: this.#limiters.up,
      downLimiter: this.#limiters.down,
      originInFlight: () => new Bitfield(file.geometry.pieceCount),
      onPiece: () => undefined,
      onPeerBytes: () => undefined,
      onRequest: () => undefined,
      onChange: () => undefined,
    });
    file.store = store;
    file.swarm = swarm;
    swarm.start();
    this.#opts.onEvent({ event: 'seeding', id: file.id, size: file.fileBytes });
  }

  /**
   * A client wants the file at `req.url`: it is fetched unless held, pinned when asked, published
   * at `req.output` once verified; with `wait` the answer comes then, else at once.
   */
  async request(req: DownloadRequest): Promise<DownloadResponse> {
    const md5 = parseMd5Field(req.md5);
    const known = this.#byUrl(req.url);
    const file = known && (known.state === 'complete' || known.state === 'downloading') ? known : await this.#startByUrl(req.url, md5);
    file.touch(Date.now(), req.url, req.pin);
    await this.#saveMeta(file);
    if (!req.wait) {
      if (req.output !== null) void this.#publishWhenDone(file, req.output);
      return { file: file.status(), published: null };
    }
    await file.settled();
    if (req.output !== null) await this.#publish(file, req.output);
    return { file: file.status(), published: req.output };
  }

  #byUrl(url: string): CachedFile | undefined {
    for (const file of this.#files.values()) if (file.meta.urls.includes(url)) return file;
    return undefined;
  }

  /** How every probe reaches the origin. */
  #probeOptions(): Omit<ProbeOptions, 'url' | 'md5'> {
    const { preferredPieceBytes, connections, stallTimeoutMs, retry, originType, azureEnv, onOriginRequest } = this.#opts;
    return {
      preferredPieceBytes, connections, stallTimeoutMs, retry, signal: this.#stopping.signal,
      ...(originType !== undefined ? { originType } : {}),
      ...(azureEnv !== undefined ? { azureEnv } : {}),
      ...(onOriginRequest !== undefined ? { onOriginRequest } : {}),
    };
  }

  #startByUrl(url: string, md5: Buffer | null): Promise<CachedFile> {
    const pending = this.#probing.get(url);
    if (pending) return pending;
    const started = this.#probeAndStart(url, md5).finally(() => this.#probing.delete(url));
    this.#probing.set(url, started);
    return started;
  }

  async #probeAndStart(url: string, md5: Buffer | null): Promise<CachedFile> {
    const { storageDirectory } = this.#opts;
    const probed = await probeEntry({ ...this.#probeOptions(), url, md5, onEvent: (event) => this.#originWarning(redactUrl(url), event) });
    const key = { md5Hex: md5Hex(probed.key.md5), fileBytes: probed.info.fileBytes, pieceBytes: probed.geometry.pieceBytes };
    const id = `${key.md5Hex}-${key.fileBytes}`;
    const existing = this.#files.get(id);
    if (existing && (existing.state === 'complete' || existing.state === 'downloading')) {
      await probed.origin.close();
      return existing;
    }
    try {
      if (!existing) this.#makeRoom(id, key.fileBytes);
    } catch (err) {
      await probed.origin.close();
      throw err;
    }
    const file = existing ?? new CachedFile(storageDirectory, key, 'downloading', { version: 1, urls: [], lastUsedMs: Date.now(), pinned: false }, Date.now());
    this.#files.set(id, file);
    file.touch(Date.now(), url, false);
    file.beginAttempt(new AbortController());
    void this.#fetch(file, probed, url);
    return file;
  }

  /** Evicts what the policy says so that `bytes` more fit; throws when they cannot. */
  #makeRoom(id: string, bytes: number): void {
    const entries = [...this.#files.values()].map((file) => ({ id: file.id, bytes: file.fileBytes, lastUsedMs: file.meta.lastUsedMs, evictable: file.evictable }));
    const plan = planEviction(entries, bytes, this.#opts.maxStorageBytes);
    if (plan.kind === 'too-large') {
      throw new SwarmError(CACHE_FULL, ExitCode.storage, `the file ${id} (${formatBytes(bytes)}) is larger than max-storage-size (${formatBytes(plan.capBytes)}); raise max-storage-size`);
    }
    if (plan.kind === 'no-room') {
      throw new SwarmError(CACHE_FULL, ExitCode.storage, `no room for ${id} (${formatBytes(bytes)}) under max-storage-size (${formatBytes(plan.capBytes)}): ${formatBytes(plan.inUseBytes)} are being downloaded, read or pinned; retry later or raise max-storage-size`);
    }
    for (const victim of plan.evict) this.#evict(victim);
  }

  #evict(id: string): void {
    const file = this.#files.get(id);
    if (!file) return;
    this.#files.delete(id);
    const removal = (async () => {
      await file.shutdown();
      await rm(file.directory, { recursive: true, force: true });
    })()
      .catch((err: unknown) => this.#opts.onEvent({ event: 'warning', message: `evicting ${file.directory}: ${toSwarmError(err).message}` }))
      .finally(() => this.#evicting.delete(id));
    this.#evicting.set(id, removal);
    this.#opts.onEvent({ event: 'evicted', id, size: file.fileBytes });
  }

  async #fetch(file: CachedFile, probed: ProbedFile, url: string): Promise<void> {
    const startedMs = Date.now();
    const signal = AbortSignal.any([file.abort?.signal ?? new AbortController().signal, this.#stopping.signal]);
    let store: PieceStore | null = null;
    let transfer: Transfer | null = null;
    try {
      await this.#evicting.get(file.id);
      store = await openProbedEntry(this.#opts.storageDirectory, probed);
      file.store = store;
      await this.#saveMeta(file);
      this.#opts.onEvent({ event: 'download-start', id: file.id, url: redactUrl(url), size: file.fileBytes, resumedBytes: store.haveBytes });
      transfer = this.#transfer(file, probed, store, signal);
      file.transfer = transfer;
      file.swarm = transfer.swarm;
      await transfer.start();
      if (!store.complete) await transfer.fetch();
      await store.sync();
      file.succeed();
      this.#opts.onEvent({ event: 'download-done', id: file.id, originBytes: transfer.originBytes, peerBytes: transfer.peerBytes, elapsedMs: Date.now() - startedMs });
    } catch (err) {
      const failure = toSwarmError(signal.aborted ? (signal.reason ?? err) : err);
      file.transfer = null;
      file.swarm = null;
      file.store = null;
      await transfer?.stop().catch(() => undefined);
      await store?.close().catch(() => undefined);
      file.fail(failure, signal.aborted ? 'partial' : 'failed');
      // A failed verification discarded the entry: forget it, the next request starts afresh.
      if (err instanceof VerifyError && this.#files.get(file.id) === file) this.#files.delete(file.id);
      if (!signal.aborted) this.#opts.onEvent({ event: 'download-failed', id: file.id, code: failure.code, message: `${url}: ${failure.message}` });
    } finally {
      await probed.origin.close();
    }
  }

  #transfer(file: CachedFile, probed: ProbedFile, store: PieceStore, signal: AbortSignal): Transfer {
    const opts = this.#opts;
    return new Transfer({
      origin: probed.origin,
      store,
      md5: probed.key.md5,
      md5From: expectedMd5From(probed.key, probed.info.kind, false),
      etag: probed.info.etag,
      lastModified: probed.info.lastModified,
      connections: opts.connections,
      retry: opts.retry,
      speedLimitDown: opts.speedLimitDown,
      speedLimitUp: opts.speedLimitUp,
      limiters: this.#limiters,
      swarm: swarmSettings(opts.network, this.#host, probed.key.md5, file.fileBytes, file.geometry.pieceBytes),
      digestsWhileAlone: true,
      signal,
      progressIntervalMs: 1000,
      ...(opts.onOriginRequest ? { onOriginRequest: opts.onOriginRequest } : {}),
      onEvent: (event) => {
        this.#originWarning(file.id, event);
        opts.onTransferEvent?.(event);
      },
    });
  }

  /** An origin being retried, and its recovery, are warnings: `<what>: origin unreachable, retrying in 8s (attempt 5): …`. */
  #originWarning(what: string, event: DownloadEvent): void {
    if (event.event !== 'origin-retry' && event.event !== 'origin-ok') return;
    this.#opts.onEvent({ event: 'warning', message: `${what}: ${describeOriginEvent(event)}` });
  }

  async #saveMeta(file: CachedFile): Promise<void> {
    if (!this.#files.has(file.id) || file.store === null) return;
    await writeEntryMeta(file.directory, file.meta).catch((err: unknown) => {
      this.#opts.onEvent({ event: 'warning', message: toSwarmError(err).message });
    });
  }

  async #publish(file: CachedFile, output: string): Promise<void> {
    file.readers += 1;
    try {
      await publishFile(file.dataPath, output);
      file.touch(Date.now(), null, false);
      this.#opts.onEvent({ event: 'published', id: file.id, path: output });
    } finally {
      file.readers -= 1;
    }
  }

  async #publishWhenDone(file: CachedFile, output: string): Promise<void> {
    try {
      await file.settled();
      await this.#publish(file, output);
    } catch (err) {
      this.#opts.onEvent({ event: 'warning', message: `not published at ${output}: ${toSwarmError(err).message}` });
    }
  }

  #sample(): void {
    const nowMs = Date.now();
    for (const file of this.#files.values()) file.sample(nowMs);
    this.#peerRates.sample([...this.#files.values()], nowMs);
  }

  /** `GET /files`. */
  files(): FilesResponse {
    const files = [...this.#files.values()].sort((a, b) => b.meta.lastUsedMs - a.meta.lastUsedMs);
    return { usedBytes: this.#usedBytes(), maxStorageBytes: this.#opts.maxStorageBytes, files: files.map((file) => file.status()) };
  }

  #usedBytes(): number {
    let used = 0;
    for (const file of this.#files.values()) used += file.fileBytes;
    return used;
  }

  /** `GET /files/<id>`. */
  fileInfo(id: string): FileInfo {
    const file = this.#files.get(id);
    if (!file) throw new NotFoundError(`swarm-server holds no file ${id}; see \`swarm files\``);
    return file.info();
  }

  /**
   * `GET /info?url=`: the file a client asked for by this URL. A URL never asked for is probed at
   * the origin: the file may be held under another URL (a new SAS token); if it is not held, the
   * NotFoundError says what the origin and the LAN know of it. `md5Text` is the expected MD5 for
   * an origin that publishes none (`swarm info --md5`), checked as `POST /downloads` checks it.
   */
  async infoByUrl(url: string, md5Text: string | null = null): Promise<FileInfo> {
    const md5 = parseMd5Field(md5Text);
    const known = this.#byUrl(url);
    if (known) return known.info();
    const probed = await probeEntry({ ...this.#probeOptions(), url, md5 });
    await probed.origin.close();
    const held = this.#files.get(`${md5Hex(probed.key.md5)}-${probed.info.fileBytes}`);
    if (held) return held.info();
    const peers = this.#host.peersKnown(swarmIdForPieces(probed.key.md5, probed.info.fileBytes, probed.geometry.pieceBytes));
    throw new NotFoundError(`swarm-server does not hold ${redactUrl(url)} (MD5 ${md5Hex(probed.key.md5)}, ${formatBytes(probed.info.fileBytes)}; ${peers} peers known to the peer sources hold or want it); fetch it with \`swarm download URL -b\``);
  }

  /** `GET /peers`. */
  peers(): ReturnType<PeerRates['report']> {
    return this.#peerRates.report([...this.#files.values()]);
  }

  /** Active peer connections by how they came to be, over every file (metrics). */
  peersBySource(): Partial<Record<ConnectionOrigin, number>> {
    const counts: Partial<Record<ConnectionOrigin, number>> = {};
    for (const swarm of this.#host.swarms) {
      for (const [source, count] of Object.entries(this.#host.peersBySource(swarm.swarmId)) as [ConnectionOrigin, number][]) counts[source] = (counts[source] ?? 0) + count;
    }
    return counts;
  }

  /** Whether the TCP listener for peers is up (health). */
  get peerPortListening(): boolean {
    return this.#host.peerPortOpen;
  }

  /** `GET /status`. */
  status(): DaemonStatus {
    return {
      pid: process.pid,
      version: this.#opts.version,
      storageDirectory: this.#opts.storageDirectory,
      tcpPort: this.#host.tcpPort,
      peerId: this.#host.peerId.toString('hex'),
      usedBytes: this.#usedBytes(),
      maxStorageBytes: this.#opts.maxStorageBytes,
      files: this.#files.size,
    };
  }
}

/** The `md5` of a request (hex or base64), or null when absent; a UsageError when it is not an MD5. */
function parseMd5Field(text: string | null): Buffer | null {
  if (text === null) return null;
  const md5 = parseMd5Text(text);
  if (md5 === null) throw new UsageError(`invalid md5 ${JSON.stringify(text)}: expected 32 hex digits or 24 base64 characters`);
  return md5;
}
