/**
 * swarm-download --metrics-file: on exit, done or failed, the file holds the download's counters
 * in the Prometheus text format (checked line by line), and its byte counters equal the `--json`
 * `done` event's; its origin requests equal the `done` event's and what the origin itself served.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeContent } from '../../src/testing/origin-server.js';
import { parsePromText } from '../helpers/prom-text.js';
import { makeTempDir, runCli } from '../helpers/run-cli.js';
import { doneEvent, expectVerified, newSwarmPort, spawnMember } from '../helpers/swarm-fixture.js';
import { FAST_RETRY_FLAGS, MiB, describeRun, download, expectDownloaded, expectFailed, newPaths, startTestOrigin, useE2eCleanup } from './e2e-fixture.js';

useE2eCleanup();

/** The samples of `dir/swarm.prom`; no temporary file may be left beside it. */
async function readMetrics(dir: string): Promise<Map<string, number>> {
  const names = await readdir(dir);
  expect(names.filter((name) => name.endsWith('.tmp')), 'no temporary file is left').toEqual([]);
  return parsePromText(await readFile(join(dir, 'swarm.prom'), 'utf8'));
}

/** `swarm_origin_requests_total` by `kind result`, the zero series left out, and their sum. */
function originRequests(samples: Map<string, number>): { byOutcome: Record<string, number>; total: number } {
  const byOutcome: Record<string, number> = {};
  let total = 0;
  for (const [name, value] of samples) {
    const match = /^swarm_origin_requests_total\{kind="(\w+)",result="(\w+)"\}$/.exec(name);
    if (!match) continue;
    total += value;
    if (value > 0) byOutcome[`${match[1]} ${match[2]}`] = value;
  }
  return { byOutcome, total };
}

describe('swarm-download --metrics-file', () => {
  it('a download alone: the file parses and its bytes equal the done event', async () => {
    const content = makeContent(3 * MiB, 71);
    const origin = await startTestOrigin({ content });
    const paths = await newPaths();
    const { result } = await download(origin.url, ['--no-discovery', '--metrics-file', join(paths.dir, 'swarm.prom')], { paths });
    await expectDownloaded(result, paths.output, content);
    const done = doneEvent(result);
    const samples = await readMetrics(paths.dir);
    expect(samples.get('swarm_origin_bytes_total')).toBe(done.originBytes);
    expect(samples.get('swarm_peer_bytes_total')).toBe(done.peerBytes);
    expect(samples.get('swarm_delivered_bytes_total')).toBe(content.length);
    expect(samples.get('swarm_downloads_total{result="done"}')).toBe(1);
    expect(samples.get('swarm_download_duration_seconds_count')).toBe(1);
    // One HEAD, then ranged GETs: each counted once, as the origin saw them.
    const requests = originRequests(samples);
    expect(requests.total).toBe(done.originRequests);
    expect(requests.total).toBe(origin.stats.requests);
    expect(requests.byOutcome).toEqual({ 'probe ok': 1, 'range ok': origin.stats.getRequests });
  });

  it('origin requests that failed and were retried: each counted, by its code, as the origin served them', async () => {
    const content = makeContent(2 * MiB, 74);
    const origin = await startTestOrigin({ content, faults: { failFirstRequests: { count: 3, status: 503 } } });
    const paths = await newPaths();
    const { result } = await download(origin.url, ['--no-discovery', ...FAST_RETRY_FLAGS, '--metrics-file', join(paths.dir, 'swarm.prom')], { paths });
    await expectDownloaded(result, paths.output, content);
    const done = doneEvent(result);
    const samples = await readMetrics(paths.dir);
    const requests = originRequests(samples);
    expect(requests.total).toBe(done.originRequests);
    expect(requests.total).toBe(origin.stats.requests);
    expect(requests.byOutcome['range retried']).toBe(3);
    expect(samples.get('swarm_origin_retries_total{code="ORIGIN_HTTP_STATUS"}')).toBe(3);
    expect(requests.byOutcome['range ok']).toBe(origin.stats.getRequests - 3);
  });

  it('a joiner fed by a seeder: peer and origin bytes equal the done event, to the byte', async () => {
    const content = makeContent(8 * MiB, 72);
    const origin = await startTestOrigin({ content });
    const discoveryPort = newSwarmPort();
    const seeder = await spawnMember(origin.url, { discoveryPort, extra: ['--seed-until-idle', '--idle-timeout', '30'] });
    await seeder.waitForKind('seeding');
    const dir = await makeTempDir();
    const joiner = await spawnMember(origin.url, { discoveryPort, extra: ['--metrics-file', join(dir, 'swarm.prom')] });
    const done = await expectVerified(await joiner.result, joiner.paths, content);
    expect(seeder.cli.kill('SIGTERM')).toBe(true);
    await seeder.result;
    const samples = await readMetrics(dir);
    expect(done.peerBytes as number).toBeGreaterThan(0);
    expect(samples.get('swarm_peer_bytes_total')).toBe(done.peerBytes);
    expect(samples.get('swarm_origin_bytes_total')).toBe(done.originBytes);
    expect(samples.get('swarm_peer_share_ratio')).toBeCloseTo((done.peerBytes as number) / content.length, 6);
  }, 60_000);

  it('a failed download still writes the file, with the error counted', async () => {
    const origin = await startTestOrigin({ content: makeContent(MiB, 73), faults: { status: 404 } });
    const paths = await newPaths();
    const { result } = await download(origin.url, ['--no-discovery', '--metrics-file', join(paths.dir, 'swarm.prom')], { paths });
    expectFailed(result, 3, paths.output);
    const samples = await readMetrics(paths.dir);
    expect(samples.get('swarm_downloads_total{result="failed"}')).toBe(1);
    expect(samples.get('swarm_origin_errors_total{code="ORIGIN_HTTP_STATUS"}')).toBe(1);
    expect(samples.get('swarm_origin_bytes_total')).toBe(0);
    expect(originRequests(samples)).toEqual({ byOutcome: { 'probe failed': 1 }, total: origin.stats.requests });
  });
});

describe('swarm-download and metrics-address (swarm-server\'s)', () => {
  it('--metrics-address is refused (exit 2), pointing to --metrics-file', async () => {
    const result = await runCli(['http://127.0.0.1:9/file.bin', '--metrics-address', '127.0.0.1:9464']);
    expect(result.code, describeRun(result)).toBe(2);
    expect(result.stderr).toBe('swarm-download: error: --metrics-address: swarm-download serves no metrics (metrics-address is for swarm-server); to keep a download\'s counters, pass --metrics-file PATH\n');
  });

  it('SWARM_METRICS_ADDRESS: one warning, and the download goes on; from the shared config file: not a word', async () => {
    const content = makeContent(MiB, 75);
    const origin = await startTestOrigin({ content });
    const fromEnv = await download(origin.url, ['--no-discovery'], { env: { SWARM_METRICS_ADDRESS: '127.0.0.1:9464' } });
    await expectDownloaded(fromEnv.result, fromEnv.paths.output, content);
    expect(fromEnv.result.stderr.match(/warning: SWARM_METRICS_ADDRESS is ignored: .*pass --metrics-file PATH\n/g), describeRun(fromEnv.result)).toHaveLength(1);
    const paths = await newPaths();
    const config = join(paths.dir, 'config.json');
    await writeFile(config, '{ "metrics-address": "127.0.0.1:9464" }\n');
    const fromFile = await download(origin.url, ['--no-discovery', '--config', config], { paths });
    await expectDownloaded(fromFile.result, paths.output, content);
    expect(fromFile.result.stderr, describeRun(fromFile.result)).not.toMatch(/metrics/i);
  });
});
