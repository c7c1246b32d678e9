/**
 * Runs real `swarm-server` daemons and `swarm` client commands for the end-to-end tests, and
 * checks the documented shapes of the control API's JSON.
 *
 * Not responsible for cleanup: register `useE2eCleanup()` (test/e2e/e2e-fixture.ts), which kills
 * leftover children and removes temp dirs. NETWORK SAFETY: daemons broadcast to 127.255.255.255.
 */
import { join } from 'node:path';
import { expect } from 'vitest';
import { REPO_ROOT, makeTempDir, runCli, spawnCli, type CliEvent, type CliProcess, type CliResult } from './run-cli.js';
import { swarmNetworkFlags } from './swarm-fixture.js';

/** The daemon's entry point. */
export const SERVER_PATH = join(REPO_ROOT, 'bin', 'swarm-server.js');
/** The client's entry point. */
export const SWARM_PATH = join(REPO_ROOT, 'bin', 'swarm.js');

/** A running daemon. */
export interface ServerHandle {
  readonly cli: CliProcess;
  readonly storage: string;
  readonly socket: string;
  readonly ready: CliEvent;
}

/** Where a daemon keeps its state: a fresh temp dir unless given. */
export interface ServerPlace {
  readonly storage: string;
  readonly socket: string;
}

/** A fresh storage directory and control socket path. */
export async function newServerPlace(): Promise<ServerPlace> {
  const dir = await makeTempDir();
  return { storage: join(dir, 'store'), socket: join(dir, 'control.sock') };
}

/** Starts `swarm-server --json` (with `env` added to its environment) and waits for its `ready` event. */
export async function startServer(discoveryPort: number, place?: ServerPlace, extra: readonly string[] = [], env: Record<string, string> = {}): Promise<ServerHandle> {
  const { storage, socket } = place ?? (await newServerPlace());
  const args = ['--storage-directory', storage, '--control-socket', socket, '--json', ...swarmNetworkFlags(discoveryPort), ...extra];
  const cli = spawnCli(args, { bin: SERVER_PATH, timeoutMs: 120_000, env });
  const ready = await cli.waitForEvent((event) => event.event === 'ready', 30_000);
  return { cli, storage, socket, ready };
}

/** A finished `swarm` command and its stdout parsed as JSON (when it was). */
export interface SwarmResult extends CliResult {
  readonly json: Record<string, unknown> | null;
}

/** Runs `swarm --control-socket SOCKET ...args` to the end. */
export async function runSwarm(socket: string, args: readonly string[], timeoutMs = 60_000): Promise<SwarmResult> {
  const result = await runCli(['--control-socket', socket, ...args], { bin: SWARM_PATH, loopback: false, timeoutMs });
  let json: Record<string, unknown> | null = null;
  try {
    json = JSON.parse(result.stdout) as Record<string, unknown>;
  } catch {
    json = null;
  }
  return { ...result, json };
}

/** Runs a `--json` swarm command that must succeed; returns its JSON. */
export async function swarmJson(socket: string, args: readonly string[], timeoutMs?: number): Promise<Record<string, unknown>> {
  const result = await runSwarm(socket, [...args, '--json'], timeoutMs);
  expect(result.code, `swarm ${args.join(' ')}: ${result.stderr}`).toBe(0);
  expect(result.stdout.trim().split('\n'), 'one line of JSON').toHaveLength(1);
  expect(result.json).not.toBeNull();
  return result.json as Record<string, unknown>;
}

function expectTypes(value: Record<string, unknown>, types: Record<string, string>, what: string): void {
  for (const [field, type] of Object.entries(types)) {
    const actual = value[field] === null ? 'null' : Array.isArray(value[field]) ? 'array' : typeof value[field];
    expect(type.split('|'), `${what}.${field} is ${actual} in ${JSON.stringify(value)}`).toContain(actual);
  }
}

/** The documented fields of a file status (README, control API). */
export function expectFileStatus(file: unknown): Record<string, unknown> {
  const value = file as Record<string, unknown>;
  expectTypes(value, {
    id: 'string', md5: 'string', size: 'number', pieceBytes: 'number', pieceCount: 'number', piecesHeld: 'number', bytesHeld: 'number',
    state: 'string', path: 'string', urls: 'array', pinned: 'boolean', readers: 'number', lastUsed: 'string', peers: 'number',
    originBytes: 'number', peerBytes: 'number', uploadedBytes: 'number', downloadRateBytesPerSec: 'number', uploadRateBytesPerSec: 'number',
    etaSeconds: 'number|null', error: 'object|null',
  }, 'file');
  expect(value.id).toBe(`${String(value.md5)}-${String(value.size)}`);
  expect(['downloading', 'complete', 'partial', 'failed']).toContain(value.state);
  expect(Number.isNaN(Date.parse(String(value.lastUsed)))).toBe(false);
  return value;
}

/** The documented fields of a file info (a status and its peers). */
export function expectFileInfo(info: unknown): Record<string, unknown> {
  const value = expectFileStatus(info);
  expect(Array.isArray(value.peerList)).toBe(true);
  expect(value.trackerInfoHash).toMatch(/^[0-9a-f]{40}$/);
  for (const peer of value.peerList as Record<string, unknown>[]) {
    expectTypes(peer, { id: 'string', address: 'string', piecesHeld: 'number', downloadedBytes: 'number', uploadedBytes: 'number', source: 'string' }, 'peer');
    expect(['broadcast', 'tracker', 'dns', 'fixed', 'exchange', 'incoming']).toContain(peer.source);
  }
  return value;
}

/** The documented fields of `GET /files`. */
export function expectFilesResponse(files: unknown): Record<string, unknown>[] {
  const value = files as Record<string, unknown>;
  expectTypes(value, { usedBytes: 'number', maxStorageBytes: 'number|null', files: 'array' }, 'files');
  return (value.files as unknown[]).map(expectFileStatus);
}

/** The documented fields of `GET /peers`. */
export function expectPeersResponse(peers: unknown): Record<string, unknown>[] {
  const list = (peers as Record<string, unknown>).peers as Record<string, unknown>[];
  expect(Array.isArray(list)).toBe(true);
  for (const peer of list) {
    expectTypes(peer, { id: 'string', address: 'string', files: 'array', downloadedBytes: 'number', uploadedBytes: 'number', downloadRateBytesPerSec: 'number', uploadRateBytesPerSec: 'number' }, 'peer');
  }
  return list;
}
