/**
 * One HTTP GET whose answer is bounded in time and in bytes before it is read: a deadline over
 * the whole exchange (connect, headers and body), a Content-Length over the cap refused unread,
 * and a body without one (chunked) read only up to the cap, after which the response, and with it
 * the connection, is destroyed.
 *
 * A shell over undici (a Dispatcher's `request`, the one the bundle's slim undici keeps). Not
 * responsible for: what the body means, retries. Concurrency: any number at once on one
 * dispatcher. Never rejects: every ending is a {@link CappedGetResult}.
 */
import type { Dispatcher } from 'undici';
import { safeErrorCode } from './tracker-plan.js';

/** How a {@link cappedGet} ended. */
export type CappedGetResult =
  | { readonly kind: 'body'; readonly statusCode: number; readonly body: Buffer }
  /** A status outside 2xx; the body is not read. */
  | { readonly kind: 'status'; readonly statusCode: number }
  | { readonly kind: 'too-large' }
  | { readonly kind: 'timeout' }
  /** `signal` was aborted. */
  | { readonly kind: 'aborted' }
  | { readonly kind: 'error'; readonly code: string };

/** What {@link cappedGet} takes besides the URL. */
export interface CappedGetOptions {
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
  /** Aborts the request (the result is then `aborted`). */
  readonly signal?: AbortSignal;
  readonly headers?: Readonly<Record<string, string>>;
}

type Body = Dispatcher.ResponseData['body'];

/** The body of a 2xx answer, or `too-large` once it is over `maxBodyBytes`. */
async function readCapped(body: Body, headers: Dispatcher.ResponseData['headers'], maxBodyBytes: number): Promise<Buffer | null> {
  const declared = Number(headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBodyBytes) return null;
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBodyBytes) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/** The network error code of `error` (undici's, Node's, or the first of an AggregateError). */
function errorCode(error: unknown): string {
  const seen = error as { code?: unknown; cause?: { code?: unknown }; errors?: { code?: unknown }[] } | null;
  return safeErrorCode(seen?.code ?? seen?.cause?.code ?? seen?.errors?.[0]?.code);
}

/** GETs `url` through `dispatcher`, bounded by `options`. */
export async function cappedGet(dispatcher: Dispatcher, url: URL, options: CappedGetOptions): Promise<CappedGetResult> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), options.timeoutMs);
  timer.unref();
  const signal = options.signal === undefined ? deadline.signal : AbortSignal.any([options.signal, deadline.signal]);
  let body: Body | null = null;
  try {
    const response = await dispatcher.request({
      origin: url.origin, path: `${url.pathname}${url.search}`, method: 'GET', signal,
      headers: { accept: '*/*', ...options.headers }, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs,
    });
    body = response.body;
    if (response.statusCode < 200 || response.statusCode > 299) return { kind: 'status', statusCode: response.statusCode };
    const read = await readCapped(response.body, response.headers, options.maxBodyBytes);
    if (read === null) return { kind: 'too-large' };
    body = null;
    return { kind: 'body', statusCode: response.statusCode, body: read };
  } catch (error) {
    if (options.signal?.aborted === true) return { kind: 'aborted' };
    if (deadline.signal.aborted) return { kind: 'timeout' };
    const code = errorCode(error);
    return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT'
      ? { kind: 'timeout' } : { kind: 'error', code };
  } finally {
    clearTimeout(timer);
    // Unread or over the cap: destroying the body aborts the response and closes its connection
    // (undici then emits an abort error on the body, which nobody else listens to).
    if (body !== null && !body.destroyed) body.on('error', () => undefined).destroy();
  }
}
