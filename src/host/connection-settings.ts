/**
 * The timeouts and frame caps of peer connections, the first wait for peers, and the TCP listener:
 * what the host (host.ts) opens connections with.
 *
 * Not responsible for what runs over a connection (the swarm), nor for routing incoming
 * connections to swarms (the host). Concurrency: event loop only; nothing here keeps state.
 */
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { PeerConnection } from '../wire/peer-connection.js';

/** A peer's hello and proof must arrive within this. */
export const HANDSHAKE_TIMEOUT_MS = 5000;
/** A frame begun must be complete within this. */
export const FRAME_TIMEOUT_MS = 10_000;
/** Bytes queued unsent on one connection above which we wait before sending more blocks. */
const MAX_QUEUED_BYTES = 2 * 1024 * 1024;

export { DEFAULT_DISCOVERY_WAIT, type DiscoveryWait } from '../swarm/swarm-parameters.js';

/**
 * Listens for peer connections on `network`'s port and bind address (null: all interfaces),
 * handing each socket to `onSocket`; rejects when the port cannot be had. Resolves with the
 * server and the port it got.
 */
export async function listenForPeers(
  network: { readonly port: number; readonly bindAddress: string | null },
  onSocket: (socket: Socket) => void,
): Promise<{ server: Server; port: number }> {
  const server = createServer(onSocket);
  server.listen(network.port, network.bindAddress ?? undefined);
  // once() rejects on an 'error' (the port is taken) while it waits.
  await once(server, 'listening');
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0 };
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
