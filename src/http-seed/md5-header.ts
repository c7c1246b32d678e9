/**
 * Finds the MD5 an HTTP origin publishes for a file: the file's swarm key.
 *
 * Pure: no I/O. Reads a header record of undici's shape (lower-case names; a repeated header is an
 * array) and returns a value; it never throws on what an origin sends, it skips what it cannot
 * read and tries the next source.
 *
 * Not responsible for: choosing between a `--md5` flag and the headers (source `'flag'` is set by
 * the caller), fetching, or deciding what to do when no MD5 is found.
 */
import { headerValues, type HeaderRecord } from './header-values.js';

/** Where an MD5 came from, in the order {@link md5FromHeaders} tries the headers; `'flag'` is the CLI's. */
export type Md5Source =
  | 'content-md5'
  | 'x-ms-blob-content-md5'
  | 'x-goog-hash'
  | 'repr-digest'
  | 'digest'
  | 'etag'
  | 'x-amz-meta-md5'
  | 'x-amz-meta-content-md5'
  | 'flag';

/** An MD5 and the header it was read from. `md5` is always 16 bytes. */
export interface Md5Found {
  md5: Buffer;
  source: Md5Source;
}

/**
 * The outcome of looking at an origin response. `multipartEtag` is true when the ETag looks like
 * `"<32 hex>-<parts>"`: an S3 multipart upload, whose ETag is an MD5 of MD5s and not the file's
 * MD5, which lets the caller say why no MD5 was found.
 */
export type Md5Lookup =
  | { kind: 'found'; found: Md5Found }
  | { kind: 'none'; multipartEtag: boolean };

export type { HeaderRecord } from './header-values.js';

const MD5_BYTES = 16;
const HEX_RE = /^[0-9a-fA-F]{32}$/;
/** 16 bytes in base64: 21 free characters, then one whose low 4 bits are zero, then optional `==`. */
const BASE64_RE = /^[A-Za-z0-9+/]{21}[AQgw](?:==)?$/;
const STRONG_MD5_ETAG_RE = /^"([0-9a-fA-F]{32})"$/;
const MULTIPART_ETAG_RE = /^"[0-9a-fA-F]{32}-[0-9]+"$/;
/** An RFC 8941 dictionary key. */
const SF_KEY_RE = /^[a-z*][a-z0-9_\-.*]*$/;
/** An RFC 8941 byte sequence, with optional parameters after it. */
const SF_BYTES_RE = /^:([A-Za-z0-9+/=]*):(?:;.*)?$/;

/** Which text forms a header may use for its MD5. */
type Md5Form = 'hex-or-base64' | 'base64';

/**
 * Parses an MD5 written as 32 hex digits (any case) or as base64 of 16 bytes (24 characters with
 * `==` padding, or 22 without). Returns `null` for anything else, including surrounding whitespace
 * and base64 whose unused low bits are not zero (not the canonical encoding of any 16 bytes).
 */
export function parseMd5Text(text: string): Buffer | null {
  if (typeof text !== 'string') return null;
  if (HEX_RE.test(text)) return Buffer.from(text, 'hex');
  if (BASE64_RE.test(text)) return Buffer.from(text, 'base64');
  return null;
}

/** Lower-case hex of an MD5. Throws `TypeError` unless `md5` is a 16-byte Buffer. */
export function md5Hex(md5: Buffer): string {
  if (!Buffer.isBuffer(md5) || md5.length !== MD5_BYTES) {
    throw new TypeError(`md5Hex: expected a 16-byte Buffer, got ${describe(md5)}`);
  }
  return md5.toString('hex');
}

/**
 * Looks for the file's MD5 in an origin response's headers. The first valid source wins, in
 * this order:
 *
 * 1. `content-md5` (RFC 1864; base64, or 32 hex as some servers send) — body-scoped.
 * 2. `x-ms-blob-content-md5` (Azure; base64) — whole blob.
 * 3. `x-goog-hash` (GCS; `crc32c=...,md5=BASE64`, possibly as several values) — whole object.
 * 4. `repr-digest` (RFC 9530 dictionary, `md5=:BASE64:`) — the whole representation, also on a 206.
 * 5. `digest` (RFC 3230, `MD5=BASE64`, algorithm case-insensitive; hex accepted) — body-scoped.
 * 6. `x-amz-meta-md5`, then `x-amz-meta-content-md5` (S3 user metadata; hex or base64) — whole object.
 * 7. `etag` when it is exactly a strong `"<32 hex>"` (S3 single-part uploads) — whole object.
 *    Weak ETags never count; `"<32 hex>-<n>"` is an S3 multipart ETag and sets `multipartEtag`.
 *
 * Body-scoped headers (`content-md5`, `digest`) describe the bytes of that response's body, so
 * they are ignored when `opts.wholeBody` is false (a 206 carrying part of the file). `repr-digest`
 * describes the selected representation (the whole file) even on a 206, so it is always used.
 * A header that is present but malformed, or repeated with disagreeing values, is skipped.
 *
 * Not responsible for: content codings. A body-scoped MD5 of a gzip-encoded response is the MD5
 * of the encoded bytes; the caller asks for `Accept-Encoding: identity`. A 32-hex ETag is trusted
 * as an MD5 (it is not one for S3 objects encrypted with SSE-KMS), which is why it comes last.
 */
export function md5FromHeaders(headers: HeaderRecord, opts: { wholeBody: boolean }): Md5Lookup {
  const found = findMd5(headers, opts.wholeBody);
  if (found !== null) return { kind: 'found', found };
  const etag = singleValue(headerValues(headers, 'etag'));
  return { kind: 'none', multipartEtag: etag !== null && MULTIPART_ETAG_RE.test(etag) };
}

/** Tries each source in order; returns the first MD5 found. */
function findMd5(headers: HeaderRecord, wholeBody: boolean): Md5Found | null {
  const candidates: Array<[Md5Source, Buffer | null]> = [];
  if (wholeBody) candidates.push(['content-md5', plainMd5(headers, 'content-md5', 'hex-or-base64')]);
  candidates.push(['x-ms-blob-content-md5', plainMd5(headers, 'x-ms-blob-content-md5', 'base64')]);
  candidates.push(['x-goog-hash', listedMd5(headerValues(headers, 'x-goog-hash'), 'base64')]);
  candidates.push(['repr-digest', reprDigestMd5(headerValues(headers, 'repr-digest'))]);
  if (wholeBody) candidates.push(['digest', listedMd5(headerValues(headers, 'digest'), 'hex-or-base64')]);
  candidates.push(['x-amz-meta-md5', plainMd5(headers, 'x-amz-meta-md5', 'hex-or-base64')]);
  candidates.push(['x-amz-meta-content-md5', plainMd5(headers, 'x-amz-meta-content-md5', 'hex-or-base64')]);
  candidates.push(['etag', etagMd5(headerValues(headers, 'etag'))]);
  for (const [source, md5] of candidates) {
    if (md5 !== null) return { md5, source };
  }
  return null;
}

/** A header whose whole value is one MD5; repeated values must agree. */
function plainMd5(headers: HeaderRecord, name: string, form: Md5Form): Buffer | null {
  const md5s: Array<Buffer | null> = [];
  for (const value of headerValues(headers, name)) md5s.push(parseInForm(value.trim(), form));
  return agreeing(md5s);
}

/**
 * The `md5` items (the name in any case) of a list header, read in `form`; repeated items must
 * agree. For `x-goog-hash: crc32c=AAAAAA==, md5=BASE64` (values may also arrive as separate
 * headers) and RFC 3230 `Digest: SHA-256=..., MD5=BASE64` (algorithm names are case-insensitive).
 */
function listedMd5(values: readonly string[], form: Md5Form): Buffer | null {
  const md5s: Array<Buffer | null> = [];
  for (const [name, value] of listItems(values)) {
    if (name.toLowerCase() === 'md5') md5s.push(parseInForm(value, form));
  }
  return agreeing(md5s);
}

/**
 * RFC 9530 `Repr-Digest`, an RFC 8941 dictionary such as `sha-256=:...:, md5=:BASE64:`. As RFC
 * 8941 says, a repeated key's last value wins; keys are lower case, so `MD5=` is not a key.
 */
function reprDigestMd5(values: readonly string[]): Buffer | null {
  let md5: Buffer | null = null;
  let seen = false;
  for (const [key, value] of listItems(values)) {
    if (!SF_KEY_RE.test(key)) return null;
    if (key !== 'md5') continue;
    const bytes = SF_BYTES_RE.exec(value);
    seen = true;
    md5 = bytes?.[1] === undefined ? null : parseInForm(bytes[1], 'base64');
  }
  return seen ? md5 : null;
}

/** A strong ETag of exactly 32 hex digits. */
function etagMd5(values: readonly string[]): Buffer | null {
  const etag = singleValue(values);
  const hex = etag === null ? undefined : STRONG_MD5_ETAG_RE.exec(etag)?.[1];
  return hex === undefined ? null : Buffer.from(hex, 'hex');
}

/**
 * Splits comma-separated `name=value` items of all values of a header. The value is split at the
 * first `=` only, as base64 padding contains `=`. Items without `=` get an empty value.
 */
function listItems(values: readonly string[]): Array<[string, string]> {
  const items: Array<[string, string]> = [];
  for (const value of values) {
    for (const rawItem of value.split(',')) {
      const item = rawItem.trim();
      if (item === '') continue;
      const eq = item.indexOf('=');
      if (eq < 0) items.push([item, '']);
      else items.push([item.slice(0, eq).trim(), item.slice(eq + 1).trim()]);
    }
  }
  return items;
}

/** The one MD5 all values agree on; `null` when there are none, one is unreadable, or they differ. */
function agreeing(md5s: ReadonlyArray<Buffer | null>): Buffer | null {
  const first = md5s[0];
  if (first === undefined || first === null) return null;
  for (const md5 of md5s) {
    if (md5 === null || !md5.equals(first)) return null;
  }
  return first;
}

function parseInForm(text: string, form: Md5Form): Buffer | null {
  if (form === 'base64' && !BASE64_RE.test(text)) return null;
  return parseMd5Text(text);
}


/** The value of a header that must appear once, trimmed; `null` when absent or repeated. */
function singleValue(values: readonly string[]): string | null {
  return values.length === 1 && values[0] !== undefined ? values[0].trim() : null;
}

function describe(value: unknown): string {
  if (Buffer.isBuffer(value)) return `a Buffer of ${value.length} bytes`;
  return `${typeof value} ${String(value)}`;
}
