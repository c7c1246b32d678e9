/**
 * The narrow interface a swarm talks to a peer through: an authenticated connection, handed to
 * the swarm by the host once the proof handshake has passed. `PeerConnection` (wire/) is the real
 * one; tests use fakes that record what is sent and emit what a peer says.
 *
 * Not responsible for anything before the handshake (the host dials, routes and authenticates).
 */
import type { ConnectionOrigin } from '../peer-sources/peer-source.js';
import type { WireMessage } from '../wire/codec.js';

/** One authenticated connection to a peer, as the swarm uses it. */
export interface PeerLink {
  /** Whether the connection has closed (then every send does nothing). */
  readonly closed: boolean;
  /** Queues one message; false when the queue is over its cap (see `drained`) or closed. */
  send(message: WireMessage): boolean;
  /** Queues a block without copying it; `onSent` once the link is done with `block`. As `send`. */
  sendPiece(piece: number, begin: number, block: Uint8Array, onSent?: () => void): boolean;
  /** Resolves once `send` would return true again, or the link closed. Never rejects. */
  drained(): Promise<void>;
  /** Closes the link; 'close' is emitted once with `reason`. Idempotent. */
  destroy(reason: string): void;
  /** A message from the peer, keep-alives and `unknown` ids included. */
  on(event: 'message', listener: (message: WireMessage) => void): unknown;
  /** The link closed (once); `reason` is for logs. */
  once(event: 'close', listener: (reason: string) => void): unknown;
}

/** A connection handed to a swarm, and what the host knows of it. */
export interface PeerInfo {
  /** The peer's id in hex. */
  readonly id: string;
  /** The address dialled, or the remote address. */
  readonly address: string;
  readonly outbound: boolean;
  /** How the connection came to be: the source of the address dialled, or `incoming`. */
  readonly origin: ConnectionOrigin;
  /** The host's id of the connection (for `SwarmHostLink.listening`). */
  readonly connectionId: number;
  /** The port the peer listens on, when known (we dialled it). */
  readonly listenPort: number | null;
}
