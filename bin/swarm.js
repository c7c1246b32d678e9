#!/usr/bin/env node
// Thin entry point. The program is src/cli/swarm.ts, bundled into one file by
// scripts/build-bundle.js (`npm run build`) and run by run-bundle.cjs with its V8 code cache.
// CommonJS (bin/package.json), so Node starts it without its ESM loader. Plain ES5 syntax, and
// the Node version is checked before the bundle loads (node-version.cjs): an old Node gets one
// line saying which Node is needed, not a SyntaxError.
if (require('./node-version.cjs').nodeIsSupported('swarm')) require('./run-bundle.cjs').runBundle('swarm');
