/**
 * Where a swarm listens and announces, and the caps and timeouts of its connections: the network
 * settings a {@link Swarm} (one file) and the daemon's shared host (host.ts) are started
 * with, the discovery both start, and the peer connection a swarm opens on each socket.
 *
 * Not responsible for what runs over a connection (the swarm), nor for routing incoming
 * connections to swarms (the host). Concurrency: event loop only; nothing here keeps state.
 */
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { Discovery, type DiscoveredPeer } from '../discovery/discovery.js';
import { secretKeys } from '../discovery/swarm-secret.js';
import { PeerConnection } from '../wire/peer-connection.js';
import type { Swarm } from '../swarm/swarm.js';

/** At most this many peers at once. */
export const MAX_PEERS = 64;
/** At most this many connections still in their handshake at once (more are closed at once). */
export const MAX_HANDSHAKING = 32;
/** A peer's hello and proof must arrive within this. */
export const HANDSHAKE_TIMEOUT_MS = 5000;
/** A frame begun must be complete within this. */
export const FRAME_TIMEOUT_MS = 10_000;
/** Bytes queued unsent on one connection above which we wait before sending more blocks. */
const MAX_QUEUED_BYTES = 2 * 1024 * 1024;

/**
 * How long a download listens for peers before its first origin request (`Swarm.waitForPeer`).
 * Peers that hear our first announce dial us at once, so on a LAN a connection is under way within
 * milliseconds; a swarm that shows none by `quietMs` is taken to be empty.
 */
export interface DiscoveryWait {
  /** With no connection under way by then, the swarm is taken to be empty. */
  readonly quietMs: number;
  /** The longest wait, while a connection is under way (dialled, in its handshake, or before its bitfield). */
  readonly maxMs: number;
}

/** The wait of every download: a tenth of a second when nobody answers. */
export const DEFAULT_DISCOVERY_WAIT: DiscoveryWait = { quietMs: 100, maxMs: 1000 };

/** Where a swarm listens and announces. */
export interface SwarmNetwork {
  readonly swarmId: Buffer;
  /** The key peers prove they hold in the handshake (`swarmAuthKey`). */
  readonly authKey: Buffer;
  /** The swarm secret's bytes, or null: discovery packets are then authenticated with it. */
  readonly swarmSecret: Buffer | null;
  /** Local address for TCP (listen and dial); null for all interfaces. */
  readonly bindAddress: string | null;
  /**
   * Local address the UDP discovery socket binds: null for all interfaces, or the broadcast
   * address of the interface that owns `bindAddress` (a socket bound to a unicast address hears no
   * broadcasts on Linux).
   */
  readonly discoveryBindAddress: string | null;
  readonly port: number;
  readonly discoveryPort: number;
  readonly broadcastAddresses: readonly string[];
  readonly announceIntervalMs: number;
  /**
   * A process-wide listener and discovery shared by many swarms (the daemon); when given, this
   * swarm opens no socket of its own and `port`, `discoveryPort`, `broadcastAddresses` and
   * `announceIntervalMs` are the host's business.
   */
  readonly host?: SwarmHostLink | undefined;
}

/**
 * Listens for peer connections on `network`'s port and bind address, handing each socket to
 * `onSocket`; rejects when the port cannot be had. Resolves with the server and the port it got.
 */
export async function listenForPeers(
  network: Pick<SwarmNetwork, 'port' | 'bindAddress'>,
  onSocket: (socket: Socket) => void,
): Promise<{ server: Server; port: number }> {
  const server = createServer(onSocket);
  server.listen(network.port, network.bindAddress ?? undefined);
  // once() rejects on an 'error' (the port is taken) while it waits.
  await once(server, 'listening');
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0 };
}

/**
 * Starts discovery for `network`: announcing `swarmIds()` with our TCP port, authenticated with
 * the swarm secret when there is one, and reporting each peer heard to `onPeer`.
 */
export async function startDiscovery(
  network: Omit<SwarmNetwork, 'swarmId' | 'authKey' | 'host'>,
  peerId: Buffer,
  tcpPort: number,
  swarmIds: () => Buffer[],
  onPeer: (peer: DiscoveredPeer) => void,
): Promise<Discovery> {
  const discovery = new Discovery({
    peerId,
    tcpPort,
    swarmIds,
    discoveryPort: network.discoveryPort,
    broadcastAddresses: [...network.broadcastAddresses],
    bindAddress: network.discoveryBindAddress,
    intervalMs: network.announceIntervalMs,
    random: Math.random,
    secretKey: network.swarmSecret ? secretKeys(network.swarmSecret).discoveryKey : null,
  });
  discovery.on('peer', onPeer);
  discovery.on('warning', () => undefined);
  await discovery.start();
  return discovery;
}

/** What a {@link Swarm} needs of a shared host (see host.ts). */
export interface SwarmHostLink {
  /** The process's peer id, used by every swarm it hosts. */
  readonly peerId: Buffer;
  /** Routes incoming connections with this swarm's id and discovered peers to it. */
  attach(swarm: Swarm): void;
  /** Stops routing to it. */
  detach(swarm: Swarm): void;
}

/** Who we are on a connection, and how big its frames may be. */
export interface PeerConnectionSettings {
  readonly swarmId: Buffer;
  readonly peerId: Buffer;
  readonly authKey: Buffer;
  /** Whether we dialled (else accepted) the socket. */
  readonly outbound: boolean;
  /** Pieces of the file: a frame must fit its bitfield. */
  readonly pieceCount: number;
  /** Bytes per block request: a frame must fit a block. */
  readonly blockBytes: number;
  /** Buffers for frames split across reads (see `PeerConnectionOptions.allocateFrame`). */
  readonly allocateFrame?: (bytes: number) => Buffer;
}

/** The wire protocol on `socket`, with the swarm's caps and timeouts (not started yet). */
export function openPeerConnection(socket: Socket, settings: PeerConnectionSettings): PeerConnection {
  return new PeerConnection(socket, {
    swarmId: settings.swarmId,
    peerId: settings.peerId,
    authKey: settings.authKey,
    dialled: settings.outbound,
    maxFrameBytes: Math.max(settings.blockBytes + 64, Math.ceil(settings.pieceCount / 8) + 64),
    handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
    idleTimeoutMs: 60_000,
    frameTimeoutMs: FRAME_TIMEOUT_MS,
    keepAliveIntervalMs: 20_000,
    maxQueuedBytes: MAX_QUEUED_BYTES,
    // Two blocks keep a link busy; more would only delay the `have`, `fetching` and `request`
    // messages queued behind them, and hosts would then pick what a peer already fetches.
    maxQueuedPieceBytes: 2 * settings.blockBytes,
    ...(settings.allocateFrame ? { allocateFrame: settings.allocateFrame } : {}),
  });
}
