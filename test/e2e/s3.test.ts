/**
 * swarm-download against an S3-compatible server (s3rver on loopback): presigned and public object
 * URLs through the plain HTTP client; a single-part object's ETag is its MD5; a multipart object's
 * ETag (`...-N`) is refused with a clear error unless --md5 or x-amz-meta-md5 /
 * x-amz-meta-content-md5 metadata gives the MD5. No output may hold the URL's signature.
 *
 * NETWORK SAFETY: s3rver listens on 127.0.0.1; every run uses --no-discovery.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeContent } from '../../src/testing/origin-server.js';
import type { CliResult } from '../helpers/run-cli.js';
import { presignGet, putMultipart, putObject, startS3rver, type S3Server } from '../helpers/s3rver.js';
import { MiB, describeRun, download, expectDownloaded, expectFailed, md5Hex, startEvent, useE2eCleanup } from './e2e-fixture.js';

useE2eCleanup();

const TEST_TIMEOUT_MS = 60_000;
const ALONE = ['--no-discovery'];
/** S3's smallest part (all but the last). */
const PART_BYTES = 5 * MiB;

let s3: S3Server;

beforeAll(async () => {
  s3 = await startS3rver();
});

afterAll(async () => {
  await s3.stop();
});

function expectNoSignature(result: CliResult, signature: string): void {
  const output = `${result.stdout}\n${result.stderr}`;
  for (const form of [signature, encodeURIComponent(signature)]) expect(output.includes(form), describeRun(result)).toBe(false);
  expect(output).not.toContain('Signature=');
}

describe('swarm-download: S3 (s3rver)', () => {
  it('a single-part object: its ETag is the MD5 (public URL)', async () => {
    const content = makeContent(3 * MiB + 5, 301);
    const url = await putObject(s3, 'single.bin', content);
    const { result, paths } = await download(url, ALONE);
    await expectDownloaded(result, paths.output, content);
    expect(startEvent(result)).toMatchObject({ md5Source: 'etag', md5: md5Hex(content) });
  }, TEST_TIMEOUT_MS);

  it('a presigned URL (HEAD refused, 1-byte GET probe); a bad signature is exit 3; the signature is never shown', async () => {
    const content = makeContent(2 * MiB, 302);
    await putObject(s3, 'presigned.bin', content);
    const { url, signature } = presignGet(s3, 'presigned.bin');
    // As on S3, the GET signature does not cover a HEAD: the probe must fall back to a ranged GET.
    const head = await request(url, { method: 'HEAD' });
    await head.body.dump();
    expect(head.statusCode).toBe(403);
    const good = await download(url, ALONE);
    await expectDownloaded(good.result, good.paths.output, content);
    expect(startEvent(good.result)).toMatchObject({ md5Source: 'etag', url: `${s3.objectUrl('presigned.bin')}?…` });
    expectNoSignature(good.result, signature);

    const forged = url.replace(/Signature=[^&]+/, `Signature=${encodeURIComponent(Buffer.alloc(20, 3).toString('base64'))}`);
    const bad = await download(forged, ALONE);
    const { message, code } = expectFailed(bad.result, 3, bad.paths.output);
    expect(code).toBe('ORIGIN_HTTP_STATUS');
    expect(message).toContain('HTTP 403; check the credentials or the signature in the URL');
    expectNoSignature(bad.result, Buffer.alloc(20, 3).toString('base64'));
  }, TEST_TIMEOUT_MS);

  it('a multipart object: exit 3 naming --md5 and x-amz-meta-md5 without them; --md5 then works', async () => {
    const content = makeContent(PART_BYTES + 3 * MiB, 303);
    const { url, etag } = await putMultipart(s3, 'multipart.bin', content, PART_BYTES);
    expect(etag).toMatch(/^[0-9a-f]{32}-2$/);
    const refused = await download(url, ALONE);
    const { message, code } = expectFailed(refused.result, 3, refused.paths.output);
    expect(code).toBe('ORIGIN_NO_MD5');
    expect(message).toContain('S3 multipart ETag');
    expect(message).toContain('--md5');
    expect(message).toContain('x-amz-meta-md5');

    const given = await download(url, [...ALONE, '--md5', md5Hex(content)]);
    await expectDownloaded(given.result, given.paths.output, content);
    expect(startEvent(given.result).md5Source).toBe('flag');
  }, TEST_TIMEOUT_MS);

  it.each([
    ['x-amz-meta-md5', 'md5', (content: Buffer) => md5Hex(content)],
    ['x-amz-meta-content-md5', 'content-md5', (content: Buffer) => Buffer.from(md5Hex(content), 'hex').toString('base64')],
  ])('a multipart object with %s metadata downloads with that MD5 as its key', async (source, name, encode) => {
    const content = makeContent(PART_BYTES + MiB + 11, 304);
    const { url } = await putMultipart(s3, `meta-${name}.bin`, content, PART_BYTES, { [name]: encode(content) });
    const { result, paths } = await download(url, ALONE);
    await expectDownloaded(result, paths.output, content);
    expect(startEvent(result)).toMatchObject({ md5Source: source, md5: md5Hex(content) });
  }, TEST_TIMEOUT_MS);
});
