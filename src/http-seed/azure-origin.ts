/**
 * The Azure Blob Storage origin (an {@link OriginClient}) through @azure/storage-blob: size, ETag
 * and Content-MD5 from the blob's properties; ranged downloads conditioned on the ETag, so a blob
 * overwritten mid-download is caught (`ORIGIN_CHANGED`, exit 3).
 *
 * The SDK's own retries are off (one try per call): throttling (503 ServerBusy, 500
 * OperationTimedOut) and broken connections come back as retryable {@link OriginError}s, and the
 * session's retry loop applies its backoff, jitter, `--retry-max-time` and `--retries`. A stall
 * (no byte for `stallTimeoutMs` while waiting for the service) fails the attempt as
 * `ORIGIN_STALLED`.
 *
 * Messages never carry credentials: URLs are shown without their query string and every known
 * secret (key, SAS, signature) is removed from SDK and socket messages.
 * Concurrency: any number of calls may run at once.
 */
import type { Readable } from 'node:stream';
import { AnonymousCredential, BlobClient, StorageSharedKeyCredential, type StoragePipelineOptions } from '@azure/storage-blob';
import { OriginError, SwarmError } from '../errors.js';
import { azureSecrets, chooseAzureAuth, describeAzureAuth, type AzureAuth, type AzureEnv } from './azure-auth.js';
import { classifyAzureFailure } from './azure-failure.js';
import { isStrongEtag } from './content-range.js';
import type { Md5Lookup } from './md5-header.js';
import { feedBody, originChangedError, type OriginClient, type OriginInfo, type RangeRead } from './origin-client.js';
import { redactSecrets, redactUrl } from './redact.js';
import { tlsFailureError } from './tls-failure.js';

/** Options of {@link AzureOrigin}. */
export interface AzureOriginOptions {
  /** No byte for this long fails the attempt as stalled. */
  readonly stallTimeoutMs: number;
  /** The Azure variables of the environment, for credentials. */
  readonly env: AzureEnv;
}

const MD5_BYTES = 16;

/** A timer that aborts its signal when armed for `ms` without a `disarm()`. */
class StallWatch {
  readonly #controller = new AbortController();
  readonly #ms: number;
  #timer: NodeJS.Timeout | null = null;

  constructor(ms: number) {
    this.#ms = ms;
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get fired(): boolean {
    return this.#controller.signal.aborted;
  }

  arm(): void {
    this.disarm();
    this.#timer = setTimeout(() => this.#controller.abort(new Error('stalled')), this.#ms);
  }

  disarm(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}

/** The client, with credentials placed as the auth asks. */
function makeClient(url: URL, auth: AzureAuth): BlobClient {
  const pipeline: StoragePipelineOptions = {
    retryOptions: { maxTries: 1 },
    keepAliveOptions: { enable: true },
    userAgentOptions: { userAgentPrefix: 'swarm/0.1' },
  };
  switch (auth.kind) {
    case 'shared-key':
      return new BlobClient(url.href, new StorageSharedKeyCredential(auth.account, auth.key), pipeline);
    case 'connection-string-sas': {
      const withSas = new URL(url.href);
      for (const [name, value] of new URLSearchParams(auth.sas)) withSas.searchParams.set(name, value);
      return new BlobClient(withSas.href, new AnonymousCredential(), pipeline);
    }
    default:
      return new BlobClient(url.href, new AnonymousCredential(), pipeline);
  }
}

/** An Azure blob reached through the SDK. */
export class AzureOrigin implements OriginClient {
  readonly url: string;
  readonly rangesIgnored = false;
  readonly #client: BlobClient;
  readonly #auth: AzureAuth;
  readonly #secrets: string[];
  readonly #stallTimeoutMs: number;

  /** Throws {@link UsageError} when the environment's credentials cannot be read. */
  constructor(url: string, options: AzureOriginOptions) {
    const parsed = new URL(url);
    this.url = url;
    this.#auth = chooseAzureAuth(parsed, options.env);
    this.#secrets = azureSecrets(parsed, this.#auth, options.env);
    this.#stallTimeoutMs = options.stallTimeoutMs;
    this.#client = makeClient(parsed, this.#auth);
  }

  /** Size, Content-MD5 and ETag from the blob's properties. */
  async probe(signal: AbortSignal): Promise<OriginInfo> {
    const watch = new StallWatch(this.#stallTimeoutMs);
    watch.arm();
    try {
      const props = await this.#client.getProperties({ abortSignal: AbortSignal.any([signal, watch.signal]) });
      if (typeof props.contentLength !== 'number' || !Number.isSafeInteger(props.contentLength) || props.contentLength < 0) {
        throw new OriginError('ORIGIN_BAD_RESPONSE', `${redactUrl(this.url)} sent no blob size; check that the URL names a blob`);
      }
      const md5 = props.contentMD5;
      const lookup: Md5Lookup = md5 !== undefined && md5.length === MD5_BYTES
        ? { kind: 'found', found: { md5: Buffer.from(md5), source: 'x-ms-blob-content-md5' } }
        : { kind: 'none', multipartEtag: false };
      const etag = props.etag ?? null;
      return { url: this.url, kind: 'azure', fileBytes: props.contentLength, md5: lookup, etag: isStrongEtag(etag) ? etag : null, lastModified: props.lastModified?.toUTCString() ?? null, rangesSupported: true };
    } catch (err) {
      throw this.#error(err, signal, watch);
    } finally {
      watch.disarm();
    }
  }

  /** Streams [start, endExclusive) with one conditional ranged download. */
  async fetchRange(read: RangeRead): Promise<number> {
    const watch = new StallWatch(this.#stallTimeoutMs);
    let offset = read.start;
    let body: NodeJS.ReadableStream | undefined;
    watch.arm();
    try {
      const res = await this.#client.download(read.start, read.endExclusive - read.start, {
        abortSignal: AbortSignal.any([read.signal, watch.signal]),
        conditions: read.etag === null ? {} : { ifMatch: read.etag },
        maxRetryRequests: 0,
      });
      body = res.readableStreamBody;
      if (read.etag !== null && res.etag !== undefined && res.etag !== read.etag) throw originChangedError(this.url);
      if (body === undefined) throw new OriginError('ORIGIN_BAD_RESPONSE', `${redactUrl(this.url)} sent no body for a range`, { retryable: true });
      // The stall clock runs only while waiting for the service, not while onData waits (rate limit).
      offset = await feedBody(body as Readable, read.start, read.onData, { arrived: () => watch.disarm(), fed: () => watch.arm() });
    } catch (err) {
      throw this.#error(err, read.signal, watch, body !== undefined);
    } finally {
      watch.disarm();
      (body as { destroy?: () => void } | undefined)?.destroy?.();
    }
    if (offset <= read.start) {
      throw new OriginError('ORIGIN_BAD_RESPONSE', `${redactUrl(this.url)} sent an empty body for a range`, { retryable: true });
    }
    return offset;
  }

  /**
   * Turns whatever the SDK threw into one {@link OriginError} without secrets. Once the body
   * streams (`midBody`), any failure that is not ours (abort, stall) is a broken connection the
   * SDK reports in its own words (a short body, an aborted source): retryable.
   */
  #error(err: unknown, signal: AbortSignal, watch: StallWatch, midBody = false): unknown {
    if (signal.aborted) return signal.reason ?? err;
    if (err instanceof SwarmError) return err;
    if (watch.fired) {
      return new OriginError('ORIGIN_STALLED', `${redactUrl(this.url)} sent nothing for ${this.#stallTimeoutMs / 1000}s`, { retryable: true });
    }
    const failure = err as { statusCode?: unknown; code?: unknown; message?: unknown; response?: { headers?: { get?: (name: string) => string | undefined } } } | null;
    const statusCode = typeof failure?.statusCode === 'number' ? failure.statusCode : undefined;
    const errorCode = statusCode !== undefined && typeof failure?.code === 'string' ? failure.code : undefined;
    const verdict = classifyAzureFailure({ statusCode, errorCode, error: err });
    if (verdict === 'changed') return originChangedError(this.url);
    if (statusCode !== undefined) {
      const hint = statusCode === 404 ? '; check the account, container and blob names in the URL'
        : statusCode === 401 || statusCode === 403 ? `; check the credentials (used: ${describeAzureAuth(this.#auth)})`
        : '';
      return new OriginError('ORIGIN_HTTP_STATUS', `${redactUrl(this.url)} answered HTTP ${statusCode}${errorCode ? ` ${errorCode}` : ''}${hint}`, {
        retryable: verdict === 'retry',
        retryAfter: failure?.response?.headers?.get?.('retry-after'),
      });
    }
    const refusedCertificate = tlsFailureError(this.url, err, Date.now());
    if (refusedCertificate !== null) return refusedCertificate;
    const detail = redactSecrets(typeof failure?.message === 'string' ? failure.message : String(err), this.#secrets);
    if (midBody) return new OriginError('ORIGIN_UNREACHABLE', `the connection to ${redactUrl(this.url)} broke during a range: ${detail}`, { retryable: true });
    return new OriginError('ORIGIN_UNREACHABLE', `cannot reach ${redactUrl(this.url)}: ${detail}`, { retryable: verdict === 'retry' });
  }

  /** Nothing to close: idle keep-alive sockets do not hold the process. */
  async close(): Promise<void> {
    // The SDK's agent keeps idle sockets unreferenced; there is no handle to close.
  }
}
