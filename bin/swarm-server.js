#!/usr/bin/env node
// Thin entry point: the code lives in src/cli/swarm-server.ts (built to dist/).
import { runMain } from '../dist/cli/run-main.js';
import { main } from '../dist/cli/swarm-server.js';

await runMain(main);
