/**
 * The shipped program: `bin/swarm-download.js` runs the one-file bundle (dist/bundle/), which
 * must need nothing beside it. --help and --version work from the bundle, and a copy of the
 * bundle alone in an empty directory (no node_modules, no dist/) downloads and verifies a file.
 */
import { execFile } from 'node:child_process';
import { chmod, copyFile, readFile, rm } from 'node:fs/promises';
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

describe('the single executable (scripts/build-sea.js)', () => {
  it('builds, and the executable alone in an empty directory downloads and verifies a file', { timeout: 240_000 }, async () => {
    const dir = await makeTempDir();
    await run(process.execPath, [join(REPO_ROOT, 'scripts/build-sea.js'), '--out', join(dir, 'build'), '--program', 'swarm-download'], { timeout: 200_000 });
    const program = join(dir, 'swarm-download');
    await copyFile(join(dir, 'build', 'swarm-download'), program);
    await chmod(program, 0o755);
    await rm(join(dir, 'build'), { recursive: true });
    expect((await run(program, ['--version'])).stdout.trim()).toBe(VERSION);
    const content = makeContent(2 * MiB + 5, 11);
    const origin = await startTestOrigin({ content });
    const output = join(dir, 'out.bin');
    // PATH without node: the executable must not need one.
    await run(program, loopbackOnly([origin.url, '-o', output, '--storage-directory', join(dir, 'cache'), '--quiet']), { cwd: dir, env: { PATH: '/nonexistent' } });
    expect((await readFile(output)).equals(content)).toBe(true);
  });
});
