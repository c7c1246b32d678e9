import { describe, it, expect } from 'vitest';
import {
  acceptRanges,
  checkFirstByteResponse,
  checkRangeResponse,
  formatRange,
  isStrongEtag,
  parseContentRange,
  totalBytesFromResponse,
} from '../../../src/http-seed/content-range.js';
import type { FirstByteCheck, RangeCheck, RangeRequest } from '../../../src/http-seed/content-range.js';
import type { HeaderRecord } from '../../../src/http-seed/md5-header.js';

const MAX = Number.MAX_SAFE_INTEGER;

describe('formatRange', () => {
  const valid: Array<[number, number, string]> = [
    [0, 1, 'bytes=0-0'],
    [0, 100, 'bytes=0-99'],
    [100, 200, 'bytes=100-199'],
    [4_294_967_296, 8_589_934_592, 'bytes=4294967296-8589934591'],
    [MAX - 1, MAX, `bytes=${MAX - 1}-${MAX - 1}`],
  ];
  it.each(valid)('[%d, %d) -> %s', (start, end, expected) => {
    expect(formatRange(start, end)).toBe(expected);
  });

  const invalid: Array<[number, number]> = [
    [0, 0], [5, 4], [-1, 5], [0, -1], [0.5, 2], [0, 1.5], [Number.NaN, 1], [0, Number.POSITIVE_INFINITY], [0, MAX + 1],
  ];
  it.each(invalid)('[%d, %d) throws TypeError quoting the values', (start, end) => {
    expect(() => formatRange(start, end)).toThrow(TypeError);
    expect(() => formatRange(start, end)).toThrow(String(end));
  });
});

describe('parseContentRange', () => {
  const valid: Array<[string, ReturnType<typeof parseContentRange>]> = [
    ['bytes 0-99/1000', { kind: 'range', start: 0, endExclusive: 100, totalBytes: 1000 }],
    ['bytes 0-0/1', { kind: 'range', start: 0, endExclusive: 1, totalBytes: 1 }],
    ['bytes 999-999/1000', { kind: 'range', start: 999, endExclusive: 1000, totalBytes: 1000 }],
    ['bytes 0-99/*', { kind: 'range', start: 0, endExclusive: 100, totalBytes: null }],
    ['Bytes 0-99/1000', { kind: 'range', start: 0, endExclusive: 100, totalBytes: 1000 }],
    ['bytes 007-009/010', { kind: 'range', start: 7, endExclusive: 10, totalBytes: 10 }],
    ['bytes 4294967296-8589934591/10000000000', { kind: 'range', start: 4_294_967_296, endExclusive: 8_589_934_592, totalBytes: 10_000_000_000 }],
    [`bytes 0-${MAX - 2}/${MAX - 1}`, { kind: 'range', start: 0, endExclusive: MAX - 1, totalBytes: MAX - 1 }],
    [`bytes 0-${MAX - 1}/${MAX}`, { kind: 'range', start: 0, endExclusive: MAX, totalBytes: MAX }],
    ['bytes */1000', { kind: 'unsatisfied', totalBytes: 1000 }],
    ['bytes */0', { kind: 'unsatisfied', totalBytes: 0 }],
  ];
  it.each(valid)('%j', (value, expected) => {
    expect(parseContentRange(value)).toEqual(expected);
  });

  const malformed: Array<[string | undefined]> = [
    [undefined], [''], ['bytes'], ['bytes '], ['0-99/1000'], ['bytes=0-99/1000'], ['items 0-99/1000'],
    [' bytes 0-99/1000'], ['bytes 0-99/1000 '], ['bytes  0-99/1000'], ['bytes 0 -99/1000'], ['bytes 0- 99/1000'],
    ['bytes 0-99 /1000'], ['bytes 0-99/ 1000'], ['bytes\t0-99/1000'],
    ['bytes -1-99/1000'], ['bytes 0--99/1000'], ['bytes 0-99/-1000'], ['bytes +0-99/1000'],
    ['bytes 100-99/1000'], ['bytes 0-1000/1000'], ['bytes 0-1001/1000'], ['bytes 0-0/0'],
    ['bytes 0x0-0x10/100'], ['bytes 0-99/1e3'], ['bytes 0.0-99/1000'], ['bytes a-b/c'], ['bytes 0-99'],
    ['bytes 0-99/1000/2000'], ['bytes 0-99,200-299/1000'], ['bytes */*'], ['bytes */'], ['bytes *-99/1000'],
    ['bytes */-1'], ['bytes */1.5'], ['bytes ０-99/1000'],
    [`bytes 0-99/${MAX + 1}`], [`bytes 0-${MAX}/*`], [`bytes 0-${MAX}/${MAX + 2}`], ['bytes 0-99/99999999999999999999'],
    ['bytes 99999999999999999999-99999999999999999999/*'], [`bytes */${MAX + 1}`], [`bytes */${'9'.repeat(400)}`],
  ];
  it.each(malformed)('%j -> null', (value) => {
    expect(parseContentRange(value)).toBeNull();
  });
});

describe('isStrongEtag', () => {
  const cases: Array<[string | null | undefined, boolean]> = [
    ['"abc"', true], ['""', true], ['"5d41402abc4b2a76b9719d911017c592-12"', true], ['"a/b!#~"', true],
    ['W/"abc"', false], ['w/"abc"', false], ['abc', false], ['"abc', false], ['abc"', false],
    ['"a"b"', false], ['"a b"', false], [' "abc"', false], [null, false], [undefined, false], ['', false],
  ];
  it.each(cases)('%j -> %s', (etag, strong) => {
    expect(isStrongEtag(etag)).toBe(strong);
  });
});

describe('checkRangeResponse', () => {
  const req: RangeRequest = { start: 100, endExclusive: 200, expectedTotal: 1000, expectedEtag: '"v1"' };
  const cases: Array<[string, number, HeaderRecord, RangeCheck]> = [
    ['exact range', 206, { 'content-range': 'bytes 100-199/1000', etag: '"v1"', 'content-length': '100' }, { kind: 'ok', start: 100, endExclusive: 200 }],
    ['short range', 206, { 'content-range': 'bytes 100-149/1000' }, { kind: 'ok', start: 100, endExclusive: 150 }],
    ['no etag in response', 206, { 'content-range': 'bytes 100-199/1000' }, { kind: 'ok', start: 100, endExclusive: 200 }],
    ['content-encoding identity', 206, { 'content-range': 'bytes 100-199/1000', 'content-encoding': 'identity' }, { kind: 'ok', start: 100, endExclusive: 200 }],
    ['longer range than asked', 206, { 'content-range': 'bytes 100-299/1000' }, { kind: 'bad', reason: expect.stringContaining('100-299') as string }],
    ['other start', 206, { 'content-range': 'bytes 0-99/1000' }, { kind: 'bad', reason: expect.stringContaining('0-99') as string }],
    ['other total', 206, { 'content-range': 'bytes 100-199/2000' }, { kind: 'changed', reason: expect.stringContaining('2000') as string }],
    ['starts after the asked start', 206, { 'content-range': 'bytes 150-199/1000' }, { kind: 'bad', reason: expect.stringContaining('asked for bytes 100-199, got bytes 150-199/1000') as string }],
    ['ends one byte past the asked end', 206, { 'content-range': 'bytes 100-200/1000' }, { kind: 'bad', reason: expect.stringContaining('100-200') as string }],
    ['the whole file as a 206', 206, { 'content-range': 'bytes 0-999/1000' }, { kind: 'bad', reason: expect.stringContaining('got bytes 0-999/1000') as string }],
    ['one byte, not the range', 206, { 'content-range': 'bytes 0-0/1000' }, { kind: 'bad', reason: expect.stringContaining('0-0') as string }],
    ['another range of another size', 206, { 'content-range': 'bytes 0-1999/2000' }, { kind: 'changed', reason: expect.stringContaining('2000') as string }],
    ['a file now shorter than the asked end', 206, { 'content-range': 'bytes 100-149/150' }, { kind: 'changed', reason: expect.stringContaining('150') as string }],
    ['unknown total', 206, { 'content-range': 'bytes 100-199/*' }, { kind: 'bad', reason: expect.stringContaining('unknown total') as string }],
    ['206 without content-range', 206, {}, { kind: 'bad', reason: expect.stringContaining('Content-Range') as string }],
    ['206 unsatisfied form', 206, { 'content-range': 'bytes */1000' }, { kind: 'bad', reason: expect.stringContaining('Content-Range') as string }],
    ['206 malformed content-range', 206, { 'content-range': 'bytes 100-199' }, { kind: 'bad', reason: expect.any(String) as string }],
    ['206 repeated content-range', 206, { 'content-range': ['bytes 100-199/1000', 'bytes 100-199/1000'] }, { kind: 'bad', reason: expect.any(String) as string }],
    ['206 multipart/byteranges', 206, { 'content-type': 'multipart/byteranges; boundary=x' }, { kind: 'bad', reason: expect.any(String) as string }],
    ['206 content-length disagrees', 206, { 'content-range': 'bytes 100-199/1000', 'content-length': '99' }, { kind: 'bad', reason: expect.stringContaining('Content-Length') as string }],
    ['206 gzip', 206, { 'content-range': 'bytes 100-199/1000', 'content-encoding': 'gzip' }, { kind: 'bad', reason: expect.stringContaining('gzip') as string }],
    ['etag changed', 206, { 'content-range': 'bytes 100-199/1000', etag: '"v2"' }, { kind: 'changed', reason: expect.stringContaining('"v2"') as string }],
    ['weak etag never matches a strong one', 206, { 'content-range': 'bytes 100-199/1000', etag: 'W/"v1"' }, { kind: 'changed', reason: expect.any(String) as string }],
    ['repeated etag', 206, { 'content-range': 'bytes 100-199/1000', etag: ['"v1"', '"v1"'] }, { kind: 'changed', reason: expect.any(String) as string }],
    ['full body', 200, { 'content-length': '1000', etag: '"v1"' }, { kind: 'full-body' }],
    ['full body, no length', 200, {}, { kind: 'full-body' }],
    ['full body, other length', 200, { 'content-length': '999' }, { kind: 'changed', reason: expect.stringContaining('999') as string }],
    ['full body, etag changed', 200, { etag: '"v2"' }, { kind: 'changed', reason: expect.any(String) as string }],
    ['full body, gzip', 200, { 'content-encoding': 'gzip' }, { kind: 'bad', reason: expect.any(String) as string }],
    ['416 with total', 416, { 'content-range': 'bytes */500' }, { kind: 'unsatisfiable', totalBytes: 500 }],
    ['416 without total', 416, {}, { kind: 'unsatisfiable', totalBytes: null }],
    ['416 with a satisfied range', 416, { 'content-range': 'bytes 0-1/500' }, { kind: 'unsatisfiable', totalBytes: null }],
    ['412', 412, { etag: '"v2"' }, { kind: 'precondition-failed' }],
    ['404', 404, {}, { kind: 'bad', reason: expect.stringContaining('404') as string }],
    ['503', 503, {}, { kind: 'bad', reason: expect.stringContaining('503') as string }],
    ['304', 304, {}, { kind: 'bad', reason: expect.stringContaining('304') as string }],
  ];
  it.each(cases)('%s', (_name, status, headers, expected) => {
    expect(checkRangeResponse({ status, headers }, req)).toEqual(expected);
  });

  it('skips the ETag comparison without a strong expected ETag', () => {
    const headers = { 'content-range': 'bytes 100-199/1000', etag: '"v2"' };
    const ok: RangeCheck = { kind: 'ok', start: 100, endExclusive: 200 };
    expect(checkRangeResponse({ status: 206, headers }, { ...req, expectedEtag: null })).toEqual(ok);
    expect(checkRangeResponse({ status: 206, headers }, { ...req, expectedEtag: 'W/"v2"' })).toEqual(ok);
  });

  describe('without an ETag, Last-Modified', () => {
    const LM = 'Mon, 01 Jan 2024 00:00:00 GMT';
    const dated: RangeRequest = { start: 100, endExclusive: 200, expectedTotal: 1000, expectedEtag: null, expectedLastModified: LM, rangesSupported: true };
    const range = { 'content-range': 'bytes 100-199/1000' };
    const changed = (text: string): RangeCheck => ({ kind: 'changed', reason: expect.stringContaining(text) as string });
    const table: Array<[string, RangeRequest, number, HeaderRecord, RangeCheck]> = [
      ['206, same date', dated, 206, { ...range, 'last-modified': LM }, { kind: 'ok', start: 100, endExclusive: 200 }],
      ['206, same instant in RFC 850 form', dated, 206, { ...range, 'last-modified': 'Monday, 01-Jan-24 00:00:00 GMT' }, { kind: 'ok', start: 100, endExclusive: 200 }],
      ['206, no date', dated, 206, range, { kind: 'ok', start: 100, endExclusive: 200 }],
      ['206, another date', dated, 206, { ...range, 'last-modified': 'Mon, 01 Jan 2024 00:01:00 GMT' }, changed('Last-Modified is now Mon, 01 Jan 2024 00:01:00 GMT')],
      ['206, repeated date', dated, 206, { ...range, 'last-modified': [LM, LM] }, changed('Last-Modified')],
      ['206, not a date', dated, 206, { ...range, 'last-modified': 'yesterday' }, changed('yesterday')],
      ['206, same date, another size', dated, 206, { 'content-range': 'bytes 100-199/1001', 'last-modified': LM }, changed('1001')],
      ['200 without a date: If-Range said changed', dated, 200, { 'content-length': '1000' }, changed(`If-Range: ${LM}`)],
      ['200 with another date', dated, 200, { 'content-length': '1000', 'last-modified': 'Tue, 02 Jan 2024 00:00:00 GMT' }, changed('Tue, 02 Jan 2024')],
      ['200 with the same date: the server took it as weak', dated, 200, { 'content-length': '1000', 'last-modified': LM }, { kind: 'full-body' }],
      ['200 from an origin without Range support', { ...dated, rangesSupported: false }, 200, { 'content-length': '1000' }, { kind: 'full-body' }],
      ['412 (If-Unmodified-Since failed)', dated, 412, {}, { kind: 'precondition-failed' }],
      ['a strong ETag takes precedence over the date', { ...dated, expectedEtag: '"v1"' }, 206, { ...range, etag: '"v1"', 'last-modified': 'Tue, 02 Jan 2024 00:00:00 GMT' }, { kind: 'ok', start: 100, endExclusive: 200 }],
      ['no date expected: none checked', { ...dated, expectedLastModified: null }, 200, { 'content-length': '1000' }, { kind: 'full-body' }],
    ];
    it.each(table)('%s', (_name, request, status, headers, expected) => {
      expect(checkRangeResponse({ status, headers }, request)).toEqual(expected);
    });
  });

  it('accepts a range ending at the last byte of the file', () => {
    const res = { status: 206, headers: { 'content-range': 'bytes 900-999/1000' } };
    expect(checkRangeResponse(res, { ...req, start: 900, endExclusive: 1000 })).toEqual({ kind: 'ok', start: 900, endExclusive: 1000 });
  });

  const badRequests: Array<[string, RangeRequest]> = [
    ['start >= end', { ...req, start: 200 }],
    ['end beyond total', { ...req, endExclusive: 1001 }],
    ['negative start', { ...req, start: -1 }],
    ['fractional', { ...req, endExclusive: 150.5 }],
    ['NaN total', { ...req, expectedTotal: Number.NaN }],
    ['etag not a string', { ...req, expectedEtag: 5 as unknown as string }],
    ['date not a string', { ...req, expectedLastModified: 5 as unknown as string }],
  ];
  it.each(badRequests)('throws TypeError on a bad request: %s', (_name, bad) => {
    expect(() => checkRangeResponse({ status: 206, headers: {} }, bad)).toThrow(TypeError);
  });
});

describe('totalBytesFromResponse', () => {
  const cases: Array<[string, number, HeaderRecord, number | null]> = [
    ['HEAD content-length', 200, { 'content-length': '1000' }, 1000],
    ['big file', 200, { 'content-length': '53687091200' }, 53_687_091_200],
    ['empty file', 200, { 'content-length': '0' }, 0],
    ['no content-length', 200, {}, null],
    ['malformed content-length', 200, { 'content-length': '12abc' }, null],
    ['negative content-length', 200, { 'content-length': '-1' }, null],
    ['huge content-length', 200, { 'content-length': '99999999999999999999' }, null],
    ['repeated content-length', 200, { 'content-length': ['10', '10'] }, null],
    ['gzip length is not the file', 200, { 'content-length': '100', 'content-encoding': 'gzip' }, null],
    ['206 to bytes=0-0', 206, { 'content-range': 'bytes 0-0/1000', 'content-length': '1' }, 1000],
    ['206 with unknown total', 206, { 'content-range': 'bytes 0-0/*' }, null],
    ['206 without content-range', 206, { 'content-length': '1' }, null],
    ['404', 404, { 'content-length': '10' }, null],
  ];
  it.each(cases)('%s', (_name, status, headers, expected) => {
    expect(totalBytesFromResponse({ status, headers })).toBe(expected);
  });
});

describe('acceptRanges', () => {
  const cases: Array<[string, HeaderRecord, 'bytes' | 'none' | null]> = [
    ['bytes', { 'accept-ranges': 'bytes' }, 'bytes'],
    ['BYTES', { 'accept-ranges': 'BYTES' }, 'bytes'],
    ['none', { 'accept-ranges': 'none' }, 'none'],
    ['another unit only', { 'accept-ranges': 'items' }, 'none'],
    ['a list with bytes', { 'accept-ranges': 'items, bytes' }, 'bytes'],
    ['repeated header', { 'accept-ranges': ['none', 'bytes'] }, 'bytes'],
    ['absent (Python http.server)', {}, null],
    ['empty', { 'accept-ranges': '' }, null],
    ['only commas', { 'accept-ranges': ' , ' }, null],
  ];
  it.each(cases)('%s', (_name, headers, expected) => {
    expect(acceptRanges(headers)).toBe(expected);
  });
});

describe('checkFirstByteResponse (the answer to Range: bytes=0-0)', () => {
  const bad = (text: string): FirstByteCheck => ({ kind: 'bad', reason: expect.stringContaining(text) as string });
  const cases: Array<[string, number, HeaderRecord, FirstByteCheck]> = [
    ['exactly byte 0', 206, { 'content-range': 'bytes 0-0/1000', 'content-length': '1' }, { kind: 'ranges', totalBytes: 1000 }],
    ['byte 0, no Content-Length', 206, { 'content-range': 'bytes 0-0/1000' }, { kind: 'ranges', totalBytes: 1000 }],
    ['a one-byte file', 206, { 'content-range': 'bytes 0-0/1' }, { kind: 'ranges', totalBytes: 1 }],
    ['the whole file as a 206 (s3rver)', 206, { 'content-range': 'bytes 0-67108863/67108864', 'content-length': '67108864' }, { kind: 'oversized', totalBytes: 67_108_864, wholeFile: true }],
    ['two bytes', 206, { 'content-range': 'bytes 0-1/1000' }, { kind: 'oversized', totalBytes: 1000, wholeFile: false }],
    ['another start', 206, { 'content-range': 'bytes 5-5/1000' }, bad('asked for bytes 0-0, got Content-Range "bytes 5-5/1000"')],
    ['the last byte', 206, { 'content-range': 'bytes 999-999/1000' }, bad('"bytes 999-999/1000"')],
    ['the whole file, Content-Length disagreeing', 206, { 'content-range': 'bytes 0-999/1000', 'content-length': '1' }, bad('Content-Length 1')],
    ['unknown total', 206, { 'content-range': 'bytes 0-0/*' }, bad('"bytes 0-0/*"')],
    ['no Content-Range', 206, { 'content-length': '1' }, bad('no usable Content-Range')],
    ['repeated Content-Range', 206, { 'content-range': ['bytes 0-0/10', 'bytes 0-0/10'] }, bad('no usable Content-Range')],
    ['Content-Length larger than one byte', 206, { 'content-range': 'bytes 0-0/1000', 'content-length': '1000' }, bad('Content-Length 1000 does not match')],
    ['gzip', 206, { 'content-range': 'bytes 0-0/1000', 'content-encoding': 'gzip' }, bad('gzip')],
    ['a 200: Range ignored', 200, { 'content-length': '67108864' }, { kind: 'no-ranges', totalBytes: 67_108_864 }],
    ['a 200 without a length', 200, {}, { kind: 'no-ranges', totalBytes: null }],
    ['a 200 in gzip', 200, { 'content-length': '10', 'content-encoding': 'gzip' }, bad('gzip')],
    ['416: an empty file', 416, { 'content-range': 'bytes */0' }, { kind: 'empty' }],
    ['416 without a total', 416, {}, { kind: 'empty' }],
    ['416 for a file with bytes', 416, { 'content-range': 'bytes */10' }, bad('10 bytes')],
    ['another status', 500, {}, bad('500')],
  ];
  it.each(cases)('%s', (_name, status, headers, expected) => {
    expect(checkFirstByteResponse({ status, headers })).toEqual(expected);
  });
});
