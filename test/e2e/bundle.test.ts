/**
 * The shipped program: `bin/swarm-download.js` runs the one-file bundle (dist/bundle/), which
 * must need nothing beside it. --help and --version work from the bundle, and a copy of the
 * bundle alone in an empty directory (no node_modules, no dist/) downloads and verifies a file.
 * bin/run-bundle.cjs runs it with the V8 code cache the build wrote, and ignores a cache that
 * does not fit.
 */
import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, readFile, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
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
    expect(help.stdout).toMatch(/Exit codes: 0 done, 1 internal error \(a bug: please report it\), 2 usage/);
    expect(help.stdout).toMatch(/accepted for a shared config, but\s+does\s+nothing\s+here/);
    expect(help.stdout).toMatch(/MB\/s\s+means\s+MiB\/s/);
    const version = await run(process.execPath, [CLI_PATH, '--version']);
    expect(version.stdout.trim()).toBe(VERSION);
  });

  it("starts without Node's fetch (its own undici), HTTP/2, TLS or zlib: undici is bundled only as far as swarm uses it", async () => {
    const script = `process.argv = [process.argv[0], 'swarm-download', '--version'];
process.on('exit', () => process.stderr.write(JSON.stringify(process.moduleLoadList)));
require(${JSON.stringify(join(REPO_ROOT, 'bin/run-bundle.cjs'))}).runBundle('swarm-download');`;
    const { stdout, stderr } = await run(process.execPath, ['-e', script]);
    expect(stdout.trim()).toBe(VERSION);
    const loaded = JSON.parse(stderr) as string[];
    expect(loaded).toContain('NativeModule net');
    expect(loaded.filter((name) => /undici|http2|tls|zlib/.test(name))).toEqual([]);
  });

  it('loads string-width (Intl.Segmenters, Unicode-property regexps) at its first call: --help measures text, --version does not pay for it', async () => {
    const segmentersMadeBy = async (flag: string): Promise<{ stdout: string; segmenters: number }> => {
      const script = `let made = 0;
Intl.Segmenter = class extends Intl.Segmenter { constructor(...args) { made++; super(...args); } };
process.argv = [process.argv[0], 'swarm-download', ${JSON.stringify(flag)}];
process.on('exit', () => process.stderr.write(String(made)));
require(${JSON.stringify(join(REPO_ROOT, 'bin/run-bundle.cjs'))}).runBundle('swarm-download');`;
      const { stdout, stderr } = await run(process.execPath, ['-e', script]);
      return { stdout, segmenters: Number(stderr) };
    };
    expect(await segmentersMadeBy('--version')).toEqual({ stdout: `${VERSION}\n`, segmenters: 0 });
    const help = await segmentersMadeBy('--help');
    expect(help.stdout).toMatch(/--storage-directory\s+where partial state/);
    expect(help.segmenters).toBeGreaterThan(0);
  });

  it('every bundle is ASCII, so V8 holds its source as a one-byte string (half the memory, a faster decode at each start)', async () => {
    for (const file of ['swarm-download', 'swarm-server', 'swarm'].map((name) => `dist/bundle/${name}.cjs`).concat('dist/sea-bundle/swarm.cjs')) {
      const text = await readFile(join(REPO_ROOT, file), 'latin1');
      const at = [...text].findIndex((char) => char.charCodeAt(0) > 0x7f);
      expect({ file, nonAscii: at === -1 ? null : text.slice(Math.max(0, at - 40), at + 10) }).toEqual({ file, nonAscii: null });
    }
  });

  it("does not guess its version from the package.json above the working directory (yargs' walk to /), for any program", async () => {
    const dir = await makeTempDir();
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'not-swarm', version: '9.9.9' }));
    for (const name of ['swarm-download', 'swarm-server', 'swarm']) {
      const script = `const fs = require('node:fs');
const listed = [];
const readdirSync = fs.readdirSync;
fs.readdirSync = (...args) => { listed.push(String(args[0])); return readdirSync(...args); };
process.argv = [process.argv[0], ${JSON.stringify(name)}, '--version'];
process.on('exit', () => process.stderr.write(JSON.stringify(listed)));
require(${JSON.stringify(join(REPO_ROOT, 'bin/run-bundle.cjs'))}).runBundle(${JSON.stringify(name)});`;
      const { stdout, stderr } = await run(process.execPath, ['-e', script], { cwd: dir });
      expect({ name, stdout: stdout.trim(), listed: JSON.parse(stderr) as string[] }).toEqual({ name, stdout: VERSION, listed: [] });
    }
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
  it('builds one executable and links; alone in an empty directory, its swarm-download link downloads and verifies a file', { timeout: 240_000 }, async () => {
    const dir = await makeTempDir();
    await run(process.execPath, [join(REPO_ROOT, 'scripts/build-sea.js'), '--out', join(dir, 'build')], { timeout: 200_000 });
    expect((await readdir(join(dir, 'build'))).sort()).toEqual(['swarm', 'swarm-download', 'swarm-server']);
    expect(await readlink(join(dir, 'build', 'swarm-download'))).toBe('swarm');
    expect(await readlink(join(dir, 'build', 'swarm-server'))).toBe('swarm');
    const executable = join(dir, 'swarm');
    await copyFile(join(dir, 'build', 'swarm'), executable);
    await chmod(executable, 0o755);
    await rm(join(dir, 'build'), { recursive: true });
    const program = join(dir, 'swarm-download');
    await symlink('swarm', program);
    expect((await run(program, ['--version'])).stdout.trim()).toBe(VERSION);
    // The name it starts as chooses the program.
    expect((await run(executable, ['--help'])).stdout).toMatch(/^swarm <command>/);
    const renamed = join(dir, 'swarm-1');
    await copyFile(executable, renamed);
    await chmod(renamed, 0o755);
    const refusal = await run(renamed, ['--version']).then(() => null, (err: unknown) => err as { code: number; stderr: string });
    expect(refusal?.code).toBe(2);
    expect(refusal?.stderr).toBe(`swarm: started as ${JSON.stringify(renamed)}; run this executable as swarm-download, swarm-server, swarm (a link to it under that name)\n`);
    const content = makeContent(2 * MiB + 5, 11);
    const origin = await startTestOrigin({ content });
    const output = join(dir, 'out.bin');
    // PATH without node: the executable must not need one.
    await run(program, loopbackOnly([origin.url, '-o', output, '--storage-directory', join(dir, 'cache'), '--quiet']), { cwd: dir, env: { PATH: '/nonexistent' } });
    expect((await readFile(output)).equals(content)).toBe(true);
  });
});

/**
 * Runs dist/bundle/swarm-download.cjs `--version` through bin/run-bundle.cjs, both copied into
 * `dir` (with `cache` as its code cache, if given, and `options.bundle` in place of the bundle), and reports what V8 was given: the program's
 * output, the cache bytes passed to V8 (0: none), and whether V8 rejected them.
 */
async function runWithCache(dir: string, cache: Buffer | null, options: { nodeFlags?: string[]; bundle?: Buffer } = {}): Promise<{ stdout: string; cacheBytes: number; rejected: boolean }> {
  await mkdir(join(dir, 'bin'), { recursive: true });
  await mkdir(join(dir, 'dist/bundle'), { recursive: true });
  await copyFile(join(REPO_ROOT, 'bin/run-bundle.cjs'), join(dir, 'bin/run-bundle.cjs'));
  await writeFile(join(dir, 'dist/bundle/swarm-download.cjs'), options.bundle ?? await readFile(join(REPO_ROOT, 'dist/bundle/swarm-download.cjs')));
  const cacheFile = join(dir, 'dist/bundle/swarm-download.cache');
  await rm(cacheFile, { force: true });
  if (cache !== null) await writeFile(cacheFile, cache);
  // Watches vm.Script (which run-bundle.cjs compiles the bundle with) and reports on stderr.
  const probe = `const vm = require('node:vm');
const Script = vm.Script;
vm.Script = class extends Script {
  constructor(source, options) {
    super(source, options);
    process.stderr.write(JSON.stringify({ cacheBytes: options.cachedData?.length ?? 0, rejected: this.cachedDataRejected === true }) + '\\n');
  }
};
process.argv = [process.argv[0], 'swarm-download', '--version'];
require(${JSON.stringify(join(dir, 'bin/run-bundle.cjs'))}).runBundle('swarm-download');`;
  const { stdout, stderr } = await run(process.execPath, [...(options.nodeFlags ?? []), '-e', probe]);
  const seen = JSON.parse(stderr.trim()) as { cacheBytes: number; rejected: boolean };
  return { stdout: stdout.trim(), ...seen };
}

describe('the code cache (bin/run-bundle.cjs)', () => {
  it('the build writes a cache for each program that this node accepts', async () => {
    for (const name of ['swarm-download', 'swarm-server', 'swarm']) {
      expect((await readFile(join(REPO_ROOT, `dist/bundle/${name}.cache`))).length).toBeGreaterThan(1000);
    }
    const cache = await readFile(join(REPO_ROOT, 'dist/bundle/swarm-download.cache'));
    const seen = await runWithCache(await makeTempDir(), cache);
    expect(seen).toEqual({ stdout: VERSION, cacheBytes: cache.length - 32, rejected: false });
  });

  it("swarm-download's cache comes from a download (what it compiles after --version would have exited), not from --version", async () => {
    const dir = await makeTempDir();
    await mkdir(join(dir, 'bin'), { recursive: true });
    await mkdir(join(dir, 'dist/bundle'), { recursive: true });
    await copyFile(join(REPO_ROOT, 'bin/run-bundle.cjs'), join(dir, 'bin/run-bundle.cjs'));
    await copyFile(join(REPO_ROOT, 'dist/bundle/swarm-download.cjs'), join(dir, 'dist/bundle/swarm-download.cjs'));
    await run(process.execPath, ['-e', `process.argv = [process.argv[0], 'swarm-download', '--version'];
require(${JSON.stringify(join(dir, 'bin/run-bundle.cjs'))}).runBundle('swarm-download', { writeCache: true });`]);
    const fromVersion = (await readFile(join(dir, 'dist/bundle/swarm-download.cache'))).length;
    const built = (await readFile(join(REPO_ROOT, 'dist/bundle/swarm-download.cache'))).length;
    expect(built).toBeGreaterThan(fromVersion * 1.2);
  });

  it('a damaged, truncated, stale or missing cache is not given to V8, and the program runs', async () => {
    const dir = await makeTempDir();
    const good = await readFile(join(REPO_ROOT, 'dist/bundle/swarm-download.cache'));
    const damaged = Buffer.from(good);
    damaged[Math.floor(damaged.length / 2)]! ^= 0xff;
    // Another program's cache: sealed, but for another bundle.
    const stale = await readFile(join(REPO_ROOT, 'dist/bundle/swarm.cache'));
    for (const cache of [damaged, good.subarray(0, 100), good.subarray(0, 32), Buffer.alloc(0), stale, null]) {
      expect(await runWithCache(dir, cache)).toEqual({ stdout: VERSION, cacheBytes: 0, rejected: false });
    }
    // A rebuilt bundle of the same length (all V8 itself checks) beside the old cache.
    const rebuilt = await readFile(join(REPO_ROOT, 'dist/bundle/swarm-download.cjs'));
    expect(rebuilt.subarray(0, 19).toString()).toBe('#!/usr/bin/env node');
    rebuilt[17] = 'x'.charCodeAt(0);
    expect(await runWithCache(dir, good, { bundle: rebuilt })).toEqual({ stdout: VERSION, cacheBytes: 0, rejected: false });
  });

  it('a sealed cache that V8 rejects (made under other V8 flags) is ignored, and the program runs', async () => {
    const cache = await readFile(join(REPO_ROOT, 'dist/bundle/swarm-download.cache'));
    const seen = await runWithCache(await makeTempDir(), cache, { nodeFlags: ['--max-old-space-size=200'] });
    expect(seen).toEqual({ stdout: VERSION, cacheBytes: cache.length - 32, rejected: true });
  });
});
