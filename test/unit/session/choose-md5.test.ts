import { describe, it, expect } from 'vitest';
import { ExitCode, OriginError } from '../../../src/errors.js';
import type { OriginInfo, OriginKind } from '../../../src/http-seed/origin-client.js';
import type { Md5Lookup } from '../../../src/http-seed/md5-header.js';
import { chooseMd5 } from '../../../src/session/download.js';

const URL_WITH_SIGNATURE = 'https://blobs.example.test/isos/ubuntu.iso?sig=SECRET-SIGNATURE';
const MD5_A = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
const MD5_B = Buffer.from('fedcba9876543210fedcba9876543210', 'hex');

function info(md5: Md5Lookup, kind: OriginKind = 'http'): OriginInfo {
  return { url: URL_WITH_SIGNATURE, kind, fileBytes: 1234, md5, etag: null, lastModified: null, rangesSupported: true };
}

const FOUND_A: Md5Lookup = { kind: 'found', found: { md5: MD5_A, source: 'x-ms-blob-content-md5' } };
const NONE: Md5Lookup = { kind: 'none', multipartEtag: false };
const MULTIPART: Md5Lookup = { kind: 'none', multipartEtag: true };

/** Runs `chooseMd5` expecting an OriginError; returns it. */
function originErrorOf(lookup: Md5Lookup, flag: Buffer | null, kind: OriginKind = 'http'): OriginError {
  try {
    chooseMd5(info(lookup, kind), flag);
  } catch (err) {
    expect(err).toBeInstanceOf(OriginError);
    return err as OriginError;
  }
  throw new Error('chooseMd5 did not throw');
}

describe('chooseMd5', () => {
  it('takes the origin MD5 when only the origin has one', () => {
    expect(chooseMd5(info(FOUND_A), null)).toEqual({ md5: MD5_A, source: 'x-ms-blob-content-md5' });
  });

  it('takes --md5 when only the flag has one', () => {
    expect(chooseMd5(info(NONE), MD5_B)).toEqual({ md5: MD5_B, source: 'flag' });
  });

  it('takes --md5 for an S3 multipart object', () => {
    expect(chooseMd5(info(MULTIPART), MD5_B)).toEqual({ md5: MD5_B, source: 'flag' });
  });

  it('keeps the origin as the source when both agree', () => {
    expect(chooseMd5(info(FOUND_A), Buffer.from(MD5_A))).toEqual({ md5: MD5_A, source: 'x-ms-blob-content-md5' });
  });

  it('fails with ORIGIN_MD5_MISMATCH naming both MD5s when they differ', () => {
    const err = originErrorOf(FOUND_A, MD5_B);
    expect(err.code).toBe('ORIGIN_MD5_MISMATCH');
    expect(err.exitCode).toBe(ExitCode.origin);
    expect(err.retryable).toBe(false);
    expect(err.message).toContain(MD5_A.toString('hex'));
    expect(err.message).toContain(MD5_B.toString('hex'));
    expect(err.message).toContain('--md5');
  });

  it('fails with ORIGIN_NO_MD5 asking for --md5 when neither has one', () => {
    const err = originErrorOf(NONE, null);
    expect(err.code).toBe('ORIGIN_NO_MD5');
    expect(err.exitCode).toBe(ExitCode.origin);
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('--md5');
    expect(err.message).not.toMatch(/multipart/i);
  });

  it('explains an S3 multipart ETag and asks for --md5', () => {
    const err = originErrorOf(MULTIPART, null);
    expect(err.code).toBe('ORIGIN_NO_MD5');
    expect(err.message).toContain('S3 multipart');
    expect(err.message).toContain('--md5');
  });

  it('multipart ETag: names both metadata headers that would be used', () => {
    const err = originErrorOf(MULTIPART, null);
    expect(err.message).toContain('x-amz-meta-md5');
    expect(err.message).toContain('x-amz-meta-content-md5');
  });

  it('Azure blob without Content-MD5: says to pass --md5 or set the property', () => {
    const err = originErrorOf(NONE, null, 'azure');
    expect(err.code).toBe('ORIGIN_NO_MD5');
    expect(err.exitCode).toBe(ExitCode.origin);
    expect(err.message).toContain('--md5');
    expect(err.message).toContain("blob's Content-MD5 property");
    expect(err.message).not.toContain('SECRET-SIGNATURE');
  });

  it('Azure blob without Content-MD5 takes --md5', () => {
    expect(chooseMd5(info(NONE, 'azure'), MD5_B)).toEqual({ md5: MD5_B, source: 'flag' });
  });

  it.each([
    ['mismatch', FOUND_A, MD5_B],
    ['no MD5', NONE, null],
    ['multipart', MULTIPART, null],
  ] as const)('keeps the URL signature out of the %s message', (_name, lookup, flag) => {
    const err = originErrorOf(lookup, flag);
    expect(err.message).toContain('https://blobs.example.test/isos/ubuntu.iso');
    expect(err.message).not.toContain('SECRET-SIGNATURE');
  });
});
