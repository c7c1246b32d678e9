#!/usr/bin/env node
// Bundles each program into one self-contained CommonJS file under dist/bundle/ (esbuild): no
// node_modules needed beside it, and Node starts it faster than the ~150 files of dist/ plus
// node_modules. The hashing worker is bundled first and inlined as a string, so the program is
// a single file (the form a Node single executable application needs).
//
//   node scripts/build-bundle.js            (run by `npm run build`)
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

import { PROGRAMS } from './programs.js';

const root = fileURLToPath(new URL('..', import.meta.url));

const common = { absWorkingDir: root, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning', legalComments: 'none',
  // prefix-hasher's import.meta fallback is for dist/ only; in the bundle the worker is inlined.
  logOverride: { 'empty-import-meta': 'silent' } };

const worker = await build({ ...common, entryPoints: ['src/storage/prefix-hash-worker.ts'], write: false, minify: true });
const workerSource = worker.outputFiles[0].text;

for (const [name, module] of Object.entries(PROGRAMS)) {
  await build({
    ...common,
    stdin: {
      contents: `import { runMain } from './src/cli/run-main.ts';
import { main } from './${module}';
void runMain(main);`,
      resolveDir: root,
      sourcefile: `${name}-entry.ts`,
      loader: 'ts',
    },
    // yargs and jsonc-parser ship ESM beside UMD/CJS; the ESM builds bundle cleanly.
    mainFields: ['module', 'main'],
    // ESM dependencies (yargs) read import.meta.url, which CommonJS lacks: give them the bundle's.
    define: { SWARM_BUNDLED_HASH_WORKER: JSON.stringify(workerSource), 'import.meta.url': 'bundleUrl' },
    banner: { js: '#!/usr/bin/env node\nvar bundleUrl = require("node:url").pathToFileURL(__filename).href;' },
    minify: true,
    outfile: `dist/bundle/${name}.cjs`,
  });
}
