/**
 * swarm-download end to end, crash safety: a download SIGKILLed at random moments, again and
 * again, ends with a verified file and the origin serving little more than the file once; a
 * resume file that is corrupt or truncated is noticed and the data file's pieces are checked
 * again against their digests, nothing crashes, and the result is verified.
 */
import { readFile, writeFile, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runKillLoop, type KillLoopRun } from '../../src/testing/kill-loop.js';
import { makeContent } from '../../src/testing/origin-server.js';
import { spawnCli } from '../helpers/run-cli.js';
import { newSwarmPort, swarmNetworkFlags } from '../helpers/swarm-fixture.js';
import {
  MiB, describeRun, download, downloadArgs, expectDownloaded, md5Hex, newPaths, startEvent, startTestOrigin, useE2eCleanup,
} from './e2e-fixture.js';

useE2eCleanup();

/** Kills in the loop: the issue asks for at least 20. */
const KILLS = 20;

function describeRuns(runs: readonly KillLoopRun[]): string {
  return runs.map((run) => `#${run.index} kill@${String(run.killFrom)}+${String(run.killAfterMs)} ${String(run.signal ?? run.code)} resumed=${String(run.resumedBytes)}`).join('\n');
}

describe('swarm-download: crash safety', () => {
  it(`${KILLS} SIGKILLs at random moments, then a verified file; the origin serves at most 1.2x the file`, async () => {
    const content = makeContent(24 * MiB, 701);
    // A slow origin makes each run last; 16 KiB pieces give this file the piece count that the
    // default piece size gives large files (about 2048), which is what bounds the bytes a kill loses.
    const origin = await startTestOrigin({ content, faults: { rateBytesPerSec: 1024 * 1024 } });
    const paths = await newPaths();
    const args = downloadArgs(origin.url, paths, ['--preferred-chunk-size', '16KiB', ...swarmNetworkFlags(newSwarmPort())]);
    const runs = await runKillLoop({ args, kills: KILLS, maxKillMs: 1500, finalTimeoutMs: 60_000 });
    const why = describeRuns(runs);
    expect(runs.filter((run) => run.signal === 'SIGKILL').length, why).toBe(KILLS);
    expect(runs.at(-1)?.code, why).toBe(0);
    expect((await readFile(paths.output)).equals(content), 'the published file is the origin file').toBe(true);
    const resumed = runs.map((run) => run.resumedBytes).filter((bytes): bytes is number => bytes !== null);
    for (let i = 1; i < resumed.length; i++) expect(resumed[i], `what run ${i} found on disk\n${why}`).toBeGreaterThanOrEqual(resumed[i - 1] as number);
    expect(origin.stats.bodyBytes / content.length, `origin egress multiple\n${why}`).toBeLessThanOrEqual(1.2);
  }, 120_000);

  it.each([
    ['corrupt', (path: string) => writeFile(path, '{"version":1,"md5Hex":"garbage"')],
    ['truncated', (path: string) => truncate(path, 17)],
  ])('a %s resume file: the pieces on disk are checked against their digests and kept; the file verifies', async (_, damage) => {
    const content = makeContent(16 * MiB, 702);
    const origin = await startTestOrigin({ content, faults: { rateBytesPerSec: 4 * MiB } });
    const paths = await newPaths();
    const flags = ['--no-discovery', '--preferred-chunk-size', '256KiB'];
    const first = spawnCli(downloadArgs(origin.url, paths, flags));
    const progress = await first.waitForEvent((event) => event.event === 'progress' && (event.bytes as number) > 0);
    first.kill('SIGKILL');
    const killed = await first.result;
    expect(killed.signal, describeRun(killed)).toBe('SIGKILL');
    const statePath = join(paths.storage, 'files', `${md5Hex(content)}-${content.length}`, 'state.json');
    await damage(statePath);

    origin.setFaults({});
    const before = origin.stats.bodyBytes;
    const { result } = await download(origin.url, flags, { paths });
    await expectDownloaded(result, paths.output, content);
    const resumedBytes = startEvent(result).resumedBytes as number;
    expect(progress.bytes as number).toBeLessThan(content.length);
    // What the first run had recorded 50 ms before the kill at the latest survives the check.
    expect(resumedBytes, 'pieces kept after the check').toBeGreaterThanOrEqual((progress.bytes as number) / 2);
    expect(origin.stats.bodyBytes - before, 'the second run fetched only what the first had not').toBeLessThanOrEqual(content.length - resumedBytes + 4 * MiB);
  }, 60_000);

  it('a data file whose pieces were overwritten under a corrupt resume file: bad pieces are fetched again', async () => {
    const content = makeContent(8 * MiB, 703);
    const origin = await startTestOrigin({ content });
    const paths = await newPaths();
    const flags = ['--no-discovery', '--preferred-chunk-size', '256KiB'];
    const { result: first } = await download(origin.url, flags, { paths });
    await expectDownloaded(first, paths.output, content);
    const entry = join(paths.storage, 'files', `${md5Hex(content)}-${content.length}`);
    await writeFile(join(entry, 'state.json'), 'not json');
    const data = await readFile(join(entry, 'data'));
    data[3 * 256 * 1024 + 10] = (data[3 * 256 * 1024 + 10] ?? 0) ^ 0x40;
    await writeFile(join(entry, 'data'), data);

    const before = origin.stats.bodyBytes;
    const { result } = await download(origin.url, flags, { paths: { ...paths, output: join(paths.dir, 'again.bin') } });
    await expectDownloaded(result, join(paths.dir, 'again.bin'), content);
    expect(startEvent(result).resumedBytes, 'every piece but the damaged one kept').toBe(content.length - 256 * 1024);
    expect(origin.stats.bodyBytes - before).toBe(256 * 1024);
  }, 60_000);
});
