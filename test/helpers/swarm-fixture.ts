/**
 * Shared pieces of the LAN swarm end-to-end tests: several real `swarm-download` processes on one
 * loopback discovery port, each with its own storage directory and output path, and the moments
 * (`Date.now()` in the test process) at which each of their events and exits was observed.
 *
 * Not responsible for: cleanup (register `useE2eCleanup()` from test/e2e/e2e-fixture.ts, which
 * kills leftover children, closes origins and removes temp dirs), starting origins, or choosing
 * what to assert beyond the shape of a verified run ({@link expectVerified}).
 *
 * NETWORK SAFETY: every member broadcasts to 127.255.255.255 only.
 */
import { readFile } from 'node:fs/promises';
import { expect } from 'vitest';
import { describeRun, downloadArgs, expectEventShapes, md5Hex, newPaths } from '../e2e/e2e-fixture.js';
import type { DownloadPaths } from '../e2e/e2e-fixture.js';
import { freeishPort, spawnCli } from './run-cli.js';
import type { CliEvent, CliProcess, CliResult } from './run-cli.js';

/** The only broadcast address swarm tests may use. */
export const LOOPBACK_BROADCAST = '127.255.255.255';

/** An event and the moment the test process saw it. */
export interface SeenEvent {
  readonly event: CliEvent;
  /** `Date.now()` when the line was parsed in the test process. */
  readonly atMs: number;
}

/** How to start the members of one test's swarm. */
export interface SwarmOptions {
  /** The discovery port shared by every process of the test; see {@link newSwarmPort}. */
  readonly discoveryPort: number;
  /** Flags after the standard `URL -o OUT --storage-directory DIR --json` and the network flags. */
  readonly extra?: readonly string[];
  /** SIGKILL a member after this long. @default 50_000 */
  readonly timeoutMs?: number;
  /** Added to every member's environment (e.g. origin credentials; see `CliOptions.env`). */
  readonly env?: Record<string, string | undefined>;
}

/** A discovery port for one test's swarm: every process of the test gets this same port. */
export function newSwarmPort(): number {
  return freeishPort();
}

/** The network flags of a swarm member: loopback broadcast on the test's discovery port. */
export function swarmNetworkFlags(discoveryPort: number): string[] {
  if (!Number.isInteger(discoveryPort) || discoveryPort < 1 || discoveryPort > 65535) {
    throw new TypeError(`swarmNetworkFlags: bad discovery port ${JSON.stringify(discoveryPort)}`);
  }
  return ['--broadcast-address', LOOPBACK_BROADCAST, '--discovery-port', String(discoveryPort)];
}

/**
 * One process of a test swarm. It records when each event and the exit were observed, from the
 * moment it is spawned, so timing assertions need no polling and no sleeps.
 */
export class SwarmMember {
  readonly cli: CliProcess;
  readonly paths: DownloadPaths;
  /** Every event so far, with the moment it was seen. */
  readonly seen: SeenEvent[] = [];
  /** `Date.now()` when the child exited; null while it runs. */
  exitedAtMs: number | null = null;

  constructor(cli: CliProcess, paths: DownloadPaths) {
    this.cli = cli;
    this.paths = paths;
    cli.child.once('exit', () => this.#onExit());
    void this.#watch();
  }

  /** Settles once the process exited and its output streams closed. */
  get result(): Promise<CliResult> {
    return this.cli.result;
  }

  /** The first event (seen or future) matching `predicate`, with when it was seen. */
  async waitFor(predicate: (event: CliEvent) => boolean, timeoutMs = 45_000): Promise<SeenEvent> {
    const event = await this.cli.waitForEvent(predicate, timeoutMs);
    const seen = this.seen.find((entry) => entry.event === event);
    // The watcher and waitForEvent are woken by the same stdout chunk; the watcher registered first.
    return seen ?? { event, atMs: Date.now() };
  }

  /** The first event of kind `name`, with when it was seen. */
  waitForKind(name: string, timeoutMs?: number): Promise<SeenEvent> {
    return this.waitFor((event) => event.event === name, timeoutMs);
  }

  /** When the first event of kind `name` was seen, or null. */
  seenAtMs(name: string): number | null {
    return this.seen.find((entry) => entry.event.event === name)?.atMs ?? null;
  }

  async #watch(): Promise<void> {
    for await (const event of this.cli.eventStream()) this.seen.push({ event, atMs: Date.now() });
  }

  #onExit(): void {
    this.exitedAtMs = Date.now();
  }
}

/** Starts one member in fresh paths. */
export async function spawnMember(url: string, opts: SwarmOptions): Promise<SwarmMember> {
  const paths = await newPaths();
  const args = downloadArgs(url, paths, [...swarmNetworkFlags(opts.discoveryPort), ...(opts.extra ?? [])]);
  return new SwarmMember(spawnCli(args, { timeoutMs: opts.timeoutMs ?? 50_000, ...(opts.env ? { env: opts.env } : {}) }), paths);
}

/** Starts `count` members at once (paths are made first, so the processes start together). */
export async function spawnSwarm(url: string, count: number, opts: SwarmOptions): Promise<SwarmMember[]> {
  if (!Number.isInteger(count) || count < 1) throw new TypeError(`spawnSwarm: bad count ${JSON.stringify(count)}`);
  const allPaths = await Promise.all(Array.from({ length: count }, () => newPaths()));
  const extra = [...swarmNetworkFlags(opts.discoveryPort), ...(opts.extra ?? [])];
  const cliOptions = { timeoutMs: opts.timeoutMs ?? 50_000, ...(opts.env ? { env: opts.env } : {}) };
  return allPaths.map((paths) => new SwarmMember(spawnCli(downloadArgs(url, paths, extra), cliOptions), paths));
}

/** The `done` event of a run; fails the test when there is none. */
export function doneEvent(result: CliResult): CliEvent {
  const done = result.events.find((event) => event.event === 'done');
  expect(done, describeRun(result)).toBeDefined();
  return done as CliEvent;
}

/**
 * A member that published a verified file: exit `exitCode` (0, or 143 for a seeder ended with
 * SIGTERM), its output byte-identical to `content`, well-formed events, and a `done` event with
 * the content's size and MD5 whose origin and peer bytes cover the file. Returns the `done` event.
 */
export async function expectVerified(result: CliResult, paths: DownloadPaths, content: Buffer, exitCode = 0): Promise<CliEvent> {
  expect(result.code, describeRun(result)).toBe(exitCode);
  expect((await readFile(paths.output)).equals(content), `${paths.output} holds the origin bytes`).toBe(true);
  expect(result.invalidLines).toEqual([]);
  expectEventShapes(result.events);
  const done = doneEvent(result);
  expect(done).toMatchObject({ size: content.length, md5: md5Hex(content) });
  expect((done.originBytes as number) + (done.peerBytes as number), describeRun(result)).toBeGreaterThanOrEqual(content.length);
  return done;
}
