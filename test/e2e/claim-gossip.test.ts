/**
 * Claim gossip end to end: three real swarm-download processes in a line, A - B - C, where A and
 * C cannot reach each other (so they never see each other's `fetching` runs). B relays the runs
 * each of them fetches from the origin to the other (`claims`), and so A and C do not fetch the
 * same pieces from the origin: the origins together serve the file about once.
 *
 * Checked from the hosts' debug lines (SWARM_DEBUG=1): C hears of pieces A fetches from the origin
 * though it never connects to A (in the claims B sends it on connect and in relays), and no origin
 * run C picks while peers still feed it holds a piece a relayed claim named before. On three
 * hosts the origin bytes alone do not tell the relays' worth: a build that relays but ignores the
 * claims also served 1.00x here (the simulator shows the difference at N = 100 and more).
 *
 * NETWORK SAFETY: everything runs in a network namespace this test creates and removes, on its
 * loopback only (127.0.0.1 the origins, 127.0.0.2-4 the hosts). Policy routing rules in that
 * namespace refuse traffic between 127.0.0.2 (A) and 127.0.0.4 (C). Needs root and iproute2: it
 * skips saying so otherwise.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { makeContent } from '../../src/testing/origin-server.js';
import { CLI_PATH, REPO_ROOT, spawnCli, makeTempDir } from '../helpers/run-cli.js';
import type { CliEvent } from '../helpers/run-cli.js';
import { expectVerified, SwarmMember } from '../helpers/swarm-fixture.js';
import { MiB, downloadArgs, newPaths, useE2eCleanup } from './e2e-fixture.js';

useE2eCleanup();
const run = promisify(execFile);
const NEEDS = process.getuid?.() === 0 ? null : 'needs root for a network namespace';
const NAMESPACE = `swarm-gossip-${process.pid}`;
const A = '127.0.0.2';
const B = '127.0.0.3';
const C = '127.0.0.4';
const PORT = 7100;
/** Each host's origin sends at most this: the file takes seconds, so runs are in flight when others pick. */
const ORIGIN_RATE = 3 * MiB;
/** A and C upload at most this (MiB/s): what A fetched reaches B, and so C, seconds after. */
const SLOW_UP_MIB = 1;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function inNamespace(...args: string[]): Promise<void> {
  await run('ip', ['netns', 'exec', NAMESPACE, ...args]);
}

/** The namespace with loopback up, and A and C cut off from each other (policy rules ahead of the local table). */
async function makeNamespace(): Promise<void> {
  await run('ip', ['netns', 'add', NAMESPACE]);
  cleanups.push(() => run('ip', ['netns', 'del', NAMESPACE]).then(() => undefined));
  await inNamespace('ip', 'link', 'set', 'lo', 'up');
  // Listed as interface addresses, so --bind-address takes them.
  for (const address of [A, B, C]) await inNamespace('ip', 'addr', 'add', `${address}/8`, 'dev', 'lo');
  await inNamespace('ip', 'rule', 'add', 'from', A, 'to', C, 'prohibit', 'priority', '10');
  await inNamespace('ip', 'rule', 'add', 'from', C, 'to', A, 'prohibit', 'priority', '11');
  await inNamespace('ip', 'rule', 'del', 'priority', '0');
  await inNamespace('ip', 'rule', 'add', 'from', 'all', 'lookup', 'local', 'priority', '100');
}

/** An origin process in the namespace serving `file` at `ORIGIN_RATE`; `stop()` gives its body bytes. */
async function startOrigin(file: string): Promise<{ url: string; stop: () => Promise<number> }> {
  const child: ChildProcess = spawn('ip', ['netns', 'exec', NAMESPACE, process.execPath, join(REPO_ROOT, 'scripts/serve-origin.js'),
    '--file', file, '--host', '127.0.0.1', '--rate', String(ORIGIN_RATE)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const next = async (): Promise<Record<string, number>> => JSON.parse(String((await once(lines, 'line'))[0])) as Record<string, number>;
  const { port } = await next();
  let stopped: Promise<number> | null = null;
  const stop = (): Promise<number> => {
    stopped ??= (async () => {
      const stats = next();
      child.kill('SIGTERM');
      return (await stats).bodyBytes!;
    })();
    return stopped;
  };
  cleanups.push(() => stop().then(() => undefined));
  return { url: `http://127.0.0.1:${port}/file.bin`, stop };
}

/** A swarm-download in the namespace on `address`, dialling `peer` if given, seeding a little after. */
async function startHost(url: string, address: string, peer: string | null, extra: readonly string[] = []): Promise<SwarmMember> {
  const paths = await newPaths();
  const args = downloadArgs(url, paths, ['--no-broadcast', '--bind-address', address, '--port', String(PORT),
    '--seed-until-idle', '--idle-timeout', '3', ...(peer ? ['--peer', `${peer}:${PORT}`] : []), ...extra]);
  const cli = spawnCli(args, { command: ['ip', 'netns', 'exec', NAMESPACE, process.execPath, CLI_PATH], timeoutMs: 60_000, env: { SWARM_DEBUG: '1' } });
  const member = new SwarmMember(cli, paths);
  cleanups.push(async () => {
    cli.kill('SIGKILL');
  });
  return member;
}

/** The pieces of runs written `S-E` in `text`. */
function piecesOf(text: string): number[] {
  const pieces: number[] = [];
  for (const [, start, end] of text.matchAll(/(\d+)-(\d+)/g)) for (let index = Number(start); index < Number(end); index++) pieces.push(index);
  return pieces;
}

/** The origin runs a host claimed, from its debug lines (`origin] run S-E`). */
function originRuns(stderr: string): number[][] {
  return [...stderr.matchAll(/ origin\] run (\d+-\d+)/g)].map(([, run]) => piecesOf(run!));
}

/**
 * From a host's debug lines in order: the pieces relayed claims told it of, and the pieces of each
 * origin run it picked while it was not starved that a claim heard before had named.
 */
function claimsAndOverlaps(stderr: string): { heard: Set<number>; overlaps: number[] } {
  const heard = new Set<number>();
  const overlaps: number[] = [];
  let starved = false;
  for (const line of stderr.split('\n')) {
    const claims = / claims\] heard from \w+, \d+ hops left: (.*)$/.exec(line);
    if (claims) for (const piece of piecesOf(claims[1]!)) heard.add(piece);
    if (line.includes('claims] starved')) starved = true;
    if (line.includes('claims] fed again')) starved = false;
    const run = / origin\] run (\d+-\d+)/.exec(line);
    if (run && !starved) overlaps.push(...piecesOf(run[1]!).filter((piece) => heard.has(piece)));
  }
  return { heard, overlaps };
}

/** The most peers a host reported connected at once. */
function mostPeers(events: readonly CliEvent[]): number {
  return Math.max(0, ...events.filter((event) => event.event === 'progress').map((event) => event.peers as number));
}

describe('claim gossip', () => {
  it.skipIf(NEEDS !== null)(`A - B - C, A and C unable to reach each other: B relays their origin claims, and the origins serve the file about once${NEEDS ? ` (skipped: ${NEEDS})` : ''}`, async () => {
    await makeNamespace();
    const content = makeContent(32 * MiB, 901);
    const file = join(await makeTempDir(), 'file.bin');
    await writeFile(file, content);
    // One origin process per host (same bytes, so one swarm): each one's bytes are that host's.
    const origins = await Promise.all([A, B, C].map(() => startOrigin(file)));
    const b = await startHost(origins[1]!.url, B, null);
    await b.waitForKind('start');
    // A and C serve slowly: what one of them fetched reaches the other (through B) long after.
    const slow = ['--speed-limit-up', `${SLOW_UP_MIB}MB/s`];
    const a = await startHost(origins[0]!.url, A, B, slow);
    // C comes once A and B have fetched most of the file from the origin: what is left for C to
    // pick is mostly what A fetched and B has not got from A yet (A uploads slowly).
    let fetched = { a: 0, b: 0 };
    const upTo = (key: 'a' | 'b') => (event: CliEvent): boolean => {
      if (event.event === 'progress') fetched = { ...fetched, [key]: event.originBytes as number };
      return fetched.a + fetched.b >= 0.8 * content.length;
    };
    await Promise.race([a.waitFor(upTo('a')), b.waitFor(upTo('b'))]);
    const c = await startHost(origins[2]!.url, C, B, slow);
    const results = await Promise.all([a.result, b.result, c.result]);
    const bytes = await Promise.all(origins.map((origin) => origin.stop()));
    const why = `origin bytes of A, B, C: ${bytes.join(', ')} (file ${content.length})`;
    for (const [index, member] of [a, b, c].entries()) await expectVerified(results[index]!, member.paths, content);
    expect(mostPeers(results[0]!.events), `A saw only B: ${why}`).toBe(1);
    expect(mostPeers(results[2]!.events), `C saw only B: ${why}`).toBe(1);
    // What A fetched from the origin reached C as relayed claims, and C's origin runs left it alone.
    const fromA = new Set(originRuns(results[0]!.stderr).flat());
    const atC = claimsAndOverlaps(results[2]!.stderr);
    expect([...atC.heard].filter((piece) => fromA.has(piece)).length, `claims of A's runs heard by C: ${why}`).toBeGreaterThan(0);
    expect(atC.overlaps, `pieces C fetched from the origin after a relayed claim named them: ${why}`).toEqual([]);
    expect(bytes[0]! + bytes[1]! + bytes[2]!, `the origins served about one file: ${why}`).toBeLessThanOrEqual(1.1 * content.length);
  }, 90_000);
});
