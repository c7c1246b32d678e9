/**
 * Rendezvous services for a LAN of namespaces, as a real site would run them on its router: a
 * BitTorrent HTTP tracker (Debian's `opentracker`, BEP 3 announce) and a DNS server (`dnsmasq`)
 * holding one A/AAAA record per host under one name. Both run inside the router namespace of a
 * {@link NamespaceLan} (or any namespace given its spawn), listen on one of its addresses only,
 * and are stopped by their handle.
 *
 * Debian builds opentracker in "private" mode (`WANT_ACCESSLIST_WHITE`): it answers only for the
 * info_hashes in its whitelist, and "Requested download is not authorized" for any other. So
 * {@link startTracker} takes the info_hashes to allow. As root, opentracker chroots to its
 * directory and drops to `nobody`, so the temp dir is made world-readable.
 *
 * Readiness is an event, not a sleep: a probe process in the same namespace retries until the
 * tracker answers an announce (a bencoded dict with an interval, BEP 3) or the DNS server answers
 * a query for the name. Not responsible for: the LAN itself, nor what clients do with the answers.
 * Each handle's `stop()` is idempotent; the services are independent of each other.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LanRouter, NamespaceSpawn } from './netns-lan.js';

/** Where a service runs: a namespace's spawn and the address it listens on. */
export interface ServicePlace {
  readonly spawn: NamespaceSpawn;
  readonly address: string;
}

/** A running tracker. */
export interface TrackerHandle {
  /** `http://ADDRESS:PORT/announce`. */
  readonly announceUrl: string;
  readonly address: string;
  /** Its TCP port, and its UDP port (BEP 15) too. */
  readonly port: number;
  /** Stops opentracker and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startTracker}. */
export interface TrackerOptions {
  /** Info hashes (40 hex digits each) the tracker accepts announces for. */
  readonly infoHashes: readonly string[];
  /** @default 6969 */
  readonly port?: number;
  /** How long to wait for the first answer. @default 10_000 */
  readonly readyTimeoutMs?: number;
}

/** A running DNS server. */
export interface DnsHandle {
  /** The server's address (for `--dns-server`; add `:port` when it is not 53). */
  readonly address: string;
  readonly port: number;
  readonly name: string;
  readonly addresses: readonly string[];
  /** Stops dnsmasq and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startDnsServer}. */
export interface DnsOptions {
  /** The name every record is under, e.g. `swarm.lan.test`. */
  readonly name: string;
  /** One A (IPv4) or AAAA (IPv6) record each. */
  readonly addresses: readonly string[];
  /** @default 53 */
  readonly port?: number;
  /** How long to wait for the first answer. @default 10_000 */
  readonly readyTimeoutMs?: number;
}

/** The default tracker port (opentracker's own default). */
export const TRACKER_PORT = 6969;

const OPENTRACKER = '/usr/bin/opentracker';
const DNSMASQ = '/usr/sbin/dnsmasq';
const STDERR_KEEP_BYTES = 4096;
const STOP_GRACE_MS = 3000;
/** The probe's own info_hash: always whitelisted, so readiness never depends on the clients'. */
const PROBE_INFO_HASH = '5357524d2d52454e44455a564f55532d50524f42';

/** Why the services cannot run here (opentracker or dnsmasq missing), or null. */
export function rendezvousUnavailable(): string | null {
  if (!existsSync(OPENTRACKER)) return `needs opentracker (${OPENTRACKER}; Debian package opentracker)`;
  if (!existsSync(DNSMASQ)) return `needs dnsmasq (${DNSMASQ}; Debian package dnsmasq-base)`;
  return null;
}

/** The router's address on subnet 0 as the place services listen on. */
export function routerPlace(router: LanRouter): ServicePlace {
  return { spawn: router.spawn, address: router.addresses[0]! };
}

function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new TypeError(`port must be an integer in [1, 65535], got ${String(port)} (${typeof port})`);
  return port;
}

/** Starts opentracker at `place`; resolves once it answers an announce. */
export async function startTracker(place: ServicePlace, options: TrackerOptions): Promise<TrackerHandle> {
  const port = checkPort(options.port ?? TRACKER_PORT);
  for (const hash of options.infoHashes) {
    if (typeof hash !== 'string' || !/^[0-9a-f]{40}$/i.test(hash)) throw new TypeError(`info hash must be 40 hex digits, got ${JSON.stringify(hash)}`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'swarm-opentracker-'));
  await chmod(dir, 0o755); // read after the chroot, as nobody
  await writeFile(join(dir, 'whitelist'), [PROBE_INFO_HASH, ...options.infoHashes].map((h) => `${h.toLowerCase()}\n`).join(''), { mode: 0o644 });
  const config = [
    `listen.tcp ${place.address}:${port}`,
    `listen.udp ${place.address}:${port}`,
    `tracker.rootdir ${dir}`,
    'access.whitelist /whitelist',
    '',
  ].join('\n');
  await writeFile(join(dir, 'opentracker.conf'), config, { mode: 0o644 });
  const server = place.spawn(OPENTRACKER, ['-f', join(dir, 'opentracker.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  const announceUrl = `http://${place.address}:${port}/announce`;
  const stop = stopper(server, dir);
  await ready(place, server, trackerProbe(announceUrl), { what: 'opentracker', timeoutMs: options.readyTimeoutMs, stop });
  return { announceUrl, address: place.address, port, stop };
}

/** Starts dnsmasq at `place` with one record per address under `name`; resolves once it answers. */
export async function startDnsServer(place: ServicePlace, options: DnsOptions): Promise<DnsHandle> {
  const port = checkPort(options.port ?? 53);
  if (typeof options.name !== 'string' || !/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(options.name)) throw new TypeError(`name must be a dotted DNS name, got ${JSON.stringify(options.name)}`);
  if (options.addresses.length === 0) throw new TypeError('addresses must hold at least one address, got none');
  for (const address of options.addresses) {
    if (typeof address !== 'string' || !/^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f:]*:[0-9a-f:]*)$/i.test(address)) throw new TypeError(`address must be an IP literal, got ${JSON.stringify(address)}`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'swarm-dnsmasq-'));
  const args = [
    '--keep-in-foreground', '--no-resolv', '--no-hosts', '--conf-file=/dev/null',
    `--listen-address=${place.address}`, '--bind-interfaces', `--port=${port}`,
    // Authoritative for the parent domain: an AAAA query for an A-only name gets NODATA, not REFUSED.
    `--local=/${options.name.split('.').slice(1).join('.')}/`,
    ...options.addresses.map((address) => `--host-record=${options.name},${address}`),
    `--pid-file=${join(dir, 'dnsmasq.pid')}`, '--log-facility=-',
  ];
  const server = place.spawn(DNSMASQ, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const stop = stopper(server, dir);
  const family = options.addresses.some((a) => a.includes('.')) ? 4 : 6;
  await ready(place, server, dnsProbe(place.address, port, options.name, family), { what: 'dnsmasq', timeoutMs: options.readyTimeoutMs, stop });
  return { address: place.address, port, name: options.name, addresses: [...options.addresses], stop };
}

function stopper(server: ChildProcess, dir: string): () => Promise<void> {
  let stopped: Promise<void> | null = null;
  return () => {
    stopped ??= (async () => {
      if (server.exitCode === null && server.signalCode === null) {
        const exited = once(server, 'exit');
        server.kill('SIGTERM');
        const force = setTimeout(() => server.kill('SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(force);
      }
      await rm(dir, { recursive: true, force: true });
    })();
    return stopped;
  };
}

/** The first bytes of a stream, kept for error messages. */
function keepStderr(child: ChildProcess): () => string {
  let kept = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (kept.length < STDERR_KEEP_BYTES) kept += chunk.toString('utf8').slice(0, STDERR_KEEP_BYTES - kept.length);
  });
  return () => kept.trim();
}

/**
 * Waits until `probe` (a Node script run in the service's namespace) exits 0. Rejects, after
 * stopping the service, when the service exits first, the probe fails, or `timeoutMs` passes.
 */
async function ready(place: ServicePlace, server: ChildProcess, probe: string, how: { what: string; timeoutMs: number | undefined; stop: () => Promise<void> }): Promise<void> {
  const { what, timeoutMs = 10_000, stop } = how;
  const serverErr = keepStderr(server);
  const child = place.spawn(process.execPath, ['-e', probe], { stdio: ['ignore', 'ignore', 'pipe'] });
  const probeErr = keepStderr(child);
  let timer: NodeJS.Timeout | undefined;
  const failure = await Promise.race([
    once(child, 'exit').then(([code]) => (code === 0 ? null : `its probe failed (${String(code)}): ${probeErr()}`)),
    once(server, 'exit').then(([code, signal]) => `it exited (${String(code ?? signal)}): ${serverErr()}`),
    new Promise<string>((resolve) => { timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms: ${serverErr()}`), timeoutMs); }),
  ]);
  clearTimeout(timer);
  if (child.exitCode === null) child.kill('SIGKILL');
  if (failure === null) return;
  await stop();
  throw new Error(`${what} at ${place.address} did not start: ${failure}`);
}

/** A probe that announces (BEP 3) with {@link PROBE_INFO_HASH} until the answer is a dict with an interval. */
function trackerProbe(announceUrl: string): string {
  const hash = PROBE_INFO_HASH.replace(/../g, '%$&');
  const url = `${announceUrl}?info_hash=${hash}&peer_id=-PROBE-0000000000000&port=1&uploaded=0&downloaded=0&left=0&compact=1`;
  return `const http = require('node:http');
const attempt = () => http.get(${JSON.stringify(url)}, (res) => {
  let body = '';
  res.setEncoding('latin1').on('data', (c) => { body += c; }).on('end', () => {
    if (body.startsWith('d') && body.includes('8:interval')) process.exit(0);
    console.error('unexpected answer: ' + JSON.stringify(body.slice(0, 200)));
    process.exit(1);
  });
}).on('error', () => setTimeout(attempt, 10));
attempt();`;
}

/** A probe that asks the server for `name` until it answers with at least one address. */
function dnsProbe(address: string, port: number, name: string, family: 4 | 6): string {
  const server = port === 53 ? address : `${address.includes(':') ? `[${address}]` : address}:${port}`;
  return `const { Resolver } = require('node:dns').promises;
const resolver = new Resolver({ timeout: 200, tries: 1 });
resolver.setServers([${JSON.stringify(server)}]);
const attempt = () => resolver.resolve${family}(${JSON.stringify(name)}).then(
  (found) => (found.length > 0 ? process.exit(0) : setTimeout(attempt, 10)),
  () => setTimeout(attempt, 10));
attempt();`;
}
