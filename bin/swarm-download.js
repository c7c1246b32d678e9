#!/usr/bin/env node
// Thin entry point: the code lives in src/cli/swarm-download.ts (built to dist/).
import { main } from '../dist/cli/swarm-download.js';

process.exitCode = await main({
  argv: process.argv.slice(2),
  env: process.env,
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
});
