#!/usr/bin/env node
// Builds the self-contained executable for hosts without Node.js or npm: a copy of this node
// binary with every program's bundle (dist/sea-bundle/swarm.cjs, from `npm run build`) injected
// as a Node single executable application, and V8's code cache for a fast start. One executable,
// `swarm`, with `swarm-download` and `swarm-server` as symbolic links to it: it runs the program
// it was started as (src/cli/multicall.ts), so Node is carried once, not three times.
//
//   npm run build && node scripts/build-sea.js [--out DIR]     (default DIR: dist/sea)
//
// The executable needs no node_modules, no dist/ and no node on the host; it runs on the
// operating system and CPU architecture of the machine that built it.
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PROGRAMS } from './programs.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { out: { type: 'string', default: join(root, 'dist/sea') } } });
const out = resolve(values.out);
// The fuse postject flips so the binary runs the injected blob (Node's documented value).
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const EXECUTABLE = 'swarm';

/** Runs a build step quietly; on failure shows what it printed. */
function run(command, args) {
  try {
    execFileSync(command, args, { stdio: 'pipe' });
  } catch (err) {
    process.stderr.write(`${err.stdout ?? ''}${err.stderr ?? ''}`);
    throw new Error(`build step failed: ${args.join(' ')}`);
  }
}

await mkdir(out, { recursive: true });
const blob = join(out, `${EXECUTABLE}.blob`);
const config = join(out, `${EXECUTABLE}.sea-config.json`);
await writeFile(config, JSON.stringify({
  main: join(root, 'dist/sea-bundle/swarm.cjs'),
  output: blob,
  disableExperimentalSEAWarning: true,
  useCodeCache: true,
}));
run(process.execPath, ['--experimental-sea-config', config]);
const executable = join(out, EXECUTABLE);
await rm(executable, { force: true });
await copyFile(process.execPath, executable);
run(process.execPath, [join(root, 'node_modules/postject/dist/cli.js'), executable, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', FUSE]);
await rm(blob);
await rm(config);
process.stdout.write(`${executable}\n`);
for (const name of Object.keys(PROGRAMS).filter((program) => program !== EXECUTABLE)) {
  const link = join(out, name);
  await rm(link, { force: true });
  await symlink(EXECUTABLE, link);
  process.stdout.write(`${link} -> ${EXECUTABLE}\n`);
}
