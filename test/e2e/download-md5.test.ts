/**
 * swarm-download end to end: where the MD5 (the swarm key) comes from, and what happens without
 * one. Contract: exit 3 when the origin publishes no MD5 and none is given with `--md5`; exit 4
 * when the file does not match it, saying where the expected MD5 came from.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseMd5Text } from '../../src/http-seed/md5-header.js';
import { makeContent } from '../../src/testing/origin-server.js';
import type { Md5HeaderKind } from '../../src/testing/origin-server.js';
import { MiB, download, expectDownloaded, expectFailed, md5Hex, startTestOrigin, useE2eCleanup } from './e2e-fixture.js';

useE2eCleanup();

const content = makeContent(4 * MiB, 21);

describe('swarm-download: MD5 sources', () => {
  const kinds: Md5HeaderKind[] = ['content-md5', 'x-ms-blob-content-md5', 'x-goog-hash', 'repr-digest', 'digest', 'etag', 'x-amz-meta-md5'];

  it.each(kinds)('reads the MD5 from %s and publishes identical bytes (exit 0)', async (md5Header) => {
    const origin = await startTestOrigin({ content, md5Header });
    const { result, paths } = await download(origin.url);
    await expectDownloaded(result, paths.output, content);
  });

  it('accepts --md5 in hex when the origin publishes none (exit 0)', async () => {
    const origin = await startTestOrigin({ content, md5Header: 'none' });
    const { result, paths } = await download(origin.url, ['--md5', md5Hex(content)]);
    await expectDownloaded(result, paths.output, content);
  });

  it('accepts --md5 in base64 when the origin publishes none (exit 0)', async () => {
    const origin = await startTestOrigin({ content, md5Header: 'none' });
    const base64 = createHash('md5').update(content).digest('base64');
    const { result, paths } = await download(origin.url, ['--md5', base64]);
    await expectDownloaded(result, paths.output, content);
  });

  it('fails with exit 3 and points at --md5 when the origin publishes no MD5', async () => {
    const origin = await startTestOrigin({ content, md5Header: 'none' });
    const { result, paths } = await download(origin.url);
    const { message, code } = expectFailed(result, 3, paths.output);
    expect(message).toContain('--md5');
    expect(code).toBe('ORIGIN_NO_MD5');
  });

  it('fails with exit 3 and points at --md5 when the only candidate is an S3 multipart ETag', async () => {
    const origin = await startTestOrigin({ content, md5Header: 'none', faults: { multipartEtag: true } });
    const { result, paths } = await download(origin.url);
    const { message, code } = expectFailed(result, 3, paths.output);
    expect(message).toContain('--md5');
    expect(message).toMatch(/multipart/i);
    expect(code).toBe('ORIGIN_NO_MD5');
  });
});

describe('swarm-download: --md5 against the origin', () => {
  it('fails with exit 3 when --md5 disagrees with the MD5 the origin publishes', async () => {
    const origin = await startTestOrigin({ content, md5Header: 'content-md5' });
    const other = md5Hex(makeContent(4 * MiB, 22));
    const { result, paths } = await download(origin.url, ['--md5', other]);
    const { code } = expectFailed(result, 3, paths.output);
    expect(code).toBe('ORIGIN_MD5_MISMATCH');
  });
});

describe('swarm-download: a file that does not match the expected MD5 (exit 4)', () => {
  const wrong = md5Hex(makeContent(4 * MiB, 23));

  it('says the expected MD5 came from --md5 when the origin publishes none', async () => {
    const origin = await startTestOrigin({ content, md5Header: 'none' });
    const { result, paths } = await download(origin.url, ['--no-discovery', '--md5', wrong]);
    const { message, code } = expectFailed(result, 4, paths.output);
    expect(code).toBe('SWARM_VERIFY');
    expect(message).toContain(`the downloaded file's MD5 is ${md5Hex(content)}, not ${wrong} (expected from --md5)`);
    expect(message).not.toContain('origin');
  });

  it('names the header when the origin publishes an MD5 that its bytes contradict', async () => {
    const origin = await startTestOrigin({ content, md5Header: 'content-md5', faults: { wrongMd5: true } });
    const { result, paths } = await download(origin.url, ['--no-discovery']);
    const { message, code } = expectFailed(result, 4, paths.output);
    expect(code).toBe('SWARM_VERIFY');
    expect(message).toContain(`the downloaded file's MD5 is ${md5Hex(content)}, not `);
    expect(message).toContain("(expected from the origin's Content-MD5 header)");
  });

  it('names the header and --md5 when both gave the MD5 the bytes contradict', async () => {
    const origin = await startTestOrigin({ content, md5Header: 'x-amz-meta-md5', faults: { wrongMd5: true } });
    const header = (await fetch(origin.url, { method: 'HEAD' })).headers.get('x-amz-meta-md5') ?? '';
    const published = parseMd5Text(header)?.toString('hex') ?? `unreadable ${header}`;
    const { result, paths } = await download(origin.url, ['--no-discovery', '--md5', published]);
    const { message } = expectFailed(result, 4, paths.output);
    expect(message).toContain(`not ${published} (expected from the origin's x-amz-meta-md5 header and --md5)`);
  });
});
