/**
 * A real opentracker (Debian's /usr/bin/opentracker) for tests, on loopback only: a config file of
 * our own in a temporary directory binds TCP and UDP on 127.0.0.1, on ports picked free, and
 * names a whitelist there. Debian builds opentracker with WANT_ACCESSLIST_WHITE, so without a
 * whitelist it refuses every announce ("Requested download is not authorized for use with this
 * tracker."); the whitelist holds the info hashes the test announces. Run as root, opentracker
 * chroots into the directory and drops to `nobody`, so the directory and list are world-readable
 * and the list's path is relative to it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentEncodeBytes } from '../../src/peer-sources/tracker-codec.js';

export const OPENTRACKER_BIN = '/usr/bin/opentracker';
/** Why the opentracker tests skip, or null when they run. */
export const OPENTRACKER_MISSING: string | null = existsSync(OPENTRACKER_BIN) ? null : `${OPENTRACKER_BIN} is missing (apt-get install opentracker)`;

/** The config file the tests give opentracker. */
export function opentrackerConfig(tcpPort: number, udpPort: number, rootDir: string): string {
  return [
    '# swarm test tracker: loopback only, on ports picked free; whitelist beside this file',
    `listen.tcp 127.0.0.1:${tcpPort}`,
    `listen.udp 127.0.0.1:${udpPort}`,
    `tracker.rootdir ${rootDir}`,
    'access.whitelist whitelist.txt',
    '',
  ].join('\n');
}

/** A TCP port on 127.0.0.1 that was free a moment ago (another process may take it meanwhile). */
export async function freeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** A whitelisted hash the readiness probe announces (never one a test uses). */
const PROBE_HASH = Buffer.alloc(20, 0xee);

/** The body of one GET, or null when the connection failed. */
function getBody(url: string): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const request = get(url, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve(Buffer.concat(chunks)));
      response.on('error', () => resolve(null));
    });
    request.on('error', () => resolve(null));
  });
}

/** A running opentracker. */
export interface RunningOpentracker {
  /** Its announce URL. */
  readonly url: URL;
  /** The config file it was started with, as text. */
  readonly config: string;
  stop(): Promise<void>;
}

/** SIGTERM to `child`, resolved once it exited (at once when it had). */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}

/**
 * Waits until opentracker answers a whitelisted announce with peers (it reads its whitelist in a
 * thread of its own after it starts listening). There is no event to wait on: this polls, every
 * 50 ms, for at most 5 s. False when it exited (a port taken meanwhile) or never got ready.
 */
async function ready(child: ChildProcess, url: URL): Promise<boolean> {
  const probe = `${url.href}?info_hash=${percentEncodeBytes(PROBE_HASH)}&peer_id=-PROBE-0000000000000&port=9&uploaded=0&downloaded=0&left=0&compact=1`;
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    const body = await getBody(probe);
    if (body !== null && body.includes('5:peers')) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

/** Starts opentracker accepting announces for `infoHashes`; tries fresh ports up to 3 times. */
export async function startOpentracker(infoHashes: readonly Buffer[]): Promise<RunningOpentracker> {
  const dir = await mkdtemp(join(tmpdir(), 'swarm-opentracker-'));
  await chmod(dir, 0o755);
  const whitelist = join(dir, 'whitelist.txt');
  await writeFile(whitelist, [...infoHashes, PROBE_HASH].map((hash) => `${hash.toString('hex')}\n`).join(''));
  await chmod(whitelist, 0o644);
  for (let attempt = 0; attempt < 3; attempt++) {
    const config = opentrackerConfig(await freeTcpPort(), await freeUdpPort(), dir);
    await writeFile(join(dir, 'opentracker.conf'), config);
    const child = spawn(OPENTRACKER_BIN, ['-f', join(dir, 'opentracker.conf')], { stdio: 'ignore' });
    const tcpPort = Number(/listen\.tcp 127\.0\.0\.1:(\d+)/.exec(config)?.[1]);
    const url = new URL(`http://127.0.0.1:${tcpPort}/announce`);
    if (await ready(child, url)) {
      return {
        url, config,
        stop: async () => {
          await stopChild(child);
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    await stopChild(child);
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error('opentracker did not start on loopback (3 tries)');
}
