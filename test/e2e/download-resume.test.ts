/**
 * swarm-download end to end: partial state across runs. A SIGKILLed run is resumed without
 * fetching again what was stored; a run that failed verification leaves nothing to resume from.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeContent } from '../../src/testing/origin-server.js';
import { spawnCli } from '../helpers/run-cli.js';
import {
  FAST_RETRY_FLAGS, MiB, describeRun, download, downloadArgs, expectDownloaded, expectFailed, newPaths, startEvent,
  startTestOrigin, storedBytes, useE2eCleanup,
} from './e2e-fixture.js';

useE2eCleanup();

describe('swarm-download: resume', () => {
  it('resumes after SIGKILL without fetching the stored part again', async () => {
    const content = makeContent(32 * MiB, 41);
    const origin = await startTestOrigin({ content, faults: { rateBytesPerSec: 8 * MiB } });
    const paths = await newPaths();
    // Small pieces over 4 connections bound what a kill loses in flight to 2 MiB (6%).
    const flags = [...FAST_RETRY_FLAGS, '--connections', '4', '--preferred-chunk-size', '512KiB'];
    const first = spawnCli(downloadArgs(origin.url, paths, flags));
    const progress = await first.waitForEvent((event) => event.event === 'progress' && (event.bytes as number) >= 0.4 * content.length);
    expect(progress.bytes as number).toBeLessThan(content.length);
    first.kill('SIGKILL');
    const killed = await first.result;
    expect(killed.signal, describeRun(killed)).toBe('SIGKILL');
    expect(startEvent(killed).resumedBytes).toBe(0);
    expect(existsSync(paths.output), 'nothing is published before verification').toBe(false);

    origin.setFaults({});
    const { result } = await download(origin.url, flags, { paths });
    await expectDownloaded(result, paths.output, content);
    expect(startEvent(result).resumedBytes as number).toBeGreaterThan(0);
    expect(origin.stats.bodyBytes, 'bytes fetched over both runs').toBeLessThanOrEqual(1.1 * content.length);
  });

  it('fails verification with exit 4 and keeps no partial state to resume from', async () => {
    const content = makeContent(4 * MiB, 42);
    const origin = await startTestOrigin({ content, faults: { wrongMd5: true } });
    const paths = await newPaths();
    const { result: first } = await download(origin.url, FAST_RETRY_FLAGS, { paths });
    const { code } = expectFailed(first, 4, paths.output);
    expect(code).toBe('SWARM_VERIFY');
    expect(await storedBytes(paths.storage), 'no partial left in the storage directory').toBeLessThan(content.length);
    const afterFirstBytes = origin.stats.bodyBytes;
    expect(afterFirstBytes).toBeGreaterThanOrEqual(content.length);

    const { result: second } = await download(origin.url, FAST_RETRY_FLAGS, { paths });
    expectFailed(second, 4, paths.output);
    expect(startEvent(second).resumedBytes).toBe(0);
    expect(origin.stats.bodyBytes - afterFirstBytes, 'the second run fetched everything again').toBeGreaterThanOrEqual(content.length);
  });
});
