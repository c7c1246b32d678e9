/**
 * Fetches the pieces a download lacks from the HTTP origin over several keep-alive connections.
 *
 * Each connection streams one contiguous run of pieces with one ranged GET, chosen by the piece
 * picker ({@link pickOriginRun}); an idle connection with nothing left to pick takes the second
 * half of the longest run still in flight, so one slow connection never holds up the tail.
 * A cut or stalled body is resumed from the exact byte it reached, with backoff and jitter; each
 * connection gives up once its origin failed it, without progress, for the time budget
 * (`retry.maxElapsedMs`, and `retry.maxAttempts` attempts when set). While a run waits to retry,
 * peers are not told we fetch it, so they may fetch its pieces from the origin meanwhile.
 *
 * The first connection goes alone until the origin's first answer shows whether it honours
 * Range; an origin that ignores Range is read by that one connection from the start to the end.
 *
 * Each piece is hashed on its way to disk ({@link StreamDigester}) and its sum recorded in the
 * store before the piece is marked: with `digestOnPath`, the digest the swarm checks peers' copies
 * against; else its CRC-32, the local check sum (a digest costs three times the CPU, and only
 * peers need it).
 *
 * Not responsible for verification or publishing (the session), nor for where bytes land on
 * disk (the piece store). Concurrency: runs on the event loop; the workers share state without
 * locks because every change happens between awaits.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { OriginError } from '../errors.js';
import type { OriginClient } from '../http-seed/origin-client.js';
import type { FailureStreak, RetryOptions } from '../http-seed/retry-delay.js';
import { Bitfield } from '../pieces/bitfield.js';
import { pickOriginRun, type OriginPolicy } from '../piece-picker/origin-run-picker.js';
import { pieceAt, pieceLength, pieceStart, type PieceGeometry } from '../pieces/piece-geometry.js';
import type { TokenBucket } from '../rate-limit/token-bucket.js';
import { StreamDigester } from '../storage/piece-digest.js';
import { crc32, type PieceStore } from '../storage/piece-store.js';
import type { PieceRun } from '../wire/codec.js';
import { debugLog } from '../debug-log.js';
import { ORIGIN_IDLE_MS, ORIGIN_PICK_JITTER_MS, runPieces, swarmRunPieces } from '../swarm/swarm-parameters.js';
import { OriginRequests, type OnOriginRequest } from './origin-requests.js';
import { failedAgain, waitBeforeRetry, type RetryNotice } from './wait-before-retry.js';

/** Bytes gathered from the body before one positional write (also written at each piece end). */
const WRITE_BATCH_BYTES = 1024 * 1024;
/**
 * With peers, how long a claimed stream of an origin that ignores Range waits for the claims of
 * hosts that started with us (connections still forming) before its request.
 */
const STREAM_SETTLE_MS = 250;

/** What the fetcher needs from the session. */
export interface OriginFetcherOptions {
  readonly origin: OriginClient;
  readonly store: PieceStore;
  readonly etag: string | null;
  /** The probe's Last-Modified: without an ETag, reads are conditioned on it. @default null */
  readonly lastModified?: string | null;
  readonly connections: number;
  /** How to choose a new run; asked at each pick (it changes once peers are known). */
  readonly policy: () => OriginPolicy;
  /** Pieces peers have, fetch from the origin, or are asked for: not ours to fetch. */
  readonly othersTaken?: () => Bitfield;
  /** True when a run that reached `piece` should stop there: a peer has it or fetches it first. */
  readonly yieldAt?: (piece: number) => boolean;
  /**
   * True when a peer streams the whole body ahead of our stream, which is at piece `position` of
   * the body (see `Swarm.streamPrecedes`): an origin that ignores Range is streamed by one host of
   * the swarm, and the others yield to it.
   */
  readonly precededAt?: (piece: number) => boolean;
  /** Our runs changed (claimed, shortened, ended): tell the peers. */
  readonly onRunsChanged?: () => void;
  /**
   * How long a newly claimed run waits before its request, for a peer's claim of the same pieces
   * made at the same moment to arrive (then the run yields to it, see `yieldAt`); 0 sends at once.
   */
  readonly claimSettleMs?: () => number;
  /** Whether runs claimed now take swarm digests on the way to disk (else CRCs). @default always */
  readonly digestOnPath?: () => boolean;
  /** Keep waiting for work while pieces are missing (peers may fail to deliver), instead of returning. */
  readonly untilComplete: boolean;
  /** How many connections may fetch at once now (a swarm shares the origin); default all. */
  readonly activeLimit?: () => number;
  /** Runs beyond this many yield at their next piece end (a swarm's share); default none. */
  readonly keepLimit?: () => number;
  readonly retry: RetryOptions;
  /** A failed request will be retried after `notice.delayMs`. */
  readonly onRetry?: (notice: RetryNotice) => void;
  /** Each ranged request as it ends (answered, retried, failed, cancelled). */
  readonly onRequest?: OnOriginRequest;
  readonly limiter: TokenBucket;
  readonly signal: AbortSignal;
  /** Called after piece `index` is written and marked. */
  readonly onPiece: (index: number) => void;
  /** Called with each count of bytes taken from the origin. */
  readonly onBytes: (bytes: number) => void;
}

interface ActiveRun {
  startPiece: number;
  endPiece: number;
  /** Bytes [start, writtenTo) are on disk. */
  writtenTo: number;
  /** Bytes [writtenTo, receivedTo) wait in `pending`. */
  receivedTo: number;
  pending: Buffer[];
  nextMark: number;
  /** Waiting to retry a failed request: not announced to peers meanwhile. */
  waiting: boolean;
  readonly digester: StreamDigester;
}

export { runPieces } from '../swarm/swarm-parameters.js';

/** Fetches every missing piece from the origin. */
export class OriginFetcher {
  readonly #opts: OriginFetcherOptions;
  readonly #geometry: PieceGeometry;
  readonly #inFlight: Bitfield;
  readonly #runs = new Set<ActiveRun>();
  readonly #maxRunPieces: number;
  /**
   * With peers, one request asks for about 1 MiB: what the origin has already pushed into its
   * socket when a run must yield to a peer is wasted, and a short request bounds it. Alone, longer
   * requests cost less per byte.
   */
  readonly #swarmRunPieces: number;
  #picks = 0;
  #failure: { error: unknown } | null = null;
  readonly #stop = new AbortController();
  readonly #signal: AbortSignal;
  #wake: (() => void) | null = null;
  #probed: (() => void) | null = null;
  readonly #requests: OriginRequests;

  constructor(opts: OriginFetcherOptions) {
    this.#opts = opts;
    this.#requests = new OriginRequests('range', opts.onRequest);
    this.#geometry = opts.store.geometry;
    this.#inFlight = new Bitfield(this.#geometry.pieceCount);
    this.#maxRunPieces = runPieces(this.#geometry, opts.connections);
    this.#swarmRunPieces = swarmRunPieces(this.#geometry);
    this.#signal = AbortSignal.any([opts.signal, this.#stop.signal]);
  }


  /**
   * Resolves when every piece is on disk. On the first final error the other connections are
   * stopped, and it rejects with that error once all of them have let go of the store.
   */
  async run(): Promise<void> {
    const probed = new Promise<void>((resolve) => {
      this.#probed = resolve;
    });
    const workers = [this.#guard(this.#worker().finally(() => this.#probed?.()))];
    await probed;
    const more = this.#opts.origin.rangesIgnored ? 0 : this.#opts.connections - 1;
    for (let i = 0; i < more; i++) workers.push(this.#guard(this.#worker()));
    await Promise.allSettled(workers);
    if (this.#failure) throw this.#failure.error;
  }


  #guard(work: Promise<void>): Promise<void> {
    return work.catch((error: unknown) => {
      this.#failure ??= { error };
      this.#stop.abort(error);
    });
  }

  /** Pieces our connections fetch now. */
  get inFlight(): Bitfield {
    return this.#inFlight;
  }

  /** Our runs now, as peers should see them: from the piece being fetched to the run's end; not those waiting to retry. */
  runs(): PieceRun[] {
    return [...this.#runs]
      .filter((run) => !run.waiting && run.nextMark < run.endPiece)
      .map((run) => ({ startPiece: run.nextMark, endPiece: run.endPiece }));
  }

  /** Something changed (a peer left, a piece arrived): idle connections look for work again. */
  poke(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }


  async #idle(): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ORIGIN_IDLE_MS);
      const previous = this.#wake;
      this.#wake = () => {
        clearTimeout(timer);
        previous?.();
        resolve();
      };
    });
    // Hosts woken by the same event (a peer's `have`) would pick at the same moment from the same
    // view; a random pause lets the first pick's `fetching` message reach the others first.
    if (this.#opts.othersTaken) await sleep(Math.floor(Math.random() * ORIGIN_PICK_JITTER_MS)).catch(() => undefined);
  }

  async #worker(): Promise<void> {
    let nextStart = -1;
    while (!this.#signal.aborted && !this.#opts.store.have.isComplete()) {
      const run = this.#runs.size < (this.#opts.activeLimit?.() ?? Infinity) ? this.#pick(nextStart) : null;
      if (!run) {
        if (!this.#opts.untilComplete) return;
        nextStart = -1;
        await this.#idle();
        continue;
      }
      this.#runs.add(run);
      this.#opts.onRunsChanged?.();
      try {
        await this.#settleClaim(run);
        await this.#fetchRun(run);
      } finally {
        this.#runs.delete(run);
        for (let index = run.nextMark; index < run.endPiece; index++) this.#inFlight.clear(index);
        this.#opts.onRunsChanged?.();
      }
      nextStart = run.endPiece;
    }
  }

  /**
   * Two hosts that pick the same gap at the same moment each announce their run before either
   * hears of the other's, and both would fetch it. Waiting a moment after announcing lets the
   * other claim arrive; the run then yields its first piece to a peer with precedence (and so
   * ends before any request when that peer claimed it). What the other host claimed further on
   * is yielded at that piece boundary, as always.
   */
  async #settleClaim(run: ActiveRun): Promise<void> {
    let waitMs = this.#opts.claimSettleMs?.() ?? 0;
    if (waitMs <= 0) return;
    // A stream of a whole body cannot be cut short for free (what the origin pushed into the socket
    // is lost): with peers, give every host's claim time to arrive before the request.
    if (this.#opts.origin.rangesIgnored) waitMs = Math.max(waitMs, STREAM_SETTLE_MS);
    await sleep(waitMs, undefined, { signal: this.#signal }).catch(() => undefined);
    // A stream has received nothing yet: it is at byte 0, whatever we have.
    if (this.#opts.origin.rangesIgnored) this.#yieldStream(run, 0);
    else this.#yieldIfTaken(run);
  }

  /**
   * Picks a run: where the last one ended when that is free (BEP 19: stream on), else by policy.
   * Alone (sequential), a connection does not stream on from a random first run: it fills the
   * prefix from the start, so the MD5 keeps pace with the download instead of waiting at a hole.
   */
  #pick(preferredStart: number): ActiveRun | null {
    if (this.#signal.aborted) return null;
    let taken = this.#opts.store.have.or(this.#inFlight);
    const others = this.#opts.othersTaken?.();
    if (others) taken = taken.or(others);
    if (this.#opts.origin.rangesIgnored && this.#opts.othersTaken) return this.#claimStream(taken);
    const policy = this.#picks === 0 && this.#opts.othersTaken ? 'bep19' : this.#opts.policy();
    const maxRunPieces = this.#opts.origin.rangesIgnored ? this.#geometry.pieceCount
      : policy === 'bep19' ? this.#swarmRunPieces : this.#maxRunPieces;
    if (policy === 'bep19' && preferredStart >= 0 && preferredStart < this.#geometry.pieceCount && !taken.has(preferredStart)) {
      let end = preferredStart + 1;
      while (end < this.#geometry.pieceCount && end - preferredStart < maxRunPieces && !taken.has(end)) end += 1;
      return this.#claim(preferredStart, end);
    }
    const picked = pickOriginRun(taken, {
      policy,
      firstConnection: this.#picks === 0,
      random01: Math.random(),
      maxRunPieces,
      spreadInGap: this.#opts.othersTaken !== undefined,
    });
    this.#picks += 1;
    if (picked) return this.#claim(picked.startPiece, picked.endPiece);
    // With peers, the tail comes from them; splitting a run would waste the bytes in flight.
    return this.#opts.othersTaken ? null : this.#steal();
  }

  /**
   * In a swarm, an origin that ignores Range is streamed whole by one host: a stream from our
   * first missing piece to the end, unless every piece we lack is had or streamed by peers already
   * (then they are taken from peers as they arrive; when the streamer leaves, the next pick here
   * takes over). Hosts that claim at the same moment settle it by precedence (`#yieldStream`).
   */
  #claimStream(taken: Bitfield): ActiveRun | null {
    if (taken.firstClear(0) === -1) return null;
    const start = this.#opts.store.have.firstClear(0);
    // A stream ahead of ours (which would start at byte 0) brings what we lack: wait for it, or
    // for it to go, instead.
    if (start === -1 || this.#opts.precededAt?.(0)) return null;
    this.#picks += 1;
    return this.#claim(start, this.#geometry.pieceCount);
  }

  /**
   * A stream of an origin that ignores Range, now at piece `position` of the body, ends where a
   * peer's stream is ahead of it (that peer serves what ours would bring).
   */
  #yieldStream(run: ActiveRun, position: number): void {
    if (run.nextMark >= run.endPiece || !this.#opts.precededAt?.(position)) return;
    debugLog('origin', () => `stream yields at piece ${run.nextMark} to a peer that streams it first`);
    for (let index = run.nextMark; index < run.endPiece; index++) this.#inFlight.clear(index);
    run.endPiece = run.nextMark;
    this.#opts.onRunsChanged?.();
  }

  #claim(startPiece: number, endPiece: number): ActiveRun {
    debugLog('origin', () => `run ${startPiece}-${endPiece} (${this.#opts.policy()})`);
    for (let index = startPiece; index < endPiece; index++) this.#inFlight.set(index);
    const start = pieceStart(this.#geometry, startPiece);
    return { startPiece, endPiece, writtenTo: start, receivedTo: start, pending: [], nextMark: startPiece, waiting: false,
      digester: new StreamDigester(this.#geometry, start, (this.#opts.digestOnPath?.() ?? true) ? 'digest' : crc32) };
  }

  /** Splits the run with the most pieces left; the new run takes its second half. */
  #steal(): ActiveRun | null {
    let victim: ActiveRun | null = null;
    let victimLeft = 1;
    for (const run of this.#runs) {
      const left = run.endPiece - (pieceAt(this.#geometry, Math.max(run.receivedTo, 1) - 1) + 1);
      if (left > victimLeft) {
        victim = run;
        victimLeft = left;
      }
    }
    if (!victim) return null;
    const middle = victim.endPiece - Math.floor(victimLeft / 2);
    const stolen = { start: middle, end: victim.endPiece };
    victim.endPiece = middle;
    return this.#claim(stolen.start, stolen.end);
  }

  #endByte(run: ActiveRun): number {
    return Math.min(this.#geometry.fileBytes, run.endPiece * this.#geometry.pieceBytes);
  }

  async #fetchRun(run: ActiveRun): Promise<void> {
    let streak: FailureStreak | null = null;
    while (run.writtenTo < this.#endByte(run)) {
      const before = run.writtenTo;
      const startedMs = performance.now();
      const failure = await this.#request(run);
      if (failure === null) continue;
      const { err } = failure;
      // A run that yielded all it had left to a peer took nothing more on purpose (the origin
      // client sees an empty read): not a failed attempt.
      if (run.writtenTo >= this.#endByte(run) && err instanceof OriginError && err.retryable) return this.#requests.cancelled();
      if (!(err instanceof OriginError) || !err.retryable) {
        this.#requests.ended(err, false);
        throw err;
      }
      streak = failedAgain(streak, run.writtenTo > before, startedMs);
      await this.#awaitRetry(run, streak, err);
    }
  }

  /**
   * One ranged request from where the run's bytes on disk end, its bytes written. Null when the
   * origin answered (counted `ok`), else its error; rethrows the abort reason (counted
   * `cancelled`) when the fetcher stops, and a storage error.
   */
  async #request(run: ActiveRun): Promise<{ err: unknown } | null> {
    let failure: { err: unknown } | null = null;
    try {
      await this.#opts.origin.fetchRange({
        start: run.writtenTo,
        endExclusive: this.#endByte(run),
        etag: this.#opts.etag,
        lastModified: this.#opts.lastModified ?? null,
        fileBytes: this.#geometry.fileBytes,
        signal: this.#signal,
        onData: (chunk, offset) => this.#onData(run, chunk, offset),
      });
      this.#requests.ok();
    } catch (err) {
      failure = { err };
    }
    try {
      await this.#writePending(run);
    } catch (err) {
      if (failure) this.#requests.cancelled();
      throw err;
    }
    if (failure && this.#signal.aborted) {
      this.#requests.cancelled();
      throw this.#signal.reason ?? failure.err;
    }
    return failure;
  }

  /**
   * Waits out the backoff with the run's pieces let go (not announced, not in flight: peers that
   * reach the origin may fetch them, and the swarm may ask peers for them), then takes them back
   * up to the first one on disk, asked of a peer or fetched by another by now, and ends there.
   */
  async #awaitRetry(run: ActiveRun, streak: FailureStreak, err: OriginError): Promise<void> {
    run.waiting = true;
    for (let index = run.nextMark; index < run.endPiece; index++) this.#inFlight.clear(index);
    this.#opts.onRunsChanged?.();
    try {
      await waitBeforeRetry(streak, this.#opts.retry, err, this.#signal, this.#opts.onRetry, this.#requests);
    } catch (failure) {
      run.endPiece = run.nextMark;
      throw failure;
    } finally {
      run.waiting = false;
    }
    const taken = this.#opts.othersTaken?.();
    let end = run.nextMark;
    while (end < run.endPiece && !this.#opts.store.have.has(end) && !this.#inFlight.has(end) && !(taken?.has(end) ?? false)) end += 1;
    run.endPiece = end;
    for (let index = run.nextMark; index < end; index++) this.#inFlight.set(index);
    this.#opts.onRunsChanged?.();
  }

  #onData(run: ActiveRun, chunk: Buffer, offset: number): number | Promise<number> {
    this.#probed?.();
    this.#probed = null;
    const atBoundary = run.receivedTo === pieceStart(this.#geometry, run.nextMark);
    if (this.#opts.origin.rangesIgnored) {
      this.#takeWholeBody(run, offset);
      // Where the body is now: while it skips what we have, every chunk is such a place.
      if (atBoundary) this.#yieldStream(run, pieceAt(this.#geometry, offset));
    } else if (this.#opts.yieldAt && atBoundary) this.#yieldIfTaken(run);
    let data = chunk;
    let at = offset;
    if (at < run.receivedTo) {
      // A whole-body answer repeats bytes this run already has: skip them.
      const skip = Math.min(data.length, run.receivedTo - at);
      if (skip === data.length) return at + skip;
      data = data.subarray(skip);
      at += skip;
    }
    const endByte = this.#endByte(run);
    if (at !== run.receivedTo || at >= endByte) return at;
    const take = data.length <= endByte - at ? data : data.subarray(0, endByte - at);
    const waitMs = this.#opts.limiter.take(take.length, Date.now());
    if (waitMs > 0) return sleep(waitMs, undefined, { signal: this.#signal }).then(() => this.#accept(run, take, at));
    return this.#accept(run, take, at);
  }

  /** Queues `take` (bytes at `at`, where the run's received bytes end) for the next write. */
  #accept(run: ActiveRun, take: Buffer, at: number): number | Promise<number> {
    run.pending.push(take);
    run.receivedTo += take.length;
    this.#opts.onBytes(take.length);
    const pieceEnd = pieceStart(this.#geometry, run.nextMark) + pieceLength(this.#geometry, run.nextMark);
    if (run.receivedTo >= pieceEnd || run.receivedTo - run.writtenTo >= WRITE_BATCH_BYTES) {
      return this.#writePending(run).then(() => at + take.length);
    }
    return at + take.length;
  }

  /** At a piece boundary: stop the run here when a peer has or fetches the next piece first. */
  #yieldIfTaken(run: ActiveRun): void {
    if (run.nextMark >= run.endPiece) return;
    if (!this.#opts.yieldAt?.(run.nextMark) && !this.#overLimit()) return;
    for (let index = run.nextMark; index < run.endPiece; index++) this.#inFlight.clear(index);
    run.endPiece = run.nextMark;
    this.#opts.onRunsChanged?.();
  }

  /** More runs than a swarm's share allows us now (peers came since they were taken). */
  #overLimit(): boolean {
    const keep = this.#opts.keepLimit?.() ?? Infinity;
    let live = 0;
    for (const run of this.#runs) if (run.nextMark < run.endPiece) live++;
    return live > keep;
  }

  /**
   * An origin that ignores Range sends the whole file to its only connection: the run takes all
   * of it, from byte 0 when the run has received nothing yet (its random start is moot).
   */
  #takeWholeBody(run: ActiveRun, offset: number): void {
    if (this.#runs.size > 1) return;
    // From byte 0 when nothing before the run is ours (a random first run); else skip what we have.
    const haveBefore = this.#opts.store.have.firstSet(0);
    const nothingBefore = haveBefore === -1 || haveBefore >= run.startPiece;
    if (nothingBefore && offset === 0 && run.receivedTo > 0 && run.receivedTo === pieceStart(this.#geometry, run.startPiece)) {
      run.startPiece = 0;
      run.nextMark = 0;
      run.writtenTo = 0;
      run.receivedTo = 0;
      // Peers hear that the stream starts at 0 now (else they would fetch what it brings).
      if (run.endPiece === this.#geometry.pieceCount) this.#opts.onRunsChanged?.();
    }
    if (run.startPiece === 0 && run.endPiece === this.#geometry.pieceCount) return;
    for (let index = run.startPiece; index < this.#geometry.pieceCount; index++) this.#inFlight.set(index);
    run.endPiece = this.#geometry.pieceCount;
    this.#opts.onRunsChanged?.();
  }

  async #writePending(run: ActiveRun): Promise<void> {
    if (run.pending.length === 0) return;
    const buffers = run.pending;
    run.pending = [];
    const { store } = this.#opts;
    for (const { piece, digest } of run.digester.feed(run.writtenTo, buffers)) {
      if (run.digester.kind === 'digest') store.setDigest(piece, digest);
      else store.setPieceCrc(piece, digest);
    }
    await store.write(run.writtenTo, buffers);
    run.writtenTo += buffers.reduce((sum, buffer) => sum + buffer.length, 0);
    this.#markWritten(run);
  }

  #markWritten(run: ActiveRun): void {
    const { store } = this.#opts;
    while (run.nextMark < run.endPiece) {
      const index = run.nextMark;
      if (pieceStart(this.#geometry, index) + pieceLength(this.#geometry, index) > run.writtenTo) break;
      store.markPiece(index);
      this.#inFlight.clear(index);
      run.nextMark += 1;
      this.#opts.onPiece(index);
    }
  }
}
