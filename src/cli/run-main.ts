/**
 * What every bin/ entry point does: run a program's `main` with the real process and set the
 * exit code it returns (never `process.exit`, so output is flushed).
 */
import type { CliContext } from './common-options.js';

/** Runs `main` with this process's argv, environment, cwd and streams. */
export async function runMain(main: (ctx: CliContext) => Promise<number>): Promise<void> {
  process.exitCode = await main({ argv: process.argv.slice(2), env: process.env, cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr });
}
