/**
 * The crash-safety loop: runs `swarm-download` for one file again and again in the same storage
 * directory, SIGKILLs each run at a random moment, and finally lets one run finish. Shared by the
 * kill-loop test and `scripts/kill-loop.js`.
 *
 * Reports, per run, how it ended and the `resumedBytes` of its `start` event, so a caller can
 * check that what a run had recorded survives the kill. Not responsible for the origin (the
 * caller starts it and reads its egress) nor for checking the output file.
 *
 * NETWORK SAFETY: the caller passes the network flags; the test and the script pass loopback
 * broadcast (127.255.255.255) only.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../bin/swarm-download.js', import.meta.url));

/** Options of {@link runKillLoop}. */
export interface KillLoopOptions {
  /** `URL -o PATH --storage-directory DIR --json` and any other flags. */
  readonly args: readonly string[];
  /** Runs to kill. */
  readonly kills: number;
  /** Each run is killed this long after it was spawned: uniform in [minKillMs, maxKillMs]. */
  readonly minKillMs: number;
  readonly maxKillMs: number;
  /** How long the last run may take. */
  readonly finalTimeoutMs: number;
  /** A uniform number in [0, 1). @default Math.random */
  readonly random?: () => number;
  /** Called after each run. */
  readonly onRun?: (run: KillLoopRun) => void;
}

/** How one run ended. */
export interface KillLoopRun {
  readonly index: number;
  readonly killAfterMs: number | null;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** `resumedBytes` of its `start` event; null when it was killed before that. */
  readonly resumedBytes: number | null;
  /** Whether it printed `done` (a run can finish before its kill). */
  readonly done: boolean;
}

/** Runs the loop; resolves with every run, the last one unkilled. */
export async function runKillLoop(opts: KillLoopOptions): Promise<KillLoopRun[]> {
  const random = opts.random ?? Math.random;
  const runs: KillLoopRun[] = [];
  for (let index = 0; index < opts.kills; index++) {
    const killAfterMs = Math.round(opts.minKillMs + random() * (opts.maxKillMs - opts.minKillMs));
    const run = await runOnce(index, opts.args, killAfterMs);
    runs.push(run);
    opts.onRun?.(run);
    if (run.done) return runs;
  }
  const last = await runOnce(opts.kills, opts.args, null, opts.finalTimeoutMs);
  runs.push(last);
  opts.onRun?.(last);
  return runs;
}

async function runOnce(index: number, args: readonly string[], killAfterMs: number | null, timeoutMs = 0): Promise<KillLoopRun> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
  let resumedBytes: number | null = null;
  let done = false;
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      const event = JSON.parse(line) as { event?: string; resumedBytes?: number };
      if (event.event === 'start' && typeof event.resumedBytes === 'number') resumedBytes = event.resumedBytes;
      if (event.event === 'done') done = true;
    } catch {
      // Not an event: ignored.
    }
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs ?? timeoutMs);
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return { index, killAfterMs, code, signal, resumedBytes, done };
}
