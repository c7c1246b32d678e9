/**
 * swarm-server and the swarm CLI end to end: real daemons, real `swarm` commands and real
 * `swarm-download` processes on loopback. Daemons share a file with each other and with
 * swarm-download; `download -b` returns at once and `info` shows the progress; a daemon killed
 * with SIGKILL resumes after a restart; with no daemon the CLI says how to start one (exit 6).
 *
 * Every process of a test shares that test's discovery port and broadcasts to 127.255.255.255.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { makeContent } from '../../src/testing/origin-server.js';
import { SERVER_PATH, expectFileInfo, expectFileStatus, expectFilesResponse, expectPeersResponse, newServerPlace, runSwarm, startServer, swarmJson } from '../helpers/run-server.js';
import { makeTempDir, runCli } from '../helpers/run-cli.js';
import { expectVerified, newSwarmPort, spawnMember } from '../helpers/swarm-fixture.js';
import { MiB, describeRun, md5Hex, startTestOrigin, useE2eCleanup } from './e2e-fixture.js';

useE2eCleanup();

const TEST_TIMEOUT_MS = 120_000;
/** Exit code of the swarm CLI when no daemon is running (README, exit codes). */
const EXIT_NO_DAEMON = 6;
/** Exit code of the swarm CLI for a file the daemon does not hold (README, exit codes). */
const EXIT_NOT_FOUND = 7;

/** Asks `info` until `done` holds for the file's status (there is no event to wait for: it is a poll API). */
async function infoUntil(socket: string, url: string, done: (info: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const info = expectFileInfo(await swarmJson(socket, ['info', url]));
    if (done(info)) return info;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`info of ${url} never reached the expected state`);
}

describe('swarm-server', () => {
  it('two daemons and one swarm-download share a file; the origin sends it about once', async () => {
    const content = makeContent(32 * MiB, 601);
    const origin = await startTestOrigin({ content, faults: { rateBytesPerSec: 16 * MiB } });
    const discoveryPort = newSwarmPort();
    const [a, b] = await Promise.all([startServer(discoveryPort), startServer(discoveryPort)]);
    const outA = `${await makeTempDir()}/a.bin`;
    const outB = `${await makeTempDir()}/b.bin`;
    const [fromA, fromB, member] = await Promise.all([
      swarmJson(a.socket, ['download', origin.url, '-o', outA]),
      swarmJson(b.socket, ['download', origin.url, '-o', outB]),
      spawnMember(origin.url, { discoveryPort }),
    ]);
    const done = await expectVerified(await member.result, member.paths, content);
    for (const [answer, out] of [[fromA, outA], [fromB, outB]] as const) {
      expect(answer.published).toBe(out);
      expect(expectFileStatus(answer.file)).toMatchObject({ state: 'complete', md5: md5Hex(content), size: content.length, bytesHeld: content.length });
      expect((await readFile(out)).equals(content), `${out} holds the origin bytes`).toBe(true);
    }
    const peerBytes = (done.peerBytes as number) + ((fromA.file as { peerBytes: number }).peerBytes) + ((fromB.file as { peerBytes: number }).peerBytes);
    expect(peerBytes, 'bytes the three took from each other').toBeGreaterThan(0);
    expect(origin.stats.bodyBytes, `origin ranges ${origin.stats.ranges.join(' ')}`).toBeLessThanOrEqual(1.1 * content.length);

    // The daemons stay connected to each other, seeding the file.
    const peers = expectPeersResponse(await swarmJson(a.socket, ['peers']));
    expect(expectFilesResponse(await swarmJson(b.socket, ['files']))).toHaveLength(1);
    expect(peers.some((peer) => (peer.files as string[]).includes(`${md5Hex(content)}-${content.length}`)), JSON.stringify(peers)).toBe(true);
    const second = await runCli(['--storage-directory', a.storage, '--control-socket', a.socket], { bin: SERVER_PATH });
    expect(second.code, describeRun(second)).toBe(2);
    expect(second.stderr).toMatch(/already running at/);
  }, TEST_TIMEOUT_MS);

  it('download -b returns before the file is complete; info shows the progress; download waits for it', async () => {
    const content = makeContent(24 * MiB, 602);
    const origin = await startTestOrigin({ content, faults: { rateBytesPerSec: 3 * MiB } });
    const server = await startServer(newSwarmPort());
    const unknown = await runSwarm(server.socket, ['info', origin.url, '--json']);
    expect(unknown.code, describeRun(unknown)).toBe(EXIT_NOT_FOUND);
    expect(unknown.json).toMatchObject({ error: { code: 'SWARM_NOT_FOUND', exitCode: EXIT_NOT_FOUND } });
    expect(unknown.stderr).toContain(`does not hold ${origin.url} (MD5 ${md5Hex(content)}, 24 MiB; 0 peers known to the peer sources hold or want it)`);
    const queued = await swarmJson(server.socket, ['download', origin.url, '-b']);
    expect(queued.published).toBeNull();
    const file = expectFileStatus(queued.file);
    expect(file.state).toBe('downloading');
    expect(file.bytesHeld as number).toBeLessThan(content.length);

    const midway = await infoUntil(server.socket, origin.url, (info) => (info.bytesHeld as number) > 0);
    expect(midway.state).toBe('downloading');
    expect(midway.bytesHeld as number).toBeLessThan(content.length);
    expect(midway.originBytes as number).toBeGreaterThan(0);
    const text = await runSwarm(server.socket, ['info', origin.url]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^state\s+(downloading|complete) \d+\.\d% \(\d+\/\d+ pieces\)$/m);
    expect(text.stdout).toContain(md5Hex(content));

    const waited = await runSwarm(server.socket, ['download', origin.url]);
    expect(waited.code, describeRun(waited)).toBe(0);
    const path = waited.stdout.trim();
    expect((await readFile(path)).equals(content), 'the printed path holds the file').toBe(true);
    const files = expectFilesResponse(await swarmJson(server.socket, ['files']));
    expect(files.map((entry) => entry.state)).toEqual(['complete']);
    expect(origin.stats.bodyBytes).toBeLessThanOrEqual(1.1 * content.length);
  }, TEST_TIMEOUT_MS);

  it('a daemon SIGKILLed mid-download resumes after a restart and seeds what it had', async () => {
    const content = makeContent(24 * MiB, 603);
    const origin = await startTestOrigin({ content, faults: { rateBytesPerSec: 4 * MiB } });
    const discoveryPort = newSwarmPort();
    const place = await newServerPlace();
    const first = await startServer(discoveryPort, place);
    await swarmJson(place.socket, ['download', origin.url, '-b']);
    await infoUntil(place.socket, origin.url, (info) => (info.bytesHeld as number) >= content.length / 4);
    expect(first.cli.kill('SIGKILL')).toBe(true);
    expect((await first.cli.result).signal).toBe('SIGKILL');
    expect(existsSync(place.socket), 'SIGKILL leaves the socket file behind').toBe(true);

    const second = await startServer(discoveryPort, place);
    const resumed = await second.cli.waitForEvent((event) => event.event === 'download-start');
    expect(resumed.resumedBytes as number, 'pieces kept across SIGKILL').toBeGreaterThanOrEqual(content.length / 4);
    const outDir = await makeTempDir();
    const out = `${outDir}/file.bin`; // -o DIR publishes DIR/<name from the URL>
    const answer = await swarmJson(place.socket, ['download', origin.url, '-o', outDir]);
    expect(answer.published).toBe(out);
    expect((await readFile(out)).equals(content)).toBe(true);
    expect(origin.stats.bodyBytes, 'the restart did not fetch the file again').toBeLessThanOrEqual(1.1 * content.length);

    // Restarted once more, the complete file is seeded at once: a swarm-download takes it from the daemon.
    expect(second.cli.kill('SIGTERM')).toBe(true);
    expect((await second.cli.result).code).toBe(0);
    const third = await startServer(discoveryPort, place);
    expect(third.ready.files).toBe(1);
    const before = origin.stats.bodyBytes;
    const member = await spawnMember(origin.url, { discoveryPort });
    const done = await expectVerified(await member.result, member.paths, content);
    expect(done.peerBytes).toBe(content.length);
    expect(origin.stats.bodyBytes).toBe(before);
  }, TEST_TIMEOUT_MS);

  it('with no daemon, every command fails with exit 6 and says how to start one', async () => {
    const socket = `${await makeTempDir()}/none.sock`;
    for (const args of [['files'], ['peers'], ['info', 'http://127.0.0.1:9/f'], ['download', 'http://127.0.0.1:9/f', '-b']]) {
      const plain = await runSwarm(socket, args);
      expect(plain.code, describeRun(plain)).toBe(EXIT_NO_DAEMON);
      expect(plain.stderr).toBe(`swarm: error: no swarm-server is running at ${socket}; start one with \`swarm-server &\`\n`);
      const json = await runSwarm(socket, [...args, '--json']);
      expect(json.code).toBe(EXIT_NO_DAEMON);
      expect(json.json).toEqual({ error: { code: 'SWARM_NO_DAEMON', exitCode: EXIT_NO_DAEMON, message: expect.stringContaining(socket) as unknown } });
    }
  }, TEST_TIMEOUT_MS);
});
