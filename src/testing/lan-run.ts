/**
 * One run of N hosts fetching one file at once on a LAN of network namespaces: an origin host
 * serving the file and N client hosts running `swarm-download`, or a baseline: plain `curl`, or
 * `aria2c` on a torrent with the origin as web seed and an opentracker (aria2-run.ts).
 * Shared by the namespace tests and the swarm benchmark. Needs root and iproute2; a run with
 * `rendezvous` also needs opentracker and dnsmasq (see rendezvous.ts).
 *
 * With `subnets: 2` the LAN is two subnets joined by a router (netns-lan.ts): the origin is host 0,
 * on subnet 0; client `k` is host `k + 1`, on subnet `(k + 1) % 2`, so clients alternate between
 * the subnets starting on subnet 1. Trackers and DNS servers run in the router's namespace, at its
 * subnet-0 address (with one subnet, in the origin's namespace, at its address).
 *
 * Reports each host's completion time (from the common start to its `done` event, or to curl's
 * exit), the origin's egress, whether every output matches the source byte for byte, and with
 * `cpu` each client process's user + system CPU seconds over its life (child-cpu.ts).
 * Not safe to run two at once on one `workDir`.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { aria2Command, makeTorrent, TORRENT_FILE_NAME, writeDoneHook } from './aria2-run.js';
import { cpuTimedCommand, readCpuTimes } from './child-cpu.js';
import { PEERS_DNS_NAME, trackerInfoHashCandidates } from './discovery-args.js';
import { createNamespaceLan, TCP_PACKET_HEADER_BYTES, type LanHost, type NamespaceLan } from './netns-lan.js';
import type { OriginBodyLog } from './origin-server.js';
import { writeRandomFile } from './random-file.js';
import { routerPlace, startDnsServer, startTracker, TRACKER_PORT, type ServicePlace } from './rendezvous.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** What the clients run: swarm-download, or a baseline (curl, aria2c). */
export type LanMode = 'swarm' | 'curl' | 'aria2';

/** What {@link LanRunOptions.hostArgs} computes a client's flags from. */
export interface LanClientContext {
  /** The client's index (0..clients-1; it is host `index + 1` of the LAN). */
  readonly index: number;
  /** Its host: address, subnet, broadcast address. */
  readonly host: LanHost;
  /** Every client host, by client index. */
  readonly clients: readonly LanHost[];
  readonly lan: NamespaceLan;
  /** The tracker's announce URL, or null when `rendezvous.tracker` is off. */
  readonly tracker: string | null;
  /** The DNS server (`IP`, port 53), or null when `rendezvous.dns` is off. */
  readonly dnsServer: string | null;
}

/** Options of {@link runLan}. */
export interface LanRunOptions {
  readonly clients: number;
  readonly rateMbit: number;
  readonly fileBytes: number;
  readonly mode: LanMode;
  /** Measure each client's CPU seconds (needs GNU time). @default false */
  readonly cpu?: boolean;
  /** Where the source file, outputs and storage go. */
  readonly workDir: string;
  /** Extra swarm-download flags, the same for every client. */
  readonly extraArgs?: readonly string[];
  /** More swarm-download flags for one client, after `extraArgs` (e.g. `discoveryArgs`). */
  readonly hostArgs?: (ctx: LanClientContext) => readonly string[];
  /** Subnets of the LAN, joined by a router when 2 or more. @default 1 */
  readonly subnets?: number;
  /**
   * Services to start before the clients: an opentracker (its URL in `ctx.tracker`) and a dnsmasq
   * with one A record per client under `swarm.lan.test` (its address in `ctx.dnsServer`).
   */
  readonly rendezvous?: { readonly tracker?: boolean; readonly dns?: boolean };
  /**
   * The info_hashes (hex) the tracker accepts: Debian's opentracker answers for whitelisted
   * hashes only. @default trackerInfoHashCandidates(md5, fileBytes)
   */
  readonly trackerInfoHashes?: (file: { readonly md5: Buffer; readonly fileBytes: number }) => readonly string[];
  readonly timeoutMs: number;
}

/** What one run measured. */
export interface LanRunResult {
  readonly mode: LanMode;
  readonly clients: number;
  readonly fileBytes: number;
  readonly rateMbit: number;
  /** Each client's subnet index, by client index. */
  readonly clientSubnets: readonly number[];
  /** The tracker's announce URL and the DNS server, when the run started them. */
  readonly tracker: string | null;
  readonly dnsServer: string | null;
  /** Seconds from the start to each client's completion. */
  readonly completionSeconds: readonly number[];
  readonly exitCodes: readonly (number | null)[];
  readonly originEgressBytes: number;
  /**
   * The TCP payload the origin's link really carried (its qdisc's bytes less headers): less than
   * {@link originEgressBytes} by what sat in socket buffers when a client closed a body early.
   */
  readonly originWireBytes: number;
  /** Every body the origin sent (who, when, which bytes): see `origin-overlap.ts`. */
  readonly originBodies: readonly OriginBodyLog[];
  readonly allVerified: boolean;
  /** Each client's user + system CPU seconds (null: not read), or null without `cpu`. */
  readonly cpuSeconds: readonly (number | null)[] | null;
  /** The system part of {@link cpuSeconds} (kernel time: syscalls, the network stack). */
  readonly cpuSystemSeconds: readonly (number | null)[] | null;
  /** Each client's voluntary context switches (wake-ups after a wait), or null without `cpu`. */
  readonly cpuWaits: readonly (number | null)[] | null;
}

async function ensureSource(path: string, bytes: number): Promise<void> {
  if ((await stat(path).then((s) => s.size, () => -1)) === bytes) return;
  await writeRandomFile(path, bytes);
}

async function md5Of(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function firstLine(child: ChildProcess): Promise<string> {
  const lines = createInterface({ input: child.stdout! });
  return new Promise((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`origin exited early (${code})`)));
  });
}

/** A client being watched: `done` settles at its `done` event or exit, `exit` at its exit. */
interface Watched {
  readonly done: Promise<void>;
  /** Seconds from the start to its `done` event (to its exit when it printed none), and its code. */
  readonly exit: Promise<{ seconds: number; code: number | null }>;
}

/** Watches a client's stdout for its `done` event (curl prints none: its exit is its completion). */
function watch(child: ChildProcess, startedMs: number): Watched {
  let doneMs: number | null = null;
  let markDone = (): void => {};
  const done = new Promise<void>((resolve) => { markDone = resolve; });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (process.env['SWARM_LAN_TRACE']) process.stderr.write(`${child.pid} +${Date.now() - startedMs}ms ${line.slice(0, 220)}\n`);
    if (doneMs === null && line.includes('"event":"done"')) {
      doneMs = Date.now();
      markDone();
    }
  });
  const exit = new Promise<{ seconds: number; code: number | null }>((resolve) => {
    child.once('exit', (code) => {
      markDone();
      resolve({ seconds: ((doneMs ?? Date.now()) - startedMs) / 1000, code });
    });
  });
  return { done, exit };
}

/** Sends `signal` to a child's process group (clients are spawned detached), else to the child. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal); // not a group leader (the origin)
  }
}

/** The services a run started, and how to stop them. */
interface Rendezvous {
  readonly tracker: string | null;
  readonly dnsServer: string | null;
  stop(): Promise<void>;
}

/** Starts the tracker and DNS server `opts.rendezvous` asks for, at the router (or the origin). */
async function startRendezvous(opts: LanRunOptions, lan: NamespaceLan, md5Hex: string, torrentInfoHash: string | null): Promise<Rendezvous> {
  const place = servicePlace(lan);
  const md5 = Buffer.from(md5Hex, 'hex');
  const infoHashes = torrentInfoHash !== null ? [torrentInfoHash]
    : (opts.trackerInfoHashes ?? ((file) => trackerInfoHashCandidates(file.md5, file.fileBytes)))({ md5, fileBytes: opts.fileBytes });
  const [tracker, dns] = await Promise.allSettled([
    opts.rendezvous?.tracker || torrentInfoHash !== null ? startTracker(place, { infoHashes }) : null,
    opts.rendezvous?.dns ? startDnsServer(place, { name: PEERS_DNS_NAME, addresses: lan.hosts.slice(1).map((h) => h.address) }) : null,
  ]);
  const handles = [tracker, dns].flatMap((s) => (s.status === 'fulfilled' && s.value !== null ? [s.value] : []));
  const stop = async (): Promise<void> => {
    await Promise.all(handles.map((handle) => handle.stop()));
  };
  for (const settled of [tracker, dns]) {
    if (settled.status === 'rejected') {
      await stop();
      throw settled.reason;
    }
  }
  return {
    tracker: tracker.status === 'fulfilled' ? tracker.value?.announceUrl ?? null : null,
    dnsServer: dns.status === 'fulfilled' ? dns.value?.address ?? null : null,
    stop,
  };
}

/** Where trackers and DNS servers run: the router, or the origin host with one subnet. */
function servicePlace(lan: NamespaceLan): ServicePlace {
  const origin = lan.hosts[0]!;
  return lan.router ? routerPlace(lan.router) : { spawn: origin.spawn, address: origin.address };
}

/** Makes the aria2 torrent (web seed `url`, the tracker {@link startRendezvous} will start); its info_hash. */
function prepareTorrent(opts: LanRunOptions, lan: NamespaceLan, source: string, url: string): Promise<string> {
  const announceUrl = `http://${servicePlace(lan).address}:${TRACKER_PORT}/announce`;
  return makeTorrent({ source, announceUrl, webSeedUrl: url, output: join(opts.workDir, 'run.torrent') });
}

/** Starts the origin on host 0; resolves with the file's URL. */
async function startOrigin(host: LanHost, source: string, children: ChildProcess[]): Promise<{ origin: ChildProcess; url: string }> {
  const origin = host.spawn(process.execPath, [join(ROOT, 'scripts/serve-origin.js'), '--file', source, '--host', host.address], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(origin);
  const { port } = JSON.parse(await firstLine(origin)) as { port: number };
  return { origin, url: `http://${host.address}:${port}/file.bin` };
}

/** Stops the origin; resolves with the body bytes it served and the bodies it sent. */
async function stopOrigin(origin: ChildProcess): Promise<{ bodyBytes: number; bodies: OriginBodyLog[] }> {
  origin.kill('SIGTERM');
  const statsLine = await new Promise<string>((resolve) => {
    createInterface({ input: origin.stdout! }).once('line', resolve);
  });
  await once(origin, 'exit');
  return JSON.parse(statsLine) as { bodyBytes: number; bodies: OriginBodyLog[] };
}

/** Where client `index` writes the file. */
function outputOf(opts: LanRunOptions, index: number): string {
  return opts.mode === 'aria2' ? join(opts.workDir, `aria2-${index}`, TORRENT_FILE_NAME) : join(opts.workDir, `out-${opts.mode}-${index}.bin`);
}

/** The command line of client `index`, wrapped to measure its CPU with `opts.cpu`. */
function clientCommand(opts: LanRunOptions, url: string, hook: string, ctx: LanClientContext): [string, string[]] {
  const [command, args] = bareCommand(opts, url, hook, ctx);
  return opts.cpu ? cpuTimedCommand(command, args, join(opts.workDir, `cpu-${ctx.index}.txt`)) : [command, args];
}

function bareCommand(opts: LanRunOptions, url: string, hook: string, ctx: LanClientContext): [string, string[]] {
  const output = outputOf(opts, ctx.index);
  if (opts.mode === 'curl') return ['curl', ['-sf', '-o', output, url]];
  if (opts.mode === 'aria2') return aria2Command(join(opts.workDir, 'run.torrent'), join(opts.workDir, `aria2-${ctx.index}`), hook);
  const storage = join(opts.workDir, `storage-${ctx.index}`);
  const nodeArgs = process.env['SWARM_LAN_NODE_ARGS']?.split(' ').filter(Boolean) ?? []; // e.g. --cpu-prof
  const entry = process.env['SWARM_LAN_BIN'] ?? join(ROOT, 'bin/swarm-download.js'); // another build's, to compare
  const args = [...nodeArgs, entry, url, '-o', output, '--storage-directory', storage, '--json', ...(opts.extraArgs ?? []), ...(opts.hostArgs?.(ctx) ?? [])];
  return [process.execPath, args];
}

/** Runs one swarm (or curl baseline) on a fresh namespace LAN and removes the LAN after. */
export async function runLan(opts: LanRunOptions): Promise<LanRunResult> {
  await mkdir(opts.workDir, { recursive: true });
  const source = join(opts.workDir, 'source.bin');
  await ensureSource(source, opts.fileBytes);
  const sourceMd5 = await md5Of(source);
  await clearRun(opts.workDir, opts.clients);
  const lan = createNamespaceLan({ hosts: opts.clients + 1, rateMbit: opts.rateMbit, subnets: opts.subnets ?? 1 });
  const children: ChildProcess[] = [];
  const timer = setTimeout(() => children.forEach((child) => signalGroup(child, 'SIGKILL')), opts.timeoutMs);
  let rendezvous: Rendezvous | null = null;
  try {
    const [originHost, ...clientHosts] = lan.hosts;
    const { origin, url } = await startOrigin(originHost!, source, children);
    const torrentInfoHash = opts.mode === 'aria2' ? await prepareTorrent(opts, lan, source, url) : null;
    const hook = await writeDoneHook(opts.workDir);
    rendezvous = await startRendezvous(opts, lan, sourceMd5, torrentInfoHash);
    const { tracker, dnsServer } = rendezvous;
    const originSentBefore = originHost!.sent();
    const startedMs = Date.now();
    const spawned = clientHosts.map((host, index) => {
      const [command, args] = clientCommand(opts, url, hook, { index, host, clients: clientHosts, lan, tracker, dnsServer });
      const child = host.spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
      children.push(child);
      return { child, watched: watch(child, startedMs) };
    });
    // aria2c seeds until stopped: stop every one (SIGINT, its graceful stop) once all are done.
    if (opts.mode === 'aria2') void Promise.all(spawned.map((s) => s.watched.done)).then(() => spawned.forEach((s) => signalGroup(s.child, 'SIGINT')));
    const results = await Promise.all(spawned.map((s) => s.watched.exit));
    const originSent = originHost!.sent();
    const originWireBytes = (originSent.bytes - originSentBefore.bytes) - TCP_PACKET_HEADER_BYTES * (originSent.packets - originSentBefore.packets);
    const { bodyBytes: originEgressBytes, bodies: originBodies } = await stopOrigin(origin);
    const outputs = clientHosts.map((_, index) => outputOf(opts, index));
    const verified = await Promise.all(outputs.map((path) => md5Of(path).then((md5) => md5 === sourceMd5, () => false)));
    const cpuTimes = opts.cpu ? await Promise.all(clientHosts.map((_, index) => readCpuTimes(join(opts.workDir, `cpu-${index}.txt`)))) : null;
    const cpuSeconds = cpuTimes && cpuTimes.map((times) => times && times.user + times.system);
    const cpuSystemSeconds = cpuTimes && cpuTimes.map((times) => times && times.system);
    const cpuWaits = cpuTimes && cpuTimes.map((times) => times && times.waits);
    return {
      mode: opts.mode,
      clients: opts.clients,
      fileBytes: opts.fileBytes,
      rateMbit: opts.rateMbit,
      clientSubnets: clientHosts.map((host) => host.subnet),
      tracker,
      dnsServer,
      completionSeconds: results.map((r) => r.seconds),
      exitCodes: results.map((r) => r.code),
      originEgressBytes,
      originWireBytes,
      originBodies,
      allVerified: verified.every(Boolean),
      cpuSeconds,
      cpuSystemSeconds,
      cpuWaits,
    };
  } finally {
    clearTimeout(timer);
    for (const child of children) signalGroup(child, 'SIGKILL');
    await rendezvous?.stop();
    lan.destroy();
    await clearRun(opts.workDir, opts.clients);
  }
}

/** Removes a run's outputs and caches (the source stays for the next run). */
async function clearRun(workDir: string, clients: number): Promise<void> {
  for (let index = 0; index < clients; index++) {
    await rm(join(workDir, `storage-${index}`), { recursive: true, force: true });
    await rm(join(workDir, `aria2-${index}`), { recursive: true, force: true });
    await rm(join(workDir, `cpu-${index}.txt`), { force: true });
    for (const mode of ['swarm', 'curl']) await rm(join(workDir, `out-${mode}-${index}.bin`), { force: true });
  }
}

/**
 * The fluid-model lower bound (Kumar and Ross) on the time for N hosts to get F bytes:
 * max(F/u_origin, F/d_host, N*F/(u_origin + N*u_host)), every link `rateMbit` each way.
 */
export function lowerBoundSeconds(fileBytes: number, clients: number, rateMbit: number): number {
  const rate = (rateMbit * 1e6) / 8;
  return Math.max(fileBytes / rate, fileBytes / rate, (clients * fileBytes) / (rate + clients * rate));
}
