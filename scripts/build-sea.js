#!/usr/bin/env node
// Builds a self-contained executable per program, for hosts without Node.js or npm: a copy of
// this node binary with the program's bundle (dist/bundle/<name>.cjs, from `npm run build`)
// injected as a Node single executable application, and V8's code cache for a fast start.
//
//   npm run build && node scripts/build-sea.js [--out DIR] [--program NAME ...]
//   (default DIR: dist/sea; default: every program)
//
// The executables need no node_modules, no dist/ and no node on the host; they run on the
// operating system and CPU architecture of the machine that built them.
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PROGRAMS } from './programs.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: { out: { type: 'string', default: join(root, 'dist/sea') }, program: { type: 'string', multiple: true } },
});
const names = values.program ?? Object.keys(PROGRAMS);
for (const name of names) {
  if (!(name in PROGRAMS)) throw new Error(`unknown program ${JSON.stringify(name)}; known: ${Object.keys(PROGRAMS).join(', ')}`);
}
const out = resolve(values.out);
// The fuse postject flips so the binary runs the injected blob (Node's documented value).
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

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
for (const name of names) {
  const blob = join(out, `${name}.blob`);
  const config = join(out, `${name}.sea-config.json`);
  await writeFile(config, JSON.stringify({
    main: join(root, `dist/bundle/${name}.cjs`),
    output: blob,
    disableExperimentalSEAWarning: true,
    useCodeCache: true,
  }));
  run(process.execPath, ['--experimental-sea-config', config]);
  const executable = join(out, name);
  await rm(executable, { force: true });
  await copyFile(process.execPath, executable);
  run(process.execPath, [join(root, 'node_modules/postject/dist/cli.js'), executable, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', FUSE]);
  await rm(blob);
  await rm(config);
  process.stdout.write(`${executable}\n`);
}
