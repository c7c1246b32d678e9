/**
 * swarm-download end to end against origins whose answers are not what was asked: a probe
 * answered with the whole file, a wrong Content-Range, and an origin without an ETag whose file
 * is replaced mid-way (only Last-Modified tells), the last two against Debian's nginx too
 * (`etag off`, `max_ranges 0`; skipped when it is not installed). Single host (`--no-discovery`).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, stat, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { makeContent } from '../../src/testing/origin-server.js';
import type { OriginFaults, OriginOptions } from '../../src/testing/origin-server.js';
import { NGINX_MISSING, startNginx, type RunningNginx } from '../helpers/nginx.js';
import { spawnCli } from '../helpers/run-cli.js';
import type { CliResult } from '../helpers/run-cli.js';
import { FAST_RETRY_FLAGS, MiB, describeRun, download, downloadArgs, expectDownloaded, expectEventShapes, expectFailed, md5Hex, newPaths, startTestOrigin, useE2eCleanup } from './e2e-fixture.js';

useE2eCleanup();

const SOLO = ['--no-discovery', ...FAST_RETRY_FLAGS];

/**
 * Runs the CLI and samples its own peak RSS (`VmHWM` of its address space since exec) until it
 * exits. Not the `done` event's `maxRssBytes`: getrusage's peak counts the parent's RSS at the
 * fork, which grows over a test file's runs.
 */
async function runSampled(args: readonly string[]): Promise<{ result: CliResult; peakRssBytes: number }> {
  const cli = spawnCli(args, { timeoutMs: 60_000 });
  let exited = false;
  void cli.result.then(() => (exited = true));
  let peakRssBytes = 0;
  while (!exited) {
    const status = await readFile(`/proc/${String(cli.child.pid)}/status`, 'utf8').catch(() => '');
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
    if (kib !== undefined) peakRssBytes = Math.max(peakRssBytes, Number(kib) * 1024);
    await Promise.race([cli.result, sleep(20)]);
  }
  return { result: await cli.result, peakRssBytes };
}

describe('swarm-download: a probe answered with more than it asked for', () => {
  const content = makeContent(64 * MiB, 41);
  /**
   * About a 0.8 Gbit/s link with a 2 ms queue: on bare loopback the kernel takes several MiB
   * into its socket buffers before any client can read the headers, so what a hang-up saves is
   * seen only at a link's speed.
   */
  const LINK: OriginFaults = { rateBytesPerSec: 100_000_000, burstMs: 2 };

  const contentMd5 = md5Hex(content);

  interface Run { egress: number; maxRss: number; ranges: string[] }

  /** One connection, so that the only egress beyond the file is the probe's (no split runs). */
  async function run(faults: OriginFaults, options: Partial<OriginOptions> = {}): Promise<Run> {
    const origin = await startTestOrigin({ content, md5Header: 'repr-digest', ...options, faults: { refuseHead: 403, ...faults } });
    const paths = await newPaths();
    const { result, peakRssBytes } = await runSampled(downloadArgs(origin.url, paths, [...SOLO, '--connections', '1']));
    expect(result.code, describeRun(result)).toBe(0);
    expectEventShapes(result.events);
    const done = result.events.at(-1);
    expect(done).toMatchObject({ event: 'done', size: content.length, md5: contentMd5 });
    const hash = createHash('md5');
    for await (const chunk of createReadStream(paths.output)) hash.update(chunk as Buffer);
    expect(hash.digest('hex'), 'PATH holds the origin bytes').toBe(contentMd5);
    expect(peakRssBytes, 'sampled /proc/PID/status').toBeGreaterThan(0);
    return { egress: origin.stats.bodyBytes, maxRss: peakRssBytes, ranges: origin.stats.ranges.slice(0, 3) };
  }

  it('HEAD refused, bytes=0-0 answered with the whole 64 MiB as a 206 (as s3rver does) or a 200: verified; the probe costs < 1 MiB of egress, no memory', async () => {
    const normal = await run(LINK);
    const whole206 = await run({ ...LINK, wrongContentRange: { shape: 'whole', count: 1 } });
    const whole200 = await run({ ...LINK, noRanges: true });
    const summary = JSON.stringify({ normal, whole206, whole200 });
    expect(normal.egress, summary).toBe(content.length + 1);
    expect(whole206.ranges[0]).toBe('bytes=0-0');
    expect(whole206.ranges[1], 'its headers served, its body unread: then the file from its start').toMatch(/^bytes=0-\d+$/);
    expect(whole200.ranges, 'no Range support: the whole body once, from the start').toEqual(['bytes=0-0', `bytes=0-${content.length - 1}`]);
    for (const answered of [whole206, whole200]) {
      expect(answered.egress - content.length, `probe egress beyond the file: ${summary}`).toBeLessThan(MiB);
      // Reading the 206 into memory, as before, cost about 100 MiB more.
      expect(answered.maxRss, `peak RSS near a normal run: ${summary}`).toBeLessThan(normal.maxRss + 32 * MiB);
    }
  }, 120_000);

  it('on bare loopback the waste is what the socket buffers hold, not the file', async () => {
    const whole206 = await run({ wrongContentRange: { shape: 'whole', count: 1 } });
    const whole200 = await run({ noRanges: true });
    for (const answered of [whole206, whole200]) {
      expect(answered.egress - content.length, JSON.stringify({ whole206, whole200 })).toBeLessThan(8 * MiB);
    }
  }, 120_000);
});

describe('swarm-download: a wrong Content-Range', () => {
  const content = makeContent(4 * MiB, 42);

  it('is refused and asked again: a few wrong answers, then verified (exit 0)', async () => {
    const origin = await startTestOrigin({ content, faults: { wrongContentRange: { shape: 'shifted', count: 3 } } });
    const { result, paths } = await download(origin.url, SOLO);
    await expectDownloaded(result, paths.output, content);
    const [first] = origin.stats.ranges;
    expect(origin.stats.ranges.slice(0, 4), 'the same range asked until answered right').toEqual([first, first, first, first]);
  });

  it('from an origin that keeps answering another range: exit 3 naming what was asked and what came', async () => {
    const origin = await startTestOrigin({ content, faults: { wrongContentRange: { shape: 'shifted' } } });
    const { result, paths } = await download(origin.url, ['--no-discovery', '--retries', '3', '--stall-timeout', '2']);
    const { message, code } = expectFailed(result, 3, paths.output);
    expect(code).toBe('ORIGIN_BAD_RESPONSE');
    const asked = /bytes=(\d+)-(\d+)/.exec(origin.stats.ranges[0] ?? '');
    expect(asked, JSON.stringify(origin.stats.ranges)).not.toBeNull();
    const [start, end] = [Number(asked?.[1]), Number(asked?.[2])];
    expect(message).toContain(`asked for bytes ${start}-${end}, got bytes ${start + 1}-${end + 1}/${content.length}`);
    expect(origin.stats.getRequests, '--retries 3 bounds the attempts').toBeLessThanOrEqual(4);
  });
});

describe('swarm-download: no ETag, only Last-Modified', () => {
  const content = makeContent(64 * MiB, 43);

  it('a file replaced mid-way ends in exit 3 ORIGIN_CHANGED at the first answer after the change, nothing published', async () => {
    const changeAfter = 16 * MiB;
    const origin = await startTestOrigin({ content, etag: false, faults: { changeAfterBodyBytes: changeAfter } });
    const { result, paths } = await download(origin.url, SOLO, { timeoutMs: 60_000 });
    const { message, code } = expectFailed(result, 3, paths.output);
    expect(code, describeRun(result)).toBe('ORIGIN_CHANGED');
    expect(message).toMatch(/changed during the download/);
    const afterChange = origin.stats.bodyBytes - changeAfter;
    // Bodies under way at the change finish with the old bytes (at most --connections 4 runs of
    // 2 MiB); the next request gets a 412. Without the date, the rest of the file came, then exit 4.
    expect(afterChange, JSON.stringify({ afterChange, ranges: origin.stats.ranges.length })).toBeLessThan((content.length - changeAfter) / 4);
  }, 60_000);

  it('an unchanged file without an ETag downloads as usual (exit 0)', async () => {
    const small = makeContent(4 * MiB, 44);
    const origin = await startTestOrigin({ content: small, etag: false });
    const { result, paths } = await download(origin.url, SOLO);
    await expectDownloaded(result, paths.output, small);
  });
});

describe.skipIf(NGINX_MISSING !== null)(`swarm-download against Debian's nginx on 127.0.0.1${NGINX_MISSING ? ` (skipped: ${NGINX_MISSING})` : ''}`, () => {
  let nginx: RunningNginx | null = null;
  afterEach(async () => {
    await nginx?.stop();
    nginx = null;
  });

  /** Writes `content` at `name` under the served root; resolves with its URL. */
  async function serve(name: string, content: Buffer): Promise<string> {
    nginx = await startNginx('2m');
    const path = join(nginx.root, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
    return `${nginx.baseUrl}/${name}`;
  }

  it('etag off: Last-Modified only; the download verifies with --md5 (exit 0)', async () => {
    const content = makeContent(32 * MiB, 45);
    const url = await serve('file.bin', content);
    const { result, paths } = await download(url, [...SOLO, '--md5', md5Hex(content)]);
    await expectDownloaded(result, paths.output, content);
    const log = await (nginx as RunningNginx).log();
    expect(log.filter((line) => line.status === 206).length, JSON.stringify(log)).toBeGreaterThan(1);
  });

  it('max_ranges 0 (no Accept-Ranges): HEAD alone says no Range, no probe GET, the body is read once from the start (exit 0)', async () => {
    const content = makeContent(32 * MiB, 46);
    const url = await serve('noranges/file.bin', content);
    const { result, paths } = await download(url, [...SOLO, '--md5', md5Hex(content)]);
    await expectDownloaded(result, paths.output, content);
    // nginx logs a request when it ends: wait until the body's line is there.
    const sent = async (): Promise<number> => (await (nginx as RunningNginx).log()).reduce((sum, line) => sum + line.bodyBytes, 0);
    await expect.poll(sent).toBeGreaterThanOrEqual(content.length);
    const log = await (nginx as RunningNginx).log();
    expect(log[0], 'the probe is a HEAD').toMatchObject({ status: 200, bodyBytes: 0, range: '-' });
    expect(log.filter((line) => line.range === 'bytes=0-0'), `no probe GET: ${JSON.stringify(log)}`).toEqual([]);
    expect(log.filter((line) => line.bodyBytes === content.length), `the body read once: ${JSON.stringify(log)}`).toHaveLength(1);
    expect(await sent(), JSON.stringify(log)).toBeLessThan(1.05 * content.length);
  });

  it('etag off, the file replaced mid-way: exit 3 ORIGIN_CHANGED at the next answer (a 412), nothing published', async () => {
    const content = makeContent(64 * MiB, 47);
    const url = await serve('slow/file.bin', content);
    const path = join((nginx as RunningNginx).root, 'slow/file.bin');
    const paths = await newPaths();
    const cli = spawnCli(downloadArgs(url, paths, [...SOLO, '--md5', md5Hex(content)]), { timeoutMs: 60_000 });
    await cli.waitForEvent((event) => event.event === 'progress' && Number(event.bytes) >= 4 * MiB);
    // Another file of the same size, a minute newer, renamed over the old one.
    const replacement = `${path}.new`;
    await writeFile(replacement, makeContent(content.length, 48));
    const { mtime } = await stat(path);
    const newer = new Date(mtime.getTime() + 60_000);
    await utimes(replacement, newer, newer);
    await rename(replacement, path);
    const result = await cli.result;
    const { code } = expectFailed(result, 3, paths.output);
    expect(code, describeRun(result)).toBe('ORIGIN_CHANGED');
    const last = result.events.filter((event) => event.event === 'progress').at(-1);
    expect(Number(last?.bytes), 'stopped well before the end').toBeLessThan(content.length / 2);
    // The first answer after the change: nginx's 412 to If-Unmodified-Since.
    await expect.poll(async () => (await (nginx as RunningNginx).log()).some((line) => line.status === 412)).toBe(true);
    const log = await (nginx as RunningNginx).log();
    const egress = log.reduce((sum, line) => sum + line.bodyBytes, 0);
    expect(egress, `egress well under the file: ${JSON.stringify(log)}`).toBeLessThan(content.length / 2);
  });
});
