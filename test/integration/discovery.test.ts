/**
 * Real UDP on loopback only: every socket here binds 127.0.0.1 or 127.255.255.255, and every
 * datagram goes to the loopback broadcast address 127.255.255.255. Synchronisation is by events
 * (with a timeout guard) and by the FIFO order of each socket's receive queue, never by sleeps.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { on, once } from 'node:events';
import { encodeAnnounce } from '../../src/discovery/announce-codec.js';
import { sealAnnounce } from '../../src/discovery/announce-auth.js';
import { Discovery } from '../../src/discovery/discovery.js';
import type { DiscoveredPeer, DiscoveryOptions } from '../../src/discovery/discovery.js';
import { swarmId } from '../../src/discovery/swarm-id.js';
import { secretKeys } from '../../src/discovery/swarm-secret.js';
import { UsageError } from '../../src/errors.js';

const LOOPBACK_BROADCAST = '127.255.255.255';
const SHARED = swarmId(Buffer.alloc(16, 0x11), 1_000_000);
const FOREIGN = swarmId(Buffer.alloc(16, 0x22), 1_000_000);
const EVENT_TIMEOUT_MS = 10_000;

const running: Discovery[] = [];
const rawSockets: Socket[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((discovery) => discovery.stop()));
  for (const socket of rawSockets.splice(0)) socket.close();
});

function peerIdOf(n: number): Buffer {
  return Buffer.from(`-SW0100-peer${String(n).padStart(8, '0')}`, 'latin1');
}

/** A UDP port free right now on loopback: bind port 0, read it, close. */
async function freeUdpPort(): Promise<number> {
  const probe = createSocket('udp4');
  probe.bind(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address();
  probe.close();
  return port;
}

function makeDiscovery(n: number, port: number, swarmIds: Buffer[], overrides: Partial<DiscoveryOptions> = {}): Discovery {
  const discovery = new Discovery({
    peerId: peerIdOf(n),
    tcpPort: 7000 + n,
    swarmIds: () => swarmIds,
    discoveryPort: port,
    broadcastAddresses: [LOOPBACK_BROADCAST],
    bindAddress: LOOPBACK_BROADCAST,
    intervalMs: 60_000,
    ...overrides,
  });
  running.push(discovery);
  return discovery;
}

/** Records every 'peer' event of `discovery`. */
function record(discovery: Discovery): DiscoveredPeer[] {
  const events: DiscoveredPeer[] = [];
  discovery.on('peer', (peer) => events.push(peer));
  return events;
}

/**
 * Resolves when `discovery` has emitted a 'peer' event from each peer in `from`. The listener is
 * added synchronously, so call it before triggering the announces.
 */
async function peersHeard(discovery: Discovery, from: number[]): Promise<void> {
  const missing = new Set(from.map((n) => peerIdOf(n).toString('hex')));
  try {
    for await (const [peer] of on(discovery, 'peer', { signal: AbortSignal.timeout(EVENT_TIMEOUT_MS) })) {
      missing.delete((peer as DiscoveredPeer).peerId.toString('hex'));
      if (missing.size === 0) return;
    }
  } catch (err) {
    throw new Error(`no 'peer' event within ${EVENT_TIMEOUT_MS} ms from ${[...missing].join(', ')}`, { cause: err });
  }
}

async function startAll(discoveries: Discovery[]): Promise<void> {
  for (const discovery of discoveries) await discovery.start();
}

/** Everyone announces again, and each waits to hear the others (the first ones started missed the later ones). */
async function converge(discoveries: Discovery[], numbers: number[]): Promise<void> {
  const heard = discoveries.map((discovery, i) => peersHeard(discovery, numbers.filter((_, j) => j !== i)));
  for (const discovery of discoveries) discovery.announceNow();
  await Promise.all(heard);
}

async function rawSender(): Promise<{ socket: Socket; received: Buffer[] }> {
  const socket = createSocket('udp4');
  rawSockets.push(socket);
  const received: Buffer[] = [];
  socket.on('message', (msg) => received.push(msg));
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  socket.setBroadcast(true);
  return { socket, received };
}

async function sendRaw(socket: Socket, packet: Buffer, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    socket.send(packet, port, LOOPBACK_BROADCAST, (err) => (err ? reject(err) : resolve()));
  });
}

describe('Discovery on loopback', () => {
  it('three instances sharing one port learn each other for a shared swarm id, not a foreign one', async () => {
    const port = await freeUdpPort();
    const [a, b, c] = [1, 2, 3].map((n) => makeDiscovery(n, port, [SHARED, swarmId(Buffer.alloc(16, n), 5)])) as [Discovery, Discovery, Discovery];
    const d = makeDiscovery(4, port, [FOREIGN]);
    const events = [a, b, c, d].map(record);
    await startAll([a, b, c, d]); // d starts last: its first announce reaches a, b and c
    await converge([a, b, c], [1, 2, 3]);

    [a, b, c].forEach((discovery, i) => {
      const others = [1, 2, 3].filter((n) => n !== i + 1);
      const seen = events[i] ?? [];
      expect(new Set(seen.map((peer) => peer.peerId.toString('hex')))).toEqual(new Set(others.map((n) => peerIdOf(n).toString('hex'))));
      for (const peer of seen) {
        expect(peer.address).toBe('127.0.0.1');
        expect(peer.tcpPort).toBe(7000 + (others.find((n) => peer.peerId.equals(peerIdOf(n))) ?? -1));
        expect(peer.swarmIds.map((id) => id.toString('hex'))).toEqual([SHARED.toString('hex')]);
      }
      // d's announce was received and tracked (it was queued before the ones awaited above) ...
      expect(discovery.peersFor(FOREIGN).map((peer) => peer.peerId.toString('hex'))).toEqual([peerIdOf(4).toString('hex')]);
      // ... and our own announces came back and were ignored.
      expect(discovery.stats.packetsIgnored).toBeGreaterThan(0);
      expect(discovery.stats.packetsMalformed).toBe(0);
    });
    expect(events[3]).toEqual([]); // d shares nothing with anyone
  });

  it('ignores garbage, oversized and newer-version packets, answers nothing, and keeps working', async () => {
    const port = await freeUdpPort();
    const [a, b] = [1, 2].map((n) => makeDiscovery(n, port, [SHARED])) as [Discovery, Discovery];
    await startAll([a, b]);
    await converge([a, b], [1, 2]);

    const { socket, received } = await rawSender();
    const valid = encodeAnnounce({ peerId: peerIdOf(9), tcpPort: 7009, swarmIds: Array.from({ length: 32 }, () => SHARED) });
    const newerVersion = Buffer.from(valid);
    newerVersion[4] = 2;
    await sendRaw(socket, Buffer.from('hello, I am not a swarm packet'), port);
    await sendRaw(socket, Buffer.concat([valid, Buffer.alloc(200)]), port); // 1256 bytes > 1200
    await sendRaw(socket, newerVersion, port);

    // Announces sent now queue behind the bad packets, so hearing them means those were handled.
    const heard = [peersHeard(a, [2]), peersHeard(b, [1])];
    a.announceNow();
    b.announceNow();
    await Promise.all(heard);
    for (const discovery of [a, b]) {
      expect(discovery.stats.packetsMalformed).toBe(3);
      expect(discovery.peersFor(SHARED).map((peer) => peer.tcpPort)).toEqual([discovery === a ? 7002 : 7001]);
    }
    expect(received).toEqual([]); // discovery never replies
  });

  it('with a swarm secret: finds peers with the same secret only, and takes a replayed packet once', async () => {
    const port = await freeUdpPort();
    const [one, two] = [secretKeys(Buffer.from('one')).discoveryKey, secretKeys(Buffer.from('two')).discoveryKey];
    const [a, b] = [1, 2].map((n) => makeDiscovery(n, port, [SHARED], { secretKey: one })) as [Discovery, Discovery];
    const c = makeDiscovery(3, port, [SHARED], { secretKey: two });
    const d = makeDiscovery(4, port, [SHARED]);
    const events = [a, b, c, d].map(record);
    await startAll([a, b, c, d]);
    await converge([a, b], [1, 2]);

    // Peer 9 (sealed with secret one) announces once; the same datagram arrives three times.
    const sealed = sealAnnounce(encodeAnnounce({ peerId: peerIdOf(9), tcpPort: 7009, swarmIds: [SHARED] }), one, Date.now(), Buffer.alloc(8, 9));
    const stale = sealAnnounce(encodeAnnounce({ peerId: peerIdOf(9), tcpPort: 7009, swarmIds: [SHARED] }), one, Date.now() - 60_000, Buffer.alloc(8, 8));
    const { socket } = await rawSender();
    for (const packet of [sealed, sealed, stale, sealed]) await sendRaw(socket, packet, port);
    const heard = peersHeard(b, [1]);
    a.announceNow(); // queued behind the packets above: hearing it means they were handled
    await heard;
    expect((events[1] ?? []).filter((peer) => peer.peerId.equals(peerIdOf(9))), 'peer 9 counted once').toHaveLength(1);
    expect(events[2]).toEqual([]); // another secret: nobody
    expect(events[3]).toEqual([]); // no secret: nobody
    expect(c.peersFor(SHARED)).toEqual([]);
    expect(d.peersFor(SHARED)).toEqual([]);
  });

  it('announces periodically with jitter, and a stopped instance stays silent', async () => {
    const port = await freeUdpPort();
    const a = makeDiscovery(1, port, [SHARED], { intervalMs: 50, random: () => 0.5 });
    const b = makeDiscovery(2, port, [SHARED]);
    await startAll([b, a]);
    const fromA: DiscoveredPeer[] = [];
    b.on('peer', (peer) => fromA.push(peer));
    while (fromA.length < 3) await peersHeard(b, [1]); // three rounds of a, no announceNow
    expect(a.stats.packetsSent).toBeGreaterThanOrEqual(3);

    await a.stop();
    await a.stop(); // idempotent
    const sentBefore = a.stats.packetsSent;
    const c = makeDiscovery(3, port, [SHARED]);
    const heard = peersHeard(b, [3]);
    await c.start();
    await heard;
    expect(a.stats.packetsSent).toBe(sentBefore);
    expect(c.peersFor(SHARED)).toEqual([]); // a's last announces went out before c was bound; a sends no more
    await expect(a.start()).rejects.toThrow(TypeError);
  });

  it('start() twice is a TypeError; a bind failure is a UsageError', async () => {
    const port = await freeUdpPort();
    const a = makeDiscovery(1, port, [SHARED]);
    await a.start();
    await expect(a.start()).rejects.toThrow(TypeError);
    // 192.0.2.1 (TEST-NET-1) is on no interface here: binding fails with EADDRNOTAVAIL, nothing is sent.
    const b = makeDiscovery(2, port, [SHARED], { bindAddress: '192.0.2.1' });
    await expect(b.start()).rejects.toThrow(UsageError);
  });
});
