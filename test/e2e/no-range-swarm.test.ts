/**
 * An origin that ignores Range (it answers every GET with 200 and the whole body, as Python's
 * http.server does), with several real swarm-download processes started together on loopback:
 * one host streams the body and the others take the pieces from it as they arrive, so the origin
 * serves about the file once whatever the number of hosts; when the streamer dies, another takes
 * over.
 *
 * NETWORK SAFETY: every process broadcasts to 127.255.255.255 only.
 */
import { describe, expect, it } from 'vitest';
import { makeContent } from '../../src/testing/origin-server.js';
import type { CliEvent } from '../helpers/run-cli.js';
import { expectVerified, newSwarmPort, spawnSwarm } from '../helpers/swarm-fixture.js';
import { MiB, startTestOrigin, useE2eCleanup } from './e2e-fixture.js';

useE2eCleanup();

describe('swarm-download: an origin without Range support', () => {
  for (const hosts of [2, 3, 5]) {
    it(`${hosts} hosts started together: one streams the body, the others take it from peers; the origin serves about 1x`, async () => {
      const content = makeContent(32 * MiB, 800 + hosts);
      // A rate well under loopback speed, as real origins are, so the hosts meet before it ends.
      const origin = await startTestOrigin({ content, faults: { ignoreRange: true, rateBytesPerSec: 16 * MiB } });
      const members = await spawnSwarm(origin.url, hosts, { discoveryPort: newSwarmPort() });
      const originBytes: number[] = [];
      for (const member of members) originBytes.push((await expectVerified(await member.result, member.paths, content)).originBytes as number);
      const why = `origin bytes per host ${originBytes.join(', ')}; GETs ${origin.stats.getRequests}`;
      expect(origin.stats.bodyBytes, why).toBeLessThanOrEqual(1.1 * content.length);
      // The probe is a HEAD (no Accept-Ranges: no Range): the one GET is the one stream.
      expect(origin.stats.getRequests, why).toBeLessThanOrEqual(2);
    }, 90_000);
  }

  it('the streamer is SIGKILLed halfway: another host takes over, and both others verify', async () => {
    const content = makeContent(32 * MiB, 810);
    const origin = await startTestOrigin({ content, faults: { ignoreRange: true, rateBytesPerSec: 12 * MiB } });
    const members = await spawnSwarm(origin.url, 3, { discoveryPort: newSwarmPort() });
    // The streamer is the host whose progress shows origin bytes; kill it once it has a quarter of the file.
    const streaming = (event: CliEvent): boolean => event.event === 'progress' && (event.originBytes as number) >= content.length / 4;
    const streamer = await Promise.any(members.map((member) => member.waitFor(streaming).then(() => member)));
    expect(streamer.cli.kill('SIGKILL')).toBe(true);
    const others = members.filter((member) => member !== streamer);
    const originBytes: number[] = [];
    for (const member of others) originBytes.push((await expectVerified(await member.result, member.paths, content)).originBytes as number);
    const why = `origin bytes of the two others ${originBytes.join(', ')}; GETs ${origin.stats.getRequests}`;
    expect(originBytes.filter((bytes) => bytes > 0).length, `one of them took over: ${why}`).toBeGreaterThanOrEqual(1);
    // The first stream up to the kill (progress comes once a second, so up to a second more than a
    // quarter), then one more whole body: without Range the stream that takes over starts at byte 0.
    expect(origin.stats.bodyBytes, why).toBeLessThanOrEqual(2.5 * content.length);
  }, 90_000);
});
