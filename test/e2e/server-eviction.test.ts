/**
 * max-storage-size end to end: a real swarm-server with a 10 MiB cap and 4 MiB files from real
 * loopback origins. Least recently used complete files go first (a file asked for again is
 * newer); a file being downloaded or pinned is never evicted; a file that cannot fit, or that is
 * larger than the cap, gets a clear error (exit 5, SWARM_CACHE_FULL); `swarm files` shows usage.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeContent } from '../../src/testing/origin-server.js';
import type { OriginServer } from '../../src/testing/origin-server.js';
import { expectFileStatus, expectFilesResponse, runSwarm, startServer, swarmJson } from '../helpers/run-server.js';
import { newSwarmPort } from '../helpers/swarm-fixture.js';
import { MiB, describeRun, md5Hex, startTestOrigin, useE2eCleanup } from './e2e-fixture.js';

useE2eCleanup();

const EXIT_STORAGE = 5;

interface TestFile {
  readonly name: string;
  readonly content: Buffer;
  readonly origin: OriginServer;
  readonly id: string;
}

async function testFile(name: string, bytes: number, seed: number): Promise<TestFile> {
  const content = makeContent(bytes, seed);
  const origin = await startTestOrigin({ content });
  return { name, content, origin, id: `${md5Hex(content)}-${bytes}` };
}

describe('swarm-server eviction', () => {
  it('keeps the most recently used files under the cap, never one being downloaded or pinned', async () => {
    const [a, b, c, d, e, big] = await Promise.all([
      testFile('a', 4 * MiB, 701), testFile('b', 4 * MiB, 702), testFile('c', 4 * MiB, 703),
      testFile('d', 4 * MiB, 704), testFile('e', 4 * MiB, 705), testFile('big', 12 * MiB, 706),
    ]);
    const server = await startServer(newSwarmPort(), undefined, ['--max-storage-size', '10MiB']);
    const entryDir = (file: TestFile): string => join(server.storage, 'files', file.id);
    const held = async (): Promise<string[]> => expectFilesResponse(await swarmJson(server.socket, ['files'])).map((file) => String(file.id)).sort();

    await swarmJson(server.socket, ['download', a.origin.url]);
    await swarmJson(server.socket, ['download', b.origin.url]);
    await swarmJson(server.socket, ['download', a.origin.url]); // a is now newer than b
    await swarmJson(server.socket, ['download', c.origin.url]);
    expect(await held()).toEqual([a.id, c.id].sort());
    expect(existsSync(entryDir(b)), 'the least recently used file (b) is gone from disk').toBe(false);

    // d downloads slowly; room for it is made by evicting a, the older of a and c.
    d.origin.setFaults({ rateBytesPerSec: 256 * 1024 });
    const queued = await swarmJson(server.socket, ['download', d.origin.url, '-b']);
    expect(expectFileStatus(queued.file).state).toBe('downloading');
    expect(await held()).toEqual([c.id, d.id].sort());

    // e, pinned: c goes, d (downloading) stays.
    await swarmJson(server.socket, ['download', e.origin.url, '--pin']);
    expect(await held()).toEqual([d.id, e.id].sort());

    // Nothing left to evict: d is being downloaded and e is pinned.
    const full = await runSwarm(server.socket, ['download', a.origin.url, '--json']);
    expect(full.code, describeRun(full)).toBe(EXIT_STORAGE);
    expect(full.json).toMatchObject({ error: { code: 'SWARM_CACHE_FULL', exitCode: EXIT_STORAGE } });
    expect(full.stderr).toMatch(/^swarm: error: no room for .* being downloaded, read or pinned; retry later or raise max-storage-size\n$/);
    const tooBig = await runSwarm(server.socket, ['download', big.origin.url]);
    expect(tooBig.code, describeRun(tooBig)).toBe(EXIT_STORAGE);
    expect(tooBig.stderr).toMatch(/is larger than max-storage-size \(10 MiB\); raise max-storage-size/);

    const files = await swarmJson(server.socket, ['files']);
    expect(files).toMatchObject({ usedBytes: 8 * MiB, maxStorageBytes: 10 * MiB });
    const pinned = expectFilesResponse(files).find((file) => file.id === e.id);
    expect(pinned?.pinned).toBe(true);
    const text = await runSwarm(server.socket, ['files']);
    expect(text.stdout).toMatch(/^2 files, 8 MiB used of 10 MiB$/m);

    d.origin.setFaults({});
    const finished = await swarmJson(server.socket, ['download', d.origin.url]);
    expect(expectFileStatus(finished.file)).toMatchObject({ state: 'complete', id: d.id });
  }, 120_000);
});
