/**
 * swarm-download end to end while its origin goes away: with the defaults, three hosts of a
 * loopback swarm ride out a 60 s outage mid-download (connections refused, as an origin restart)
 * and publish verified files, saying `origin-retry` meanwhile and `origin-ok` once it answers;
 * with a short `--retry-max-time`, one host whose origin stays down exits 3 naming the time.
 *
 * Every swarm process broadcasts to 127.255.255.255 only (test/helpers/swarm-fixture.ts).
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeContent } from '../../src/testing/origin-server.js';
import { spawnCli, type CliEvent, type CliResult } from '../helpers/run-cli.js';
import { expectVerified, newSwarmPort, spawnSwarm, type SwarmMember } from '../helpers/swarm-fixture.js';
import { MiB, describeRun, downloadArgs, expectFailed, newPaths, startTestOrigin, useE2eCleanup } from './e2e-fixture.js';

useE2eCleanup();

/** The outage the issue asks the defaults to survive. */
const OUTAGE_MS = 60_000;
/** The defaults' longest wait between attempts (DEFAULT_RETRY.maxDelayMs): the most a host may take to notice the origin is back. */
const MAX_DELAY_MS = 15_000;
/** Messages that say for how long the origin failed, and which flag gives it longer. */
const GAVE_UP = /the origin failed for 3(\.[0-9])?s \([0-9]+ attempts?\): cannot reach http:\/\/127\.0\.0\.1:[0-9]+\/file\.bin: .*; check that it is up, or raise --retry-max-time$/;

function ofKind(events: readonly CliEvent[], kind: string): CliEvent[] {
  return events.filter((event) => event.event === kind);
}

/** Each origin-retry has the contract's fields, and there are at most `maxCount` (coalesced, not a flood). */
function expectRetryEvents(result: CliResult, maxCount: number): CliEvent[] {
  const retries = ofKind(result.events, 'origin-retry');
  expect(retries.length, describeRun(result)).toBeGreaterThan(0);
  for (const event of retries) {
    expect(Number.isSafeInteger(event.attempt) && (event.attempt as number) >= 1, JSON.stringify(event)).toBe(true);
    expect(event.delayMs as number, JSON.stringify(event)).toBeGreaterThanOrEqual(0);
    expect(event.delayMs as number, JSON.stringify(event)).toBeLessThanOrEqual(MAX_DELAY_MS);
    expect(event.reason, JSON.stringify(event)).toMatch(/^\S.*127\.0\.0\.1/);
    expect(String(event.reason)).not.toContain('\n');
    expect(typeof event.code).toBe('string');
  }
  expect(retries.length, 'coalesced, not a flood').toBeLessThanOrEqual(maxCount);
  return retries;
}

/** The member's origin bytes as its last progress event before `atMs` said. */
function originBytesBefore(member: SwarmMember, atMs: number): number {
  const before = member.seen.filter((seen) => seen.event.event === 'progress' && seen.atMs < atMs);
  return (before.at(-1)?.event.originBytes as number | undefined) ?? 0;
}

describe('swarm-download: the origin goes away', () => {
  it('with the defaults, three hosts ride out a 60 s outage mid-download and publish verified files', async () => {
    const content = makeContent(16 * MiB, 1401);
    // 4 MiB/s for the whole fleet: the download takes about 4 s without the outage.
    const origin = await startTestOrigin({ content, faults: { rateBytesPerSec: 4 * MiB } });
    const members = await spawnSwarm(origin.url, 3, { discoveryPort: newSwarmPort(), timeoutMs: OUTAGE_MS + MAX_DELAY_MS + 60_000 });
    const midway = (event: CliEvent): boolean => event.event === 'progress' && (event.originBytes as number) >= 2 * MiB;
    await Promise.any(members.map((member) => member.waitFor(midway)));
    const downAtMs = Date.now();
    await origin.goDown(OUTAGE_MS);
    await origin.whenUp();
    const upAtMs = Date.now();
    expect(members.every((member) => member.exitedAtMs === null), 'nobody gave up during the outage').toBe(true);

    let okSeen = 0;
    for (const [index, member] of members.entries()) {
      const result = await member.result;
      const done = await expectVerified(result, member.paths, content);
      // One connection at a time per host in a swarm of three, backoff doubling from 0.2 s: about ten.
      expectRetryEvents(result, OUTAGE_MS / 1000);
      const firstRetryMs = member.seen.find((seen) => seen.event.event === 'origin-retry')?.atMs ?? Infinity;
      expect(firstRetryMs, `member ${index}: its first origin-retry came during the outage`).toBeGreaterThanOrEqual(downAtMs);
      expect(firstRetryMs).toBeLessThan(upAtMs);
      const ok = member.seen.find((seen) => seen.event.event === 'origin-ok' && seen.atMs >= firstRetryMs);
      // A host that took bytes from the origin after it came back heard it answer; one whose
      // pieces all came from the others by then may never have asked it again.
      if ((done.originBytes as number) > originBytesBefore(member, upAtMs)) {
        expect(ok, `member ${index}: origin-ok after the outage\n${describeRun(result)}`).toBeDefined();
      }
      if (ok) {
        expect(ok.atMs).toBeGreaterThanOrEqual(upAtMs - 1000);
        expect(ok.event.failedForMs as number).toBeGreaterThan(0);
        okSeen += 1;
      }
    }
    expect(okSeen, 'some host heard the origin answer again').toBeGreaterThan(0);
    expect(origin.stats.bodyBytes, 'what was fetched before the outage was kept').toBeLessThanOrEqual(1.25 * content.length);
  }, OUTAGE_MS + MAX_DELAY_MS + 90_000);

  it('with --retry-max-time 3s, one host exits 3 naming the time: an origin down from the start, and one that goes down mid-download', async () => {
    const content = makeContent(8 * MiB, 1402);
    const down = await startTestOrigin({ content });
    await down.goDown(Number.POSITIVE_INFINITY);
    const paths = await newPaths();
    const startedMs = Date.now();
    const probe = await spawnCli(downloadArgs(down.url, paths, ['--no-discovery', '--retry-max-time', '3s']), { timeoutMs: 30_000 }).result;
    const probeMs = Date.now() - startedMs;
    const { message, code } = expectFailed(probe, 3, paths.output);
    expect(code).toBe('ORIGIN_UNREACHABLE');
    expect(message).toMatch(GAVE_UP);
    expect(probeMs).toBeGreaterThanOrEqual(3000);
    expect(probeMs).toBeLessThan(15_000);
    expect(ofKind(probe.events, 'start'), 'no start without a probe').toEqual([]);
    const retries = expectRetryEvents(probe, 30);
    expect(retries.reduce((sum, event) => sum + (event.delayMs as number), 0), 'the waits fit in the budget').toBeLessThanOrEqual(3000);

    const origin = await startTestOrigin({ content, faults: { rateBytesPerSec: 2 * MiB } });
    const midPaths = await newPaths();
    const cli = spawnCli(downloadArgs(origin.url, midPaths, ['--no-discovery', '--retry-max-time', '3s']), { timeoutMs: 40_000 });
    await cli.waitForEvent((event) => event.event === 'progress' && (event.bytes as number) > 0);
    await origin.goDown(Number.POSITIVE_INFINITY);
    const downAtMs = Date.now();
    const result = await cli.result;
    const gaveUpMs = Date.now() - downAtMs;
    const failed = expectFailed(result, 3, midPaths.output);
    expect(failed.message).toMatch(GAVE_UP);
    expect(gaveUpMs).toBeGreaterThanOrEqual(3000);
    expect(gaveUpMs).toBeLessThan(15_000);
    expectRetryEvents(result, 40);
    expect(ofKind(result.events, 'origin-ok')).toEqual([]);
    expect(existsSync(midPaths.output)).toBe(false);
  }, 60_000);
});
