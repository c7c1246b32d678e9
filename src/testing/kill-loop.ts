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
  /**
   * Each run is killed at a random moment: with probability `earlyKillShare`, uniform in
   * [0, maxKillMs] after it was spawned (while it starts: lock, resume file, digests); otherwise
   * uniform in [0, maxKillMs] after its `start` event (while it fetches).
   */
  readonly maxKillMs: number;
  /** @default 0.25 */
  readonly earlyKillShare?: number;
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
  /** What `killAfterMs` counts from. */
  readonly killFrom: 'spawn' | 'start' | null;
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
    const killFrom = random() < (opts.earlyKillShare ?? 0.25) ? 'spawn' : 'start';
    const run = await runOnce(index, opts.args, { killFrom, killAfterMs: Math.round(random() * opts.maxKillMs) });
    runs.push(run);
    opts.onRun?.(run);
    if (run.done) return runs;
  }
  const last = await runOnce(opts.kills, opts.args, { killFrom: 'spawn', killAfterMs: opts.finalTimeoutMs }, false);
  runs.push(last);
  opts.onRun?.(last);
  return runs;
}

interface KillPlan {
  readonly killFrom: 'spawn' | 'start';
  readonly killAfterMs: number;
}

/** One run, SIGKILLed as `plan` says (`killed` false: the plan is only a timeout). */
async function runOnce(index: number, args: readonly string[], plan: KillPlan, killed = true): Promise<KillLoopRun> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
  let resumedBytes: number | null = null;
  let done = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    timer = setTimeout(() => child.kill('SIGKILL'), plan.killAfterMs);
  };
  if (plan.killFrom === 'spawn') arm();
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      const event = JSON.parse(line) as { event?: string; resumedBytes?: number };
      if (event.event === 'start' && typeof event.resumedBytes === 'number') {
        resumedBytes = event.resumedBytes;
        if (plan.killFrom === 'start') arm();
      }
      if (event.event === 'done') done = true;
    } catch {
      // Not an event: ignored.
    }
  });
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return { index, killAfterMs: killed ? plan.killAfterMs : null, killFrom: killed ? plan.killFrom : null, code, signal, resumedBytes, done };
}
