import { describe, it, expect } from 'vitest';
import { md5FromHeaders, md5Hex, parseMd5Text } from '../../../src/http-seed/md5-header.js';
import type { HeaderRecord, Md5Source } from '../../../src/http-seed/md5-header.js';

// MD5 of "", "hello" and "world" in hex and base64.
const EMPTY_HEX = 'd41d8cd98f00b204e9800998ecf8427e';
const EMPTY_B64 = '1B2M2Y8AsgTpgAmY7PhCfg==';
const HELLO_HEX = '5d41402abc4b2a76b9719d911017c592';
const HELLO_B64 = 'XUFAKrxLKna5cZ2REBfFkg==';
const WORLD_HEX = '7d793037a0760186574b0282f2f435e7';
const WORLD_B64 = 'fXkwN6B2AYZXSwKC8vQ15w==';

/** The source and hex MD5 found, or `none`/`none+multipart`. */
function lookup(headers: HeaderRecord, wholeBody = true): string {
  const result = md5FromHeaders(headers, { wholeBody });
  if (result.kind === 'none') return result.multipartEtag ? 'none+multipart' : 'none';
  return `${result.found.source}:${md5Hex(result.found.md5)}`;
}

describe('parseMd5Text', () => {
  const cases: Array<[string, string | null]> = [
    [EMPTY_HEX, EMPTY_HEX],
    [EMPTY_HEX.toUpperCase(), EMPTY_HEX],
    [EMPTY_B64, EMPTY_HEX],
    [EMPTY_B64.slice(0, 22), EMPTY_HEX],
    [HELLO_B64, HELLO_HEX],
    ['', null],
    [EMPTY_HEX.slice(1), null],
    [`${EMPTY_HEX}0`, null],
    [`${EMPTY_HEX.slice(1)}g`, null],
    [` ${EMPTY_HEX}`, null],
    [`${EMPTY_B64} `, null],
    [`${EMPTY_B64.slice(0, 22)}=`, null],
    [`${EMPTY_B64.slice(0, 22)}===`, null],
    ['1B2M2Y8AsgTpgAmY7PhCfh==', null], // non-zero unused bits: not canonical
    ['1B2M2Y8AsgTpgAmY7PhC-g==', null], // base64url alphabet
    ['1B2M2Y8AsgTpgAmY7PhCfg', EMPTY_HEX],
    ['AAAAAAAAAAAAAAAAAAAAAA==', '00000000000000000000000000000000'],
    ['/////////////////////w==', 'ffffffffffffffffffffffffffffffff'],
    ['AAAAAAAAAAAAAAAAAAAAAAAA', null], // 18 bytes of base64
    ['AAAAAAAA', null],
  ];
  it.each(cases)('%j -> %j', (text, hex) => {
    const md5 = parseMd5Text(text);
    expect(md5 === null ? null : md5.toString('hex')).toBe(hex);
  });
});

describe('md5Hex', () => {
  it('formats 16 bytes as lower-case hex', () => {
    expect(md5Hex(Buffer.from(EMPTY_HEX, 'hex'))).toBe(EMPTY_HEX);
  });
  it.each([[Buffer.alloc(15)], [Buffer.alloc(17)], ['abc' as unknown as Buffer]])('throws TypeError on %j', (bad) => {
    expect(() => md5Hex(bad)).toThrow(TypeError);
  });
});

describe('md5FromHeaders: each source alone', () => {
  const cases: Array<[string, HeaderRecord, string]> = [
    ['content-md5 base64', { 'content-md5': EMPTY_B64 }, `content-md5:${EMPTY_HEX}`],
    ['content-md5 hex', { 'content-md5': EMPTY_HEX }, `content-md5:${EMPTY_HEX}`],
    ['content-md5 upper hex', { 'content-md5': EMPTY_HEX.toUpperCase() }, `content-md5:${EMPTY_HEX}`],
    ['content-md5 padded with spaces', { 'content-md5': ` ${EMPTY_B64} ` }, `content-md5:${EMPTY_HEX}`],
    ['content-md5 repeated, agreeing', { 'content-md5': [EMPTY_B64, EMPTY_HEX] }, `content-md5:${EMPTY_HEX}`],
    ['content-md5 repeated, disagreeing', { 'content-md5': [EMPTY_B64, HELLO_B64] }, 'none'],
    ['content-md5 empty', { 'content-md5': '' }, 'none'],
    ['content-md5 garbage', { 'content-md5': 'not-an-md5' }, 'none'],
    ['content-md5 empty array', { 'content-md5': [] }, 'none'],
    ['content-md5 undefined', { 'content-md5': undefined }, 'none'],
    ['azure base64', { 'x-ms-blob-content-md5': HELLO_B64 }, `x-ms-blob-content-md5:${HELLO_HEX}`],
    ['azure hex is not Azure', { 'x-ms-blob-content-md5': HELLO_HEX }, 'none'],
    ['gcs', { 'x-goog-hash': `crc32c=n03x6A==,md5=${HELLO_B64}` }, `x-goog-hash:${HELLO_HEX}`],
    ['gcs with spaces', { 'x-goog-hash': `crc32c=n03x6A==, md5=${HELLO_B64}` }, `x-goog-hash:${HELLO_HEX}`],
    ['gcs as two values', { 'x-goog-hash': ['crc32c=n03x6A==', `md5=${HELLO_B64}`] }, `x-goog-hash:${HELLO_HEX}`],
    ['gcs md5 first', { 'x-goog-hash': `md5=${HELLO_B64},crc32c=n03x6A==` }, `x-goog-hash:${HELLO_HEX}`],
    ['gcs crc32c only (composite object)', { 'x-goog-hash': 'crc32c=n03x6A==' }, 'none'],
    ['gcs md5 malformed', { 'x-goog-hash': 'crc32c=n03x6A==,md5=abc' }, 'none'],
    ['gcs md5 hex is not GCS', { 'x-goog-hash': `md5=${HELLO_HEX}` }, 'none'],
    ['gcs two md5s disagreeing', { 'x-goog-hash': `md5=${HELLO_B64},md5=${WORLD_B64}` }, 'none'],
    ['repr-digest md5', { 'repr-digest': `md5=:${WORLD_B64}:` }, `repr-digest:${WORLD_HEX}`],
    ['repr-digest with sha-256', { 'repr-digest': `sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:, md5=:${WORLD_B64}:` }, `repr-digest:${WORLD_HEX}`],
    ['repr-digest as two values', { 'repr-digest': ['sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:', `md5=:${WORLD_B64}:`] }, `repr-digest:${WORLD_HEX}`],
    ['repr-digest with parameters', { 'repr-digest': `md5=:${WORLD_B64}:;a=1` }, `repr-digest:${WORLD_HEX}`],
    ['repr-digest last key wins', { 'repr-digest': `md5=:${HELLO_B64}:, md5=:${WORLD_B64}:` }, `repr-digest:${WORLD_HEX}`],
    ['repr-digest last key malformed', { 'repr-digest': `md5=:${HELLO_B64}:, md5=:zz:` }, 'none'],
    ['repr-digest without colons', { 'repr-digest': `md5=${WORLD_B64}` }, 'none'],
    ['repr-digest upper-case key is invalid', { 'repr-digest': `MD5=:${WORLD_B64}:` }, 'none'],
    ['repr-digest sha-256 only', { 'repr-digest': 'sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:' }, 'none'],
    ['repr-digest md5 hex', { 'repr-digest': `md5=:${WORLD_HEX}:` }, 'none'],
    ['digest', { digest: `MD5=${WORLD_B64}` }, `digest:${WORLD_HEX}`],
    ['digest lower-case algorithm', { digest: `md5=${WORLD_B64}` }, `digest:${WORLD_HEX}`],
    ['digest with sha-256', { digest: `SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=, MD5=${WORLD_B64}` }, `digest:${WORLD_HEX}`],
    ['digest hex', { digest: `MD5=${WORLD_HEX}` }, `digest:${WORLD_HEX}`],
    ['digest sha-256 only', { digest: 'SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=' }, 'none'],
    ['digest malformed', { digest: 'MD5' }, 'none'],
    ['s3 meta md5 hex', { 'x-amz-meta-md5': HELLO_HEX }, `x-amz-meta-md5:${HELLO_HEX}`],
    ['s3 meta md5 base64', { 'x-amz-meta-md5': HELLO_B64 }, `x-amz-meta-md5:${HELLO_HEX}`],
    ['s3 meta content-md5', { 'x-amz-meta-content-md5': HELLO_HEX }, `x-amz-meta-content-md5:${HELLO_HEX}`],
    ['s3 meta malformed', { 'x-amz-meta-md5': 'xyz' }, 'none'],
    ['strong 32-hex etag', { etag: `"${HELLO_HEX}"` }, `etag:${HELLO_HEX}`],
    ['weak 32-hex etag', { etag: `W/"${HELLO_HEX}"` }, 'none'],
    ['unquoted 32-hex etag', { etag: HELLO_HEX }, 'none'],
    ['multipart etag', { etag: `"${HELLO_HEX}-12"` }, 'none+multipart'],
    ['weak multipart etag', { etag: `W/"${HELLO_HEX}-12"` }, 'none'],
    ['nginx etag', { etag: '"5f1a2b3c-1d2e"' }, 'none'],
    ['azure etag', { etag: '"0x8DBF1A2B3C4D5E6"' }, 'none'],
    ['base64 etag', { etag: `"${HELLO_B64}"` }, 'none'],
    ['etag repeated', { etag: [`"${HELLO_HEX}"`, `"${WORLD_HEX}"`] }, 'none'],
    ['no headers', {}, 'none'],
    ['unrelated headers', { 'content-length': '5', 'content-type': 'text/plain' }, 'none'],
  ];
  it.each(cases)('%s', (_name, headers, expected) => {
    expect(lookup(headers)).toBe(expected);
  });
});

describe('md5FromHeaders: order', () => {
  const all: HeaderRecord = {
    'content-md5': EMPTY_B64,
    'x-ms-blob-content-md5': HELLO_B64,
    'x-goog-hash': `md5=${WORLD_B64}`,
    'repr-digest': `md5=:${HELLO_B64}:`,
    digest: `MD5=${WORLD_B64}`,
    'x-amz-meta-md5': EMPTY_HEX,
    'x-amz-meta-content-md5': HELLO_HEX,
    etag: `"${WORLD_HEX}"`,
  };
  const order: Md5Source[] = ['content-md5', 'x-ms-blob-content-md5', 'x-goog-hash', 'repr-digest', 'digest', 'x-amz-meta-md5', 'x-amz-meta-content-md5', 'etag'];

  it.each(order.map((source, index) => [source, index] as const))('%s wins over every later source', (source, index) => {
    const headers: Record<string, string> = {};
    for (const later of order.slice(index)) headers[later] = all[later] as string;
    const result = md5FromHeaders(headers, { wholeBody: true });
    expect(result.kind === 'found' ? result.found.source : null).toBe(source);
    expect(result.kind === 'found' ? result.found.md5.toString('base64') : null)
      .toBe(parseMd5Text(cleanMd5Text(all[source] as string))?.toString('base64'));
  });

  it('a malformed earlier header falls through to the next source', () => {
    expect(lookup({ 'content-md5': 'bogus', 'x-ms-blob-content-md5': HELLO_B64 })).toBe(`x-ms-blob-content-md5:${HELLO_HEX}`);
    expect(lookup({ 'x-goog-hash': 'md5=bogus', etag: `"${WORLD_HEX}"` })).toBe(`etag:${WORLD_HEX}`);
    expect(lookup({ digest: 'MD5=bogus', 'x-amz-meta-content-md5': HELLO_B64 })).toBe(`x-amz-meta-content-md5:${HELLO_HEX}`);
  });

  it('a multipart etag is reported only when nothing else is found', () => {
    expect(lookup({ etag: `"${HELLO_HEX}-3"`, 'x-amz-meta-md5': WORLD_HEX })).toBe(`x-amz-meta-md5:${WORLD_HEX}`);
    expect(lookup({ etag: `"${HELLO_HEX}-3"`, 'x-amz-meta-md5': 'bogus' })).toBe('none+multipart');
  });
});

describe('md5FromHeaders: wholeBody false (a 206 of part of the file)', () => {
  const cases: Array<[string, HeaderRecord, string]> = [
    ['content-md5 is body-scoped: ignored', { 'content-md5': EMPTY_B64 }, 'none'],
    ['digest is body-scoped: ignored', { digest: `MD5=${EMPTY_B64}` }, 'none'],
    ['repr-digest describes the representation: kept', { 'repr-digest': `md5=:${EMPTY_B64}:` }, `repr-digest:${EMPTY_HEX}`],
    ['azure describes the blob: kept', { 'x-ms-blob-content-md5': EMPTY_B64 }, `x-ms-blob-content-md5:${EMPTY_HEX}`],
    ['gcs describes the object: kept', { 'x-goog-hash': `md5=${EMPTY_B64}` }, `x-goog-hash:${EMPTY_HEX}`],
    ['s3 meta: kept', { 'x-amz-meta-md5': EMPTY_HEX }, `x-amz-meta-md5:${EMPTY_HEX}`],
    ['s3 meta content-md5: kept', { 'x-amz-meta-content-md5': EMPTY_HEX }, `x-amz-meta-content-md5:${EMPTY_HEX}`],
    ['etag: kept', { etag: `"${EMPTY_HEX}"` }, `etag:${EMPTY_HEX}`],
    ['content-md5 of the part does not shadow the etag', { 'content-md5': HELLO_B64, etag: `"${EMPTY_HEX}"` }, `etag:${EMPTY_HEX}`],
    ['digest of the part does not shadow s3 meta', { digest: `MD5=${HELLO_B64}`, 'x-amz-meta-md5': EMPTY_HEX }, `x-amz-meta-md5:${EMPTY_HEX}`],
  ];
  it.each(cases)('%s', (_name, headers, expected) => {
    expect(lookup(headers, false)).toBe(expected);
  });
});

describe('md5FromHeaders: robustness', () => {
  it('ignores inherited properties and non-string values', () => {
    const inherited = Object.create({ 'content-md5': EMPTY_B64 }) as HeaderRecord;
    expect(lookup(inherited)).toBe('none');
    const odd = { 'content-md5': 42, etag: [null, `"${EMPTY_HEX}"`] } as unknown as HeaderRecord;
    expect(lookup(odd)).toBe(`etag:${EMPTY_HEX}`);
  });
});

/** The MD5 text inside a header value of the `all` record above. */
function cleanMd5Text(value: string): string {
  return value.replace(/^(?:md5=:|MD5=|md5=)/, '').replace(/:$/, '').replace(/^"|"$/g, '');
}
