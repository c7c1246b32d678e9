#!/usr/bin/env node
// Thin entry point: the code lives in src/cli/swarm-download.ts (built to dist/).
import { runMain } from '../dist/cli/run-main.js';
import { main } from '../dist/cli/swarm-download.js';

await runMain(main);
