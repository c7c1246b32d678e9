#!/usr/bin/env node
// Bundles each program into one self-contained CommonJS file under dist/bundle/ (esbuild): no
// node_modules needed beside it, and Node starts it faster than the ~150 files of dist/ plus
// node_modules. The hashing worker is bundled first and inlined as a string, so the program is
// a single file (the form a Node single executable application needs). Beside each bundle goes
// V8's code cache for it, dist/bundle/<program>.cache, which bin/run-bundle.cjs uses when it fits
// (swarm-download's made by a download of 1 MiB from a loopback origin, so dist/testing/ must be
// built first: `npm run build` runs tsc before this).
//
//   node scripts/build-bundle.js            (run by `npm run build`)
//   SWARM_BUNDLE_NO_MINIFY=1 node scripts/build-bundle.js   (readable names in CPU profiles)
import { build } from 'esbuild';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { PROGRAMS } from './programs.js';
import { bundledPackageDirs, thirdPartyNotices } from './third-party-notices.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * undici's index loads all of undici (fetch, WebSocket, mocks, caches: half a megabyte, and it
 * touches Node's own fetch globals, which loads Node's internal copy of undici too). src/ uses
 * only what this entry exports; an import of anything else fails the build ("No matching
 * export"). src/ keeps importing 'undici', so tsc and the tests see the real package.
 */
const SLIM_UNDICI = `import Dispatcher from './lib/dispatcher/dispatcher.js';
import Agent from './lib/dispatcher/agent.js';
import api from './lib/api/index.js';
import redirect from './lib/interceptor/redirect.js';
import buildConnector from './lib/core/connect.js';
Object.assign(Dispatcher.prototype, api);
export { Agent, Dispatcher, buildConnector };
export const interceptors = { redirect };
`;

const undiciDir = dirname(fileURLToPath(import.meta.resolve('undici/package.json')));

/**
 * Resolves 'undici' to {@link SLIM_UNDICI}, and defers undici's HTTP/2 client (which loads
 * node:http2 and node:tls, ~10 ms) to its first use: only a connection that negotiated h2 needs
 * it, and swarm never offers h2. A bundled CommonJS module runs when first required.
 */
const slimUndici = {
  name: 'slim-undici',
  setup(b) {
    b.onResolve({ filter: /^undici$/ }, () => ({ path: 'undici-slim', namespace: 'slim-undici' }));
    b.onLoad({ filter: /^undici-slim$/, namespace: 'slim-undici' }, () => ({ contents: SLIM_UNDICI, loader: 'js', resolveDir: undiciDir }));
    b.onResolve({ filter: /^\.\/client-h2\.js$/ }, (args) => (
      args.importer === join(undiciDir, 'lib/dispatcher/client.js') ? { path: join(undiciDir, 'lib/dispatcher/client-h2.js'), namespace: 'slim-undici' } : undefined));
    b.onLoad({ filter: /client-h2\.js$/, namespace: 'slim-undici' }, (args) => ({
      contents: "module.exports = function connectH2(...args) { return require('./client-h2.js')(...args); };",
      loader: 'js',
      resolveDir: dirname(args.path),
    }));
  },
};

/**
 * Packages whose module top level is costly and which only some runs call, each imported as its
 * default export, a function: every import of one resolves to a stand-in that loads the real
 * module (bundled, it runs when first required) at its first call. string-width (three copies,
 * for yargs' --help and usage text) builds Intl.Segmenters and Unicode-property regular
 * expressions when loaded: about 50 ms of CPU at every start, --version included.
 */
const LAZY_DEFAULT_EXPORTS = ['string-width'];

const lazyOnFirstCall = {
  name: 'lazy-on-first-call',
  setup(b) {
    const filter = new RegExp(`^(${LAZY_DEFAULT_EXPORTS.join('|')})$`);
    b.onResolve({ filter }, async (args) => {
      if (args.pluginData?.real === true) return undefined;
      const real = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: { real: true } });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: real.path, namespace: 'lazy-on-first-call' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-on-first-call' }, (args) => ({
      contents: `let real;
export default function lazyOnFirstCall(...args) {
  real ??= require(${JSON.stringify(args.path)});
  return real.default(...args);
}`,
      loader: 'js',
      resolveDir: dirname(args.path),
    }));
  },
};

/**
 * yargs' factory calls `.version()` on every parser it makes, which guesses the version from the
 * nearest package.json above the working directory (in a bundle, yargs' own directory is not
 * known): a walk up to / that lists each directory, parses whatever package.json it finds, and
 * when there is none builds and catches an AssertionError (util.inspect): about 10 ms at every
 * start, and a read of files that are not ours. Every program sets `.version(VERSION)`
 * (src/cli/common-options.ts), which replaces the guess; so the factory's call becomes
 * `.version(false)`, which guesses nothing. The build fails if yargs no longer has that line.
 */
const FACTORY_VERSION_CALL = '        yargs.version();\n';

const yargsNoVersionGuess = {
  name: 'yargs-no-version-guess',
  setup(b) {
    b.onLoad({ filter: /[\\/]yargs[\\/]build[\\/]lib[\\/]yargs-factory\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (source.split(FACTORY_VERSION_CALL).length !== 2) throw new Error(`${args.path}: expected one ${JSON.stringify(FACTORY_VERSION_CALL)} (yargs changed: see yargsNoVersionGuess)`);
      return { contents: source.replace(FACTORY_VERSION_CALL, '        yargs.version(false);\n'), loader: 'js' };
    });
  },
};

const common = { absWorkingDir: root, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning', legalComments: 'none',
  // prefix-hasher's import.meta fallback is for dist/ only; in the bundle the worker is inlined.
  logOverride: { 'empty-import-meta': 'silent' } };

const worker = await build({ ...common, entryPoints: ['src/storage/prefix-hash-worker.ts'], write: false, minify: true });
const workerSource = worker.outputFiles[0].text;

/** Every file the bundles were built from, for the third-party notices. */
const inputs = new Set();

/** Bundles the entry `contents` (TypeScript, relative to the root) into `outfile`. */
async function bundle(contents, sourcefile, outfile) {
  const result = await build({
    ...common,
    stdin: { contents, resolveDir: root, sourcefile, loader: 'ts' },
    // yargs and jsonc-parser ship ESM beside UMD/CJS; the ESM builds bundle cleanly.
    mainFields: ['module', 'main'],
    // ESM dependencies (yargs) read import.meta.url, which CommonJS lacks: give them the bundle's.
    define: { SWARM_BUNDLED_HASH_WORKER: JSON.stringify(workerSource), 'import.meta.url': 'bundleUrl' },
    banner: { js: '#!/usr/bin/env node\nvar bundleUrl = require("node:url").pathToFileURL(__filename).href;' },
    plugins: [slimUndici, lazyOnFirstCall, yargsNoVersionGuess],
    minify: process.env.SWARM_BUNDLE_NO_MINIFY !== '1',
    metafile: true,
    outfile,
  });
  for (const input of Object.keys(result.metafile.inputs)) inputs.add(input);
}

/**
 * Writes V8's code cache of program `name` for bin/run-bundle.cjs from a run with `args`: every
 * module's top level and each function compiled by the time it exits. Rejects if the run fails.
 */
async function writeCodeCache(name, args, env = process.env) {
  await promisify(execFile)(process.execPath, ['-e', `process.argv = [process.argv[0], ${JSON.stringify(`bin/${name}.js`)}, ...${JSON.stringify(args)}];
require('./bin/run-bundle.cjs').runBundle(${JSON.stringify(name)}, { writeCache: true });`], { cwd: root, env });
}

/**
 * swarm-download's cache comes from a real download, so that it holds what a download compiles
 * after --version would have exited (the origin client, undici, the piece store, the hasher,
 * publishing): 1 MiB from an origin in this process on loopback, --no-discovery (no broadcast
 * from a build), with an empty config and no SWARM_* variables, so the host's settings play no
 * part. Should that fail, the cache of a --version run is written instead, with a warning.
 */
async function writeDownloadCodeCache() {
  const { makeContent, startOrigin } = await import('../dist/testing/origin-server.js');
  const dir = await mkdtemp(join(tmpdir(), 'swarm-build-cache-'));
  const origin = await startOrigin({ content: makeContent(2 ** 20, 1) });
  try {
    await writeFile(join(dir, 'config.json'), '{}');
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('SWARM_')));
    await writeCodeCache('swarm-download', [origin.url, '-o', join(dir, 'file.bin'), '--storage-directory', join(dir, 'storage'),
      '--config', join(dir, 'config.json'), '--no-discovery', '--quiet'], env);
  } catch (err) {
    process.stderr.write(`build-bundle: warning: swarm-download's code cache comes from a --version run: the download to make it failed: ${String(err.stderr || err.message).trim()}\n`);
    await writeCodeCache('swarm-download', ['--version']);
  } finally {
    await origin.close();
    await rm(dir, { recursive: true, force: true });
  }
}

for (const [name, module] of Object.entries(PROGRAMS)) {
  await bundle(`import { runMain } from './src/cli/run-main.ts';
import { main } from './${module}';
void runMain(main);`, `${name}-entry.ts`, `dist/bundle/${name}.cjs`);
  // The others' caches come from a `--version` run (every module's top level).
  if (name === 'swarm-download') await writeDownloadCodeCache();
  else await writeCodeCache(name, ['--version']);
}

// The single executable's bundle (scripts/build-sea.js): every program, chosen by the name the
// executable started as (src/cli/multicall.ts); each program's modules load only when it runs.
const programs = Object.entries(PROGRAMS).map(([name, module]) => `  if (name === ${JSON.stringify(name)}) return import('./${module}');`).join('\n');
await bundle(`import { runMain } from './src/cli/run-main.ts';
import { programFor, unknownProgramMessage } from './src/cli/multicall.ts';
function load(name) {
${programs}
  return null;
}
const chosen = load(programFor(process.argv0));
if (chosen === null) {
  process.stderr.write(unknownProgramMessage(process.argv0) + '\\n');
  process.exitCode = 2;
} else void chosen.then((program) => runMain(program.main));`, 'multicall-entry.ts', 'dist/sea-bundle/swarm.cjs');

// Their licence notices, shipped beside the bundles (the npm package, the release artifacts).
const notices = thirdPartyNotices(bundledPackageDirs(inputs, root));
for (const dir of ['dist/bundle', 'dist/sea-bundle']) writeFileSync(join(root, dir, 'THIRD-PARTY-NOTICES'), notices);
