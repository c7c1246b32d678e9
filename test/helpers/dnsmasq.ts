/**
 * A real Debian dnsmasq for DNS tests, in the foreground, answering only on 127.0.0.1 at a high
 * port, from the records the test gives it and nothing else: no config file, no /etc/hosts, no
 * /etc/resolv.conf and no upstream server (so nothing is forwarded), no DHCP (no range is given;
 * the lease file is put in the test's own directory anyway), logging to its stderr, its pid file
 * in the test's directory. Names under `localDomain` it has no record for are NXDOMAIN.
 *
 * Not responsible for: asserting. NETWORK SAFETY: it binds 127.0.0.1 only (--bind-interfaces).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** Where Debian puts dnsmasq (/usr/sbin is not on every user's PATH). */
const DNSMASQ_PATHS = ['/usr/sbin/dnsmasq', '/usr/bin/dnsmasq', '/sbin/dnsmasq'];

/** The dnsmasq binary, or null when it is not installed. */
export function findDnsmasq(): string | null {
  return DNSMASQ_PATHS.find((path) => existsSync(path)) ?? null;
}

/** One A or AAAA record: a name and an address. */
export type HostRecord = readonly [name: string, address: string];

/** A running dnsmasq. */
export interface Dnsmasq {
  readonly port: number;
  /** The command line it was started with (for reports). */
  readonly argv: readonly string[];
  /** Kills it (SIGTERM, then SIGKILL after 2 s) and waits for it to exit. */
  stop(): Promise<void>;
}

/** The arguments that make dnsmasq serve `records` on 127.0.0.1:`port` and touch nothing else. */
export function dnsmasqArgs(port: number, dir: string, localDomain: string, records: readonly HostRecord[]): string[] {
  return [
    '--keep-in-foreground', '--no-resolv', '--no-hosts', '--conf-file=/dev/null',
    '--listen-address=127.0.0.1', '--bind-interfaces', `--port=${port}`,
    `--pid-file=${join(dir, 'dnsmasq.pid')}`, `--dhcp-leasefile=${join(dir, 'dnsmasq.leases')}`,
    '--log-facility=-', `--local=/${localDomain}/`,
    ...records.map(([name, address]) => `--host-record=${name},${address}`),
  ];
}

/**
 * Starts dnsmasq and resolves once it says it started. `port` null: a free port is found (tried
 * again on another port if dnsmasq cannot bind it); a number: that port (for a restart).
 */
export async function startDnsmasq(binary: string, dir: string, localDomain: string, records: readonly HostRecord[], port: number | null = null): Promise<Dnsmasq> {
  for (let attempt = 0; ; attempt += 1) {
    const tryPort = port ?? await freePort();
    const argv = dnsmasqArgs(tryPort, dir, localDomain, records);
    const child = spawn(binary, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    const started = await startedOrExited(child);
    if (started === true) return { port: tryPort, argv: [binary, ...argv], stop: () => stopChild(child) };
    if (port !== null || attempt >= 4) throw new Error(`dnsmasq did not start on 127.0.0.1:${tryPort}: ${started}`);
  }
}

/** true once stderr says "started", or the stderr text when it exits first. */
async function startedOrExited(child: ChildProcess): Promise<true | string> {
  let stderr = '';
  return new Promise((resolve) => {
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      if (stderr.length < 10_000) stderr += chunk;
      if (/started, version/.test(stderr)) resolve(true);
    });
    child.once('error', (error) => resolve(error.message));
    child.once('exit', (code) => resolve(`exited with ${String(code)}: ${stderr.trim()}`));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(timer);
}

/** A TCP port free on 127.0.0.1 just now (dnsmasq takes UDP and TCP on it). */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
