/**
 * The daemon's shared listener on real loopback sockets: a connection is handed to the swarm its
 * handshake names, with the handshake bytes intact for the swarm's own peer connection; a
 * connection naming no swarm we hold, or speaking another protocol, is closed.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SwarmHost } from '../../src/host/host.js';
import type { Swarm } from '../../src/swarm/swarm.js';
import { HANDSHAKE_BYTES, encodeHandshake } from '../../src/wire/handshake.js';
import { freeishPort } from '../helpers/run-cli.js';

/** The part of a swarm the host uses: its id, and where routed sockets go. */
function recordingSwarm(id: number): { swarm: Swarm; adopted: Promise<Buffer> } {
  const swarmId = Buffer.alloc(32, id);
  let deliver: (bytes: Buffer) => void = () => undefined;
  const adopted = new Promise<Buffer>((resolve) => (deliver = resolve));
  const swarm = {
    swarmId,
    discovered: () => undefined,
    adopt: (socket: Socket) => {
      let bytes = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        bytes = Buffer.concat([bytes, chunk]);
        if (bytes.length >= HANDSHAKE_BYTES + 5) deliver(bytes);
      });
    },
  };
  return { swarm: swarm as unknown as Swarm, adopted };
}

const hosts: SwarmHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((host) => host.stop()));
});

async function startHost(): Promise<SwarmHost> {
  const host = new SwarmHost({ bindAddress: '127.0.0.1', discoveryBindAddress: null, port: 0, discoveryPort: freeishPort(), broadcastAddresses: ['127.255.255.255'], announceIntervalMs: 2000, swarmSecret: null });
  hosts.push(host);
  await host.start();
  return host;
}

async function dial(host: SwarmHost, bytes: Buffer[]): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port: host.tcpPort });
  await once(socket, 'connect');
  for (const chunk of bytes) socket.write(chunk);
  return socket;
}

describe('SwarmHost', () => {
  it('start() rejects with EADDRINUSE when its peer port is taken, and holds nothing', async () => {
    const first = await startHost();
    const second = new SwarmHost({ bindAddress: '127.0.0.1', discoveryBindAddress: null, port: first.tcpPort, discoveryPort: freeishPort(), broadcastAddresses: ['127.255.255.255'], announceIntervalMs: 2000, swarmSecret: null });
    await expect(second.start()).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(second.tcpPort).toBe(0);
  });

  it('routes by the handshake swarm id and leaves the bytes for the swarm, however they trickle in', async () => {
    const host = await startHost();
    const one = recordingSwarm(1);
    const two = recordingSwarm(2);
    host.attach(one.swarm);
    host.attach(two.swarm);
    const handshake = encodeHandshake({ swarmId: Buffer.alloc(32, 2), peerId: Buffer.alloc(20, 9) });
    const socket = await dial(host, [handshake.subarray(0, 10), handshake.subarray(10, 50), Buffer.concat([handshake.subarray(50), Buffer.from('hello')])]);
    const received = await two.adopted;
    expect(received.equals(Buffer.concat([handshake, Buffer.from('hello')]))).toBe(true);
    socket.destroy();
  });

  it('closes connections for swarms it does not hold, detached ones, and other protocols', async () => {
    const host = await startHost();
    const one = recordingSwarm(1);
    host.attach(one.swarm);
    host.detach(one.swarm);
    for (const bytes of [
      encodeHandshake({ swarmId: Buffer.alloc(32, 1), peerId: Buffer.alloc(20, 9) }),
      encodeHandshake({ swarmId: Buffer.alloc(32, 7), peerId: Buffer.alloc(20, 9) }),
      Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
    ]) {
      const socket = await dial(host, [bytes]);
      socket.on('error', () => undefined);
      socket.resume();
      await once(socket, 'close');
    }
  });
});
