/**
 * A loopback HTTP origin for tests, the demo and benchmarks: serves one file with range support,
 * a strong ETag (or none: `etag: false`), a Last-Modified date and a chosen MD5 header, and can be
 * told to misbehave (fault switches) or to go away for a while and come back on the same port
 * (`goDown`, see listener-outage.ts).
 *
 * Not responsible for: TLS, content codings, multipart/byteranges responses (a multi-range
 * request gets the whole body), or serving more than one file. It does I/O (node:http, node:fs)
 * and is not a pure module.
 *
 * Concurrency: one event loop; every request runs to completion on its own, the token bucket
 * (`rateBytesPerSec`) and the fault counters are shared by all connections. An in-flight body
 * keeps the content version it started with when `changeAfterBodyBytes` fires.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { STATUS_CODES, createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ListenerOutage } from './listener-outage.js';
import { initialState, parseRangeHeader, wrongRange, xorshift32, type ByteRange } from './origin-content.js';

export { makeContent, parseRangeHeader, type ByteRange } from './origin-content.js';

/** Which header carries the MD5 (`'etag'`: the ETag is the MD5 hex; `'none'`: no MD5 at all). */
export type Md5HeaderKind =
  | 'content-md5' | 'x-ms-blob-content-md5' | 'x-goog-hash' | 'repr-digest' | 'digest' | 'etag'
  | 'x-amz-meta-md5' | 'none';

/** Fault switches. All off by default; {@link OriginServer.setFaults} replaces the whole set. */
export interface OriginFaults {
  /** Answer 200 with the whole body to ranged GETs. */
  ignoreRange?: boolean;
  /** HEAD answers this status (presigned S3 URLs answer 403 to HEAD). */
  refuseHead?: 403 | 405 | 501;
  /** 0..1: that fraction of GET bodies (of >= 2 bytes) is reset midway at a random byte; deterministic from `seed`. */
  cutBodyFraction?: number;
  /** Advertise the MD5 of different content. */
  wrongMd5?: boolean;
  /** Once this many content bytes were served (counted from `setFaults`), the content becomes other bytes of the same size with a new ETag. */
  changeAfterBodyBytes?: number;
  /** Throttle every body; one token bucket shared by all connections. */
  rateBytesPerSec?: number;
  /**
   * With `rateBytesPerSec`: how much sending may run ahead of the rate, in ms of it (a link's
   * queue; what a client that hangs up at once still gets is about this much). @default 50
   */
  burstMs?: number;
  /** Answer every request with this status. */
  status?: number;
  /** The first `count` GETs (counted from `setFaults`) answer `status`. */
  failFirstRequests?: { count: number; status: number };
  /** The first body longer than this stops sending after this many bytes; its socket stays open. */
  stallAfterBodyBytes?: number;
  /** The ETag looks like an S3 multipart one, `"<32 hex>-3"` (and so is not an MD5). */
  multipartEtag?: boolean;
  /**
   * No Range support, as Python's http.server: no `Accept-Ranges` header (on HEAD too), and
   * ranged GETs answer 200 with the whole body.
   */
  noRanges?: boolean;
  /**
   * Ranged GETs answer a 206 of another range than asked: `'whole'`, the whole file as
   * `bytes 0-(size-1)/size`; `'shifted'`, the range asked moved by one byte. Only the first
   * `count` ranged GETs (counted from `setFaults`) when `count` is given.
   */
  wrongContentRange?: { shape: 'whole' | 'shifted'; count?: number };
}

/** Options of {@link startOrigin}. */
export interface OriginOptions {
  /** The file: bytes in memory, or a file on disk (for multi-GB benchmarks). */
  content: Buffer | { path: string };
  /** @default 'content-md5' */
  md5Header?: Md5HeaderKind;
  faults?: OriginFaults;
  /** Seeds the cut PRNG and the non-MD5 ETag. @default 1 */
  seed?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** The only path served (query strings are ignored). @default '/file.bin' */
  urlPath?: string;
  /** Serve HTTPS with this key and certificate (PEM) instead of HTTP. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /**
   * Send an ETag (nginx's `etag off` sends none; then `If-Match` with a tag fails and
   * `If-Range` with a tag is never satisfied). Not with `md5Header: 'etag'`. @default true
   */
  etag?: boolean;
  /**
   * Send `Last-Modified`: a date that moves on by a minute each time the content changes
   * (`changeAfterBodyBytes`), and honour `If-Unmodified-Since` (412 after a change) and
   * `If-Range` with that date. @default true
   */
  lastModified?: boolean;
}

/** Counters since start. `bodyBytes` counts every body byte handed to a socket (error texts too). */
export interface OriginStats {
  requests: number;
  headRequests: number;
  getRequests: number;
  bodyBytes: number;
  /** The Range header of every GET that had one, in arrival order. */
  ranges: string[];
  /** Every body sent, when it ended (see {@link OriginBodyLog}). */
  bodies: OriginBodyLog[];
  /** Bodies reset by `cutBodyFraction`. */
  cuts: number;
  /** Bodies stalled by `stallAfterBodyBytes`. */
  stalls: number;
}

/** One body the origin sent: who asked, when, which bytes, how many reached the socket. */
export interface OriginBodyLog {
  /** Milliseconds since the origin started, when the request came and when its body ended. */
  readonly startMs: number;
  readonly endMs: number;
  /** The client's address. */
  readonly client: string;
  /** The file offset the body started at, and the bytes handed to the socket. */
  readonly offset: number;
  readonly sentBytes: number;
}

/** A running origin. */
export interface OriginServer {
  /** `http://HOST:PORT/PATH`. */
  readonly url: string;
  readonly stats: OriginStats;
  /** Replaces the faults at run time and restarts their counters. */
  setFaults(faults: OriginFaults): void;
  /**
   * Down for `durationMs` then back on the same port (`Infinity`: until `close()`): connections
   * are refused (ECONNREFUSED, as an origin restart) and open ones, mid-body too, are closed.
   * Resolves once it is down; throws TypeError on a bad duration or when down already.
   */
  goDown(durationMs: number): Promise<void>;
  /** Resolves once the origin listens again after `goDown` (at once when it is up). */
  whenUp(): Promise<void>;
  /** Closes the server and destroys every socket, stalled ones included. */
  close(): Promise<void>;
}

/** A single satisfiable byte range, `end` exclusive. */

const BIG_CHUNK_BYTES = 1024 * 1024;
const BURST_MS = 50;
const MD5_KINDS: readonly Md5HeaderKind[] = [
  'content-md5', 'x-ms-blob-content-md5', 'x-goog-hash', 'repr-digest', 'digest', 'etag', 'x-amz-meta-md5', 'none',
];

/** Bytes of the file; version > 0 is the "changed" content: every byte XORed with a mask. */
interface ContentSource {
  readonly size: number;
  chunks(start: number, end: number, version: number, chunkBytes: number): AsyncIterable<Buffer>;
}

function versionMask(version: number): number {
  return (version * 0x5b) & 0xff || 0xff;
}

function masked(chunk: Buffer, version: number): Buffer {
  if (version === 0) return chunk;
  const mask = versionMask(version);
  const out = Buffer.allocUnsafe(chunk.length);
  for (let i = 0; i < chunk.length; i++) out[i] = (chunk[i] ?? 0) ^ mask;
  return out;
}

async function* bufferChunks(content: Buffer, start: number, end: number, version: number, chunkBytes: number): AsyncGenerator<Buffer> {
  for (let at = start; at < end; at += chunkBytes) yield masked(content.subarray(at, Math.min(end, at + chunkBytes)), version);
}

async function* fileChunks(path: string, start: number, end: number, version: number, chunkBytes: number): AsyncGenerator<Buffer> {
  if (start >= end) return;
  for await (const chunk of createReadStream(path, { start, end: end - 1, highWaterMark: chunkBytes })) {
    yield masked(chunk as Buffer, version);
  }
}

async function openSource(content: Buffer | { path: string }): Promise<ContentSource> {
  if (Buffer.isBuffer(content)) {
    return { size: content.length, chunks: (s, e, v, c) => bufferChunks(content, s, e, v, c) };
  }
  const path = content.path;
  const info = await stat(path);
  if (!info.isFile()) throw new TypeError(`startOrigin: not a regular file: ${JSON.stringify(path)}`);
  return { size: info.size, chunks: (s, e, v, c) => fileChunks(path, s, e, v, c) };
}

async function md5Of(source: ContentSource, version: number): Promise<Buffer> {
  const hash = createHash('md5');
  for await (const chunk of source.chunks(0, source.size, version, BIG_CHUNK_BYTES)) hash.update(chunk);
  return hash.digest();
}

function bad(name: string, value: unknown): never {
  throw new TypeError(`origin faults: bad ${name} ${JSON.stringify(value)}`);
}

/** Throws TypeError on faults that make no sense. */
function checkFaults(faults: OriginFaults): void {
  const { cutBodyFraction: cut, rateBytesPerSec: rate, refuseHead, status, failFirstRequests: failFirst, wrongContentRange: wrong } = faults;
  if (cut !== undefined && !(cut >= 0 && cut <= 1)) bad('cutBodyFraction', cut);
  if (rate !== undefined && !(rate > 0)) bad('rateBytesPerSec', rate);
  if (faults.burstMs !== undefined && !(faults.burstMs >= 0)) bad('burstMs', faults.burstMs);
  if (refuseHead !== undefined && ![403, 405, 501].includes(refuseHead)) bad('refuseHead', refuseHead);
  if (status !== undefined && !(Number.isInteger(status) && status >= 200 && status <= 599)) bad('status', status);
  if (failFirst !== undefined && !(Number.isInteger(failFirst.count) && failFirst.status >= 200)) bad('failFirstRequests', failFirst);
  if (wrong !== undefined && (!['whole', 'shifted'].includes(wrong.shape) || (wrong.count !== undefined && !(Number.isSafeInteger(wrong.count) && wrong.count >= 0)))) {
    bad('wrongContentRange', wrong);
  }
  for (const name of ['changeAfterBodyBytes', 'stallAfterBodyBytes'] as const) {
    const value = faults[name];
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) bad(name, value);
  }
}

/** What one version of the file looks like in headers. */
interface Representation {
  etag: string;
  lastModified: string;
  lastModifiedMs: number;
  /** The MD5 advertised (wrong when `wrongMd5`). */
  md5: Buffer;
}

/** Where a body starts and stops sending early: at `cutAt` (reset) or `stallAt` (hang), relative to the body. */
interface BodyPlan {
  version: number;
  start: number;
  end: number;
  cutAt: number | null;
  stallAt: number | null;
}

class LoopbackOrigin implements OriginServer {
  readonly stats: OriginStats = { requests: 0, headRequests: 0, getRequests: 0, bodyBytes: 0, ranges: [], bodies: [], cuts: 0, stalls: 0 };
  readonly #startedMs = performance.now();
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #source: ContentSource;
  readonly #md5Header: Md5HeaderKind;
  readonly #seed: number;
  readonly #urlPath: string;
  readonly #md5s = new Map<number, Promise<Buffer>>();
  readonly #sendEtag: boolean;
  readonly #sendLastModified: boolean;
  #wrongSinceFaults = 0;
  #url = '';
  #faults: OriginFaults = {};
  #version = 0;
  #rng: number;
  #bucketAtMs = 0;
  #servedSinceFaults = 0;
  #failedSinceFaults = 0;
  #changed = false;
  #stalled = false;
  #scheme: 'http' | 'https' = 'http';
  #outage: ListenerOutage | null = null;

  constructor(source: ContentSource, opts: OriginOptions) {
    this.#source = source;
    this.#md5Header = opts.md5Header ?? 'content-md5';
    this.#seed = opts.seed ?? 1;
    this.#rng = initialState(this.#seed + 0x51ed);
    this.#urlPath = opts.urlPath ?? '/file.bin';
    this.#sendEtag = opts.etag ?? true;
    this.#sendLastModified = opts.lastModified ?? true;
    const handler = (req: IncomingMessage, res: ServerResponse): void => void this.#handle(req, res).catch(() => res.destroy());
    this.#scheme = opts.tls ? 'https' : 'http';
    this.#server = opts.tls ? createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }, handler) : createServer(handler);
    this.#server.on(opts.tls ? 'secureConnection' : 'connection', (socket: Socket) => this.#track(socket));
    this.setFaults(opts.faults ?? {});
  }

  get url(): string {
    return this.#url;
  }

  async listen(host: string): Promise<void> {
    this.#md5s.set(0, md5Of(this.#source, 0));
    await this.#md5s.get(0);
    this.#server.listen(0, host);
    await once(this.#server, 'listening');
    const { port } = this.#server.address() as AddressInfo;
    this.#outage = new ListenerOutage(this.#server, this.#sockets, host, port);
    this.#url = `${this.#scheme}://${host.includes(':') ? `[${host}]` : host}:${port}${this.#urlPath}`;
  }

  setFaults(faults: OriginFaults): void {
    checkFaults(faults);
    this.#faults = { ...faults };
    this.#servedSinceFaults = 0;
    this.#failedSinceFaults = 0;
    this.#wrongSinceFaults = 0;
    this.#changed = false;
    this.#stalled = false;
  }

  goDown(durationMs: number): Promise<void> {
    if (this.#outage === null) throw new TypeError('goDown: the origin is not listening yet');
    return this.#outage.goDown(durationMs);
  }

  whenUp(): Promise<void> {
    return this.#outage?.whenUp() ?? Promise.resolve();
  }

  async close(): Promise<void> {
    this.#outage?.close();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.stats.requests++;
    const isHead = req.method === 'HEAD';
    if (isHead) this.stats.headRequests++;
    if (req.method === 'GET') this.#countGet(req);
    const status = this.#earlyStatus(req, isHead);
    if (status !== null) return this.#sendStatus(res, status, isHead);
    this.#maybeChange();
    const version = this.#version;
    const rep = await this.#representation(version);
    if (this.#preconditionFails(req, rep)) return this.#sendStatus(res, 412, isHead);
    const asked = isHead ? null : this.#chooseRange(req, rep);
    const range = asked === null || asked === 'unsatisfiable' ? asked : this.#misanswer(asked);
    if (range === 'unsatisfiable') {
      res.setHeader('content-range', `bytes */${this.#source.size}`);
      return this.#sendStatus(res, 416, false);
    }
    this.#writeHead(res, rep, range);
    if (isHead) return void res.end();
    const { start, end } = range ?? { start: 0, end: this.#source.size };
    await this.#sendBody(res, this.#planBody(version, start, end));
  }

  #countGet(req: IncomingMessage): void {
    this.stats.getRequests++;
    const range = req.headers.range;
    if (range !== undefined) this.stats.ranges.push(range);
  }

  /** A status that answers the request before any representation logic, or null. */
  #earlyStatus(req: IncomingMessage, isHead: boolean): number | null {
    if (!isHead && req.method !== 'GET') return 405;
    const path = (req.url ?? '').split('?')[0];
    if (path !== this.#urlPath) return 404;
    const faults = this.#faults;
    if (faults.status !== undefined) return faults.status;
    if (isHead) return faults.refuseHead ?? null;
    const failFirst = faults.failFirstRequests;
    if (failFirst !== undefined && this.#failedSinceFaults < failFirst.count) {
      this.#failedSinceFaults++;
      return failFirst.status;
    }
    return null;
  }

  #maybeChange(): void {
    const limit = this.#faults.changeAfterBodyBytes;
    if (limit === undefined || this.#changed || this.#servedSinceFaults < limit) return;
    this.#changed = true;
    this.#version++;
  }

  async #representation(version: number): Promise<Representation> {
    let md5Promise = this.#md5s.get(version);
    if (md5Promise === undefined) {
      md5Promise = md5Of(this.#source, version);
      this.#md5s.set(version, md5Promise);
    }
    const real = await md5Promise;
    const md5 = this.#faults.wrongMd5 === true ? createHash('md5').update(real).digest() : real;
    let etag = `"v${version + 1}-${this.#seed}"`;
    if (this.#faults.multipartEtag === true) etag = `"${createHash('md5').update(md5).update('parts').digest('hex')}-3"`;
    else if (this.#md5Header === 'etag') etag = `"${md5.toString('hex')}"`;
    const lastModifiedMs = Date.UTC(2024, 0, 1) + version * 60_000;
    return { etag, lastModified: new Date(lastModifiedMs).toUTCString(), lastModifiedMs, md5 };
  }

  /**
   * RFC 9110 §13.2.2: `If-Match` (strong; a tag never matches without an ETag, `*` always does),
   * else `If-Unmodified-Since` (when Last-Modified is sent: fails once the content changed after
   * that date).
   */
  #preconditionFails(req: IncomingMessage, rep: Representation): boolean {
    const ifMatch = req.headers['if-match'];
    if (ifMatch !== undefined) return !etagListMatches(ifMatch, this.#sendEtag ? rep.etag : null);
    const since = Date.parse(req.headers['if-unmodified-since'] ?? '');
    return this.#sendLastModified && !Number.isNaN(since) && rep.lastModifiedMs > since;
  }

  /** The range sent for `asked`: another one while `wrongContentRange` is on. */
  #misanswer(asked: ByteRange): ByteRange {
    const wrong = this.#faults.wrongContentRange;
    if (wrong === undefined || (wrong.count !== undefined && this.#wrongSinceFaults >= wrong.count)) return asked;
    this.#wrongSinceFaults++;
    return wrongRange(asked, this.#source.size, wrong.shape);
  }

  /** The range to send: null for the whole body. */
  #chooseRange(req: IncomingMessage, rep: Representation): ByteRange | 'unsatisfiable' | null {
    const header = req.headers.range;
    if (header === undefined || this.#faults.ignoreRange === true || this.#faults.noRanges === true) return null;
    const ifRange = req.headers['if-range'];
    const validators = [this.#sendEtag ? rep.etag : null, this.#sendLastModified ? rep.lastModified : null];
    if (ifRange !== undefined && !validators.includes(String(ifRange))) return null;
    return parseRangeHeader(header, this.#source.size);
  }

  #writeHead(res: ServerResponse, rep: Representation, range: ByteRange | null): void {
    const size = this.#source.size;
    res.statusCode = range === null ? 200 : 206;
    res.setHeader('content-type', 'application/octet-stream');
    res.setHeader('content-length', range === null ? size : range.end - range.start);
    if (range !== null) res.setHeader('content-range', `bytes ${range.start}-${range.end - 1}/${size}`);
    // A server that ignores Range does not advertise it (Python's http.server sends no Accept-Ranges).
    if (this.#faults.noRanges !== true && this.#faults.ignoreRange !== true) res.setHeader('accept-ranges', 'bytes');
    if (this.#sendEtag) res.setHeader('etag', rep.etag);
    if (this.#sendLastModified) res.setHeader('last-modified', rep.lastModified);
    const header = md5HeaderLine(this.#md5Header, rep.md5, range === null);
    if (header !== null) res.setHeader(header[0], header[1]);
  }

  #planBody(version: number, start: number, end: number): BodyPlan {
    const length = end - start;
    const faults = this.#faults;
    let cutAt: number | null = null;
    if ((faults.cutBodyFraction ?? 0) > 0 && length >= 2 && this.#random() < (faults.cutBodyFraction ?? 0)) {
      cutAt = 1 + Math.floor(this.#random() * (length - 1));
    }
    let stallAt: number | null = null;
    const stallAfter = faults.stallAfterBodyBytes;
    if (cutAt === null && stallAfter !== undefined && !this.#stalled && length > stallAfter) {
      this.#stalled = true;
      stallAt = stallAfter;
    }
    return { version, start, end, cutAt, stallAt };
  }

  async #sendBody(res: ServerResponse, plan: BodyPlan): Promise<void> {
    const abort = new AbortController();
    res.once('close', () => abort.abort());
    const stopAt = plan.start + (plan.cutAt ?? plan.stallAt ?? plan.end - plan.start);
    const rate = this.#faults.rateBytesPerSec;
    const chunkBytes = rate === undefined ? BIG_CHUNK_BYTES : Math.max(1024, Math.min(64 * 1024, Math.floor(rate / 20)));
    const startMs = performance.now() - this.#startedMs;
    let at = plan.start;
    try {
      for await (const chunk of this.#source.chunks(plan.start, stopAt, plan.version, chunkBytes)) {
        await this.#throttle(chunk.length, abort.signal);
        at += chunk.length;
        await this.#write(res, chunk, plan.cutAt !== null && at >= stopAt, abort.signal);
      }
      if (plan.cutAt !== null) {
        this.stats.cuts++;
        res.socket?.resetAndDestroy();
      } else if (plan.stallAt !== null) {
        this.stats.stalls++;
        if (!res.destroyed) await once(res, 'close');
      } else {
        res.end();
      }
    } catch (err) {
      if (!abort.signal.aborted) throw err;
    } finally {
      const endMs = performance.now() - this.#startedMs;
      this.stats.bodies.push({ startMs, endMs, client: res.socket?.remoteAddress ?? '?', offset: plan.start, sentBytes: at - plan.start });
    }
  }

  /** Writes with backpressure; `flush` waits until the chunk reached the socket. */
  async #write(res: ServerResponse, chunk: Buffer, flush: boolean, signal: AbortSignal): Promise<void> {
    if (res.destroyed) throw signal.reason ?? new Error('response closed');
    let flushed: Promise<void> | null = null;
    let ok: boolean;
    if (flush) {
      flushed = new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => resolve(), { once: true });
        res.write(chunk, () => resolve());
      });
      ok = true;
    } else {
      ok = res.write(chunk);
    }
    this.stats.bodyBytes += chunk.length;
    this.#servedSinceFaults += chunk.length;
    if (flushed !== null) await flushed;
    if (!ok) await once(res, 'drain', { signal });
  }

  async #throttle(bytes: number, signal: AbortSignal): Promise<void> {
    const rate = this.#faults.rateBytesPerSec;
    if (rate === undefined) return;
    const nowMs = performance.now();
    this.#bucketAtMs = Math.max(this.#bucketAtMs, nowMs - (this.#faults.burstMs ?? BURST_MS)) + (bytes * 1000) / rate;
    const waitMs = this.#bucketAtMs - nowMs;
    if (waitMs > 0) await sleep(waitMs, undefined, { signal });
  }

  #random(): number {
    this.#rng = xorshift32(this.#rng);
    return (this.#rng >>> 0) / 2 ** 32;
  }

  #sendStatus(res: ServerResponse, status: number, isHead: boolean): void {
    const text = Buffer.from(`${status} ${STATUS_CODES[status] ?? 'Status'}\n`);
    res.statusCode = status;
    if (status === 405) res.setHeader('allow', 'GET, HEAD');
    res.setHeader('content-type', 'text/plain');
    res.setHeader('content-length', text.length);
    if (isHead) return void res.end();
    this.stats.bodyBytes += text.length;
    res.end(text);
  }
}

/** Strong comparison of an If-Match list (`*` matches anything; weak tags never match; no ETag: only `*`). */
function etagListMatches(header: string, etag: string | null): boolean {
  return header.split(',').some((item) => {
    const tag = item.trim();
    return tag === '*' || tag === etag;
  });
}

/**
 * The header that carries `md5` for `kind`, or null. Content-MD5 and Digest describe the body of
 * the response they are on, so they are sent only with the whole body (`wholeBody`).
 */
function md5HeaderLine(kind: Md5HeaderKind, md5: Buffer, wholeBody: boolean): [string, string] | null {
  const b64 = md5.toString('base64');
  switch (kind) {
    case 'content-md5': return wholeBody ? ['content-md5', b64] : null;
    case 'digest': return wholeBody ? ['digest', `MD5=${b64}`] : null;
    case 'x-ms-blob-content-md5': return ['x-ms-blob-content-md5', b64];
    case 'x-goog-hash': return ['x-goog-hash', `crc32c=AAAAAA==,md5=${b64}`];
    case 'repr-digest': return ['repr-digest', `md5=:${b64}:`];
    case 'x-amz-meta-md5': return ['x-amz-meta-md5', md5.toString('hex')];
    case 'etag':
    case 'none': return null;
  }
}

/**
 * Starts an origin on a free loopback port and resolves once it listens (after hashing the
 * content, which for a multi-GB `{path}` takes a few seconds). Throws TypeError on bad options.
 */
export async function startOrigin(opts: OriginOptions): Promise<OriginServer> {
  const kind = opts.md5Header ?? 'content-md5';
  if (!MD5_KINDS.includes(kind)) throw new TypeError(`startOrigin: unknown md5Header ${JSON.stringify(kind)}`);
  if (kind === 'etag' && opts.etag === false) throw new TypeError('startOrigin: md5Header "etag" needs an ETag, got etag: false');
  const urlPath = opts.urlPath ?? '/file.bin';
  if (!urlPath.startsWith('/')) throw new TypeError(`startOrigin: urlPath must start with "/", got ${JSON.stringify(urlPath)}`);
  const origin = new LoopbackOrigin(await openSource(opts.content), opts);
  await origin.listen(opts.host ?? '127.0.0.1');
  return origin;
}
