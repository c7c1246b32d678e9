/**
 * swarm-download end to end: local storage failures end with exit 5 and nothing at PATH.
 */
import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeContent } from '../../src/testing/origin-server.js';
import { makeTempDir } from '../helpers/run-cli.js';
import { MiB, download, expectFailed, startTestOrigin, useE2eCleanup } from './e2e-fixture.js';

useE2eCleanup();

const isRoot = process.getuid?.() === 0;

describe('swarm-download: local storage', () => {
  it.skipIf(!isRoot)('fails with exit 5 when the disk fills up (needs root to mount tmpfs)', async () => {
    const content = makeContent(16 * MiB, 51);
    const origin = await startTestOrigin({ content });
    const mountPoint = await makeTempDir();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint]);
    try {
      const paths = { dir: mountPoint, output: join(mountPoint, 'file.bin'), storage: join(mountPoint, 'store') };
      await mkdir(paths.storage);
      const { result } = await download(origin.url, ['--retries', '2'], { paths });
      const { message, code } = expectFailed(result, 5, paths.output);
      expect(message).toMatch(/space/i);
      expect(code).toBe('SWARM_STORAGE');
    } finally {
      execFileSync('umount', [mountPoint]);
    }
  });
});
