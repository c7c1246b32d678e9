/**
 * Shared pieces of the `swarm-download` end-to-end tests: tracked origins and temp dirs cleaned
 * after each test, the standard command line, and the assertions on a finished run (exit code,
 * PATH, the stderr line and the `--json` event shapes of the CLI contract).
 *
 * Not responsible for spawning (see test/helpers/run-cli.ts) or for the origin (src/testing).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterEach, expect } from 'vitest';
import { startOrigin } from '../../src/testing/origin-server.js';
import type { OriginOptions, OriginServer } from '../../src/testing/origin-server.js';
import { REPO_ROOT, killLeftoverChildren, makeTempDir, removeTempDirs, runCli } from '../helpers/run-cli.js';
import type { CliEvent, CliOptions, CliResult } from '../helpers/run-cli.js';

export const MiB = 1024 * 1024;
/** Flags that keep fault tests fast: a stalled body is dropped after 2 s, 20 attempts. */
export const FAST_RETRY_FLAGS: readonly string[] = ['--stall-timeout', '2', '--retries', '20'];

/** Where one download writes: PATH is `output`, the piece store is `storage`. */
export interface DownloadPaths {
  dir: string;
  output: string;
  storage: string;
}

const origins: OriginServer[] = [];

/** Registers the per-test cleanup: children killed, origins closed, temp dirs removed. */
export function useE2eCleanup(): void {
  afterEach(async () => {
    await killLeftoverChildren();
    await Promise.all(origins.splice(0).map((origin) => origin.close()));
    await removeTempDirs();
  });
}

/** Starts an origin that is closed after the test. */
export async function startTestOrigin(opts: OriginOptions): Promise<OriginServer> {
  const origin = await startOrigin(opts);
  origins.push(origin);
  return origin;
}

/** A temp dir with an existing, empty `store/` and an `output` path that does not exist yet. */
export async function newPaths(): Promise<DownloadPaths> {
  const dir = await makeTempDir();
  const storage = join(dir, 'store');
  await mkdir(storage);
  return { dir, output: join(dir, 'file.bin'), storage };
}

/** `URL -o OUTPUT --storage-directory STORE --json ...extra`. */
export function downloadArgs(url: string, paths: DownloadPaths, extra: readonly string[] = []): string[] {
  return [url, '-o', paths.output, '--storage-directory', paths.storage, '--json', ...extra];
}

/** Runs one `--json` download into fresh paths (or the given ones, to run again). */
export async function download(
  url: string,
  extra: readonly string[] = [],
  opts: CliOptions & { paths?: DownloadPaths } = {},
): Promise<{ result: CliResult; paths: DownloadPaths }> {
  const { paths: given, ...cliOptions } = opts;
  const paths = given ?? (await newPaths());
  const result = await runCli(downloadArgs(url, paths, extra), cliOptions);
  return { result, paths };
}

export function md5Hex(bytes: Buffer): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** Text to show when an assertion on a run fails. */
export function describeRun(result: CliResult): string {
  return `exit ${String(result.code)} signal ${String(result.signal)}${result.timedOut ? ' (timed out)' : ''}\nstderr: ${result.stderr}\nstdout: ${result.stdout.slice(-2000)}`;
}

/** The `start` event of a `--json` run. */
export function startEvent(result: CliResult): CliEvent {
  const start = result.events.find((event) => event.event === 'start');
  expect(start, describeRun(result)).toBeDefined();
  return start as CliEvent;
}

/**
 * Exit 0, PATH holds exactly `content`, and the `--json` events have the contract's shape. Paths in
 * events may be relative to `cliCwd`, the directory the CLI ran in.
 */
export async function expectDownloaded(result: CliResult, output: string, content: Buffer, cliCwd = REPO_ROOT): Promise<void> {
  expect(result.code, describeRun(result)).toBe(0);
  expect((await readFile(output)).equals(content), 'PATH holds the origin bytes').toBe(true);
  expect(result.invalidLines).toEqual([]);
  expectEventShapes(result.events);
  const start = startEvent(result);
  expect(start).toMatchObject({ size: content.length, md5: md5Hex(content) });
  expect(resolve(cliCwd, String(start.output))).toBe(output);
  const done = result.events.at(-1);
  expect(done?.event, describeRun(result)).toBe('done');
  expect(done).toMatchObject({ size: content.length, md5: md5Hex(content) });
  expect(resolve(cliCwd, String(done?.path))).toBe(output);
  expect((done?.originBytes as number) + (done?.peerBytes as number)).toBeGreaterThanOrEqual(content.length - (start.resumedBytes as number));
}

/** Fields and types of each event kind; progress at most once a second. */
export function expectEventShapes(events: readonly CliEvent[]): void {
  const kinds: Record<string, Record<string, string>> = {
    start: { url: 'string', output: 'string', size: 'number', md5: 'string', pieceBytes: 'number', pieceCount: 'number', resumedBytes: 'number', trackerInfoHash: 'string' },
    progress: { bytes: 'number', size: 'number', originBytes: 'number', peerBytes: 'number', peers: 'number', rateBytesPerSec: 'number', peersBySource: 'object' },
    'peer-source-warning': { source: 'string', message: 'string' },
    'origin-retry': { attempt: 'number', delayMs: 'number', reason: 'string', code: 'string' },
    'origin-ok': { failedForMs: 'number', attempts: 'number' },
    done: { path: 'string', size: 'number', md5: 'string', originBytes: 'number', peerBytes: 'number', originRequests: 'number', elapsedMs: 'number' },
    error: { code: 'string', exitCode: 'number', message: 'string' },
  };
  let lastProgressMs = -Infinity;
  for (const event of events) {
    expect(event.ts, JSON.stringify(event)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/);
    expect(Number.isNaN(Date.parse(event.ts))).toBe(false);
    for (const [field, type] of Object.entries(kinds[event.event] ?? {})) {
      expect(typeof event[field], `${event.event}.${field} in ${JSON.stringify(event)}`).toBe(type);
    }
    if (event.event === 'start') expect(event.md5).toMatch(/^[0-9a-f]{32}$/);
    if (event.event === 'start') expect(event.trackerInfoHash).toMatch(/^[0-9a-f]{40}$/);
    if (event.event !== 'progress') continue;
    expect(event.etaSeconds === null || typeof event.etaSeconds === 'number', JSON.stringify(event)).toBe(true);
    const atMs = Date.parse(event.ts);
    expect(atMs - lastProgressMs, 'progress at most once a second').toBeGreaterThanOrEqual(900);
    lastProgressMs = atMs;
  }
}

/**
 * A failed run: `exitCode`, PATH absent, exactly one stderr line `swarm-download: error: ...`,
 * and with `--json` a last `error` event carrying the same exit code. Returns the stderr message
 * (without the prefix) and the error event's `code` (undefined without `--json`).
 */
export function expectFailed(result: CliResult, exitCode: number, output?: string): { message: string; code: string | undefined } {
  expect(result.code, describeRun(result)).toBe(exitCode);
  if (output !== undefined) expect(existsSync(output), `PATH ${output} must not exist`).toBe(false);
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  expect(lines, describeRun(result)).toHaveLength(1);
  const line = lines[0] ?? '';
  expect(line).toMatch(/^swarm-download: error: \S/);
  expect(result.invalidLines).toEqual([]);
  expectEventShapes(result.events);
  const last = result.events.at(-1);
  if (last === undefined) return { message: line, code: undefined };
  expect(last.event, describeRun(result)).toBe('error');
  expect(last.exitCode).toBe(exitCode);
  return { message: line, code: last.code as string };
}

/** Total bytes of the regular files under `dir`, recursively. */
export async function storedBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}
