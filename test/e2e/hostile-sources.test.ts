/**
 * swarm-download when every peer source is hostile: a `--tracker` that answers garbage, a 50 MB
 * body, 10,000 peers (dead ports, and listeners that accept and never speak), a failure reason,
 * or nothing at all; a connected peer that floods a seeder with `peers` messages (peer exchange)
 * or sends one of 51 entries; a `--peer` list of 64 addresses where nothing listens. Each download
 * still ends verified, the sources' troubles are `peer-source-warning` events, and the process
 * stays within its caps (src/host/connection-table.ts DEFAULT_CAPS, src/swarm/peer-exchange.ts).
 *
 * Loopback only: the hosts bind 127.0.0.1 and run with `--no-broadcast` (the seeders of the
 * peer-exchange and `--peer` cases broadcast to 127.255.255.255 alone); every address handed out
 * is in 127.0.0.0/8.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_LIST_ENTRIES } from '../../src/config/resolve-config.js';
import { DEFAULT_CAPS } from '../../src/host/connection-table.js';
import { makeContent } from '../../src/testing/origin-server.js';
import { compactPeers, encodeTrackerAnswer, type AnswerPeer } from '../../src/testing/tracker-answers.js';
import { encodeMessage, MAX_PEX_PEERS, type PexAddress } from '../../src/wire/codec.js';
import { FakeTracker, answerWith, hugeBody, type FakeHandler } from '../helpers/fake-tracker.js';
import type { CliEvent } from '../helpers/run-cli.js';
import { startListenedSeeder } from '../helpers/seeder-fixture.js';
import { deadPorts, SilentListeners } from '../helpers/silent-listeners.js';
import { expectVerified, newSwarmPort, spawnMember, type SwarmMember } from '../helpers/swarm-fixture.js';
import { openInsider } from '../helpers/wire-client.js';
import { MiB, describeRun, startTestOrigin, useE2eCleanup } from './e2e-fixture.js';

useE2eCleanup();

const trackers: FakeTracker[] = [];
const listeners: SilentListeners[] = [];
afterEach(async () => {
  await Promise.all(trackers.splice(0).map((tracker) => tracker.close()));
  await Promise.all(listeners.splice(0).map((group) => group.close()));
});

/** The host's own peer network on loopback, with no broadcast: the source under test is the only one. */
const NO_BROADCAST = ['--no-broadcast', '--bind-address', '127.0.0.1'];
/** From the `done` event to the exit: stopping the sources, the listener and the store. */
const MAX_STOP_MS = 3_000;
/** A peer-exchange flood is dropped at once (src/swarm/peer-exchange.ts PEX_BURST_MESSAGES). */
const MAX_DROP_MS = 2_000;
const TEST_TIMEOUT_MS = 30_000;
/** `peers` messages in the flood, back to back. */
const FLOOD_MESSAGES = 20;

function warningsOf(events: readonly CliEvent[]): CliEvent[] {
  return events.filter((event) => event.event === 'peer-source-warning');
}

/** How long the member took from its `done` event to its exit. */
function stopMs(member: SwarmMember): number {
  return (member.exitedAtMs ?? Infinity) - (member.seenAtMs('done') ?? 0);
}

/** `127.a.b.1` addresses, distinct for distinct `n`, none of them 127.0.0.1. */
function loopbackAddress(block: number, n: number): string {
  return `127.${block + Math.floor(n / 250)}.${1 + (n % 250)}.1`;
}

/**
 * A 4 MiB download from a rate-limited origin (about 2 s: the tracker is heard meanwhile) with
 * `--tracker` at a fake tracker answering with `handler`; resolves once it exited verified.
 */
async function downloadWithTracker(handler: FakeHandler, seed: number): Promise<{ member: SwarmMember; done: CliEvent; warnings: CliEvent[]; tracker: FakeTracker }> {
  const content = makeContent(4 * MiB, seed);
  const origin = await startTestOrigin({ content, faults: { rateBytesPerSec: 2 * MiB } });
  const tracker = await FakeTracker.start(handler);
  trackers.push(tracker);
  const member = await spawnMember(origin.url, { discoveryPort: newSwarmPort(), extra: [...NO_BROADCAST, '--tracker', tracker.url().href] });
  const result = await member.result;
  const done = await expectVerified(result, member.paths, content);
  expect(stopMs(member), `stopped within ${MAX_STOP_MS} ms\n${describeRun(result)}`).toBeLessThan(MAX_STOP_MS);
  expect(tracker.received.length, 'announces the tracker heard').toBeGreaterThanOrEqual(1);
  expect(tracker.received[0]?.event).toBe('started');
  return { member, done, warnings: warningsOf(result.events), tracker };
}

describe('swarm-download --tracker at a hostile tracker', () => {
  it('garbage bytes: a warning that it is not a tracker answer; the file verifies', async () => {
    const { warnings } = await downloadWithTracker(answerWith(Buffer.from('\u0000\u00ffHTTP/9 garbage <html>d5:peers', 'latin1')), 901);
    expect(warnings).toEqual([expect.objectContaining({ source: 'tracker', message: expect.stringMatching(/sent something that is not a tracker answer/) })]);
  }, TEST_TIMEOUT_MS);

  it.each([false, true])('a 50 MB body (Content-Length declared: %s): read no further than the cap, a warning, the file verifies', async (declareLength) => {
    const bigBytes = 50 * 1024 * 1024;
    const { handler, written } = hugeBody(bigBytes, declareLength);
    const { warnings } = await downloadWithTracker(handler, 902);
    expect(warnings).toEqual([expect.objectContaining({ source: 'tracker', message: expect.stringMatching(/sent an answer over 262144 bytes, too large/) })]);
    // The kernel's socket buffers take a few MB before the writer waits; the reader closed it long before 50 MB.
    expect(await written, 'bytes the tracker wrote before the socket closed').toBeLessThan(bigBytes / 5);
  }, TEST_TIMEOUT_MS);

  it('10,000 peers, dead ports and listeners that never speak: within the cap of connections under way, RSS bounded, the file verifies', async () => {
    // Every fourth of the first 192 entries is a silent listener (48 of them, more than the cap);
    // the rest are 127.x.y.1 on ports where nothing listens.
    const silent = await SilentListeners.start(48);
    listeners.push(silent);
    const dead = await deadPorts(4);
    const peers: AnswerPeer[] = Array.from({ length: 10_000 }, (_, i) => (i % 4 === 0 && i / 4 < silent.ports.length
      ? { address: '127.0.0.1', port: silent.ports[i / 4] ?? 0 }
      : { address: loopbackAddress(10, i), port: dead[i % dead.length] ?? 0 }));
    const answer = encodeTrackerAnswer({ interval: 900, peers: compactPeers(peers, 4) });
    const { done, warnings } = await downloadWithTracker(answerWith(answer), 903);
    expect(warnings).toEqual([]);
    expect(silent.accepted(), 'connections the silent listeners accepted').toBeGreaterThan(0);
    expect(silent.peakOpen, 'connections held at once by the silent listeners: one source gets at most its share').toBeLessThanOrEqual(DEFAULT_CAPS.maxDiallingPerSource);
    expect(done.maxRssBytes as number, 'peak RSS').toBeLessThan(200 * MiB);
  }, TEST_TIMEOUT_MS);

  it('a failure reason: a warning quoting it; the file verifies', async () => {
    const reason = 'Requested download is not authorized for use with this tracker.';
    const { warnings } = await downloadWithTracker(answerWith(encodeTrackerAnswer({ failureReason: reason })), 904);
    expect(warnings).toEqual([expect.objectContaining({ source: 'tracker', message: expect.stringContaining(`refused the announce: "${reason}"`) })]);
  }, TEST_TIMEOUT_MS);

  it('never answers: the file verifies and the process exits promptly (its announce is abandoned, not awaited)', async () => {
    // The tracker source's own timeout is 10 s, longer than the download: no warning is due.
    const { done, warnings, tracker } = await downloadWithTracker(() => undefined, 905);
    expect(warnings).toEqual([]);
    expect(done.elapsedMs as number, 'the download did not wait for the tracker').toBeLessThan(10_000);
    expect(tracker.received.map((announce) => announce.event)).toEqual(['started']);
  }, TEST_TIMEOUT_MS);
});

/** A `peers` message naming `canaryPort` on 127.0.0.1 first, then 49 addresses in block `block` on dead ports. */
function peersMessage(canaryPort: number, block: number, dead: readonly number[]): { type: 'peers'; added: PexAddress[] } {
  const others = Array.from({ length: MAX_PEX_PEERS - 1 }, (_, j) => ({ address: loopbackAddress(block, j), port: dead[j % dead.length] ?? 1 }));
  return { type: 'peers', added: [{ address: '127.0.0.1', port: canaryPort }, ...others] };
}

/** The frame of `message` (50 entries) with one more IPv4 entry appended: 51, over the codec's cap. */
function oversizedPeersFrame(message: { type: 'peers'; added: PexAddress[] }): Buffer {
  const frame = encodeMessage(message);
  const extra = Buffer.from([4, 127, 0, 0, 1, 0, 1]);
  const out = Buffer.concat([frame, extra]);
  out.writeUInt32BE(frame.readUInt32BE(0) + extra.length, 0);
  return out;
}

describe('swarm-download seeding, against peer-exchange abuse', () => {
  it('drops a peer that sends a burst of peers messages, and one that sends 51 entries; a downloader started meanwhile verifies', async () => {
    const { content, origin, discoveryPort, ear, seeder, key, port } = await startListenedSeeder(4 * MiB, 911);
    ear.close();
    // One canary listener per message: the seeder dials what it takes, so a canary that is never
    // dialled shows its message was not taken.
    const canaries = await SilentListeners.start(FLOOD_MESSAGES + 1);
    listeners.push(canaries);
    const dead = await deadPorts(4);
    const message = (k: number): { type: 'peers'; added: PexAddress[] } => peersMessage(canaries.ports[k] ?? 0, 20 + k, dead);

    // Neither says its listen port first (as a swarm-download would): the seeder has none to skip.
    const flooder = await openInsider(key, port);
    const liar = await openInsider(key, port);
    const sentMs = Date.now();
    flooder.socket.write(Buffer.concat(Array.from({ length: FLOOD_MESSAGES }, (_, k) => encodeMessage(message(k)))));
    liar.socket.write(oversizedPeersFrame(message(FLOOD_MESSAGES)));
    const downloader = await spawnMember(origin.url, { discoveryPort });

    const reasons = await Promise.all([flooder.closed, liar.closed]);
    expect(Date.now() - sentMs, 'both were dropped at once').toBeLessThan(MAX_DROP_MS);
    for (const reason of reasons) expect(reason, 'the seeder closed it').toMatch(/peer ended the stream|stream closed|stream error/);
    expect(seeder.exitedAtMs, 'the seeder is still running').toBeNull();

    await expectVerified(await downloader.result, downloader.paths, content);
    // The first PEX_BURST_MESSAGES (3) were within the rate and taken; the 4th was the flood.
    for (let k = 0; k < 3; k++) await expect.poll(() => canaries.accepted(canaries.ports[k]), { timeout: 5_000 }).toBeGreaterThan(0);
    const dialledAfterFlood = canaries.ports.slice(3).filter((canary) => canaries.accepted(canary) > 0);
    expect(dialledAfterFlood, 'canaries of the messages after the flood, and of the 51-entry one').toEqual([]);
    expect(seeder.exitedAtMs, 'the seeder is still running').toBeNull();
    expect(seeder.cli.kill('SIGTERM')).toBe(true);
    await expectVerified(await seeder.result, seeder.paths, content, 143);
  }, TEST_TIMEOUT_MS);
});

describe('swarm-download --peer with 63 addresses where nothing listens', () => {
  it('finds the one seeder listed after them and takes the whole file from it', async () => {
    const { content, origin, ear, seeder, port } = await startListenedSeeder(4 * MiB, 921);
    ear.close();
    // Every GET fails from now on: the file can only come from the seeder.
    origin.setFaults({ failFirstRequests: { count: Number.MAX_SAFE_INTEGER, status: 503 } });
    const dead = await deadPorts(8);
    // As many --peer entries as the config takes: all dead but the last, the seeder.
    const peers = [...Array.from({ length: MAX_LIST_ENTRIES - 1 }, (_, i) => `${loopbackAddress(30, i)}:${dead[i % dead.length] ?? 1}`), `127.0.0.1:${port}`];
    const member = await spawnMember(origin.url, { discoveryPort: newSwarmPort(), extra: [...NO_BROADCAST, ...peers.flatMap((peer) => ['--peer', peer])] });
    const result = await member.result;
    const done = await expectVerified(result, member.paths, content);
    expect(done.peerBytes, describeRun(result)).toBe(content.length);
    expect(done.originBytes).toBe(0);
    expect(warningsOf(result.events)).toEqual([]);
    expect(seeder.cli.kill('SIGTERM')).toBe(true);
    await expectVerified(await seeder.result, seeder.paths, content, 143);
  }, TEST_TIMEOUT_MS);
});
