/**
 * Peer sources other than broadcast, end to end on loopback with broadcast off: hosts that know
 * only one fixed peer find the rest by peer exchange; hosts that know only a tracker (Debian's
 * opentracker, on 127.0.0.1) find each other through it. Every process is a real swarm-download;
 * the JSON progress events say which source each peer came from.
 *
 * NETWORK SAFETY: --no-broadcast; every socket is on 127.0.0.1 (the discovery port is the test's
 * own, unused with broadcast off).
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { swarmIdForPieces } from '../../src/discovery/swarm-id.js';
import { trackerInfoHash } from '../../src/peer-sources/tracker-info-hash.js';
import { autoPieceBytes } from '../../src/pieces/piece-geometry.js';
import { makeContent } from '../../src/testing/origin-server.js';
import type { CliEvent } from '../helpers/run-cli.js';
import { OPENTRACKER_MISSING, startOpentracker } from '../helpers/opentracker.js';
import { expectVerified, newSwarmPort, spawnSwarm, type SwarmMember } from '../helpers/swarm-fixture.js';
import { MiB, startTestOrigin, useE2eCleanup } from './e2e-fixture.js';

useE2eCleanup();
const trackers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of trackers.splice(0)) await stop();
});

/** The sources of the peers a member reported at any time, summed over its progress events' highest counts. */
function sourcesSeen(member: SwarmMember): Record<string, number> {
  const most: Record<string, number> = {};
  for (const { event } of member.seen) {
    if (event.event !== 'progress') continue;
    for (const [source, count] of Object.entries(event.peersBySource as Record<string, number>)) most[source] = Math.max(most[source] ?? 0, count);
  }
  return most;
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts `count` members at once, member i with `argsOf(i)` after the common flags. */
async function spawnEach(url: string, count: number, argsOf: (index: number) => string[]): Promise<SwarmMember[]> {
  const discoveryPort = newSwarmPort();
  const members: SwarmMember[] = [];
  for (let index = 0; index < count; index++) {
    members.push(...await spawnSwarm(url, 1, { discoveryPort, extra: ['--no-broadcast', '--bind-address', '127.0.0.1', '--seed-until-idle', '--idle-timeout', '2', ...argsOf(index)] }));
  }
  return members;
}

describe('swarm-download: peer sources beyond broadcast', () => {
  it('--peer naming one host: the others find each other by peer exchange, and the origin serves about 1x', async () => {
    const content = makeContent(24 * MiB, 701);
    // Slow enough that the swarm forms while the file is still coming.
    const origin = await startTestOrigin({ content, faults: { rateBytesPerSec: 12 * MiB } });
    // Ports the kernel just handed out as free (a random "freeish" one can be an ephemeral port in use).
    const ports = await Promise.all([0, 1, 2, 3].map(() => freePort()));
    const seed = `127.0.0.1:${ports[0]}`;
    const members = await spawnEach(origin.url, 4, (index) => ['--port', String(ports[index]), ...(index === 0 ? [] : ['--peer', seed])]);
    const seen = [];
    for (const member of members) {
      await expectVerified(await member.result, member.paths, content);
      seen.push(sourcesSeen(member));
    }
    const why = `sources per member: ${JSON.stringify(seen)}; ranges ${origin.stats.ranges.join(' ')}`;
    expect(origin.stats.bodyBytes, why).toBeLessThanOrEqual(1.25 * content.length);
    expect(seen.slice(1).every((sources) => (sources['fixed'] ?? 0) >= 1), `each joiner dialled the fixed peer: ${why}`).toBe(true);
    expect(seen.some((sources) => (sources['exchange'] ?? 0) >= 1), `a peer found by peer exchange: ${why}`).toBe(true);
  }, 90_000);

  it.skipIf(OPENTRACKER_MISSING !== null)(`--tracker at opentracker on 127.0.0.1: the hosts find each other through it${OPENTRACKER_MISSING ? ` (skipped: ${OPENTRACKER_MISSING})` : ''}`, async () => {
    const content = makeContent(24 * MiB, 702);
    const infoHash = trackerInfoHash(swarmIdForPieces(createHash('md5').update(content).digest(), content.length, autoPieceBytes(content.length)));
    const tracker = await startOpentracker([infoHash]);
    trackers.push(tracker.stop);
    const origin = await startTestOrigin({ content, faults: { rateBytesPerSec: 12 * MiB } });
    const members = await spawnEach(origin.url, 3, () => ['--tracker', tracker.url.href]);
    const seen = [];
    for (const member of members) {
      const done = await expectVerified(await member.result, member.paths, content);
      const start = member.seen.find(({ event }) => event.event === 'start')?.event as CliEvent;
      expect(start.trackerInfoHash).toBe(infoHash.toString('hex'));
      expect(done).toBeDefined();
      seen.push(sourcesSeen(member));
    }
    const why = `sources per member: ${JSON.stringify(seen)}; ranges ${origin.stats.ranges.join(' ')}`;
    expect(seen.some((sources) => (sources['tracker'] ?? 0) >= 1), `a peer found by the tracker: ${why}`).toBe(true);
    expect(origin.stats.bodyBytes, why).toBeLessThanOrEqual(1.25 * content.length);
  }, 90_000);
});
