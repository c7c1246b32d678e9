/**
 * The host on real loopback sockets: it routes an incoming connection to the swarm its handshake
 * names and hands it over once the proof passed; it closes connections for swarms it does not hold
 * and other protocols; it dials what a source suggests (and says which source); and it never has
 * more connections under way than its cap, whatever a source suggests.
 *
 * NETWORK SAFETY: every socket is on 127.0.0.1.
 */
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CAPS } from '../../src/host/connection-table.js';
import { Host, type HostedSwarm } from '../../src/host/host.js';
import type { PeerCandidate, PeerSource, PeerSourceSink } from '../../src/peer-sources/peer-source.js';
import type { PeerInfo, PeerLink } from '../../src/swarm/peer-link.js';
import { encodeHandshake } from '../../src/wire/handshake.js';
import type { PeerConnection } from '../../src/wire/peer-connection.js';
import { openPeerConnection } from '../../src/host/connection-settings.js';

/** A swarm that records the peers it is handed. */
function recordingSwarm(id: number): HostedSwarm & { added: Promise<PeerInfo>; infos: PeerInfo[] } {
  let deliver: (info: PeerInfo) => void = () => undefined;
  const added = new Promise<PeerInfo>((resolve) => (deliver = resolve));
  const infos: PeerInfo[] = [];
  return {
    swarmId: Buffer.alloc(32, id),
    authKey: Buffer.alloc(32, 100 + id),
    pieceCount: 8,
    blockBytes: 16_384,
    leftBytes: 1,
    added,
    infos,
    addPeer: (_link: PeerLink, info: PeerInfo) => {
      infos.push(info);
      deliver(info);
    },
    hostChanged: () => undefined,
  };
}

/** A source that suggests what the test tells it to. */
class ManualSource implements PeerSource {
  readonly kind = 'fixed' as const;
  sink: PeerSourceSink | null = null;
  async start(_local: unknown, _swarms: unknown, sink: PeerSourceSink): Promise<void> {
    this.sink = sink;
    sink.answered(null);
  }
  update(): void {}
  async stop(): Promise<void> {}
  suggest(found: PeerCandidate[]): void {
    this.sink?.candidates(found);
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startHost(sources: PeerSource[] = [], caps = DEFAULT_CAPS, port = 0): Promise<Host> {
  const host = new Host({ bindAddress: '127.0.0.1', port, sources, caps });
  cleanups.push(() => host.stop());
  await host.start();
  return host;
}

/** A client peer that dials `port` and runs the proof handshake for `swarm`. */
async function clientPeer(port: number, swarm: HostedSwarm): Promise<PeerConnection> {
  const socket = connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  const connection = openPeerConnection(socket, { swarmId: swarm.swarmId, peerId: Buffer.alloc(20, 9), authKey: swarm.authKey, outbound: true, pieceCount: swarm.pieceCount, blockBytes: swarm.blockBytes });
  cleanups.push(() => connection.destroy('test over'));
  connection.start();
  return connection;
}

describe('Host', () => {
  it('start() rejects with a usage error (exit 2) naming EADDRINUSE when its peer port is taken, and holds nothing', async () => {
    const first = await startHost();
    const second = new Host({ bindAddress: '127.0.0.1', port: first.tcpPort, sources: [] });
    await expect(second.start()).rejects.toMatchObject({ code: 'SWARM_USAGE', exitCode: 2, message: expect.stringMatching(/EADDRINUSE.*another --port/) });
    expect(second.tcpPort).toBe(0);
  });

  it("portInUse 'any': a taken port gives way to a free one, reported by onPortFallback", async () => {
    const first = await startHost();
    const second = new Host({ bindAddress: '127.0.0.1', port: first.tcpPort, portInUse: 'any', sources: [] });
    const fallbacks: Array<[number, number]> = [];
    second.onPortFallback = (configured, actual) => fallbacks.push([configured, actual]);
    await second.start();
    cleanups.push(() => second.stop());
    expect(second.tcpPort).not.toBe(first.tcpPort);
    expect(second.tcpPort).toBeGreaterThan(0);
    expect(fallbacks).toEqual([[first.tcpPort, second.tcpPort]]);
  });

  it('hands an incoming connection to the swarm its handshake names, once the proof passed', async () => {
    const host = await startHost();
    const one = recordingSwarm(1);
    const two = recordingSwarm(2);
    host.attach(one);
    host.attach(two);
    const client = await clientPeer(host.tcpPort, two);
    const info = await two.added;
    expect(info).toMatchObject({ id: '09'.repeat(20), address: '127.0.0.1', outbound: false, origin: 'incoming' });
    expect(one.infos).toEqual([]);
    expect(client.closed).toBe(false);
    expect(host.peersBySource(two.swarmId).incoming).toBe(1);
  });

  it('closes connections for swarms it does not hold, detached ones, and other protocols', async () => {
    const host = await startHost();
    const one = recordingSwarm(1);
    host.attach(one);
    host.detach(one);
    for (const bytes of [
      encodeHandshake({ swarmId: Buffer.alloc(32, 1), peerId: Buffer.alloc(20, 9) }),
      encodeHandshake({ swarmId: Buffer.alloc(32, 7), peerId: Buffer.alloc(20, 9) }),
      Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
    ]) {
      const socket = connect({ host: '127.0.0.1', port: host.tcpPort });
      await once(socket, 'connect');
      socket.write(bytes);
      socket.on('error', () => undefined);
      socket.resume();
      await once(socket, 'close');
    }
    expect(one.infos).toEqual([]);
  });

  it('dials an address a source suggests, for each swarm that wants peers, and names the source', async () => {
    const listener = await startHost();
    const source = new ManualSource();
    const dialler = await startHost([source]);
    const theirs = recordingSwarm(3);
    const ours = recordingSwarm(3);
    listener.attach(theirs);
    dialler.attach(ours);
    source.suggest([{ address: '127.0.0.1', port: listener.tcpPort, swarmId: null, peerId: null }]);
    const [mine, their] = await Promise.all([ours.added, theirs.added]);
    expect(mine).toMatchObject({ id: listener.peerId.toString('hex'), outbound: true, origin: 'fixed', listenPort: listener.tcpPort });
    expect(their).toMatchObject({ id: dialler.peerId.toString('hex'), outbound: false, origin: 'incoming' });
    expect(dialler.peersBySource(ours.swarmId).fixed).toBe(1);
    // Suggested again while connected: no second connection.
    source.suggest([{ address: '127.0.0.1', port: listener.tcpPort, swarmId: null, peerId: null }]);
    expect(ours.infos).toHaveLength(1);
  });

  it('never has more connections under way than its cap, however many addresses a source suggests', async () => {
    // Servers that accept and never speak: each dial stays in its handshake until the timeout.
    const open = new Set<Socket>();
    let host: Host | null = null;
    let most = 0;
    let seen = 0;
    let reachedCap: () => void = () => undefined;
    const capReached = new Promise<void>((resolve) => (reachedCap = resolve));
    const onConnection = (socket: Socket): void => {
      open.add(socket);
      seen++;
      most = Math.max(most, host?.connectionsUnderWay ?? 0);
      if (open.size === 4) reachedCap();
      socket.on('error', () => undefined);
      socket.once('close', () => open.delete(socket));
    };
    const servers: Server[] = [];
    for (let index = 0; index < 12; index++) {
      const server = createServer(onConnection);
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      servers.push(server);
    }
    cleanups.push(() => {
      for (const socket of open) socket.destroy();
      for (const server of servers) server.close();
    });
    const ports = servers.map((server) => (server.address() as { port: number }).port);
    const source = new ManualSource();
    host = await startHost([source], { ...DEFAULT_CAPS, maxUnderWay: 4 });
    host.attach(recordingSwarm(4));
    source.suggest(ports.map((port) => ({ address: '127.0.0.1', port, swarmId: null, peerId: null })));
    await capReached;
    expect(host.joining(Buffer.alloc(32, 4))).toBe(true);
    expect(seen).toBe(4);
    // The first handshake timeout frees a slot: the next dial comes only then.
    await new Promise<void>((resolve) => servers.forEach((server) => server.on('connection', () => resolve())));
    expect(seen).toBe(5);
    expect(most, 'connections under way when each arrived').toBeLessThanOrEqual(4);
  }, 20_000);
});
