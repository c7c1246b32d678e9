/**
 * swarm-download end to end against a misbehaving origin: HEAD refused, ranges ignored, bodies cut
 * or stalled, transient and final HTTP errors, and a file that changes mid-download.
 */
import { describe, expect, it } from 'vitest';
import { makeContent } from '../../src/testing/origin-server.js';
import { FAST_RETRY_FLAGS, MiB, download, expectDownloaded, expectFailed, startTestOrigin, useE2eCleanup } from './e2e-fixture.js';

useE2eCleanup();

describe('swarm-download: origin quirks it works around', () => {
  const content = makeContent(4 * MiB, 31);

  // Content-MD5 and Digest are body-scoped, so a ranged GET cannot carry them: these origins use
  // whole-object headers, as S3 presigned URLs (403 to HEAD, MD5 in the ETag) do.
  const refusing = [[405, 'repr-digest'], [403, 'etag']] as const;
  it.each(refusing)('falls back to a ranged GET when HEAD answers %i (MD5 in %s; exit 0)', async (status, md5Header) => {
    const origin = await startTestOrigin({ content, md5Header, faults: { refuseHead: status } });
    const { result, paths } = await download(origin.url, FAST_RETRY_FLAGS);
    await expectDownloaded(result, paths.output, content);
  });

  it('takes the whole body from an origin that ignores Range, fetching it about once (exit 0)', async () => {
    const origin = await startTestOrigin({ content, faults: { ignoreRange: true } });
    const { result, paths } = await download(origin.url, FAST_RETRY_FLAGS);
    await expectDownloaded(result, paths.output, content);
    expect(origin.stats.bodyBytes, JSON.stringify(origin.stats)).toBeLessThanOrEqual(1.1 * content.length);
  });

  it('resumes bodies reset midway and still verifies (exit 0)', async () => {
    const big = makeContent(16 * MiB, 32);
    const origin = await startTestOrigin({ content: big, seed: 1, faults: { cutBodyFraction: 0.3 } });
    const { result, paths } = await download(origin.url, FAST_RETRY_FLAGS);
    await expectDownloaded(result, paths.output, big);
    expect(origin.stats.cuts, 'the fault fired').toBeGreaterThan(0);
  });

  it('drops a stalled body after --stall-timeout and retries it (exit 0)', async () => {
    const origin = await startTestOrigin({ content, faults: { stallAfterBodyBytes: 100_000 } });
    const { result, paths } = await download(origin.url, ['--stall-timeout', '1', '--retries', '20']);
    await expectDownloaded(result, paths.output, content);
    expect(origin.stats.stalls, 'the fault fired').toBe(1);
  });

  it('retries transient 503s (exit 0)', async () => {
    const origin = await startTestOrigin({ content, faults: { failFirstRequests: { count: 3, status: 503 } } });
    const { result, paths } = await download(origin.url, FAST_RETRY_FLAGS);
    await expectDownloaded(result, paths.output, content);
  });
});

describe('swarm-download: origin failures', () => {
  const content = makeContent(4 * MiB, 33);

  it('fails with exit 3 on 404 without retrying', async () => {
    const origin = await startTestOrigin({ content, faults: { status: 404 } });
    const { result, paths } = await download(origin.url, ['--retries', '5']);
    const { message, code } = expectFailed(result, 3, paths.output);
    expect(message).toContain('404');
    expect(code).toBe('ORIGIN_HTTP_STATUS');
    expect(origin.stats.getRequests + origin.stats.headRequests, 'a 404 is final').toBeLessThanOrEqual(3);
  });

  it('fails with exit 3 once --retries is used up on a persistent 500', async () => {
    const origin = await startTestOrigin({ content, faults: { status: 500 } });
    const { result, paths } = await download(origin.url, ['--retries', '2', '--stall-timeout', '2']);
    const { message } = expectFailed(result, 3, paths.output);
    expect(message).toContain('500');
    const requests = origin.stats.getRequests + origin.stats.headRequests;
    expect(requests, 'it did retry').toBeGreaterThan(1);
    expect(requests, '--retries 2 bounds the attempts').toBeLessThanOrEqual(9);
  });

  it('fails with exit 3 when the file changes mid-download', async () => {
    const big = makeContent(8 * MiB, 34);
    const origin = await startTestOrigin({ content: big, faults: { changeAfterBodyBytes: big.length / 2 } });
    const { result, paths } = await download(origin.url, [...FAST_RETRY_FLAGS, '--preferred-chunk-size', '512KiB']);
    const { message, code } = expectFailed(result, 3, paths.output);
    expect(message).toMatch(/chang/i);
    expect(code).toBe('ORIGIN_CHANGED');
  });
});
