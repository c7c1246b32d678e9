/**
 * A seeding `swarm-download` against hostile clients written here from src/wire: each sends one
 * kind of bad input (garbage, a trickled or stalled handshake, an oversized length, a wrong or a
 * second bitfield, requests out of range or in a flood, unrequested pieces, a malformed frame, a frame
 * stalled midway) and must be dropped by a cap or a timeout, while the process stays up and then
 * serves a well-behaved downloader the whole file. Discovery garbage gets no answer.
 *
 * Loopback only: the clients dial 127.0.0.1; UDP goes to 127.0.0.1 and 127.255.255.255.
 */
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { encodeAnnounce } from '../../src/discovery/announce-codec.js';
import { encodeMessage } from '../../src/wire/codec.js';
import { encodeHello } from '../../src/wire/handshake.js';
import { startListenedSeeder } from '../helpers/seeder-fixture.js';
import { expectVerified, spawnMember } from '../helpers/swarm-fixture.js';
import { DiscoveryEar, WireClient, bytesUntilClose, keysOf, openInsider, rawSocket, type FileKey } from '../helpers/wire-client.js';
import { MiB, useE2eCleanup } from './e2e-fixture.js';

useE2eCleanup();

/** The seeder's caps and timeouts (src/host/connection-settings.ts, src/swarm/piece-server.ts; README, Trust). */
const HANDSHAKE_TIMEOUT_MS = 5000;
const FRAME_TIMEOUT_MS = 10_000;

/** How one hostile client ended: how long until the seeder closed it, and what it got. */
interface Outcome {
  readonly name: string;
  readonly closedAfterMs: number;
  readonly pieceBytes: number;
}

/** A raw socket that writes `bytes` (in `pieces` with `gapMs` between) and waits for the close. */
async function rawClient(name: string, port: number, chunks: readonly Buffer[], gapMs = 0): Promise<Outcome> {
  const socket = await rawSocket(port);
  const startedMs = Date.now();
  const closed = bytesUntilClose(socket);
  void (async () => {
    for (const chunk of chunks) {
      if (socket.destroyed) return;
      socket.write(chunk);
      if (gapMs > 0) await sleep(gapMs);
    }
  })();
  await closed;
  return { name, closedAfterMs: Date.now() - startedMs, pieceBytes: 0 };
}

/** An authenticated client that, once in, writes `bytes` raw on its socket and counts piece bytes until closed. */
async function insiderSends(name: string, key: FileKey, port: number, bytes: Buffer): Promise<Outcome> {
  const { socket, connection, closed } = await openInsider(key, port, Buffer.alloc(20, name.length));
  let pieceBytes = 0;
  connection.on('message', (m) => { if (m.type === 'piece') pieceBytes += m.block.length; });
  const startedMs = Date.now();
  socket.write(bytes);
  const reason = await closed;
  expect(reason, `${name}: the seeder closed it, not the client`).toMatch(/peer ended the stream|stream closed|stream error/);
  return { name, closedAfterMs: Date.now() - startedMs, pieceBytes };
}

function frames(...messages: Parameters<typeof encodeMessage>[0][]): Buffer {
  return Buffer.concat(messages.map((m) => encodeMessage(m)));
}

describe('swarm-download against hostile peers', () => {
  it('drops every bad client by a cap or a timeout, stays up, and serves a good downloader', async () => {
    const { content, origin, discoveryPort, ear, seeder, key, pieceCount, port } = await startListenedSeeder(8 * MiB, 701);
    const { swarmId } = keysOf(key);
    const hello = encodeHello({ swarmId, peerId: Buffer.alloc(20, 9), nonce: Buffer.alloc(32, 9) });
    const request = (piece: number, begin: number, length: number): Buffer => frames({ type: 'request', piece, begin, length });

    const outcomes = await Promise.all([
      rawClient('garbage', port, [Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')]),
      rawClient('handshake trickled a byte every 100 ms', port, [...hello].map((byte) => Buffer.of(byte)), 100),
      rawClient('handshake stalled midway', port, [hello.subarray(0, 50)]),
      insiderSends('oversized length', key, port, Buffer.from('fffffff0' + '07'.repeat(16), 'hex')),
      insiderSends('bitfield of the wrong size', key, port, frames({ type: 'bitfield', bytes: Buffer.alloc(Math.ceil(pieceCount / 8) + 3, 0xff) })),
      insiderSends('a second bitfield', key, port, frames(...[0, 1].map(() => ({ type: 'bitfield' as const, bytes: Buffer.alloc(Math.ceil(pieceCount / 8)) })))),
      insiderSends('request for a piece past the end', key, port, request(pieceCount + 5, 0, 16384)),
      insiderSends('request reaching past its piece', key, port, request(pieceCount - 1, 0, Math.min(1024 * 1024, key.fileBytes - (pieceCount - 1) * key.pieceBytes) + 1)),
      insiderSends('flood of requests', key, port, Buffer.concat([frames({ type: 'interested' }), ...Array.from({ length: 2000 }, () => request(0, 0, 16384))])),
      insiderSends('unrequested pieces', key, port, frames(...Array.from({ length: 3 }, (_, i) => ({ type: 'piece' as const, piece: 0, begin: i * 16, block: Buffer.alloc(16, 1) })))),
      insiderSends('malformed frame', key, port, Buffer.from('00000002' + '04' + '00', 'hex')),
      insiderSends('frame stalled midway', key, port, Buffer.from('00000064' + '07' + '00000000', 'hex')),
    ]);
    const byName = new Map(outcomes.map((outcome) => [outcome.name, outcome]));
    for (const outcome of outcomes) expect(outcome.pieceBytes, `${outcome.name}: piece bytes it got`).toBe(0);
    expect(byName.get('handshake trickled a byte every 100 ms')?.closedAfterMs).toBeGreaterThanOrEqual(HANDSHAKE_TIMEOUT_MS - 500);
    expect(byName.get('handshake trickled a byte every 100 ms')?.closedAfterMs).toBeLessThan(HANDSHAKE_TIMEOUT_MS + 3000);
    expect(byName.get('handshake stalled midway')?.closedAfterMs).toBeLessThan(HANDSHAKE_TIMEOUT_MS + 3000);
    expect(byName.get('frame stalled midway')?.closedAfterMs).toBeGreaterThanOrEqual(FRAME_TIMEOUT_MS - 500);
    expect(byName.get('frame stalled midway')?.closedAfterMs).toBeLessThan(FRAME_TIMEOUT_MS + 3000);
    for (const name of ['garbage', 'oversized length', 'bitfield of the wrong size', 'a second bitfield', 'request for a piece past the end', 'request reaching past its piece', 'flood of requests', 'unrequested pieces', 'malformed frame']) {
      expect(byName.get(name)?.closedAfterMs, `${name}: dropped at once`).toBeLessThan(2000);
    }

    // Discovery: garbage and a forged announce, broadcast from a socket of our own, get no answer at all.
    const probe = createSocket('udp4');
    probe.bind(0, '127.0.0.1');
    await once(probe, 'listening');
    probe.setBroadcast(true);
    let answered = 0;
    probe.on('message', () => answered++);
    const seederId = ear.heard.find((entry) => entry.announce !== null)!.announce!.peerId;
    const forged = encodeAnnounce({ peerId: Buffer.alloc(20, 0xee), tcpPort: 1, swarmIds: [swarmId] });
    const heardBefore = ear.heard.length;
    for (const bytes of [Buffer.alloc(1200, 0x41), Buffer.from('SWRM'), forged]) probe.send(bytes, discoveryPort, '127.255.255.255');
    // Two announce rounds of the seeder later, nothing came back to the probe.
    const fromSeeder = (entry: DiscoveryEar['heard'][number]): boolean => entry.announce?.peerId.equals(seederId) === true;
    await ear.first(() => ear.heard.slice(heardBefore).filter(fromSeeder).length >= 2);
    expect(ear.heard.length - heardBefore, 'the ear heard the probe packets and two rounds').toBeGreaterThanOrEqual(5);
    expect(answered, 'datagrams discovery sent back to the probe').toBe(0);
    probe.close();
    ear.close();

    // Still up: it serves a well-behaved client, and a real downloader the whole file without the origin.
    expect(seeder.exitedAtMs, 'the seeder is still running').toBeNull();
    const good = await WireClient.connect(key, { port });
    await expect.poll(() => good.receivedBytes, { timeout: 10_000 }).toBeGreaterThan(0);
    good.close();
    origin.setFaults({ failFirstRequests: { count: Number.MAX_SAFE_INTEGER, status: 503 } });
    const leecher = await spawnMember(origin.url, { discoveryPort });
    const done = await expectVerified(await leecher.result, leecher.paths, content);
    expect(done.peerBytes).toBe(content.length);
    expect(seeder.cli.kill('SIGTERM')).toBe(true);
    await expectVerified(await seeder.result, seeder.paths, content, 143);
  }, 90_000);
});
