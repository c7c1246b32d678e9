/**
 * swarm-download end to end, as a LAN swarm: several real processes on one loopback discovery port
 * find each other, share pieces, verify and publish; seeders serve late joiners, go idle and exit;
 * a peer that dies mid-transfer costs the others nothing but time; the upload cap holds.
 *
 * Every process of a test shares that test's discovery port and broadcasts to 127.255.255.255
 * only; each has its own storage directory and output path.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeContent } from '../../src/testing/origin-server.js';
import type { CliEvent, CliResult } from '../helpers/run-cli.js';
import { expectVerified, newSwarmPort, spawnMember, spawnSwarm } from '../helpers/swarm-fixture.js';
import type { SwarmMember } from '../helpers/swarm-fixture.js';
import { MiB, describeRun, startTestOrigin, useE2eCleanup } from './e2e-fixture.js';

useE2eCleanup();

/** Exit code of a run ended by SIGTERM (README, exit codes). */
const EXIT_SIGTERM = 143;
const TEST_TIMEOUT_MS = 90_000;

function isProgress(event: CliEvent): boolean {
  return event.event === 'progress';
}

/** The member whose progress first shows at least half of `size` but not all of it. */
async function firstPastHalf(members: readonly SwarmMember[], size: number): Promise<SwarmMember> {
  const halfway = (event: CliEvent): boolean => isProgress(event) && (event.bytes as number) >= size / 2 && (event.bytes as number) < size;
  return Promise.any(members.map((member) => member.waitFor(halfway).then(() => member)));
}

/** A seeder ended with SIGTERM: exit 143, its file still published, and a last `error` event saying so. */
async function expectTerminatedSeeder(member: SwarmMember, content: Buffer): Promise<void> {
  const result = await member.result;
  await expectVerified(result, member.paths, content, EXIT_SIGTERM);
  const last = result.events.at(-1);
  expect(last, describeRun(result)).toMatchObject({ event: 'error', exitCode: EXIT_SIGTERM });
}

/** The event kinds of a run in order, progress left out. */
function kindsWithoutProgress(result: CliResult): string[] {
  return result.events.filter((event) => !isProgress(event)).map((event) => event.event);
}

describe('swarm-download: LAN swarm', () => {
  it('five processes started together share a 64 MiB file and fetch it about once from the origin', async () => {
    const content = makeContent(64 * MiB, 501);
    const origin = await startTestOrigin({ content });
    const members = await spawnSwarm(origin.url, 5, { discoveryPort: newSwarmPort() });
    let peerBytes = 0;
    const originBytes: number[] = [];
    for (const member of members) {
      const done = await expectVerified(await member.result, member.paths, content);
      peerBytes += done.peerBytes as number;
      originBytes.push(done.originBytes as number);
    }
    const why = `origin bytes per process ${originBytes.join(', ')}; ranges ${origin.stats.ranges.join(' ')}`;
    expect(origin.stats.bodyBytes, why).toBeLessThanOrEqual(1.1 * content.length);
    expect(peerBytes, 'bytes the processes took from each other').toBeGreaterThan(0);
  }, TEST_TIMEOUT_MS);

  it('a late joiner takes the whole file from three seeders and nothing from the origin', async () => {
    const content = makeContent(64 * MiB, 502);
    const origin = await startTestOrigin({ content });
    const discoveryPort = newSwarmPort();
    const seeders = await spawnSwarm(origin.url, 3, { discoveryPort, extra: ['--seed-until-idle', '--idle-timeout', '60'] });
    await Promise.all(seeders.map((seeder) => seeder.waitForKind('seeding')));
    const originBytesBefore = origin.stats.bodyBytes;

    const joiner = await spawnMember(origin.url, { discoveryPort });
    const done = await expectVerified(await joiner.result, joiner.paths, content);
    expect(done.originBytes, 'bytes the joiner took from the origin').toBe(0);
    expect(done.peerBytes).toBe(content.length);
    expect(origin.stats.bodyBytes, 'origin body bytes while the joiner ran').toBe(originBytesBefore);

    for (const seeder of seeders) expect(seeder.cli.kill('SIGTERM'), 'the seeder was still running').toBe(true);
    for (const seeder of seeders) await expectTerminatedSeeder(seeder, content);
  }, TEST_TIMEOUT_MS);

  it('a seeder that fetched alone (CRCs, no digests) hashes its pieces when a joiner comes, which takes them all from it', async () => {
    const content = makeContent(32 * MiB, 506);
    const origin = await startTestOrigin({ content });
    const discoveryPort = newSwarmPort();
    const seeder = await spawnMember(origin.url, { discoveryPort, extra: ['--seed-until-idle', '--idle-timeout', '60'] });
    await seeder.waitForKind('seeding');
    expect(origin.stats.bodyBytes, 'the seeder fetched the file alone, once').toBe(content.length);

    const joiner = await spawnMember(origin.url, { discoveryPort });
    const done = await expectVerified(await joiner.result, joiner.paths, content);
    expect(done.originBytes, 'bytes the joiner took from the origin').toBe(0);
    expect(done.peerBytes).toBe(content.length);
    expect(origin.stats.bodyBytes, 'origin body bytes in all').toBe(content.length);

    expect(seeder.cli.kill('SIGTERM'), 'the seeder was still running').toBe(true);
    await expectTerminatedSeeder(seeder, content);
  }, TEST_TIMEOUT_MS);

  it('alone, the origin connection goes back to the start of the file after its random first run', async () => {
    const content = makeContent(16 * MiB, 507);
    const origin = await startTestOrigin({ content });
    const member = await spawnMember(origin.url, { discoveryPort: newSwarmPort(), extra: ['--connections', '1'] });
    await expectVerified(await member.result, member.paths, content);
    const starts = origin.stats.ranges.map((range) => Number(/^bytes=(\d+)-/.exec(range)?.[1]));
    const why = `ranges ${origin.stats.ranges.join(' ')}`;
    // The first run starts at a random piece (hosts that start alone at once must not all begin
    // at 0); the next fills the prefix, so the MD5 keeps pace, instead of streaming on from there.
    expect(starts.length, why).toBeGreaterThanOrEqual(2);
    if (starts[0] !== 0) expect(starts[1], why).toBe(0);
    expect(origin.stats.bodyBytes, 'each byte once').toBe(content.length);
  }, TEST_TIMEOUT_MS);

  it('three processes finish when one of four is SIGKILLed halfway', async () => {
    const content = makeContent(64 * MiB, 503);
    const origin = await startTestOrigin({ content, faults: { rateBytesPerSec: 16 * MiB } });
    const members = await spawnSwarm(origin.url, 4, { discoveryPort: newSwarmPort() });
    const victim = await firstPastHalf(members, content.length);
    victim.cli.kill('SIGKILL');
    const killed = await victim.result;
    expect(killed.signal, describeRun(killed)).toBe('SIGKILL');
    expect(killed.events.some((event) => event.event === 'done'), 'the victim was killed before it finished').toBe(false);
    expect(existsSync(victim.paths.output), 'the victim published nothing').toBe(false);

    for (const member of members.filter((other) => other !== victim)) {
      await expectVerified(await member.result, member.paths, content);
    }
  }, TEST_TIMEOUT_MS);

  it('--seed-until-idle: every process reports seeding and idle, and exits soon after the last one is done', async () => {
    const content = makeContent(32 * MiB, 504);
    const origin = await startTestOrigin({ content });
    const members = await spawnSwarm(origin.url, 3, { discoveryPort: newSwarmPort(), extra: ['--seed-until-idle', '--idle-timeout', '3'] });
    const results = await Promise.all(members.map((member) => member.result));
    for (const [index, member] of members.entries()) await expectVerified(results[index] as CliResult, member.paths, content);

    const lastDoneMs = Math.max(...members.map((member) => member.seenAtMs('done') ?? Infinity));
    for (const [index, member] of members.entries()) {
      const result = results[index] as CliResult;
      expect(kindsWithoutProgress(result).slice(-3), describeRun(result)).toEqual(['done', 'seeding', 'idle']);
      const seeding = result.events.find((event) => event.event === 'seeding');
      const idle = result.events.at(-1) as CliEvent;
      expect(seeding?.idleTimeoutSeconds).toBe(3);
      expect(Date.parse(idle.ts) - Date.parse(String(seeding?.ts)), 'idle no sooner than the idle timeout').toBeGreaterThanOrEqual(3000);
      expect((member.exitedAtMs ?? Infinity) - lastDoneMs, `member ${index}: exit after the last done (ms)`).toBeLessThanOrEqual(10_000);
    }
  }, TEST_TIMEOUT_MS);

  it('--speed-limit-up 4MB/s holds within 15% over 10 s', async () => {
    const content = makeContent(64 * MiB, 505);
    const origin = await startTestOrigin({ content });
    const discoveryPort = newSwarmPort();
    const limitBytesPerSec = 4 * MiB;
    const seeder = await spawnMember(origin.url, { discoveryPort, extra: ['--seed-until-idle', '--idle-timeout', '30', '--speed-limit-up', '4MB/s'] });
    await seeder.waitForKind('seeding');
    // HEAD still answers (the leecher learns size and MD5), every GET fails: bytes can only come from the seeder.
    origin.setFaults({ failFirstRequests: { count: Number.MAX_SAFE_INTEGER, status: 503 } });

    const leecher = await spawnMember(origin.url, { discoveryPort, extra: ['--connections', '1'] });
    const first = (await leecher.waitFor((event) => isProgress(event) && (event.peerBytes as number) > 0)).event;
    const windowEndMs = Date.parse(first.ts) + 10_000;
    const last = (await leecher.waitFor((event) => isProgress(event) && Date.parse(event.ts) >= windowEndMs)).event;
    const rate = ((last.peerBytes as number) - (first.peerBytes as number)) / ((Date.parse(last.ts) - Date.parse(first.ts)) / 1000);
    expect(rate / limitBytesPerSec, `peer rate ${Math.round(rate)} B/s against a cap of ${limitBytesPerSec} B/s`).toBeGreaterThanOrEqual(0.85);
    expect(rate / limitBytesPerSec, `peer rate ${Math.round(rate)} B/s against a cap of ${limitBytesPerSec} B/s`).toBeLessThanOrEqual(1.15);

    const done = await expectVerified(await leecher.result, leecher.paths, content);
    expect(done.originBytes).toBe(0);
    expect(done.peerBytes).toBe(content.length);
    expect(seeder.cli.kill('SIGTERM'), 'the seeder was still seeding').toBe(true);
    await expectTerminatedSeeder(seeder, content);
  }, TEST_TIMEOUT_MS);
});
