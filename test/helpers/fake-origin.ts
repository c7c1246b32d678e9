/**
 * An in-memory {@link OriginClient} over one Buffer, for unit tests of what reads an origin (the
 * origin fetcher): ranges are served from memory in chunks of `chunkBytes`, with switches for the
 * faults a real origin has. Every range asked is recorded in {@link FakeOrigin.ranges}.
 *
 * Like `HttpOrigin`: one call is one attempt and throws an {@link OriginError} (`retryable` says
 * whether another may succeed); a read whose ETag no longer matches is a final `ORIGIN_CHANGED`;
 * an origin that ignores Range sends the whole body from byte 0 and says so in `rangesIgnored`
 * from its first answer on; `onData`'s answer is backpressure and a short answer stops the read.
 * Unlike it: no sockets, no timeouts, and an empty answer is not an error (the interface allows a
 * read to come back short) unless `emptyReadIsError` says to answer as `HttpOrigin` does.
 *
 * Not responsible for the retry loop (the caller's). Concurrency: any number of reads at once.
 */
import { OriginError } from '../../src/errors.js';
import { originChangedError, type OriginClient, type OriginInfo, type RangeRead } from '../../src/http-seed/origin-client.js';

/** One range asked of the origin. */
export interface AskedRange {
  readonly start: number;
  readonly endExclusive: number;
  readonly etag: string | null;
}

/** How the fake origin behaves. */
export interface FakeOriginOptions {
  /** Bytes per chunk given to `onData`. @default 4096 */
  readonly chunkBytes?: number;
  /** The file's strong ETag. @default '"fake-v1"' */
  readonly etag?: string | null;
  /** Answer every read with the whole body from byte 0, as an origin that ignores Range. @default false */
  readonly ignoreRanges?: boolean;
  /**
   * As `HttpOrigin`: a read that ends without a byte taken past its start (the body was empty, or
   * `onData` took nothing) throws a retryable `ORIGIN_BAD_RESPONSE`. @default false
   */
  readonly emptyReadIsError?: boolean;
}

/** An origin file held in memory. */
export class FakeOrigin implements OriginClient {
  readonly url = 'http://fake-origin.invalid/file.bin';
  readonly content: Buffer;
  /** Every range asked, in order (failed ones included). */
  readonly ranges: AskedRange[] = [];
  /** Bytes given to `onData` and taken, over all reads. */
  servedBytes = 0;
  /** Set by the first answer of an origin that ignores Range. */
  rangesIgnored = false;
  readonly #chunkBytes: number;
  readonly #etag: string | null;
  readonly #ignoreRanges: boolean;
  readonly #emptyReadIsError: boolean;
  #failures: Array<{ readonly afterBytes: number; readonly error: OriginError }> = [];
  #closed = false;

  /** TypeError when `chunkBytes` is not a positive integer. */
  constructor(content: Buffer, options: FakeOriginOptions = {}) {
    const chunkBytes = options.chunkBytes ?? 4096;
    if (!Number.isSafeInteger(chunkBytes) || chunkBytes <= 0) throw new TypeError(`chunkBytes must be a positive integer, got ${String(chunkBytes)}`);
    this.content = content;
    this.#chunkBytes = chunkBytes;
    this.#etag = options.etag === undefined ? '"fake-v1"' : options.etag;
    this.#ignoreRanges = options.ignoreRanges ?? false;
    this.#emptyReadIsError = options.emptyReadIsError ?? false;
  }

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * The next `count` reads fail with `error` (a retryable `ORIGIN_UNREACHABLE` by default), each
   * after sending `afterBytes` of its range (0: before any byte, as a refused connection).
   */
  failNext(count: number, options: { afterBytes?: number; error?: OriginError } = {}): void {
    if (!Number.isSafeInteger(count) || count < 0) throw new TypeError(`count must be a non-negative integer, got ${String(count)}`);
    const error = options.error ?? new OriginError('ORIGIN_UNREACHABLE', `${this.url}: connection reset (fake)`, { retryable: true });
    for (let i = 0; i < count; i++) this.#failures.push({ afterBytes: options.afterBytes ?? 0, error });
  }

  /** Size, MD5 (none) and ETag of the content. */
  probe(signal: AbortSignal): Promise<OriginInfo> {
    signal.throwIfAborted();
    return Promise.resolve({ url: this.url, kind: 'http', fileBytes: this.content.length, md5: { kind: 'none', multipartEtag: false }, etag: this.#etag, lastModified: null, rangesSupported: !this.#ignoreRanges });
  }

  /** Serves [start, endExclusive) (or the whole body) to `read.onData`; see the module comment. */
  async fetchRange(read: RangeRead): Promise<number> {
    const reached = await this.#serve(read);
    if (this.#emptyReadIsError && reached <= read.start) {
      throw new OriginError('ORIGIN_BAD_RESPONSE', `${this.url} sent an empty body for a range`, { retryable: true });
    }
    return reached;
  }

  async #serve(read: RangeRead): Promise<number> {
    this.ranges.push({ start: read.start, endExclusive: read.endExclusive, etag: read.etag });
    read.signal.throwIfAborted();
    if (read.etag !== null && read.etag !== this.#etag) throw originChangedError(this.url);
    if (this.#ignoreRanges) this.rangesIgnored = true;
    const from = this.#ignoreRanges ? 0 : read.start;
    const to = this.#ignoreRanges ? this.content.length : Math.min(read.endExclusive, this.content.length);
    const failure = this.#failures.shift();
    const stopAt = failure ? Math.min(to, from + failure.afterBytes) : to;
    let offset = from;
    while (offset < stopAt) {
      read.signal.throwIfAborted();
      const chunk = Buffer.from(this.content.subarray(offset, Math.min(stopAt, offset + this.#chunkBytes)));
      const reached = await read.onData(chunk, offset);
      this.servedBytes += Math.max(0, reached - offset);
      if (reached < offset + chunk.length) return reached;
      offset = reached;
    }
    if (failure) throw failure.error;
    return offset;
  }

  /** Marks the origin closed; reads still work (nothing to release). */
  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }
}
