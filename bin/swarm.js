#!/usr/bin/env node
// Thin entry point. The program is src/cli/swarm.ts, bundled into one file by
// scripts/build-bundle.js (`npm run build`) and run by run-bundle.cjs with its V8 code cache.
// CommonJS (bin/package.json), so Node starts it without its ESM loader.
require('./run-bundle.cjs').runBundle('swarm');
