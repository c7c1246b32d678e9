/**
 * Runs the real `swarm-download` entry point (`node bin/swarm-download.js`, built into dist/ by the
 * vitest globalSetup) as a child process, and reads its `--json` NDJSON events as they arrive.
 *
 * Not responsible for: building dist/, starting origins, or asserting anything; the e2e tests do.
 * Every child is tracked until it exits so `killLeftoverChildren()` in an `afterEach` can end it;
 * temp dirs from `makeTempDir()` are removed by `removeTempDirs()`.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The CLI entry point the tests spawn. */
export const CLI_PATH = join(REPO_ROOT, 'bin', 'swarm-download.js');

/**
 * Keeps a test's discovery traffic on loopback: unless the test chose its own, every process
 * broadcasts to 127.255.255.255 only, on a discovery port of its own (so unrelated tests never
 * meet as peers). Tests that build a swarm pass one `--discovery-port` to all its processes.
 */
export function loopbackOnly(args: readonly string[]): string[] {
  const out = [...args];
  if (out.includes('--no-discovery')) return out;
  if (!out.some((arg) => arg.startsWith('--broadcast-address'))) out.push('--broadcast-address', '127.255.255.255');
  if (!out.some((arg) => arg.startsWith('--discovery-port'))) out.push('--discovery-port', String(freeishPort()));
  return out;
}

/** A random high port for a test's own discovery traffic. */
export function freeishPort(): number {
  return 20_000 + Math.floor(Math.random() * 40_000);
}

/** One `--json` line: every event has `event` and an ISO `ts`. */
export interface CliEvent {
  event: string;
  ts: string;
  [field: string]: unknown;
}

/** How a CLI run ended. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The stdout lines that parsed as `{event, ts, ...}` objects, in order. */
  events: CliEvent[];
  /** Non-empty stdout lines that are not such objects (should be none with `--json`). */
  invalidLines: string[];
  /** True when the run outlived `timeoutMs` and was SIGKILLed. */
  timedOut: boolean;
}

/** Options of {@link runCli} and {@link spawnCli}. */
export interface CliOptions {
  /** Added to the inherited environment (from which every `SWARM_*` variable is removed); `undefined` deletes. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** SIGKILL the child after this long. @default 30_000 */
  timeoutMs?: number;
  /** The entry point to run. @default CLI_PATH (swarm-download) */
  bin?: string;
  /** The command (and its first arguments) to run instead of `node bin`, e.g. an installed executable. */
  command?: readonly [string, ...string[]];
  /** Run the child as this user and group (the parent must be root), e.g. `nobody`, to meet file modes. */
  user?: { uid: number; gid: number };
  /** Add the loopback discovery flags ({@link loopbackOnly}); the `swarm` client takes none. @default true */
  loopback?: boolean;
}

const live = new Set<CliProcess>();
const tempDirs: string[] = [];

function childEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('SWARM_')) env[name] = value;
  }
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

function parseEvent(line: string): CliEvent | null {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
    const record = value as Record<string, unknown>;
    return typeof record.event === 'string' && typeof record.ts === 'string' ? (record as CliEvent) : null;
  } catch {
    return null;
  }
}

/**
 * A running CLI. `events()` yields parsed events as they arrive and ends when the process exits;
 * `waitForEvent` resolves with the first event (seen or future) matching a predicate.
 */
export class CliProcess {
  readonly child: ChildProcess;
  /** Settles once the process exited and its output streams closed. */
  readonly result: Promise<CliResult>;
  readonly #events: CliEvent[] = [];
  readonly #invalid: string[] = [];
  #stdout = '';
  #stderr = '';
  #pendingLine = '';
  #exited = false;
  #timedOut = false;
  #wake: Array<() => void> = [];

  constructor(args: readonly string[], opts: CliOptions) {
    const argv = opts.loopback === false ? [...args] : loopbackOnly(args);
    const [file, ...first] = opts.command ?? [process.execPath, opts.bin ?? CLI_PATH];
    this.child = spawn(file, [...first, ...argv], {
      cwd: opts.cwd ?? REPO_ROOT,
      env: childEnv(opts.env ?? {}),
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.user ?? {}),
    });
    this.child.stdout?.setEncoding('utf8').on('data', (text: string) => this.#onStdout(text));
    this.child.stderr?.setEncoding('utf8').on('data', (text: string) => (this.#stderr += text));
    const timer = setTimeout(() => this.#onTimeout(), opts.timeoutMs ?? 30_000);
    this.result = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve(this.#finish(code, signal));
      });
    });
    live.add(this);
  }

  /** Parsed events so far. */
  get events(): readonly CliEvent[] {
    return this.#events;
  }

  /** Yields every event, past and future, until the process exits. */
  async *eventStream(): AsyncGenerator<CliEvent> {
    let next = 0;
    for (;;) {
      while (next < this.#events.length) yield this.#events[next++] as CliEvent;
      if (this.#exited) return;
      await new Promise<void>((resolve) => this.#wake.push(resolve));
    }
  }

  /** The first event matching `predicate`; rejects if the process exits first or after `timeoutMs`. */
  async waitForEvent(predicate: (event: CliEvent) => boolean, timeoutMs = 30_000): Promise<CliEvent> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no matching event within ${timeoutMs} ms; stderr: ${this.#stderr}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.#find(predicate), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends a signal; returns whether it was delivered. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): boolean {
    return this.#exited ? false : this.child.kill(signal);
  }

  async #find(predicate: (event: CliEvent) => boolean): Promise<CliEvent> {
    for await (const event of this.eventStream()) {
      if (predicate(event)) return event;
    }
    const { exitCode, signalCode } = this.child;
    throw new Error(`process exited (code ${String(exitCode)}, signal ${String(signalCode)}) before a matching event; stderr: ${this.#stderr}`);
  }

  #onStdout(text: string): void {
    this.#stdout += text;
    const lines = (this.#pendingLine + text).split('\n');
    this.#pendingLine = lines.pop() ?? '';
    for (const line of lines) this.#onLine(line);
    this.#notify();
  }

  #onLine(line: string): void {
    if (line.trim() === '') return;
    const event = parseEvent(line);
    if (event === null) this.#invalid.push(line);
    else this.#events.push(event);
  }

  #onTimeout(): void {
    this.#timedOut = true;
    this.child.kill('SIGKILL');
  }

  #finish(code: number | null, signal: NodeJS.Signals | null): CliResult {
    this.#onLine(this.#pendingLine);
    this.#pendingLine = '';
    this.#exited = true;
    live.delete(this);
    this.#notify();
    return {
      code, signal, stdout: this.#stdout, stderr: this.#stderr,
      events: [...this.#events], invalidLines: [...this.#invalid], timedOut: this.#timedOut,
    };
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = [];
    for (const resolve of wake) resolve();
  }
}

/** Starts `swarm-download ...args` and returns at once. */
export function spawnCli(args: readonly string[], opts: CliOptions = {}): CliProcess {
  return new CliProcess(args, opts);
}

/** Runs `swarm-download ...args` to the end. */
export function runCli(args: readonly string[], opts: CliOptions = {}): Promise<CliResult> {
  return spawnCli(args, opts).result;
}

/** SIGKILLs every child still running and waits for them; for `afterEach`. */
export async function killLeftoverChildren(): Promise<void> {
  const children = [...live];
  for (const cli of children) cli.kill('SIGKILL');
  await Promise.all(children.map((cli) => cli.result));
}

/** A fresh `os.tmpdir()/swarm-test-XXXXXX` directory, removed by {@link removeTempDirs}. */
export async function makeTempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'swarm-test-'));
  tempDirs.push(dir);
  return dir;
}

/** Removes every directory made by {@link makeTempDir}; for `afterEach`. */
export async function removeTempDirs(): Promise<void> {
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}
