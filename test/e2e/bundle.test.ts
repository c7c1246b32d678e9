/**
 * The shipped program: `bin/swarm-download.js` runs the one-file bundle (dist/bundle/), which
 * must need nothing beside it. --help and --version work from the bundle, and a copy of the
 * bundle alone in an empty directory (no node_modules, no dist/) downloads and verifies a file.
 */
import { execFile } from 'node:child_process';
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { makeContent } from '../../src/testing/origin-server.js';
import { VERSION } from '../../src/version.js';
import { CLI_PATH, REPO_ROOT, loopbackOnly, makeTempDir } from '../helpers/run-cli.js';
import { MiB, startTestOrigin, useE2eCleanup } from './e2e-fixture.js';

useE2eCleanup();
const run = promisify(execFile);

describe('the bundled program', () => {
  it('prints --help with every flag and the exit codes, and --version', async () => {
    const help = await run(process.execPath, [CLI_PATH, '--help']);
    for (const flag of ['--output', '--storage-directory', '--md5', '--seed-until-idle', '--broadcast-address', '--json']) {
      expect(help.stdout).toContain(flag);
    }
    expect(help.stdout).toMatch(/Exit codes: 0 done, 2 usage/);
    const version = await run(process.execPath, [CLI_PATH, '--version']);
    expect(version.stdout.trim()).toBe(VERSION);
  });

  it('runs alone from an empty directory: no node_modules, no dist/ beside it', async () => {
    const content = makeContent(3 * MiB + 17, 7);
    const origin = await startTestOrigin({ content });
    const dir = await makeTempDir();
    const program = join(dir, 'swarm-download.cjs');
    await copyFile(join(REPO_ROOT, 'dist/bundle/swarm-download.cjs'), program);
    const output = join(dir, 'out.bin');
    const { stdout } = await run(process.execPath, [program, ...loopbackOnly([origin.url, '-o', output, '--storage-directory', join(dir, 'cache'), '--json'])], { cwd: dir });
    const done = stdout.trim().split('\n').map((line) => JSON.parse(line) as { event: string; path?: string }).find((event) => event.event === 'done');
    expect(done?.path).toBe(output);
    expect((await readFile(output)).equals(content)).toBe(true);
  });
});
