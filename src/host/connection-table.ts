/**
 * The lifecycle of every peer connection of a host, as one explicit state type: a connection is
 * `dialling` (we dial a candidate), `handshaking` (the socket is open, the proof handshake runs),
 * `active` (handed to its swarm), then `closed`. On the way it can be refused because a cap is
 * reached, the peer is banned, it is ourselves, or it duplicates a connection the pair already
 * has. The table decides; the host (host.ts) carries the decisions out on sockets.
 *
 * Caps, so that no source (a hostile tracker, DNS answer or peer-exchange flood) can turn a host
 * into a port scanner or exhaust it: connections under way at once (dialling + handshaking), dials
 * at once per source, one connection per address per swarm, peers per swarm, and a per-address
 * backoff after each failed dial (an address that turned out to be ourselves is never dialled
 * again).
 *
 * Pure: no I/O, time passed in. Not responsible for sockets, timers or which candidates exist
 * (the host's candidate book). Not thread-safe; one event loop.
 */
import type { ConnectionOrigin, PeerSourceKind } from '../peer-sources/peer-source.js';

/** Where a connection is in its life. */
export type ConnectionState = 'dialling' | 'handshaking' | 'active' | 'closed';

/** The caps of a host. */
export interface ConnectionCaps {
  /** Active peers per swarm. */
  readonly maxPeersPerSwarm: number;
  /**
   * Peers per swarm we dial ourselves (active or under way); the rest of `maxPeersPerSwarm` is left
   * for hosts that dial us. In a swarm larger than the cap, hosts that dialled until full would
   * leave no room for later ones, which would then form a swarm of their own (and fetch the whole
   * file from the origin again); half the cap keeps every host reachable (the swarm simulator
   * shows it: scripts/simulate-swarm.js).
   */
  readonly maxDialledPerSwarm: number;
  /** Connections dialling or in their handshake at once, over the whole host. */
  readonly maxUnderWay: number;
  /**
   * Our dials to one source's candidates under way at once (dialling or in their handshake): a
   * source that lists silent addresses holds only these slots, never the whole host's.
   */
  readonly maxDiallingPerSource: number;
  /** First delay after a failed dial to an address; doubled per failure. */
  readonly backoffBaseMs: number;
  /** Longest delay between dials to an address that keeps failing. */
  readonly backoffMaxMs: number;
}

/** The caps a host runs with. */
export const DEFAULT_CAPS: ConnectionCaps = {
  maxPeersPerSwarm: 64,
  maxDialledPerSwarm: 32,
  maxUnderWay: 32,
  maxDiallingPerSource: 8,
  // Fleets start together: a peer not listening yet is tried again soon (0.2, 0.4, 0.8 s, ...).
  backoffBaseMs: 200,
  backoffMaxMs: 30_000,
};

/** One connection of the table. */
export interface ConnectionEntry {
  readonly id: number;
  /** The swarm id in hex. */
  readonly swarm: string;
  readonly outbound: boolean;
  /** The address dialled (outbound) or the remote address (inbound). */
  readonly address: string;
  /** The port dialled; for an inbound connection, the remote (ephemeral) port. */
  readonly port: number;
  /** The port the peer listens on: the one dialled, or for an inbound peer the one it told us; else null. */
  readonly listenPort: number | null;
  readonly origin: ConnectionOrigin;
  readonly state: ConnectionState;
  /** The peer's id in hex, once its handshake has passed. */
  readonly peerId: string | null;
}

/** Why a dial is not made now. */
export type DialRefusal = 'under-way-cap' | 'source-cap' | 'swarm-full' | 'dialled-cap' | 'connected' | 'backoff' | 'self' | 'banned';

/** What to do with a connection whose handshake just passed. */
export type HandshakeVerdict =
  | { readonly kind: 'active' }
  /** Keep this one and close `replaced`, the other connection of the same pair. */
  | { readonly kind: 'replace'; readonly replaced: number }
  | { readonly kind: 'refuse'; readonly reason: 'duplicate connection' | 'banned' | 'swarm full' | 'closed' };

interface AddressRecord {
  failures: number;
  nextDialMs: number;
  self: boolean;
}

/** The connections of one host and the rules of their life. */
export class ConnectionTable {
  readonly #caps: ConnectionCaps;
  readonly #ourId: string;
  readonly #entries = new Map<number, ConnectionEntry>();
  readonly #addresses = new Map<string, AddressRecord>();
  readonly #banned = new Set<string>();
  #nextId = 1;

  /** `ourId`: our peer id in hex (decides which of a pair's two connections both sides keep). */
  constructor(ourId: string, caps: ConnectionCaps = DEFAULT_CAPS) {
    if (!/^[0-9a-f]+$/.test(ourId)) throw new TypeError(`ConnectionTable: ourId must be hex, got ${JSON.stringify(ourId)}`);
    this.#caps = caps;
    this.#ourId = ourId;
  }

  /** The connection `id`, or undefined once it is closed. */
  get(id: number): ConnectionEntry | undefined {
    return this.#entries.get(id);
  }

  /** Every connection not closed. */
  entries(): ConnectionEntry[] {
    return [...this.#entries.values()];
  }

  /** Connections dialling or in their handshake, over the host (`swarm` given: for that swarm). */
  underWay(swarm?: string): number {
    let count = 0;
    for (const entry of this.#entries.values()) {
      if (entry.state !== 'active' && (swarm === undefined || entry.swarm === swarm)) count++;
    }
    return count;
  }

  /**
   * Addresses whose first dials failed (at most {@link EARLY_FAILURES} so far, not ourselves):
   * peers started at the same moment as we are may not listen yet, so the first wait holds for them.
   */
  earlyRetries(): number {
    let count = 0;
    for (const record of this.#addresses.values()) if (!record.self && record.failures > 0 && record.failures <= EARLY_FAILURES) count++;
    return count;
  }

  /** Active peers of `swarm`. */
  activeIn(swarm: string): number {
    let count = 0;
    for (const entry of this.#entries.values()) if (entry.state === 'active' && entry.swarm === swarm) count++;
    return count;
  }

  /** Whether `peerId` is banned on this host. */
  isBanned(peerId: string): boolean {
    return this.#banned.has(peerId);
  }

  /** Bans `peerId` for the host's life (its connections are the host's to close). */
  ban(peerId: string): void {
    this.#banned.add(peerId);
  }

  /**
   * Whether a candidate may be dialled for `swarm` now, else why not. `peerId`: the id the source
   * heard (broadcast), so a peer we are connected or connecting to is not dialled again.
   */
  mayDial(swarm: string, address: string, port: number, origin: PeerSourceKind, nowMs: number, peerId: string | null = null): DialRefusal | null {
    const record = this.#addresses.get(addressKey(address, port));
    if (record?.self || peerId === this.#ourId) return 'self';
    if (peerId !== null && this.#banned.has(peerId)) return 'banned';
    if (record && nowMs < record.nextDialMs) return 'backoff';
    let underWay = 0;
    let fromSource = 0;
    let inSwarm = 0;
    let dialled = 0;
    for (const entry of this.#entries.values()) {
      if (entry.state !== 'active') underWay++;
      if (entry.state !== 'active' && entry.origin === origin) fromSource++;
      if (entry.swarm !== swarm) continue;
      inSwarm++;
      if (entry.outbound) dialled++;
      if (entry.address === address && entry.listenPort === port) return 'connected';
      if (peerId !== null && entry.peerId === peerId) return 'connected';
    }
    if (inSwarm >= this.#caps.maxPeersPerSwarm) return 'swarm-full';
    if (dialled >= this.#caps.maxDialledPerSwarm) return 'dialled-cap';
    if (underWay >= this.#caps.maxUnderWay) return 'under-way-cap';
    if (fromSource >= this.#caps.maxDiallingPerSource) return 'source-cap';
    return null;
  }

  /** Records a dial begun (after {@link mayDial} said yes); returns its connection id. */
  dialling(swarm: string, address: string, port: number, origin: PeerSourceKind): number {
    return this.#add({ swarm, outbound: true, address, port, listenPort: port, origin, state: 'dialling', peerId: null });
  }

  /** A dialled socket connected: its handshake runs now. */
  connected(id: number): void {
    const entry = this.#entries.get(id);
    if (entry?.state === 'dialling') this.#entries.set(id, { ...entry, state: 'handshaking' });
  }

  /** An inbound peer told us the port it listens on (so its address is not dialled again meanwhile). */
  listening(id: number, port: number): void {
    const entry = this.#entries.get(id);
    if (entry && !entry.outbound) this.#entries.set(id, { ...entry, listenPort: port });
  }

  /**
   * An incoming connection routed to `swarm`: its id, or null when the host is at its cap of
   * connections under way or the swarm is full (close it).
   */
  accepted(swarm: string, address: string, port: number): number | null {
    if (this.underWay() >= this.#caps.maxUnderWay) return null;
    if (this.underWay(swarm) + this.activeIn(swarm) >= this.#caps.maxPeersPerSwarm) return null;
    return this.#add({ swarm, outbound: false, address, port, listenPort: null, origin: 'incoming', state: 'handshaking', peerId: null });
  }

  /**
   * The handshake of `id` passed with peer `peerId`. When the pair already has a connection in
   * this swarm, both sides keep the same one of the two: the one the lower peer id dialled.
   */
  handshake(id: number, peerId: string): HandshakeVerdict {
    const entry = this.#entries.get(id);
    if (!entry || entry.state === 'closed') return { kind: 'refuse', reason: 'closed' };
    if (this.#banned.has(peerId)) return { kind: 'refuse', reason: 'banned' };
    const existing = [...this.#entries.values()].find((other) => other.id !== id && other.swarm === entry.swarm && other.peerId === peerId && other.state === 'active');
    if (existing) {
      const weAreLower = this.#ourId < peerId;
      const canonical = entry.outbound === weAreLower;
      if (!canonical || existing.outbound === weAreLower) return { kind: 'refuse', reason: 'duplicate connection' };
      this.#entries.set(id, { ...entry, state: 'active', peerId });
      this.#success(entry);
      return { kind: 'replace', replaced: existing.id };
    }
    if (this.activeIn(entry.swarm) >= this.#caps.maxPeersPerSwarm) return { kind: 'refuse', reason: 'swarm full' };
    this.#entries.set(id, { ...entry, state: 'active', peerId });
    this.#success(entry);
    return { kind: 'active' };
  }

  /**
   * Connection `id` closed. A dial that never became active counts as a failure of its address
   * (backoff); `self` marks the address as ours, never to be dialled again.
   */
  closed(id: number, nowMs: number, self = false): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#entries.delete(id);
    if (!entry.outbound) return;
    const key = addressKey(entry.address, entry.port);
    const record = this.#addresses.get(key) ?? { failures: 0, nextDialMs: 0, self: false };
    if (self) record.self = true;
    if (entry.state !== 'active') {
      record.failures++;
      record.nextDialMs = nowMs + backoffMs(this.#caps, record.failures);
    }
    this.#addresses.set(key, record);
  }

  /** Forgets backoff records that are long due (so the table stays bounded by live addresses). */
  prune(nowMs: number): void {
    for (const [key, record] of this.#addresses) {
      if (!record.self && record.nextDialMs + this.#caps.backoffMaxMs < nowMs) this.#addresses.delete(key);
    }
  }

  #add(fields: Omit<ConnectionEntry, 'id'>): number {
    const id = this.#nextId++;
    this.#entries.set(id, { id, ...fields });
    return id;
  }

  #success(entry: ConnectionEntry): void {
    if (entry.outbound) this.#addresses.delete(addressKey(entry.address, entry.port));
  }
}

/** Failed dials to an address after which it no longer holds the first wait (see `earlyRetries`). */
export const EARLY_FAILURES = 3;

/** The delay before dialling an address again after its `failures`-th failed dial in a row. */
export function backoffMs(caps: Pick<ConnectionCaps, 'backoffBaseMs' | 'backoffMaxMs'>, failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(caps.backoffMaxMs, caps.backoffBaseMs * 2 ** Math.min(failures - 1, 30));
}

/** The key of an address and port (IPv6 in brackets). */
export function addressKey(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
