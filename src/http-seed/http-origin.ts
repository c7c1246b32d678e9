/**
 * The HTTP(S) origin (an {@link OriginClient}): learns a file's size and MD5, and streams byte
 * ranges of it. S3 presigned and public URLs come this way too.
 *
 * A thin shell over undici: keep-alive connections, redirects followed (presigned URLs), every
 * ranged GET conditioned on the ETag (`If-Match` and `If-Range`), or without one on the
 * Last-Modified date (`If-Unmodified-Since` and `If-Range`), so a file that changes mid-download
 * is caught at the first answer after the change. No answer is read beyond what was asked.
 * Decisions about headers live in the pure modules beside it (md5-header, content-range,
 * retry-delay).
 *
 * Not responsible for retrying: each call makes one attempt and throws an {@link OriginError}
 * whose `retryable` says whether another attempt may succeed; the session owns the retry loop.
 * Concurrency: any number of calls may run at once, up to `connections` on the wire.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Agent, interceptors, type Dispatcher } from 'undici';
import { OriginError, SwarmError } from '../errors.js';
import { acceptRanges, checkFirstByteResponse, checkRangeResponse, formatRange, isStrongEtag, totalBytesFromResponse, type FirstByteCheck } from './content-range.js';
import { md5FromHeaders } from './md5-header.js';
import { feedBody, originChangedError, type OriginClient, type OriginInfo, type RangeRead } from './origin-client.js';
import { redactSecrets, redactUrl } from './redact.js';
import { classifyNetworkError, classifyStatus } from './retry-delay.js';
import { guardedConnector } from './socket-end-guard.js';
import { tlsFailureError } from './tls-failure.js';

export type { OriginInfo, RangeRead } from './origin-client.js';
export { redactUrl } from './redact.js';

/** Options of {@link HttpOrigin}. */
export interface HttpOriginOptions {
  /** Keep-alive connections to the origin. */
  readonly connections: number;
  /** No byte for this long fails the attempt as stalled. */
  readonly stallTimeoutMs: number;
}

const NO_HEAD_STATUSES = new Set([400, 401, 403, 405, 501]);

type Headers = Readonly<Record<string, string | string[] | undefined>>;

function header(headers: Headers, name: string): string | null {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

/**
 * Whether a Content-MD5 or Digest on a 1-byte 206 answer describes the whole file. RFC 1864
 * says it describes the body, but many servers send the whole file's MD5 on every answer. The
 * body is one byte we hold, so the two cases are told apart by hashing it.
 */
function bodyScopedMd5IsWhole(headers: Headers, body: Buffer, fileBytes: number): boolean {
  if (fileBytes <= 1) return true;
  const whole = md5FromHeaders(headers, { wholeBody: true });
  if (whole.kind !== 'found' || (whole.found.source !== 'content-md5' && whole.found.source !== 'digest')) return false;
  return !whole.found.md5.equals(createHash('md5').update(body).digest());
}

/** Stops reading `body` and closes its connection; the abort it causes is no error to anyone. */
function discardBody(body: Readable): void {
  body.on('error', () => undefined);
  body.destroy();
}

/**
 * The body's bytes when it ends within `maxBytes`; `null` (the body destroyed, the rest unread)
 * when more arrive. Errors of the body reject.
 */
async function readAtMost(body: Readable, maxBytes: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) return null;
      chunks.push(chunk);
    }
  } finally {
    discardBody(body);
  }
  return Buffer.concat(chunks);
}

/** A `Last-Modified` value that is a date, trimmed; else `null` (nothing to condition on). */
function httpDate(value: string | null): string | null {
  const text = value?.trim() ?? '';
  return text !== '' && !Number.isNaN(Date.parse(text)) ? text : null;
}

/**
 * The headers of a ranged GET: `Range`, conditioned on the ETag (`If-Match`, `If-Range`) or,
 * without one, on the Last-Modified date (`If-Unmodified-Since`, `If-Range`; RFC 9110 §13.1.4-5),
 * so a changed file answers 412 or the whole new body instead of bytes of another version.
 */
function conditionalRangeHeaders(read: RangeRead): Record<string, string> {
  const headers: Record<string, string> = { range: formatRange(read.start, read.endExclusive) };
  const validator = read.etag ?? read.lastModified;
  if (validator !== null) {
    headers[read.etag !== null ? 'if-match' : 'if-unmodified-since'] = validator;
    headers['if-range'] = validator;
  }
  return headers;
}

/** `onData` that is never offered a byte at or past `endExclusive`: the read stops there. */
function boundedOnData(onData: RangeRead['onData'], endExclusive: number): RangeRead['onData'] {
  return (chunk, offset) => {
    if (offset >= endExclusive) return offset;
    return onData(offset + chunk.length <= endExclusive ? chunk : chunk.subarray(0, endExclusive - offset), offset);
  };
}

/** An HTTP(S) origin reached through undici. */
export class HttpOrigin implements OriginClient {
  readonly url: string;
  readonly #dispatcher: Dispatcher;
  readonly #stallTimeoutMs: number;
  /** Whether the origin ignores Range: from {@link probe}, and set when a ranged GET gets the whole body. */
  rangesIgnored = false;
  /** What the probe learned: a 200 to a read conditioned on a date then means "changed". */
  #rangesSupported = false;

  constructor(url: string, options: HttpOriginOptions) {
    this.url = url;
    this.#stallTimeoutMs = options.stallTimeoutMs;
    this.#dispatcher = new Agent({
      connections: options.connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      // A slow reader of an origin that closes after its body must not crash undici (see guardedConnector).
      connect: guardedConnector({ timeout: options.stallTimeoutMs }),
    }).compose(interceptors.redirect({ maxRedirections: 10 }));
  }

  /**
   * Learns size, MD5, ETag and whether Range is honoured: HEAD (its `Accept-Ranges` says; without
   * one, no), or a GET of `bytes=0-0` when HEAD is refused. No answer is read beyond what was
   * asked: of a 206 of more than byte 0, or of a 200, only the headers are used.
   * Sets {@link rangesIgnored}.
   */
  async probe(signal: AbortSignal): Promise<OriginInfo> {
    const head = await this.#send('HEAD', {}, signal);
    await head.body.dump().catch(() => undefined);
    const headStatus = classifyStatus(head.statusCode);
    let info: OriginInfo | null = null;
    if (headStatus === 'ok') {
      const fileBytes = totalBytesFromResponse({ status: head.statusCode, headers: head.headers });
      if (fileBytes !== null) info = this.#info(head.headers, fileBytes, true, fileBytes === 0 || this.#headRanges(head.headers));
    } else if (!NO_HEAD_STATUSES.has(head.statusCode)) {
      throw this.#statusError(head.statusCode, head.headers);
    }
    info ??= await this.#probeWithGet(signal);
    this.rangesIgnored = !info.rangesSupported;
    this.#rangesSupported = info.rangesSupported;
    return info;
  }

  /**
   * Whether Range works, after a HEAD: `Accept-Ranges: bytes` says yes; `none`, or no such header
   * (Python's http.server sends none, and servers that honour Range send it), says no. No GET is
   * sent to find out: an origin that ignores Range would answer it with the whole body, and what
   * it pushes before we close costs egress on every host. A wrong "no" costs only speed: the
   * file is fetched as one stream, and a 206 answer corrects it (see `fetchRange`).
   */
  #headRanges(headers: Headers): boolean {
    return acceptRanges(headers) === 'bytes';
  }

  async #probeWithGet(signal: AbortSignal): Promise<OriginInfo> {
    const { check, headers, firstByte } = await this.#getFirstByte(signal);
    switch (check.kind) {
      case 'empty': return this.#info(headers, 0, true, true);
      case 'ranges': return this.#info(headers, check.totalBytes, bodyScopedMd5IsWhole(headers, firstByte, check.totalBytes), true);
      case 'oversized': return this.#info(headers, check.totalBytes, check.wholeFile, true);
      case 'no-ranges':
        if (check.totalBytes === null) {
          throw new OriginError('ORIGIN_BAD_RESPONSE', `${redactUrl(this.url)} sent no file size (no Content-Length or Content-Range); the origin must send one`);
        }
        return this.#info(headers, check.totalBytes, true, false);
    }
  }

  /**
   * GET `bytes=0-0`, bounded by what was asked: a 206 of exactly byte 0 is read for at most one
   * byte; a 206 of more from byte 0 (s3rver's answer) and a 200 (Range ignored) are destroyed
   * unread, their headers serve; anything else is refused unread (retryable
   * `ORIGIN_BAD_RESPONSE` naming the ranges) or is an HTTP status error.
   */
  async #getFirstByte(signal: AbortSignal): Promise<{ check: Exclude<FirstByteCheck, { kind: 'bad' }>; headers: Headers; firstByte: Buffer }> {
    const res = await this.#send('GET', { range: 'bytes=0-0' }, signal);
    const check = checkFirstByteResponse({ status: res.statusCode, headers: res.headers });
    if (check.kind === 'empty') await res.body.dump().catch(() => undefined);
    if (check.kind !== 'ranges') discardBody(res.body);
    if (check.kind === 'bad') {
      if (classifyStatus(res.statusCode) !== 'ok') throw this.#statusError(res.statusCode, res.headers);
      throw new OriginError('ORIGIN_BAD_RESPONSE', `${redactUrl(this.url)} sent a bad answer to Range: bytes=0-0 (${check.reason}); refused without reading its body`, { retryable: true });
    }
    if (check.kind !== 'ranges') return { check, headers: res.headers, firstByte: Buffer.alloc(0) };
    let firstByte: Buffer | null;
    try {
      firstByte = await readAtMost(res.body, 1);
    } catch (err) {
      throw this.#networkError(err, signal);
    }
    if (firstByte === null) {
      throw new OriginError('ORIGIN_BAD_RESPONSE', `${redactUrl(this.url)} sent more than the one byte of bytes 0-0/${check.totalBytes}; refused the rest unread`, { retryable: true });
    }
    return { check, headers: res.headers, firstByte };
  }

  #info(headers: Headers, fileBytes: number, wholeBody: boolean, rangesSupported: boolean): OriginInfo {
    const etag = header(headers, 'etag');
    return {
      url: this.url,
      kind: 'http',
      fileBytes,
      md5: md5FromHeaders(headers, { wholeBody }),
      etag: isStrongEtag(etag) ? etag : null,
      lastModified: httpDate(header(headers, 'last-modified')),
      rangesSupported,
    };
  }

  /**
   * Streams [start, endExclusive) to `read.onData` and resolves with the offset reached, which
   * may be short of `endExclusive` when the origin sent a shorter range or `onData` stopped. A
   * server that ignores Range is coped with: its whole body is fed from byte 0.
   */
  async fetchRange(read: RangeRead): Promise<number> {
    const res = await this.#send('GET', conditionalRangeHeaders(read), read.signal);
    const check = checkRangeResponse({ status: res.statusCode, headers: res.headers }, {
      start: read.start,
      endExclusive: read.endExclusive,
      expectedTotal: read.fileBytes,
      expectedEtag: read.etag,
      expectedLastModified: read.lastModified,
      rangesSupported: this.#rangesSupported,
    });
    if (check.kind !== 'ok' && check.kind !== 'full-body') {
      // A 2xx that is not what was asked (another range, size or version) is not read at all;
      // an error status's short text is skipped (undici stops at 128 KiB) to keep the connection.
      if (res.statusCode === 200 || res.statusCode === 206) discardBody(res.body);
      else await res.body.dump().catch(() => undefined);
      throw this.#rangeError(check, res.statusCode, res.headers);
    }
    if (check.kind === 'full-body') this.rangesIgnored = true;
    // A HEAD without Accept-Ranges was taken for "no Range"; a 206 says otherwise.
    else if (check.kind === 'ok' && res.statusCode === 206) this.rangesIgnored = false;
    return check.kind === 'ok'
      ? this.#stream(res.body, check.start, check.endExclusive, read)
      : this.#stream(res.body, 0, read.fileBytes, read);
  }

  /**
   * Feeds the body, whose bytes are [bodyStart, bodyEnd) of the file by its headers, to
   * `read.onData` until the body ends, reaches `bodyEnd` (a body longer than its headers said is
   * not read further), or `onData` consumes less than it was offered. A whole-body answer (Range
   * ignored) is fed from byte 0: the caller skips what it does not need. The caller bounds the
   * end of what it takes, since a run may grow or shrink while it streams.
   */
  async #stream(body: Dispatcher.ResponseData['body'], bodyStart: number, bodyEnd: number, read: RangeRead): Promise<number> {
    let offset: number;
    try {
      offset = await feedBody(body, bodyStart, boundedOnData(read.onData, bodyEnd));
    } catch (err) {
      throw this.#networkError(err, read.signal);
    } finally {
      discardBody(body);
    }
    if (offset <= read.start) {
      throw new OriginError('ORIGIN_BAD_RESPONSE', `${redactUrl(this.url)} sent an empty body for a range`, { retryable: true });
    }
    return offset;
  }

  async #send(method: 'GET' | 'HEAD', headers: Record<string, string>, signal: AbortSignal): Promise<Dispatcher.ResponseData> {
    try {
      // The dispatcher's own request (not undici's top-level one), so the bundle needs only
      // undici's Agent and core (scripts/build-bundle.js).
      const { origin, pathname, search } = new URL(this.url);
      return await this.#dispatcher.request({
        origin,
        path: `${pathname}${search}`,
        method,
        headers: { ...headers, 'accept-encoding': 'identity', 'user-agent': 'swarm/0.1' },
        signal,
        headersTimeout: this.#stallTimeoutMs,
        bodyTimeout: this.#stallTimeoutMs,
      });
    } catch (err) {
      throw this.#networkError(err, signal);
    }
  }

  #statusError(status: number, headers: Headers): OriginError {
    const retryable = classifyStatus(status) === 'retry';
    const hint = status === 404 || status === 410 ? '; check the URL'
      : status === 401 || status === 403 ? '; check the credentials or the signature in the URL'
      : '';
    return new OriginError('ORIGIN_HTTP_STATUS', `${redactUrl(this.url)} answered HTTP ${status}${hint}`, {
      retryable,
      retryAfter: header(headers, 'retry-after') ?? undefined,
    });
  }

  #rangeError(check: ReturnType<typeof checkRangeResponse>, status: number, headers: Headers): OriginError {
    switch (check.kind) {
      case 'precondition-failed':
      case 'unsatisfiable':
      case 'changed':
        return originChangedError(this.url);
      case 'bad':
        if (classifyStatus(status) !== 'ok') return this.#statusError(status, headers);
        return new OriginError('ORIGIN_BAD_RESPONSE', `${redactUrl(this.url)} sent a bad range response: ${check.reason}`, { retryable: true });
      default:
        return this.#statusError(status, headers);
    }
  }

  #networkError(err: unknown, signal: AbortSignal): unknown {
    if (signal.aborted) return signal.reason ?? err;
    if (err instanceof SwarmError) return err;
    const code = (err as { code?: string } | null)?.code;
    if (code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
      return new OriginError('ORIGIN_STALLED', `${redactUrl(this.url)} sent nothing for ${this.#stallTimeoutMs / 1000}s`, { retryable: true, cause: err });
    }
    const detail = redactSecrets(err instanceof Error ? err.message : String(err));
    const refusedCertificate = tlsFailureError(this.url, err, Date.now());
    if (refusedCertificate !== null) return refusedCertificate;
    return new OriginError('ORIGIN_UNREACHABLE', `cannot reach ${redactUrl(this.url)}: ${detail}`, {
      retryable: classifyNetworkError(err) === 'retry',
      cause: err,
    });
  }

  /** Closes every connection. */
  async close(): Promise<void> {
    await this.#dispatcher.destroy().catch(() => undefined);
  }
}
