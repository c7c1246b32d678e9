/**
 * How long a swarm listens for peers before the first origin request (`Swarm.waitForPeer`), on
 * real loopback sockets: an empty swarm is given up after the quiet window, a peer that is there
 * ends the wait with its bitfield, and a connection under way holds the wait up to its bound.
 *
 * NETWORK SAFETY: discovery broadcasts to 127.255.255.255 only; TCP stays on 127.0.0.1.
 */
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Bitfield } from '../../src/pieces/bitfield.js';
import { TokenBucket } from '../../src/rate-limit/token-bucket.js';
import { PieceTrust } from '../../src/swarm/piece-trust.js';
import { Swarm } from '../../src/swarm/swarm.js';
import { DEFAULT_DISCOVERY_WAIT } from '../../src/host/connection-settings.js';
import { openHost } from '../../src/session/open-host.js';
import { PieceStore } from '../../src/storage/piece-store.js';
import { freeishPort } from '../helpers/run-cli.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A started swarm over an empty 4-piece entry, on `discoveryPort`, listening on `port`. */
async function startSwarm(discoveryPort: number, port: number): Promise<Swarm> {
  const dir = await mkdtemp(join(tmpdir(), 'swarm-wait-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const store = await PieceStore.open(dir, { md5Hex: 'ab'.repeat(16), fileBytes: 4 << 20, pieceBytes: 1 << 20, etag: null });
  cleanups.push(() => store.close());
  const host = openHost({
    bindAddress: '127.0.0.1',
    port,
    swarmSecret: null,
    sources: { peers: [], peersDns: [], dnsServers: [], trackers: [] },
    broadcast: { bindAddress: null, discoveryPort, broadcastAddresses: ['127.255.255.255'], announceIntervalMs: 60_000 },
    discoveryWait: DEFAULT_DISCOVERY_WAIT,
  });
  await host.start();
  cleanups.push(() => host.stop());
  const swarm = new Swarm({
    store,
    swarmId: Buffer.alloc(32, 7),
    authKey: Buffer.alloc(32, 9),
    host,
    upLimiter: new TokenBucket(null, Date.now()),
    downLimiter: new TokenBucket(null, Date.now()),
    originInFlight: () => new Bitfield(4),
    onPiece: () => undefined,
    onPeerBytes: () => undefined,
    onChange: () => undefined,
    onRequest: () => undefined,
    onBan: () => undefined,
    onCorrupt: () => undefined,
    trust: new PieceTrust(store),
  });
  swarm.start();
  cleanups.push(async () => swarm.stop());
  return swarm;
}

async function timedWait(swarm: Swarm, quietMs: number, maxMs: number): Promise<number> {
  const started = performance.now();
  await swarm.waitForPeer({ quietMs, maxMs }, new AbortController().signal);
  return performance.now() - started;
}

describe('Swarm.waitForPeer', () => {
  it('gives up an empty swarm after the quiet window, not the whole bound', async () => {
    const swarm = await startSwarm(freeishPort(), 0);
    const elapsed = await timedWait(swarm, 50, 20_000);
    expect(elapsed).toBeGreaterThanOrEqual(45);
    expect(elapsed).toBeLessThan(10_000);
    expect(swarm.peerCount).toBe(0);
  });

  it('ends with the bitfield of a peer that is there, before the quiet window', async () => {
    const discoveryPort = freeishPort();
    const seeder = await startSwarm(discoveryPort, 0);
    // The seeder hears the joiner's first announce and dials it.
    const joiner = await startSwarm(discoveryPort, 0);
    const elapsed = await timedWait(joiner, 20_000, 30_000);
    expect(elapsed).toBeLessThan(20_000);
    expect(joiner.peerCount).toBe(1);
    expect(seeder.peerCount).toBe(1);
    expect(await timedWait(joiner, 20_000, 30_000), 'a bitfield already here ends the next wait at once').toBeLessThan(5_000);
  });

  it('is held past the quiet window by a connection in its handshake, up to the bound', async () => {
    const port = freeishPort();
    const swarm = await startSwarm(freeishPort(), port);
    const silent: Socket = connect({ host: '127.0.0.1', port });
    cleanups.push(async () => {
      silent.destroy();
    });
    await once(silent, 'connect');
    const elapsed = await timedWait(swarm, 20, 700);
    expect(elapsed).toBeGreaterThanOrEqual(690);
    expect(swarm.peerCount).toBe(0);
  });

  it('resolves at once when its signal is aborted', async () => {
    const swarm = await startSwarm(freeishPort(), 0);
    const aborted = AbortSignal.abort();
    const started = performance.now();
    await swarm.waitForPeer({ quietMs: 20_000, maxMs: 30_000 }, aborted);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
