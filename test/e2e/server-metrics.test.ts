/**
 * swarm-server --metrics-address end to end: a daemon scraped during and after a download it
 * shares with another daemon and a swarm-download serves /metrics whose origin and peer bytes
 * equal its `--json` `download-done` event and what it reports for its file, whose origin
 * requests with the swarm-download's `done` event add up to what the origin served, and /healthz
 * 200; an address in use is exit 2.
 */
import { open } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { makeContent } from '../../src/testing/origin-server.js';
import { parsePromText } from '../helpers/prom-text.js';
import { SERVER_PATH, expectFileStatus, expectFilesResponse, newServerPlace, startServer, swarmJson, type ServerHandle } from '../helpers/run-server.js';
import { makeTempDir, runCli } from '../helpers/run-cli.js';
import { expectVerified, newSwarmPort, spawnMember } from '../helpers/swarm-fixture.js';
import { MiB, describeRun, useE2eCleanup, startTestOrigin } from './e2e-fixture.js';

useE2eCleanup();

async function scrape(server: ServerHandle): Promise<{ samples: Map<string, number>; text: string; contentType: string | null }> {
  const response = await fetch(`http://${String(server.ready['metricsAddress'])}/metrics`);
  expect(response.status).toBe(200);
  const text = await response.text();
  return { samples: parsePromText(text), text, contentType: response.headers.get('content-type') };
}

describe('swarm-server --metrics-address', () => {
  it('scraped during and after a 3-host download: origin and peer bytes equal the daemon\'s --json download-done event, origin requests what the origin served', async () => {
    const content = makeContent(16 * MiB, 801);
    const origin = await startTestOrigin({ content, faults: { rateBytesPerSec: 8 * MiB } });
    const discoveryPort = newSwarmPort();
    const [a, b] = await Promise.all([0, 1].map(() => startServer(discoveryPort, undefined, ['--metrics-address', '127.0.0.1:0'])) as [Promise<ServerHandle>, Promise<ServerHandle>]);
    expect(String(a.ready['metricsAddress'])).toMatch(/^127\.0\.0\.1:\d+$/);
    const dir = await makeTempDir();
    const downloads = Promise.all([
      swarmJson(a.socket, ['download', origin.url, '-o', `${dir}/a.bin`]),
      swarmJson(b.socket, ['download', origin.url, '-o', `${dir}/b.bin`]),
      spawnMember(origin.url, { discoveryPort }).then(async (member) => expectVerified(await member.result, member.paths, content)),
    ]);
    let originRequests = 0;
    const during = await scrape(a);
    expect(during.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(during.samples.get('swarm_origin_bytes_total') ?? -1).toBeGreaterThanOrEqual(0);
    const [, , memberDone] = await downloads;
    originRequests += memberDone.originRequests as number;
    for (const server of [a, b]) {
      const health = await fetch(`http://${String(server.ready['metricsAddress'])}/healthz`);
      expect(health.status).toBe(200);
      const [file] = expectFilesResponse(await swarmJson(server.socket, ['files']));
      const startedMs = performance.now();
      const { samples, text } = await scrape(server);
      const scrapeMs = performance.now() - startedMs;
      expect(samples.get('swarm_origin_bytes_total'), text).toBe(file?.['originBytes']);
      expect(samples.get('swarm_peer_bytes_total'), text).toBe(file?.['peerBytes']);
      const done = await server.cli.waitForEvent((event) => event.event === 'download-done');
      expect(samples.get('swarm_origin_bytes_total'), text).toBe(done.originBytes);
      expect(samples.get('swarm_peer_bytes_total'), text).toBe(done.peerBytes);
      const requests = [...samples].filter(([name]) => name.startsWith('swarm_origin_requests_total{'));
      expect(samples.get('swarm_origin_requests_total{kind="probe",result="ok"}'), text).toBe(1);
      originRequests += requests.reduce((sum, [, count]) => sum + count, 0);
      expect(samples.get('swarm_files{state="complete"}')).toBe(1);
      expect(samples.get('swarm_cache_used_bytes')).toBe(content.length);
      expect(samples.get('swarm_downloads_total{result="done"}')).toBe(1);
      const connected = [...samples].filter(([name]) => name.startsWith('swarm_peers_connected')).reduce((sum, [, count]) => sum + count, 0);
      expect(connected, text).toBeGreaterThan(0);
      console.info(`scrape: ${scrapeMs.toFixed(1)} ms, ${Buffer.byteLength(text)} bytes`);
    }
    expect(originRequests, 'the three hosts\' origin requests are those the origin served').toBe(origin.stats.requests);
  }, 120_000);

  it('a restarted daemon, seeding what it found on disk, counts a piece that rotted there (source disk)', async () => {
    const content = makeContent(16 * MiB, 802);
    const origin = await startTestOrigin({ content });
    const discoveryPort = newSwarmPort();
    const place = await newServerPlace();
    const first = await startServer(discoveryPort, place);
    const file = expectFileStatus((await swarmJson(first.socket, ['download', origin.url]))['file']);
    first.cli.kill('SIGTERM');
    expect((await first.cli.result).code).toBe(0);
    const rotten = 5;
    const at = rotten * (file['pieceBytes'] as number) + 1234;
    const data = await open(String(file['path']), 'r+');
    try {
      await data.write(Buffer.from([(content[at] ?? 0) ^ 0x01]), 0, 1, at);
    } finally {
      await data.close();
    }
    const server = await startServer(discoveryPort, place, ['--metrics-address', '127.0.0.1:0']);
    await server.cli.waitForEvent((event) => event.event === 'seeding');
    const joiner = await spawnMember(origin.url, { discoveryPort });
    const done = await expectVerified(await joiner.result, joiner.paths, content);
    expect(done.peerBytes as number, 'the joiner took pieces from the daemon').toBeGreaterThan(0);
    const warning = await server.cli.waitForEvent((event) => event.event === 'warning' && String(event['message']).includes(`piece ${rotten} failed its digest`));
    const { samples, text } = await scrape(server);
    expect(samples.get('swarm_corrupt_pieces_total{source="disk"}'), `${text}\n${JSON.stringify(warning)}`).toBe(1);
    expect(samples.get('swarm_corrupt_pieces_total{source="peer"}')).toBe(0);
  }, 120_000);

  it('refuses an address in use: a clear error, exit 2', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    try {
      const { port } = blocker.address() as AddressInfo;
      const dir = await makeTempDir();
      const result = await runCli(['--storage-directory', `${dir}/store`, '--control-socket', `${dir}/c.sock`, '--metrics-address', `127.0.0.1:${port}`], { bin: SERVER_PATH });
      expect(result.code, describeRun(result)).toBe(2);
      expect(result.stderr).toContain(`cannot serve metrics on 127.0.0.1:${port}: address in use`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
