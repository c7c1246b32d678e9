/**
 * The Node version check in bin/ (node-version.cjs): a table for the pure refusal, a check that
 * bin/ parses as ES5 (so an old Node reaches the check instead of a SyntaxError), and each real
 * entry point run on a Node that reports an old version (preloaded with Node's own `--require`,
 * from the test only) to show the check is wired before the bundle loads.
 */
import { parse } from 'acorn';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { VERSION } from '../../../src/version.js';
import { REPO_ROOT, makeTempDir, removeTempDirs } from '../../helpers/run-cli.js';

const { nodeVersionRefusal, MINIMUM } = createRequire(import.meta.url)('../../../bin/node-version.cjs') as {
  nodeVersionRefusal: (program: string, version: string) => string | null;
  MINIMUM: number[];
};
const run = promisify(execFile);
afterEach(removeTempDirs);
const PROGRAMS = ['swarm-download', 'swarm-server', 'swarm'];

describe('nodeVersionRefusal', () => {
  it.each(['20.19.0', '20.19.5', '20.20.2', '21.0.0', '22.1.0', '24.11.1', '100.0.0', '20.19.0-pre'])('accepts Node %s', (version) => {
    expect(nodeVersionRefusal('swarm', version)).toBeNull();
  });

  it.each(['20.18.3', '20.0.0', '18.19.1', '16.20.2', '12.22.12', '0.10.48', '2.19.0', '', 'garbage', '20'])('refuses Node %j in one line that says what to do', (version) => {
    const refusal = nodeVersionRefusal('swarm-download', version);
    expect(refusal).toBe(`swarm-download: needs Node.js 20.19 or newer, but this is Node.js ${version}; install a newer Node.js (https://nodejs.org), or use the release tarball or .deb, which carry their own`);
  });

  it('needs the Node that package.json engines names', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(`>=${MINIMUM.join('.')}`);
  });
});

describe('the bin/ entry points', () => {
  it.each([...PROGRAMS.map((name) => `${name}.js`), 'node-version.cjs'])('%s parses as ES5, so any old Node reaches the check', (file) => {
    const source = readFileSync(join(REPO_ROOT, 'bin', file), 'utf8');
    expect(() => parse(source, { ecmaVersion: 5, allowHashBang: true, allowReturnOutsideFunction: true })).not.toThrow();
  });

  it('each program on a Node that says it is 18.19.1 exits 2 with the refusal, before the bundle loads', async () => {
    const dir = await makeTempDir();
    const fake = join(dir, 'old-node.cjs');
    // Records every module loaded after it, to show the bundle never is.
    writeFileSync(fake, `Object.defineProperty(process.versions, 'node', { value: '18.19.1' });
const Module = require('node:module');
const load = Module._load;
Module._load = function (request, ...rest) { process.stdout.write('load ' + request + '\\n'); return load.call(this, request, ...rest); };`);
    for (const name of PROGRAMS) {
      const failure = await run(process.execPath, ['--require', fake, join(REPO_ROOT, 'bin', `${name}.js`), '--version']).then(() => null, (err: unknown) => err as { code: number; stdout: string; stderr: string });
      expect(failure?.code).toBe(2);
      expect(failure?.stderr).toBe(`${nodeVersionRefusal(name, '18.19.1')}\n`);
      expect(failure?.stdout).not.toContain('run-bundle');
      expect(failure?.stdout).toContain('node-version.cjs');
      // On this (supported) Node the same entry point runs.
      expect((await run(process.execPath, [join(REPO_ROOT, 'bin', `${name}.js`), '--version'])).stdout.trim()).toBe(VERSION);
    }
  });
});
