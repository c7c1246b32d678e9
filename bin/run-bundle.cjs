'use strict';
// Runs a program's bundle, dist/bundle/<name>.cjs (scripts/build-bundle.js), as Node would
// require it, but compiled with V8's code cache from dist/bundle/<name>.cache when that fits:
// compiling the 1 MB bundle from source is a good part of a run's start-up.
//
// The cache file is a SHA-256 of the bundle's bytes and the cache's bytes, then V8's cache. A
// cache that does not match the bundle (stale), is damaged (V8 does not checksum its caches by
// default), is missing, or that this V8 rejects (another Node version or flags) is ignored and
// the bundle compiles from source: a cache can make a start faster, never break it.
// `npm run build` writes the cache with `writeCache` (this node; swarm-download's from a loopback download, the others' from `--version`).

const { createHash } = require('node:crypto');
const { readFileSync, renameSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname, join } = require('node:path');
const { setFlagsFromString } = require('node:v8');
const { Script, constants } = require('node:vm');

// undici parses HTTP with llhttp compiled to WebAssembly. V8 compiles its code with Liftoff at
// once and would compile the hot functions again with TurboFan in the background: 20-25 MB more
// at a download's peak RSS, for no measurable speed (llhttp only counts through a body's bytes).
// Set before the bundle compiles, so the code cache is made and checked with the same flags.
setFlagsFromString('--liftoff-only');

const DIGEST_BYTES = 32;

/** The seal over a bundle and its V8 cache. */
function seal(bundle, cache) {
  return createHash('sha256').update(bundle).update(cache).digest();
}

/** The V8 cache in `file` if it is sealed for `bundle`; else undefined. */
function readCache(file, bundle) {
  let data;
  try {
    data = readFileSync(file);
  } catch {
    return undefined;
  }
  const cache = data.subarray(DIGEST_BYTES);
  return data.length > DIGEST_BYTES && seal(bundle, cache).equals(data.subarray(0, DIGEST_BYTES)) ? cache : undefined;
}

/**
 * Runs dist/bundle/<name>.cjs. With `writeCache`, compiles it without a cache and, when the
 * process exits, writes dist/bundle/<name>.cache (functions compiled by then are in it).
 */
function runBundle(name, { writeCache = false } = {}) {
  const filename = join(__dirname, '..', 'dist', 'bundle', `${name}.cjs`);
  const cacheFile = join(__dirname, '..', 'dist', 'bundle', `${name}.cache`);
  const bundle = readFileSync(filename);
  const cachedData = writeCache ? undefined : readCache(cacheFile, bundle);
  // The same wrapper as Node's CommonJS loader, on the first line so line numbers stay true;
  // the shebang becomes a comment of the same length.
  const source = bundle.toString('utf8').replace(/^#!/, '//');
  // A dynamic import() (esbuild turns the bundle's own into require()) loads as from a module.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n})`, {
    filename, cachedData, importModuleDynamically: constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  if (writeCache) {
    process.once('exit', () => {
      const cache = script.createCachedData();
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(tmp, Buffer.concat([seal(bundle, cache), cache]));
      renameSync(tmp, cacheFile);
    });
  }
  const module = { exports: {}, filename, id: '.', loaded: false };
  script.runInThisContext()(module.exports, createRequire(filename), module, filename, dirname(filename));
}

module.exports = { runBundle };
