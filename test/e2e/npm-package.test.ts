/**
 * The npm package (`swarm-cache`: `swarm` on npm is an unrelated package): `npm pack`, then
 * `npm install -g` of that tarball into a fresh prefix with npm offline, which works only because
 * the package has no dependencies (each program is one bundled file). The installed programs run,
 * and the installed swarm-download downloads and verifies a file.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { makeContent } from '../../src/testing/origin-server.js';
import { VERSION } from '../../src/version.js';
import { REPO_ROOT, makeTempDir, runCli } from '../helpers/run-cli.js';
import { MiB, startTestOrigin, useE2eCleanup } from './e2e-fixture.js';

useE2eCleanup();
const run = promisify(execFile);

describe('the npm package', () => {
  it('packs bin/ and the bundles only, and installs with npm install -g offline into working programs', { timeout: 180_000 }, async () => {
    const dir = await makeTempDir();
    // dist/ is fresh from the test setup's build; `npm pack` would run the same build (prepare).
    const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: REPO_ROOT });
    const [info] = JSON.parse(packed.stdout) as { name: string; filename: string; files: { path: string }[] }[];
    expect(info?.name).toBe('swarm-cache');
    const paths = info!.files.map((file) => file.path);
    expect(paths.filter((path) => !/^(bin\/|dist\/bundle\/)/.test(path)).sort()).toEqual(['LICENSE', 'README.md', 'package.json']);
    expect(paths).toContain('dist/bundle/swarm-download.cjs');
    expect(paths).toContain('dist/bundle/THIRD-PARTY-NOTICES');

    const prefix = join(dir, 'prefix');
    await run('npm', ['install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, join(dir, info!.filename)], { cwd: dir });
    const installed = await readFile(join(prefix, 'lib/node_modules/swarm-cache/package.json'), 'utf8');
    expect(JSON.parse(installed)).not.toHaveProperty('dependencies');
    for (const name of ['swarm-download', 'swarm-server', 'swarm']) {
      expect((await run(join(prefix, 'bin', name), ['--version'])).stdout.trim()).toBe(VERSION);
    }
    const content = makeContent(3 * MiB + 1, 3);
    const origin = await startTestOrigin({ content });
    const output = join(dir, 'out.bin');
    const result = await runCli([origin.url, '-o', output, '--storage-directory', join(dir, 'cache'), '--quiet'], { bin: join(prefix, 'bin', 'swarm-download') });
    expect(result.code, result.stderr).toBe(0);
    expect((await readFile(output)).equals(content)).toBe(true);
  });
});
