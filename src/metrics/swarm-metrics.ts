/**
 * The Prometheus figures of one process (a `swarm-download` or a `swarm-server`), in a
 * `prom-client` registry of its own: the default Node.js collectors are NOT registered (they
 * sample the process with timers; a node_exporter already covers the host). Labels stay bounded:
 * a corruption's source, a connection's origin, a file's state, an error's stable code; never a
 * URL, a file id or a peer id.
 *
 * Fed from the events the sessions already report ({@link SwarmMetrics.downloadEvent},
 * {@link SwarmMetrics.daemonEvent}), from each origin request as it ends
 * ({@link SwarmMetrics.originRequest}), and from getters read at scrape time
 * ({@link SwarmMetrics.watch}). Byte counters are kept from cumulative figures (a transfer's
 * `originBytes` so far) by {@link MonotonicTotals}, so a process that reports them twice does not
 * count them twice.
 *
 * Pure: no I/O, no clock (durations come in the events). Not responsible for serving or writing
 * the text (the CLI shells). Concurrency: one instance per process, used from one event loop.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DaemonEvent } from '../daemon/cache-daemon.js';
import type { ConnectionOrigin } from '../peer-sources/peer-source.js';
import type { DownloadEvent } from '../session/download.js';
import { ORIGIN_REQUEST_KINDS, ORIGIN_REQUEST_RESULTS, type OriginRequestReport } from '../session/origin-requests.js';
import { MonotonicTotals } from './monotonic-totals.js';

/** Every connection origin, so each series exists from the first scrape. */
export const CONNECTION_ORIGINS: readonly ConnectionOrigin[] = ['broadcast', 'tracker', 'dns', 'fixed', 'exchange', 'incoming'];
/** Where a corrupt piece was caught (`corrupt-piece` events). */
export const CORRUPT_SOURCES = ['peer', 'disk', 'origin-check'] as const;
/** Download duration buckets, seconds: a second to two hours. */
export const DURATION_BUCKETS_SECONDS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200];

/** Cumulative byte figures of one transfer (or of the whole daemon, summed over its files). */
export interface ByteFigures {
  readonly originBytes: number;
  readonly peerBytes: number;
  readonly uploadedBytes: number;
}

/** What the registry reads at scrape time; each getter is optional. */
export interface MetricsSources {
  /** Active peer connections by how they came to be, over every swarm of the process. */
  readonly peersBySource?: () => Partial<Record<ConnectionOrigin, number>>;
  /** Files held, by state (daemon). */
  readonly filesByState?: () => Readonly<Record<string, number>>;
  /** Cache bytes used, and the cap (null: none). */
  readonly cache?: () => { readonly usedBytes: number; readonly maxBytes: number | null };
  /** Per-file cumulative bytes (daemon): keyed by file id, which never becomes a label. */
  readonly fileBytes?: () => ReadonlyMap<string, ByteFigures>;
}

/** The metrics of one process. */
export class SwarmMetrics {
  /** The registry; `metrics()` gives the text format, `contentType` its content type. */
  readonly registry = new Registry();
  readonly #origin: Counter;
  readonly #peer: Counter;
  readonly #delivered: Counter;
  readonly #uploaded: Counter;
  readonly #corrupt: Counter<'source'>;
  readonly #banned: Counter;
  readonly #evictions: Counter;
  readonly #requests: Counter<'kind' | 'result'>;
  readonly #retries: Counter<'code'>;
  readonly #errors: Counter<'code'>;
  readonly #downloads: Counter<'result'>;
  readonly #duration: Histogram;
  readonly #totals = { origin: new MonotonicTotals(), peer: new MonotonicTotals(), uploaded: new MonotonicTotals() };
  #sources: MetricsSources = {};
  /** The last `progress` event's connections, for a process with no `peersBySource` getter. */
  #lastPeers: Partial<Record<ConnectionOrigin, number>> = {};

  constructor() {
    const registers = [this.registry];
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> => new Counter({ name, help, labelNames, registers });
    this.#origin = counter('swarm_origin_bytes_total', 'Bytes fetched from the origin (HTTP).');
    this.#peer = counter('swarm_peer_bytes_total', 'Verified bytes received from peers.');
    this.#delivered = counter('swarm_delivered_bytes_total', 'Bytes delivered into files (origin + peers).');
    this.#uploaded = counter('swarm_uploaded_bytes_total', 'Bytes served to peers.');
    this.#corrupt = counter('swarm_corrupt_pieces_total', 'Pieces that failed their check, by where it was caught.', ['source']);
    this.#banned = counter('swarm_peers_banned_total', 'Peers banned for sending bad data.');
    this.#evictions = counter('swarm_evictions_total', 'Files evicted from the cache to make room.');
    this.#requests = counter('swarm_origin_requests_total', 'Requests sent to the origin, by kind (probe, range) and how they ended (ok, retried, failed, cancelled).', ['kind', 'result']);
    this.#retries = counter('swarm_origin_retries_total', 'Origin requests that failed and were retried, by error code.', ['code']);
    this.#errors = counter('swarm_origin_errors_total', 'Downloads that failed because of the origin, by error code (ORIGIN_HTTP_STATUS, ORIGIN_UNREACHABLE, ...).', ['code']);
    this.#downloads = counter('swarm_downloads_total', 'Downloads finished, by result (done, failed).', ['result']);
    this.#duration = new Histogram({ name: 'swarm_download_duration_seconds', help: 'Time from start to verified file.', buckets: DURATION_BUCKETS_SECONDS, registers });
    for (const source of CORRUPT_SOURCES) this.#corrupt.inc({ source }, 0);
    for (const result of ['done', 'failed']) this.#downloads.inc({ result }, 0);
    for (const kind of ORIGIN_REQUEST_KINDS) for (const result of ORIGIN_REQUEST_RESULTS) this.#requests.inc({ kind, result }, 0);
    this.#gauges();
  }

  /** Sets the getters read at each scrape (replacing earlier ones). */
  watch(sources: MetricsSources): void {
    this.#sources = sources;
  }

  /** Counts one event of a `swarm-download` (or of a daemon's transfer). */
  downloadEvent(event: DownloadEvent, key = 'download'): void {
    switch (event.event) {
      case 'progress':
        this.#lastPeers = event.peersBySource;
        this.#bytes(key, { originBytes: event.originBytes, peerBytes: event.peerBytes, uploadedBytes: event.uploadedBytes });
        break;
      case 'verifying':
        this.#bytes(key, { originBytes: event.originBytes, peerBytes: event.peerBytes });
        break;
      case 'done':
        this.#bytes(key, { originBytes: event.originBytes, peerBytes: event.peerBytes });
        this.#finished(event.elapsedMs);
        break;
      case 'idle':
        this.#bytes(key, { uploadedBytes: event.uploadedBytes });
        break;
      default:
        this.transferEvent(event);
        break;
    }
  }

  /**
   * Counts the events of a transfer that are not byte figures (corrupt pieces, bans): a daemon
   * feeds every file's transfer here, its bytes coming from `fileBytes`. Origin retries are
   * counted from {@link originRequest} (the `origin-retry` events are coalesced).
   */
  transferEvent(event: DownloadEvent): void {
    switch (event.event) {
      case 'corrupt-piece':
        this.#corrupt.inc({ source: event.source });
        break;
      case 'peer-banned':
        this.#banned.inc();
        break;
      default:
        break;
    }
  }

  /** Counts one request to the origin that ended; a `retried` one by its error code too. */
  originRequest(report: OriginRequestReport): void {
    this.#requests.inc({ kind: report.kind, result: report.result });
    if (report.result === 'retried' && report.code !== null) this.#retries.inc({ code: report.code });
  }

  /** Counts one event of the cache daemon. */
  daemonEvent(event: DaemonEvent): void {
    switch (event.event) {
      case 'download-done':
        this.#bytes(event.id, { originBytes: event.originBytes, peerBytes: event.peerBytes });
        this.#finished(event.elapsedMs);
        break;
      case 'download-failed':
        this.failed(event.code);
        break;
      case 'evicted':
        this.#evictions.inc();
        break;
      default:
        break;
    }
  }

  /** A download failed with this stable error code; an `ORIGIN_*` one counts as an origin error too. */
  failed(code: string): void {
    if (code.startsWith('ORIGIN_')) this.#errors.inc({ code });
    this.#downloads.inc({ result: 'failed' });
  }

  /** The Prometheus text format of every metric, the daemon's per-file figures read first. */
  async text(): Promise<string> {
    this.#scrapeFiles();
    return this.registry.metrics();
  }

  /** The content type of {@link text}. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The totals so far, as the counters hold them. */
  get totals(): ByteFigures {
    return { originBytes: this.#totals.origin.total, peerBytes: this.#totals.peer.total, uploadedBytes: this.#totals.uploaded.total };
  }

  #finished(elapsedMs: number): void {
    this.#downloads.inc({ result: 'done' });
    this.#duration.observe(elapsedMs / 1000);
  }

  /** Adds what grew since `key` last reported its cumulative figures (those given). */
  #bytes(key: string, figures: Partial<ByteFigures>): void {
    const fromOrigin = figures.originBytes === undefined ? 0 : this.#totals.origin.observe(key, figures.originBytes);
    const fromPeers = figures.peerBytes === undefined ? 0 : this.#totals.peer.observe(key, figures.peerBytes);
    this.#origin.inc(fromOrigin);
    this.#peer.inc(fromPeers);
    this.#delivered.inc(fromOrigin + fromPeers);
    if (figures.uploadedBytes !== undefined) this.#uploaded.inc(this.#totals.uploaded.observe(key, figures.uploadedBytes));
  }

  /** The gauges computed at scrape time from {@link watch}'s getters. */
  #gauges(): void {
    const gauge = (name: string, help: string, labelNames: readonly string[], fill: (g: Gauge) => void): void => {
      new Gauge({ name, help, labelNames, registers: [this.registry], collect() { fill(this); } });
    };
    gauge('swarm_peers_connected', 'Active peer connections, by how they came to be.', ['source'], (g) => {
      const counts = this.#sources.peersBySource?.() ?? this.#lastPeers;
      for (const source of CONNECTION_ORIGINS) g.set({ source }, counts[source] ?? 0);
    });
    gauge('swarm_files', 'Files held by the daemon, by state.', ['state'], (g) => {
      g.reset();
      for (const [state, count] of Object.entries(this.#sources.filesByState?.() ?? {})) g.set({ state }, count);
    });
    gauge('swarm_cache_used_bytes', 'Bytes of the cache the files held take.', [], (g) => g.set(this.#sources.cache?.().usedBytes ?? 0));
    gauge('swarm_cache_max_bytes', 'The cache cap in bytes (0: none).', [], (g) => g.set(this.#sources.cache?.().maxBytes ?? 0));
    gauge('swarm_peer_share_ratio', 'Share of delivered bytes that did not come from the origin (0 before any byte).', [], (g) => {
      const delivered = this.#totals.origin.total + this.#totals.peer.total;
      g.set(delivered === 0 ? 0 : this.#totals.peer.total / delivered);
    });
  }

  /** Folds the daemon's per-file figures into the counters. */
  #scrapeFiles(): void {
    const files = this.#sources.fileBytes?.();
    if (files) for (const [id, figures] of files) this.#bytes(id, figures);
  }
}
