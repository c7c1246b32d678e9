/**
 * The seam every way of finding peers plugs into: a {@link PeerSource} is started with the swarms
 * the host wants peers for, and reports candidate addresses to dial. Sources: UDP broadcast on the
 * LAN, a fixed list (`--peer`), DNS records (`--peers-dns`), BitTorrent HTTP trackers (`--tracker`);
 * peer exchange between connected peers feeds the same dialling path inside the host.
 *
 * A source only suggests: every candidate goes through the same proof handshake before it is a
 * peer, and the host caps how many it dials (at once, per source, per address), so a hostile answer
 * can neither vouch for a peer nor turn the host into a port scanner. A source never throws out of
 * its callbacks: a bad answer is a `warning` (logged once by the host) and the source goes on.
 *
 * Pure types only.
 */

/** Where a candidate came from. */
export type PeerSourceKind = 'broadcast' | 'fixed' | 'dns' | 'tracker' | 'exchange';

/** Every source kind, in the order reports list them. */
export const PEER_SOURCE_KINDS: readonly PeerSourceKind[] = ['broadcast', 'tracker', 'dns', 'fixed', 'exchange'];

/** An address worth dialling. */
export interface PeerCandidate {
  /** An IPv4 or IPv6 literal (never a name: sources resolve names themselves). */
  readonly address: string;
  /** The peer's TCP listen port, 1..65535. */
  readonly port: number;
  /**
   * The swarm it was found for (32 bytes), or null when the address may hold any of our swarms
   * (a fixed address, a DNS record): the host then dials it for each swarm that wants peers.
   */
  readonly swarmId: Buffer | null;
  /** The peer id it announced, when the source heard one (broadcast); else null. */
  readonly peerId: Buffer | null;
}

/** One swarm a source is to find peers for. */
export interface SwarmWant {
  /** The swarm id (32 bytes) peers name in the handshake. */
  readonly swarmId: Buffer;
  /** Bytes we still lack: 0 once the file is complete (a tracker hears `completed` then). */
  readonly leftBytes: number;
}

/** Who we are, for sources that announce us (broadcast, trackers). */
export interface LocalPeer {
  /** Our peer id, 20 bytes. */
  readonly peerId: Buffer;
  /** The TCP port peers reach us on. */
  readonly tcpPort: number;
}

/** What a source reports to. Every method may be called at any time after `start` began. */
export interface PeerSourceSink {
  /** Addresses to dial (suggestions only). */
  candidates(found: readonly PeerCandidate[]): void;
  /**
   * The source has answered at least once for `swarmId` (null: for every swarm), with peers or
   * without, or has given up its first try: the first wait before the origin no longer waits for it.
   */
  answered(swarmId: Buffer | null): void;
  /** Something worth logging once: a bad answer, an unreachable server. Never fatal. */
  warning(message: string): void;
}

/** A way of finding peers. Construct, `start()`, `update()` as swarms come and go, `stop()`. */
export interface PeerSource {
  readonly kind: PeerSourceKind;
  /**
   * Starts finding peers for `swarms`. Resolves once running; rejects only for what the user must
   * fix (a port in use, a bad name), never for an answer that did not come.
   */
  start(local: LocalPeer, swarms: readonly SwarmWant[], sink: PeerSourceSink): Promise<void>;
  /** The swarms to find peers for now (one added, removed, or completed). May come before `start`, whose list then holds. */
  update(swarms: readonly SwarmWant[]): void;
  /** Stops; a tracker hears `stopped`. Resolves within a few seconds at most. */
  stop(): Promise<void>;
}

/** How a connection came to be: dialled to a candidate of that source, or `incoming` (it dialled us). */
export type ConnectionOrigin = PeerSourceKind | 'incoming';
