/**
 * The policy of peer exchange (PEX, after BEP 11): connected peers tell each other the TCP listen
 * addresses of the peers they have (`peers` messages, see `wire/codec-peers.ts`), so that one
 * rendezvous address is enough to find the whole swarm. Per connection, a {@link PexSender} says
 * what to send and when, and a {@link PexInbox} says whether what the peer sends is within bounds
 * and which of its addresses are worth dialling.
 *
 * Pure: no I/O, time passed in as `nowMs` (any monotonic clock in milliseconds). Not responsible
 * for: which peers are exchangeable (the swarm lists those that passed the proof handshake and
 * whose listen address it knows), dialling (the host dials what the inbox lets through, with the
 * same caps and proof handshake as any other source), or BEP 11's `dropped` list (a peer that went
 * away is simply not dialled again by whoever fails to reach it).
 */

import { MAX_PEX_PEERS } from '../wire/codec.js';
import type { PexAddress } from '../wire/codec.js';
import { IPV4_BYTES, IPV6_BYTES, formatIpAddress, isIpv4Mapped, parseIpAddress } from '../wire/ip-address.js';

/**
 * Least time between two `peers` messages on one connection, and twice the average a receiver
 * allows. BEP 11's convention is one a minute; ours is shorter because our swarms are small, on a
 * LAN or a cluster, and a new peer should find the others within seconds.
 */
export const PEX_INTERVAL_MS = 5_000;

/** Most entries one connection is ever sent: its peer learns of at most this many peers from us. */
export const MAX_PEX_SENT_PER_CONNECTION = 1_000;

/** Messages a peer may send back to back before the rate applies (libtorrent allows 6 a minute). */
export const PEX_BURST_MESSAGES = 3;

/** Most entries taken from one connection in its life; later ones are ignored. */
export const MAX_PEX_TAKEN_PER_CONNECTION = 500;

/** A `peers` message as {@link PexSender.next} returns it. */
export interface PeersMessage {
  readonly type: 'peers';
  readonly added: PexAddress[];
}

/** What {@link PexInbox.accept} says of one `peers` message. */
export type PexAcceptance =
  /** Within the rate: take the first `takeCount` entries (fewer than sent once the lifetime cap is reached). */
  | { readonly verdict: 'ok'; readonly takeCount: number }
  /** Over the rate: the peer floods us; the swarm drops it. Every later call says so too. */
  | { readonly verdict: 'flood' };

/** Options of {@link PexSender}. */
export interface PexSenderOptions {
  /** Least time between two messages. @default {@link PEX_INTERVAL_MS} */
  readonly intervalMs?: number;
  /** Most entries in one message, at most {@link MAX_PEX_PEERS}. @default {@link MAX_PEX_PEERS} */
  readonly maxEntriesPerMessage?: number;
  /** Most entries sent in the connection's life. @default {@link MAX_PEX_SENT_PER_CONNECTION} */
  readonly maxEntriesPerConnection?: number;
}

/** Options of {@link PexInbox}. */
export interface PexInboxOptions {
  /** Messages allowed back to back. @default {@link PEX_BURST_MESSAGES} */
  readonly burstMessages?: number;
  /** Average time per message once the burst is spent. @default `PEX_INTERVAL_MS / 2` */
  readonly refillMs?: number;
  /** Most entries taken in the connection's life. @default {@link MAX_PEX_TAKEN_PER_CONNECTION} */
  readonly maxEntriesTaken?: number;
}

/**
 * The key of a listen address, `address:port` with the address in canonical text and an
 * IPv4-mapped IPv6 address written as IPv4 (`::ffff:10.0.0.1` and `10.0.0.1` are one host).
 * Throws a `TypeError` quoting the value when the address is not an IP literal or the port not an
 * integer in [1, 65535].
 */
export function pexKey(peer: PexAddress): string {
  const canonical = canonicalPeer(peer);
  if (canonical === null) throw new TypeError(`pexKey: expected { address: an IP literal, port: 1..65535 }, got ${describe(peer)}`);
  return keyOf(canonical);
}

/**
 * What to tell one connected peer about the others, after BEP 11: the first `peers` message as
 * soon as there is anything to tell, then at most one every `intervalMs`, each with only the
 * entries this peer has not had from us yet (at most `maxEntriesPerMessage`; the rest go in the
 * next), and never more than `maxEntriesPerConnection` in all.
 *
 * Not responsible for: sending (the swarm writes what `next` returns), or learning which peers
 * the recipient already knows. Memory: one key per entry sent, so at most
 * `maxEntriesPerConnection` keys. Single-threaded; not re-entrant.
 */
export class PexSender {
  readonly #intervalMs: number;
  readonly #maxPerMessage: number;
  readonly #maxPerConnection: number;
  readonly #sent = new Set<string>();
  #lastSentMs: number | null = null;

  /** Throws a `TypeError` quoting an option that is not a positive integer (or over {@link MAX_PEX_PEERS}). */
  constructor(opts: PexSenderOptions = {}) {
    this.#intervalMs = positiveInteger('PexSender: intervalMs', opts.intervalMs ?? PEX_INTERVAL_MS, Number.MAX_SAFE_INTEGER);
    this.#maxPerMessage = positiveInteger('PexSender: maxEntriesPerMessage', opts.maxEntriesPerMessage ?? MAX_PEX_PEERS, MAX_PEX_PEERS);
    this.#maxPerConnection = positiveInteger(
      'PexSender: maxEntriesPerConnection', opts.maxEntriesPerConnection ?? MAX_PEX_SENT_PER_CONNECTION, Number.MAX_SAFE_INTEGER,
    );
  }

  /** Entries sent so far on this connection. */
  get sentEntries(): number {
    return this.#sent.size;
  }

  /**
   * The earliest time {@link next} may return a message: `null` before the first message (it may
   * go at once), else the last message's time plus the interval. For the shell's timer: call
   * `next` then, and whenever the peer set changes; `next` itself decides.
   */
  get nextAtMs(): number | null {
    return this.#lastSentMs === null ? null : this.#lastSentMs + this.#intervalMs;
  }

  /**
   * The message to send at `nowMs`, or `null` when it is too soon, nothing is new, or the
   * lifetime cap is reached. `exchangeable` lists the listen addresses of the peers we have, in
   * the order they should be told (duplicates are sent once); `recipient` is this connection's
   * peer's listen address when known, and is never sent back to it. Addresses go out in canonical
   * text (see {@link pexKey}). Throws a `TypeError` when `nowMs` is not a finite number or an entry
   * is not an IP literal with a port in [1, 65535].
   */
  next(nowMs: number, exchangeable: readonly PexAddress[], recipient: PexAddress | null): PeersMessage | null {
    if (!Number.isFinite(nowMs)) throw new TypeError(`PexSender.next: nowMs must be a finite number, got ${String(nowMs)}`);
    if (!Array.isArray(exchangeable)) throw new TypeError(`PexSender.next: exchangeable must be an array, got ${describe(exchangeable)}`);
    if (this.#lastSentMs !== null && nowMs < this.#lastSentMs + this.#intervalMs) return null;
    const room = Math.min(this.#maxPerMessage, this.#maxPerConnection - this.#sent.size);
    const skip = recipient === null ? null : pexKey(recipient);
    const added: PexAddress[] = [];
    const keys = new Set<string>();
    for (const peer of exchangeable) {
      if (added.length >= room) break;
      const canonical = canonicalPeer(peer);
      if (canonical === null) throw new TypeError(`PexSender.next: exchangeable entries must be IP literals with a port in [1, 65535], got ${describe(peer)}`);
      const key = keyOf(canonical);
      if (key === skip || this.#sent.has(key) || keys.has(key)) continue;
      keys.add(key);
      added.push(canonical);
    }
    if (added.length === 0) return null;
    for (const key of keys) this.#sent.add(key);
    this.#lastSentMs = nowMs;
    return { type: 'peers', added };
  }
}

/**
 * Bounds on what one connected peer may tell us: a rate of `peers` messages (a token bucket of
 * `burstMessages`, refilled one per `refillMs`; beyond it the peer floods and is dropped, as
 * libtorrent drops a peer sending `ut_pex` too often), a lifetime cap on entries taken, and a
 * filter that keeps only addresses worth dialling that we have not had from this peer before.
 *
 * Not responsible for: decoding (the codec refuses malformed entries first), or dialling. Memory:
 * at most `maxEntriesTaken` remembered keys. Single-threaded; not re-entrant.
 */
export class PexInbox {
  readonly #refillMs: number;
  readonly #toleranceMs: number;
  readonly #maxTaken: number;
  readonly #seen = new Set<string>();
  /** When the bucket is next full again, GCRA style (the "theoretical arrival time"). */
  #fullAtMs: number | null = null;
  #taken = 0;
  #flooded = false;

  /** Throws a `TypeError` quoting an option that is not a positive integer. */
  constructor(opts: PexInboxOptions = {}) {
    const burst = positiveInteger('PexInbox: burstMessages', opts.burstMessages ?? PEX_BURST_MESSAGES, Number.MAX_SAFE_INTEGER);
    this.#refillMs = positiveInteger('PexInbox: refillMs', opts.refillMs ?? PEX_INTERVAL_MS / 2, Number.MAX_SAFE_INTEGER);
    this.#toleranceMs = (burst - 1) * this.#refillMs;
    this.#maxTaken = positiveInteger('PexInbox: maxEntriesTaken', opts.maxEntriesTaken ?? MAX_PEX_TAKEN_PER_CONNECTION, Number.MAX_SAFE_INTEGER);
  }

  /** Entries taken so far (counted by {@link accept}, before filtering). */
  get takenEntries(): number {
    return this.#taken;
  }

  /**
   * Whether a `peers` message of `count` entries arriving at `nowMs` is within the rate, and if
   * so how many of its entries to take (all, until the lifetime cap). An empty message counts
   * against the rate too. Throws a `TypeError` when `nowMs` is not finite or `count` is not a
   * non-negative integer.
   */
  accept(nowMs: number, count: number): PexAcceptance {
    if (!Number.isFinite(nowMs)) throw new TypeError(`PexInbox.accept: nowMs must be a finite number, got ${String(nowMs)}`);
    if (!Number.isSafeInteger(count) || count < 0) throw new TypeError(`PexInbox.accept: count must be a non-negative integer, got ${String(count)}`);
    if (this.#flooded) return { verdict: 'flood' };
    const fullAtMs = Math.max(this.#fullAtMs ?? nowMs, nowMs);
    if (fullAtMs - nowMs > this.#toleranceMs) {
      this.#flooded = true;
      return { verdict: 'flood' };
    }
    this.#fullAtMs = fullAtMs + this.#refillMs;
    const takeCount = Math.min(count, this.#maxTaken - this.#taken);
    this.#taken += takeCount;
    return { verdict: 'ok', takeCount };
  }

  /**
   * The entries of `added` worth dialling, addresses in canonical text (see {@link pexKey}):
   * without addresses nobody can dial (unspecified `0.0.0.0/8` and `::`, multicast `224.0.0.0/4`
   * and `ff00::/8`, reserved `240.0.0.0/4` with `255.255.255.255`, IPv6 link-local `fe80::/10`,
   * which needs a zone), ports outside [1, 65535], entries that are not literals, duplicates
   * (within `added` and of what this inbox let through before), and `self`: our own listen
   * addresses, compared exactly (an unspecified address in `self` matches only itself). Never
   * throws for what a peer sent; throws a `TypeError` when `self` is not an array of IP literals
   * with ports in [1, 65535].
   */
  filterAdded(added: readonly PexAddress[], self: readonly PexAddress[]): PexAddress[] {
    if (!Array.isArray(self)) throw new TypeError(`PexInbox.filterAdded: self must be an array, got ${describe(self)}`);
    const own = new Set(self.map((peer) => pexKey(peer)));
    const kept = new Map<string, PexAddress>();
    for (const peer of Array.isArray(added) ? added : []) {
      const host = hostOf(peer);
      if (host === null || !isDialable(host.bytes)) continue;
      const key = keyOf(host.peer);
      if (own.has(key) || this.#seen.has(key) || kept.has(key)) continue;
      kept.set(key, host.peer);
    }
    for (const key of kept.keys()) if (this.#seen.size < this.#maxTaken) this.#seen.add(key);
    return [...kept.values()];
  }
}

/**
 * The peer with its address in canonical text (an IPv4-mapped IPv6 address as IPv4), and the
 * address's bytes; null when the address is not a literal or the port not in [1, 65535].
 */
function hostOf(peer: PexAddress): { peer: PexAddress; bytes: Uint8Array } | null {
  const { address, port } = (peer ?? {}) as Partial<PexAddress>;
  if (port === undefined || !Number.isInteger(port) || port < 1 || port > 0xffff) return null;
  const parsed = parseIpAddress(address as string);
  if (parsed === null) return null;
  const bytes = isIpv4Mapped(parsed) ? parsed.subarray(IPV6_BYTES - IPV4_BYTES) : parsed;
  return { peer: { address: formatIpAddress(bytes), port }, bytes };
}

/** {@link hostOf}'s peer alone. */
function canonicalPeer(peer: PexAddress): PexAddress | null {
  return hostOf(peer)?.peer ?? null;
}

function keyOf(peer: PexAddress): string {
  return `${peer.address}:${peer.port}`;
}

/** Whether an address (4 or 16 bytes, not IPv4-mapped) can be dialled at all (see {@link PexInbox.filterAdded}). */
function isDialable(bytes: Uint8Array): boolean {
  const first = bytes[0] ?? 0;
  if (bytes.length === IPV4_BYTES) return first !== 0 && first < 224;
  if (first === 0xff) return false;
  if (first === 0xfe && ((bytes[1] ?? 0) & 0xc0) === 0x80) return false;
  return bytes.some((byte) => byte !== 0);
}

function positiveInteger(name: string, value: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new TypeError(`${name} must be an integer in [1, ${max}], got ${String(value)} (${typeof value})`);
  }
  return value;
}

function describe(value: unknown): string {
  try {
    return `${JSON.stringify(value) ?? String(value)} (${typeof value})`;
  } catch {
    return `${String(value)} (${typeof value})`;
  }
}
