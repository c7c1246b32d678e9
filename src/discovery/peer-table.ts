/**
 * The peers discovery has heard from: who announced which swarm ids, from which address, when.
 *
 * A peer is keyed by the datagram's source address, its TCP port and its peer id. The address is
 * ALWAYS the source address of the packet, never anything a packet claims, so a packet cannot
 * point us at a third host. A new peer id on an address and TCP port already known replaces the
 * old entry (the peer restarted). Swarm ids accumulate per peer, since a host holding more than 32
 * files announces them in several packets, and each expires on its own.
 *
 * Limits: our own peer id is ignored; at most `maxPacketsPerSecond` packets per source address
 * are taken (the excess is `'ignored'`); at most `maxPeers` peers are kept (a new one evicts the
 * least recently heard); at most `maxSwarmIdsPerPeer` swarm ids per peer (least recently heard
 * first out).
 *
 * Pure: time is passed in as `nowMs` (monotonic). Not responsible for: sockets, decoding, or
 * deciding whom to connect to.
 */
import type { Announce } from './announce-codec.js';
import { PEER_ID_BYTES } from './announce-codec.js';
import { SourceRateLimiter } from './source-rate-limiter.js';

/** A snapshot of one known peer. Changing it does not change the table. */
export interface PeerEntry {
  readonly peerId: Buffer;
  /** The source address of its packets. */
  readonly address: string;
  readonly tcpPort: number;
  /** Every swarm id it announced and that has not expired, least recently heard first. */
  readonly swarmIds: Buffer[];
  readonly firstSeenMs: number;
  readonly lastSeenMs: number;
}

/** Options of {@link PeerTable}. */
export interface PeerTableOptions {
  /** Our own peer id; announces carrying it are ignored. 20 bytes. */
  readonly ownPeerId: Uint8Array;
  /** @default 256 */
  readonly maxPeers?: number;
  /** Per source address. @default 20 */
  readonly maxPacketsPerSecond?: number;
  /** @default 1024 */
  readonly maxSwarmIdsPerPeer?: number;
}

/** What {@link PeerTable.observe} did with an announce. */
export type ObserveResult = 'new' | 'refresh' | 'ignored';

/** Default of {@link PeerTableOptions.maxPeers}. */
export const DEFAULT_MAX_PEERS = 256;
/** Default of {@link PeerTableOptions.maxPacketsPerSecond}. */
export const DEFAULT_MAX_PACKETS_PER_SECOND = 20;
/** Default of {@link PeerTableOptions.maxSwarmIdsPerPeer}. */
export const DEFAULT_MAX_SWARM_IDS_PER_PEER = 1024;

interface SwarmIdSeen {
  readonly id: Buffer;
  lastSeenMs: number;
}

interface PeerRecord {
  readonly peerId: Buffer;
  readonly address: string;
  readonly tcpPort: number;
  /** Swarm id hex -> when last announced. Map order is least recently heard first. */
  readonly swarmIds: Map<string, SwarmIdSeen>;
  readonly firstSeenMs: number;
  lastSeenMs: number;
}

/** The table of peers heard from. Synchronous; one owner (the discovery shell) mutates it. */
export class PeerTable {
  readonly maxPeers: number;
  readonly maxSwarmIdsPerPeer: number;
  readonly #ownPeerId: Buffer;
  readonly #rateLimiter: SourceRateLimiter;
  /** Key -> record. Map order is least recently heard first. */
  readonly #peers = new Map<string, PeerRecord>();

  /** @throws TypeError quoting a bad option. */
  constructor(options: PeerTableOptions) {
    const { ownPeerId } = options;
    if (!(ownPeerId instanceof Uint8Array) || ownPeerId.length !== PEER_ID_BYTES) {
      throw new TypeError(`ownPeerId must be ${PEER_ID_BYTES} bytes, got ${String(ownPeerId)}`);
    }
    this.maxPeers = positiveInteger('maxPeers', options.maxPeers ?? DEFAULT_MAX_PEERS);
    this.maxSwarmIdsPerPeer = positiveInteger('maxSwarmIdsPerPeer', options.maxSwarmIdsPerPeer ?? DEFAULT_MAX_SWARM_IDS_PER_PEER);
    const maxPacketsPerSecond = positiveInteger('maxPacketsPerSecond', options.maxPacketsPerSecond ?? DEFAULT_MAX_PACKETS_PER_SECOND);
    this.#ownPeerId = Buffer.from(ownPeerId);
    this.#rateLimiter = new SourceRateLimiter(maxPacketsPerSecond, this.maxPeers * 4);
  }

  /** Number of peers known. */
  get size(): number {
    return this.#peers.size;
  }

  /**
   * Records an announce received from `sourceAddress` at `nowMs`: `'new'` for a peer not known
   * before, `'refresh'` for a known one, `'ignored'` for our own peer id or a source over its rate.
   */
  observe(announce: Announce, sourceAddress: string, nowMs: number): ObserveResult {
    if (typeof sourceAddress !== 'string' || sourceAddress === '') {
      throw new TypeError(`sourceAddress must be a non-empty string, got ${String(sourceAddress)}`);
    }
    if (announce.peerId.equals(this.#ownPeerId)) return 'ignored';
    if (!this.#rateLimiter.allow(sourceAddress, nowMs)) return 'ignored';
    const key = peerKey(sourceAddress, announce.tcpPort, announce.peerId);
    let record = this.#peers.get(key);
    const result: ObserveResult = record === undefined ? 'new' : 'refresh';
    if (record === undefined) {
      this.#dropSameEndpoint(sourceAddress, announce.tcpPort);
      record = newRecord(announce, sourceAddress, nowMs);
    }
    this.#peers.delete(key);
    this.#peers.set(key, record);
    record.lastSeenMs = nowMs;
    mergeSwarmIds(record, announce.swarmIds, nowMs, this.maxSwarmIdsPerPeer);
    this.#evictOverflow();
    return result;
  }

  /**
   * Drops peers not heard from for `ttlMs` or more, and swarm ids not announced for `ttlMs` or
   * more. Returns how many peers were dropped.
   */
  expire(nowMs: number, ttlMs: number): number {
    if (!(ttlMs > 0)) throw new TypeError(`ttlMs must be positive, got ${String(ttlMs)}`);
    let dropped = 0;
    for (const [key, record] of this.#peers) {
      if (nowMs - record.lastSeenMs >= ttlMs) {
        this.#peers.delete(key);
        dropped++;
        continue;
      }
      for (const [hex, seen] of record.swarmIds) {
        if (nowMs - seen.lastSeenMs >= ttlMs) record.swarmIds.delete(hex);
      }
    }
    this.#rateLimiter.prune(nowMs);
    return dropped;
  }

  /** The peers that announced `swarmId`, least recently heard first. */
  peersFor(swarmId: Uint8Array): PeerEntry[] {
    const hex = Buffer.from(swarmId).toString('hex');
    return [...this.#peers.values()].filter((record) => record.swarmIds.has(hex)).map(snapshot);
  }

  /** Every known peer, least recently heard first. */
  peers(): PeerEntry[] {
    return [...this.#peers.values()].map(snapshot);
  }

  /** A peer restarted with a new id on the same endpoint: forget the old one. */
  #dropSameEndpoint(address: string, tcpPort: number): void {
    for (const [key, record] of this.#peers) {
      if (record.address === address && record.tcpPort === tcpPort) this.#peers.delete(key);
    }
  }

  #evictOverflow(): void {
    for (const key of this.#peers.keys()) {
      if (this.#peers.size <= this.maxPeers) return;
      this.#peers.delete(key);
    }
  }
}

function peerKey(address: string, tcpPort: number, peerId: Buffer): string {
  return `${address}:${tcpPort}/${peerId.toString('hex')}`;
}

function newRecord(announce: Announce, address: string, nowMs: number): PeerRecord {
  return {
    peerId: Buffer.from(announce.peerId),
    address,
    tcpPort: announce.tcpPort,
    swarmIds: new Map(),
    firstSeenMs: nowMs,
    lastSeenMs: nowMs,
  };
}

function mergeSwarmIds(record: PeerRecord, swarmIds: readonly Buffer[], nowMs: number, max: number): void {
  for (const id of swarmIds) {
    const hex = id.toString('hex');
    record.swarmIds.delete(hex);
    record.swarmIds.set(hex, { id: Buffer.from(id), lastSeenMs: nowMs });
  }
  for (const hex of record.swarmIds.keys()) {
    if (record.swarmIds.size <= max) return;
    record.swarmIds.delete(hex);
  }
}

function snapshot(record: PeerRecord): PeerEntry {
  return {
    peerId: Buffer.from(record.peerId),
    address: record.address,
    tcpPort: record.tcpPort,
    swarmIds: [...record.swarmIds.values()].map((seen) => Buffer.from(seen.id)),
    firstSeenMs: record.firstSeenMs,
    lastSeenMs: record.lastSeenMs,
  };
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new TypeError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}
