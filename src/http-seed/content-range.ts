/**
 * Byte ranges against an HTTP origin: the `Range` request header, the `Content-Range` response
 * header (RFC 9110 §14), and the check that a response to a ranged GET is the bytes we asked for,
 * of the file we started with.
 *
 * Pure: no I/O. Not responsible for: sending requests, retrying, or reading bodies.
 */

import { headerValues, type HeaderRecord } from './header-values.js';

/** A parsed `Content-Range`: a satisfied range of a file of `totalBytes` (`null` for `*`). */
export interface ContentRange {
  start: number;
  endExclusive: number;
  totalBytes: number | null;
}

/** What {@link parseContentRange} returns: a range, an unsatisfied range (`bytes *\/N`), or `null`. */
export type ParsedContentRange =
  | ({ kind: 'range' } & ContentRange)
  | { kind: 'unsatisfied'; totalBytes: number };

/**
 * The verdict on a response to a ranged GET (see {@link checkRangeResponse}):
 * - `ok`: a 206 with bytes [start, endExclusive); `endExclusive` may be short of the request.
 * - `full-body`: a 200; the server ignored `Range` and the body starts at byte 0.
 * - `unsatisfiable`: a 416; `totalBytes` from its `Content-Range: bytes *\/N` when present.
 * - `precondition-failed`: a 412; `If-Match` failed, so the file changed.
 * - `changed`: the ETag or the total size differs from the expected one.
 * - `bad`: anything else (other statuses, malformed or unexpected `Content-Range`, content coding).
 */
export type RangeCheck =
  | { kind: 'ok'; start: number; endExclusive: number }
  | { kind: 'full-body' }
  | { kind: 'unsatisfiable'; totalBytes: number | null }
  | { kind: 'precondition-failed' }
  | { kind: 'changed'; reason: string }
  | { kind: 'bad'; reason: string };

/** A response as far as these checks need: status and undici-shaped headers. */
export interface RangeResponse {
  status: number;
  headers: HeaderRecord;
}

/** What was asked for: bytes [start, endExclusive) of a file of `expectedTotal` bytes. */
export interface RangeRequest {
  start: number;
  endExclusive: number;
  expectedTotal: number;
  /** The file's strong ETag from the first response, or `null`. A weak one is ignored. */
  expectedEtag: string | null;
  /**
   * The file's `Last-Modified` from the first response, checked only without a strong
   * `expectedEtag` (the request then carried `If-Range` with this date): an answer with another
   * `Last-Modified` is `changed`. @default null
   */
  expectedLastModified?: string | null;
  /**
   * Whether the origin honours Range (the probe said so). With `expectedLastModified` and no
   * strong ETag, a 200 then means the If-Range date no longer matched: `changed`, unless the 200
   * carries that same date (a server that takes the date as too weak to honour the range).
   * @default false
   */
  rangesSupported?: boolean;
}

const DIGITS_RE = /^[0-9]+$/;
/** `bytes 0-99/1000`, `bytes 0-99/*`; the unit is case-insensitive (RFC 9110 §14.1). */
const RANGE_RE = /^bytes ([0-9]+)-([0-9]+)\/([0-9]+|\*)$/i;
const UNSATISFIED_RE = /^bytes \*\/([0-9]+)$/i;
/** RFC 9110 §8.8.3: `"` *etagc `"`, etagc = %x21 / %x23-7E / obs-text. */
const STRONG_ETAG_RE = /^"[\x21\x23-\x7e\x80-\xff]*"$/;

/**
 * The `Range` header value for bytes [start, endExclusive): `bytes=start-(endExclusive-1)`.
 * Throws `TypeError` unless both are safe integers with 0 <= start < endExclusive.
 */
export function formatRange(start: number, endExclusive: number): string {
  if (!isByteOffset(start) || !isByteOffset(endExclusive) || endExclusive <= start) {
    throw new TypeError(`formatRange: expected 0 <= start < endExclusive as safe integers, got start=${String(start)} endExclusive=${String(endExclusive)}`);
  }
  return `bytes=${start}-${endExclusive - 1}`;
}

/**
 * Parses a `Content-Range` value strictly: `bytes 0-99/1000`, `bytes 0-99/*` or `bytes *\/1000`.
 * Digits only, exactly one space, first <= last, last < total, every number a safe integer.
 * Returns `null` for anything else, including `undefined`. Never throws.
 */
export function parseContentRange(value: string | undefined): ParsedContentRange | null {
  if (typeof value !== 'string') return null;
  const unsatisfied = UNSATISFIED_RE.exec(value);
  if (unsatisfied !== null) {
    const totalBytes = parseDigits(unsatisfied[1]);
    return totalBytes === null ? null : { kind: 'unsatisfied', totalBytes };
  }
  const match = RANGE_RE.exec(value);
  if (match === null) return null;
  const first = parseDigits(match[1]);
  const last = parseDigits(match[2]);
  const totalBytes = match[3] === '*' ? null : parseDigits(match[3]);
  if (first === null || last === null || last < first || !Number.isSafeInteger(last + 1)) return null;
  if (match[3] !== '*' && (totalBytes === null || last >= totalBytes)) return null;
  return { kind: 'range', start: first, endExclusive: last + 1, totalBytes };
}

/**
 * Checks a response to a GET of bytes [start, endExclusive) of a file of `expectedTotal` bytes.
 * A 206 must carry a `Content-Range` that starts at `start`, ends at or before `endExclusive`
 * (servers may send less), and names `expectedTotal` (another total means `changed`; `*` is
 * `bad`); its `Content-Length`, when present, must match. 200, 412 and 416 map to their own
 * verdicts; other statuses are `bad` (use `classifyStatus` to decide on a retry).
 *
 * For 200 and 206, the ETag is compared strongly (RFC 9110 §8.8.3.2) when both the response and
 * `expectedEtag` have one: a weak response ETag never matches. Without a strong ETag, the
 * `Last-Modified` is compared with `expectedLastModified` instead (RFC 9110 §13.1.5: If-Range
 * with a date), and a 200 from an origin that honours Range is `changed` (see `rangesSupported`). A `Content-Encoding` other than
 * `identity` is `bad`, as ranges would then count encoded bytes.
 *
 * Throws `TypeError` when `req` is not 0 <= start < endExclusive <= expectedTotal (safe integers).
 * Not responsible for: reading the body or counting its bytes.
 */
export function checkRangeResponse(res: RangeResponse, req: RangeRequest): RangeCheck {
  validateRequest(req);
  if (res.status === 412) return { kind: 'precondition-failed' };
  if (res.status === 416) return { kind: 'unsatisfiable', totalBytes: unsatisfiedTotal(res.headers) };
  if (res.status !== 200 && res.status !== 206) return { kind: 'bad', reason: `unexpected HTTP status ${res.status}` };
  const encoding = contentEncodingProblem(res.headers);
  if (encoding !== null) return { kind: 'bad', reason: encoding };
  const etag = etagProblem(res.headers, req.expectedEtag);
  if (etag !== null) return { kind: 'changed', reason: etag };
  const dated = isStrongEtag(req.expectedEtag) ? null : req.expectedLastModified ?? null;
  const date = dated === null ? null : lastModifiedProblem(res.headers, dated);
  if (date !== null) return { kind: 'changed', reason: date };
  if (res.status === 200 && dated !== null && req.rangesSupported === true && headerValues(res.headers, 'last-modified').length === 0) {
    return { kind: 'changed', reason: `the whole file came back to If-Range: ${dated} from an origin that honours Range` };
  }
  if (res.status === 200) return checkFullBody(res.headers, req);
  return checkPartialBody(res.headers, req);
}

/**
 * The file's size from a response: `Content-Length` of a 200 (HEAD or whole-body GET), or the
 * `Content-Range` total of a 206 (such as the answer to `Range: bytes=0-0`). `null` when unknown,
 * malformed, or when a `Content-Encoding` other than `identity` makes the length not the file's.
 */
export function totalBytesFromResponse(res: RangeResponse): number | null {
  if (contentEncodingProblem(res.headers) !== null) return null;
  if (res.status === 200) return contentLength(res.headers);
  if (res.status !== 206) return null;
  const range = parseContentRange(singleHeader(res.headers, 'content-range') ?? undefined);
  return range?.kind === 'range' ? range.totalBytes : null;
}

/** True for a strong entity tag (RFC 9110 §8.8.3): `"..."` without the `W/` prefix. */
export function isStrongEtag(etag: string | null | undefined): boolean {
  return typeof etag === 'string' && STRONG_ETAG_RE.test(etag);
}

/**
 * The verdict on the answer to the probe's `Range: bytes=0-0` GET (see {@link checkFirstByteResponse}):
 * - `ranges`: a 206 of exactly `bytes 0-0/totalBytes`; the origin honours Range.
 * - `oversized`: a 206 from byte 0 of more than byte 0 (s3rver answers `bytes=0-0` with the
 *   whole file): its headers describe the file (`totalBytes`; `wholeFile` when the range is all
 *   of it, so that body-scoped MD5 headers are the file's), its body is not to be read.
 * - `no-ranges`: a 200; the origin ignores Range (its body is the whole file, not to be read here).
 *   `totalBytes` from its `Content-Length`, `null` when it has none.
 * - `empty`: a 416 without a nonzero total; the file has no byte 0.
 * - `bad`: a 206 of another start, of an unknown total, or malformed; a content coding; another status.
 */
export type FirstByteCheck =
  | { kind: 'ranges'; totalBytes: number }
  | { kind: 'oversized'; totalBytes: number; wholeFile: boolean }
  | { kind: 'no-ranges'; totalBytes: number | null }
  | { kind: 'empty' }
  | { kind: 'bad'; reason: string };

/**
 * What `Accept-Ranges` says (RFC 9110 §14.3): `'bytes'` when `bytes` is among its units, `'none'`
 * when it is present without `bytes` (`none`, or only other units), `null` when absent or empty
 * (Python's http.server sends none): then only a ranged request can tell.
 */
export function acceptRanges(headers: HeaderRecord): 'bytes' | 'none' | null {
  const units = headerValues(headers, 'accept-ranges')
    .flatMap((value) => value.split(','))
    .map((unit) => unit.trim().toLowerCase())
    .filter((unit) => unit !== '');
  if (units.length === 0) return null;
  return units.includes('bytes') ? 'bytes' : 'none';
}

/**
 * Checks the answer to `Range: bytes=0-0`, the probe's one-byte GET, before its body is read: a
 * 206 of exactly `bytes 0-0/N` (and a `Content-Length`, when present, 1) costs one byte to read;
 * a larger one from byte 0 is `oversized` (headers usable, body not to be read), any other `bad`.
 * A 200 means the origin ignores Range. Not responsible for reading or discarding the body, nor for statuses that
 * `classifyStatus` retries or refuses (they are `bad` here).
 */
export function checkFirstByteResponse(res: RangeResponse): FirstByteCheck {
  const encoding = contentEncodingProblem(res.headers);
  if (encoding !== null && (res.status === 200 || res.status === 206)) return { kind: 'bad', reason: encoding };
  if (res.status === 200) return { kind: 'no-ranges', totalBytes: contentLength(res.headers) };
  if (res.status === 416) {
    const total = unsatisfiedTotal(res.headers);
    return total === null || total === 0 ? { kind: 'empty' }
      : { kind: 'bad', reason: `asked for bytes 0-0, got 416 for a file of ${total} bytes` };
  }
  if (res.status !== 206) return { kind: 'bad', reason: `unexpected HTTP status ${res.status}` };
  const raw = singleHeader(res.headers, 'content-range');
  const range = parseContentRange(raw ?? undefined);
  if (range?.kind !== 'range' || range.start !== 0 || range.totalBytes === null) {
    return { kind: 'bad', reason: `asked for bytes 0-0, got ${describeContentRange(raw)}` };
  }
  const length = contentLength(res.headers);
  if (length !== null && length !== range.endExclusive) {
    return { kind: 'bad', reason: `Content-Length ${length} does not match Content-Range ${JSON.stringify(raw)}` };
  }
  if (range.endExclusive === 1) return { kind: 'ranges', totalBytes: range.totalBytes };
  return { kind: 'oversized', totalBytes: range.totalBytes, wholeFile: range.endExclusive === range.totalBytes };
}

function checkFullBody(headers: HeaderRecord, req: RangeRequest): RangeCheck {
  const length = contentLength(headers);
  if (length !== null && length !== req.expectedTotal) {
    return { kind: 'changed', reason: `whole-body response of ${length} bytes, expected ${req.expectedTotal}` };
  }
  return { kind: 'full-body' };
}

function checkPartialBody(headers: HeaderRecord, req: RangeRequest): RangeCheck {
  const raw = singleHeader(headers, 'content-range');
  const range = parseContentRange(raw ?? undefined);
  if (range?.kind !== 'range') return { kind: 'bad', reason: `206 with unusable Content-Range ${JSON.stringify(raw)}` };
  if (range.totalBytes === null) return { kind: 'bad', reason: `206 with unknown total size: ${String(raw)}` };
  if (range.totalBytes !== req.expectedTotal) {
    return { kind: 'changed', reason: `file is now ${range.totalBytes} bytes, expected ${req.expectedTotal}` };
  }
  if (range.start !== req.start || range.endExclusive > req.endExclusive) {
    return { kind: 'bad', reason: `asked for bytes ${req.start}-${req.endExclusive - 1}, got ${String(raw)}` };
  }
  const length = contentLength(headers);
  if (length !== null && length !== range.endExclusive - range.start) {
    return { kind: 'bad', reason: `Content-Length ${length} does not match Content-Range ${String(raw)}` };
  }
  return { kind: 'ok', start: range.start, endExclusive: range.endExclusive };
}

/** A reason when the response ETag does not strongly match a strong `expectedEtag`, else `null`. */
function etagProblem(headers: HeaderRecord, expectedEtag: string | null): string | null {
  if (!isStrongEtag(expectedEtag)) return null;
  const values = headerValues(headers, 'etag');
  if (values.length === 0) return null;
  const etag = values.length === 1 ? values[0]?.trim() : undefined;
  if (etag === expectedEtag) return null;
  return `ETag is now ${values.join(', ')}, expected ${String(expectedEtag)}`;
}

/**
 * A reason when the response's `Last-Modified` is not `expected` (the same instant when both parse
 * as dates, else the same text), else `null`; no `Last-Modified` is no evidence either way.
 */
function lastModifiedProblem(headers: HeaderRecord, expected: string): string | null {
  const values = headerValues(headers, 'last-modified');
  if (values.length === 0) return null;
  const value = values.length === 1 ? values[0]?.trim() ?? '' : '';
  const [atMs, expectedMs] = [Date.parse(value), Date.parse(expected)];
  const same = Number.isNaN(atMs) || Number.isNaN(expectedMs) ? value === expected.trim() : atMs === expectedMs;
  return same ? null : `Last-Modified is now ${values.join(', ')}, expected ${expected}`;
}

function contentEncodingProblem(headers: HeaderRecord): string | null {
  const values = headerValues(headers, 'content-encoding');
  for (const value of values) {
    for (const coding of value.split(',')) {
      const name = coding.trim().toLowerCase();
      if (name !== '' && name !== 'identity') return `response has Content-Encoding ${JSON.stringify(values.join(', '))}`;
    }
  }
  return null;
}

function unsatisfiedTotal(headers: HeaderRecord): number | null {
  const range = parseContentRange(singleHeader(headers, 'content-range') ?? undefined);
  return range?.kind === 'unsatisfied' ? range.totalBytes : null;
}

/** A Content-Range value for a message: quoted, or "no usable Content-Range". */
function describeContentRange(raw: string | null): string {
  return raw === null ? 'no usable Content-Range' : `Content-Range ${JSON.stringify(raw)}`;
}

function contentLength(headers: HeaderRecord): number | null {
  const value = singleHeader(headers, 'content-length');
  return value === null ? null : parseDigits(value);
}

function validateRequest(req: RangeRequest): void {
  const { start, endExclusive, expectedTotal } = req;
  if (!isByteOffset(start) || !isByteOffset(endExclusive) || !isByteOffset(expectedTotal)
    || start >= endExclusive || endExclusive > expectedTotal) {
    throw new TypeError(`checkRangeResponse: expected 0 <= start < endExclusive <= expectedTotal as safe integers, got start=${String(start)} endExclusive=${String(endExclusive)} expectedTotal=${String(expectedTotal)}`);
  }
  if (req.expectedEtag !== null && typeof req.expectedEtag !== 'string') {
    throw new TypeError(`checkRangeResponse: expectedEtag must be a string or null, got ${typeof req.expectedEtag}`);
  }
  const lastModified = req.expectedLastModified;
  if (lastModified !== undefined && lastModified !== null && typeof lastModified !== 'string') {
    throw new TypeError(`checkRangeResponse: expectedLastModified must be a string or null, got ${typeof lastModified}`);
  }
}

/** Decimal digits as a safe integer; `null` for anything else. */
function parseDigits(text: string | undefined): number | null {
  if (text === undefined || !DIGITS_RE.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}

function isByteOffset(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}


/** A header that must appear once, trimmed of surrounding whitespace; `null` otherwise. */
function singleHeader(headers: HeaderRecord, name: string): string | null {
  const values = headerValues(headers, name);
  return values.length === 1 && values[0] !== undefined ? values[0].trim() : null;
}
