/**
 * A LAN of two subnets joined by a router, made of network namespaces (src/testing/netns-lan.ts):
 * the origin on subnet 0 and 4 clients, 2 on each subnet (client k on subnet (k + 1) % 2), 64 MiB
 * at 200 Mbit/s. Broadcast does not cross the router, so by broadcast alone each side forms its own
 * swarm and the origin serves the file twice; a tracker (opentracker), one peer address on the
 * other side (then peer exchange), or DNS records (dnsmasq) join the two sides into one swarm.
 *
 * The first case checks the plumbing itself (the router forwards unicast, not broadcast; the
 * tracker and DNS server answer from a client's namespace). Needs root, iproute2, opentracker and
 * dnsmasq; skipped with the reason otherwise. CI runs as root and runs it.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { discoveryArgs, type DiscoveryKind } from '../../src/testing/discovery-args.js';
import { runLan } from '../../src/testing/lan-run.js';
import { createNamespaceLan, namespaceLanUnavailable, type LanHost } from '../../src/testing/netns-lan.js';
import { rendezvousUnavailable, routerPlace, startDnsServer, startTracker } from '../../src/testing/rendezvous.js';

const FILE_BYTES = 64 * 2 ** 20;
const unavailable = namespaceLanUnavailable() ?? rendezvousUnavailable();
const dirs: string[] = [];

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** Runs a Node script in `host`'s namespace; resolves with its stdout once it exits 0. */
async function nodeIn(host: { spawn: LanHost['spawn'] }, script: string): Promise<string> {
  const child = host.spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => { out += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => { err += chunk.toString(); });
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`script failed (${String(code)}): ${err}`);
  return out;
}

/** Starts a Node script in `host`'s namespace and resolves once it prints its first line. */
async function serverIn(host: LanHost, script: string, children: ChildProcess[]): Promise<{ child: ChildProcess; next: () => Promise<string> }> {
  const child = host.spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => String((await lines.next()).value);
  expect(await next()).toBe('ready');
  return { child, next };
}

/** A UDP listener on the discovery port that counts datagrams until a `marker` comes, then prints the count. */
const COUNT_UNTIL_MARKER = `const s = require('node:dgram').createSocket('udp4'); let n = 0;
s.on('message', (m) => { if (String(m) === 'marker') { console.log(n); process.exit(0); } n++; });
s.bind(41770, '0.0.0.0', () => console.log('ready'));`;

function sendUdp(address: string, text: string, broadcast: boolean): string {
  return `const s = require('node:dgram').createSocket('udp4');
s.bind(0, () => { s.setBroadcast(${broadcast}); s.send(${JSON.stringify(text)}, 41770, ${JSON.stringify(address)}, (e) => { if (e) throw e; s.close(); }); });`;
}

function runSwarm(kind: DiscoveryKind, workDir: string): ReturnType<typeof runLan> {
  return runLan({
    clients: 4,
    rateMbit: 200,
    fileBytes: FILE_BYTES,
    mode: 'swarm',
    workDir,
    subnets: 2,
    extraArgs: ['--seed-until-idle', '--idle-timeout', '3'],
    hostArgs: (ctx) => discoveryArgs(kind, ctx),
    rendezvous: { tracker: kind === 'tracker', dns: kind === 'dns' },
    timeoutMs: 60_000,
  });
}

async function workDir(): Promise<string> {
  if (dirs.length === 0) dirs.push(await mkdtemp(join(tmpdir(), 'swarm-netns-subnets-')));
  return dirs[0]!;
}

describe.skipIf(unavailable !== null)(`swarm-download on two subnets joined by a router${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  it('the router forwards unicast, not broadcast; the tracker and the DNS server answer from the clients', async () => {
    const lan = createNamespaceLan({ hosts: 5, rateMbit: 200, subnets: 2 });
    const children: ChildProcess[] = [];
    const dummyHash = '0123456789abcdef0123456789abcdef01234567';
    const stops: (() => Promise<void>)[] = [];
    try {
      const [, s1a, s0a, s1b, s0b] = lan.hosts as [LanHost, LanHost, LanHost, LanHost, LanHost];
      expect(lan.hosts.map((h) => h.subnet)).toEqual([0, 1, 0, 1, 0]);
      expect(s1a.broadcastAddress).toBe(lan.subnets[1]!.broadcastAddress);

      // TCP across the router: a server on subnet 0, a client on subnet 1.
      const tcp = await serverIn(s0a, `require('node:net').createServer((c) => c.end('hello')).listen(5000, ${JSON.stringify(s0a.address)}, () => console.log('ready'));`, children);
      expect(await nodeIn(s1a, `require('node:net').connect(5000, ${JSON.stringify(s0a.address)}).on('data', (d) => process.stdout.write(d));`)).toBe('hello');
      tcp.child.kill();

      // A directed broadcast on subnet 0 reaches subnet 0, and not subnet 1: the unicast marker,
      // routed after it on the same path, comes to the subnet-1 listeners with no broadcast before it.
      const near = await serverIn(s0a, COUNT_UNTIL_MARKER, children);
      const far = [await serverIn(s1a, COUNT_UNTIL_MARKER, children), await serverIn(s1b, COUNT_UNTIL_MARKER, children)];
      await nodeIn(s0b, sendUdp(lan.subnets[0]!.broadcastAddress, 'announce', true));
      await nodeIn(s0b, sendUdp(s0a.address, 'marker', false));
      expect(await near.next()).toBe('1');
      for (const [index, host] of [s1a, s1b].entries()) {
        await nodeIn(s0b, sendUdp(host.address, 'marker', false));
        expect(await far[index]!.next()).toBe('0');
      }

      const tracker = await startTracker(routerPlace(lan.router!), { infoHashes: [dummyHash] });
      stops.push(tracker.stop);
      const dns = await startDnsServer(routerPlace(lan.router!), { name: 'swarm.lan.test', addresses: lan.hosts.slice(1).map((h) => h.address) });
      stops.push(dns.stop);
      expect(tracker.announceUrl).toBe(`http://${lan.router!.addresses[0]}:6969/announce`);

      // BEP 3 announce with curl from subnet 1: a bencoded dict with an interval and compact peers.
      const query = `info_hash=${dummyHash.replace(/../g, '%$&')}&peer_id=-TEST-00000000000000&port=6881&uploaded=0&downloaded=0&left=0&compact=1`;
      const curl = spawnSync('ip', ['netns', 'exec', s1a.namespace, 'curl', '-sf', `${tracker.announceUrl}?${query}`], { encoding: 'latin1' });
      expect(curl.status).toBe(0);
      expect(curl.stdout).toMatch(/^d.*8:intervali\d+e.*5:peers/s);

      // DNS from subnet 0: every client's A record, no AAAA; and as the system resolver.
      const ask = (setServers: string): string => `const { Resolver } = require('node:dns').promises; const r = new Resolver(); ${setServers}
r.resolve4('swarm.lan.test').then(async (a) => console.log(JSON.stringify({ a: a.sort(), aaaa: await r.resolve6('swarm.lan.test').catch((e) => e.code) })));`;
      const expected = JSON.stringify({ a: lan.hosts.slice(1).map((h) => h.address).sort(), aaaa: 'ENODATA' });
      expect((await nodeIn(s0a, ask(`r.setServers([${JSON.stringify(dns.address)}]);`))).trim()).toBe(expected);
      lan.useResolver(dns.address);
      expect((await nodeIn(s1b, ask(''))).trim()).toBe(expected);
    } finally {
      for (const child of children) child.kill('SIGKILL');
      for (const stop of stops) await stop();
      lan.destroy();
    }
  }, 30_000);

  it('broadcast only: each side forms its own swarm, so the origin serves the file about twice', async () => {
    const result = await runSwarm('broadcast', await workDir());
    expect(result.clientSubnets).toEqual([1, 0, 1, 0]);
    expect(result.exitCodes).toEqual([0, 0, 0, 0]);
    expect(result.allVerified).toBe(true);
    expect(result.originEgressBytes).toBeGreaterThanOrEqual(1.7 * FILE_BYTES);
    expect(result.originEgressBytes).toBeLessThanOrEqual(2.2 * FILE_BYTES);
  }, 60_000);

  const joined: [DiscoveryKind, string][] = [
    ['tracker', '--tracker at an opentracker on the router'],
    ['peer-exchange', '--peer naming one host on the other side, then peer exchange'],
    ['dns', '--peers-dns at a dnsmasq on the router'],
  ];
  for (const [kind, how] of joined) {
    it(`${how}: one swarm across the router, the origin serves the file about once`, async () => {
      const result = await runSwarm(kind, await workDir());
      expect(result.exitCodes).toEqual([0, 0, 0, 0]);
      expect(result.allVerified).toBe(true);
      expect(result.originEgressBytes).toBeGreaterThanOrEqual(FILE_BYTES);
      expect(result.originEgressBytes).toBeLessThanOrEqual(1.1 * FILE_BYTES);
    }, 60_000);
  }
});
