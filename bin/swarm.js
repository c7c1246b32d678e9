#!/usr/bin/env node
// Thin entry point. The program is src/cli/swarm.ts, bundled into one file by
// scripts/build-bundle.js (`npm run build`); required, not imported, so Node need not scan the
// bundle for ESM named exports.
import { createRequire } from 'node:module';

createRequire(import.meta.url)('../dist/bundle/swarm.cjs');
