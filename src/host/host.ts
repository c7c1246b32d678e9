/**
 * One TCP listener and one discovery socket for every swarm of a process (the daemon, which holds
 * many files): incoming connections are routed to the swarm named by the swarm id in the peer's
 * handshake, and announcements carry the swarm ids of every file held.
 *
 * The host reads the first {@link HANDSHAKE_BYTES} of an incoming connection without consuming
 * them (they are pushed back with `unshift`), so the swarm's peer connection reads the whole
 * handshake as if it had accepted the socket itself; the handshake module is not changed.
 *
 * Not responsible for the wire protocol after routing, nor for which files are held (swarms
 * attach and detach). A connection that sends no valid handshake within 5 s, or names a swarm we
 * do not hold, is closed. Concurrency: one event loop; attach/detach take effect at once.
 */
import { randomBytes } from 'node:crypto';
import type { Server, Socket } from 'node:net';
import { Discovery, type DiscoveredPeer } from '../discovery/discovery.js';
import { HANDSHAKE_BYTES, decodeHandshake, isHandshakePrefix } from '../wire/handshake.js';
import { WireError } from '../wire/wire-error.js';
import type { Swarm } from '../swarm/swarm.js';
import { listenForPeers, startDiscovery, type SwarmHostLink, type SwarmNetwork } from './connection-settings.js';

/** How long an incoming connection may take to send its handshake before routing. */
const ROUTE_TIMEOUT_MS = 5000;
/** Incoming connections waiting for their handshake at once. */
const MAX_PENDING = 256;

/** The listener and discovery of many swarms. Construct, `start()`, attach swarms, `stop()`. */
export class SwarmHost implements SwarmHostLink {
  readonly peerId = randomBytes(20);
  readonly #network: Omit<SwarmNetwork, 'swarmId' | 'host' | 'authKey'>;
  readonly #swarms = new Map<string, Swarm>();
  readonly #pending = new Set<Socket>();
  #server: Server | null = null;
  #discovery: Discovery | null = null;
  #tcpPort = 0;

  constructor(network: Omit<SwarmNetwork, 'swarmId' | 'host' | 'authKey'>) {
    this.#network = network;
  }

  /** The TCP port peers connect to (after `start()`). */
  get tcpPort(): number {
    return this.#tcpPort;
  }

  /** The swarms attached now. */
  get swarms(): readonly Swarm[] {
    return [...this.#swarms.values()];
  }

  /** Listens on the TCP port and starts announcing. */
  async start(): Promise<void> {
    const { server, port } = await listenForPeers(this.#network, (socket) => this.#route(socket));
    this.#server = server;
    this.#tcpPort = port;
    this.#discovery = await startDiscovery(this.#network, this.peerId, this.#tcpPort,
      () => [...this.#swarms.values()].map((swarm) => swarm.swarmId), (peer) => this.#discovered(peer));
  }

  /** Closes the listener, discovery, and connections still waiting to be routed. */
  async stop(): Promise<void> {
    await this.#discovery?.stop().catch(() => undefined);
    for (const socket of this.#pending) socket.destroy();
    this.#server?.close();
  }

  /** How many peers announced `swarmId` lately (whether or not we hold it). */
  peersAnnouncing(swarmId: Buffer): number {
    return this.#discovery?.peersFor(swarmId).length ?? 0;
  }

  /** Routes connections and peers with `swarm`'s id to it, and announces it soon. */
  attach(swarm: Swarm): void {
    this.#swarms.set(swarm.swarmId.toString('hex'), swarm);
    this.#discovery?.announceNow();
    for (const peer of this.#discovery?.peersFor(swarm.swarmId) ?? []) {
      swarm.discovered({ peerId: peer.peerId, address: peer.address, tcpPort: peer.tcpPort });
    }
  }

  /** Stops routing to `swarm`. */
  detach(swarm: Swarm): void {
    const key = swarm.swarmId.toString('hex');
    if (this.#swarms.get(key) === swarm) this.#swarms.delete(key);
  }

  #discovered(peer: DiscoveredPeer): void {
    for (const id of peer.swarmIds) this.#swarms.get(id.toString('hex'))?.discovered(peer);
  }

  #route(socket: Socket): void {
    if (this.#pending.size >= MAX_PENDING) {
      socket.destroy();
      return;
    }
    this.#pending.add(socket);
    let head = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), ROUTE_TIMEOUT_MS);
    const done = (): void => {
      clearTimeout(timer);
      this.#pending.delete(socket);
      socket.off('data', onData);
    };
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      if (!isHandshakePrefix(head)) {
        done();
        socket.destroy();
      } else if (head.length >= HANDSHAKE_BYTES) {
        socket.pause();
        done();
        socket.unshift(head);
        this.#hand(socket, head.subarray(0, HANDSHAKE_BYTES));
      }
    };
    socket.on('data', onData);
    socket.once('close', done);
    socket.on('error', () => undefined);
  }

  #hand(socket: Socket, head: Buffer): void {
    const handshake = decodeHandshake(head);
    const swarm = handshake instanceof WireError ? undefined : this.#swarms.get(handshake.swarmId.toString('hex'));
    if (!swarm) {
      socket.destroy();
      return;
    }
    // The peer connection reads the handshake again from the bytes pushed back.
    swarm.adopt(socket);
    socket.resume();
  }
}
