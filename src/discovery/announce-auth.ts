/**
 * Authenticated announces, for swarms with a secret: the v1 announce with flag bit 0 set, then a
 * trailer of a timestamp (u64 ms since the epoch, big-endian), an 8-byte random nonce and an
 * HMAC-SHA256 (keyed with the secret's discovery key) over every byte before it:
 * ```
 * announce (flags = 1) | timestampMs u64 | nonce 8 | hmac 32
 * ```
 * A receiver with the same secret accepts a packet only when the HMAC matches, the timestamp is
 * within {@link REPLAY_WINDOW_MS} of its own clock, and it has not seen the same packet (its HMAC)
 * in that window ({@link ReplayGuard}). Hosts without a secret drop these packets (the plain
 * decoder rejects set flags), and hosts with one drop plain packets and packets of other secrets.
 *
 * Pure: hashing only; the time and the nonce are passed in. Not responsible for sockets.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ANNOUNCE_HEADER_BYTES, decodeAnnounce, type Announce } from './announce-codec.js';

/** Bytes added to an announce by {@link sealAnnounce}. */
export const AUTH_TRAILER_BYTES = 8 + 8 + 32;
/** A packet whose timestamp is further than this from the receiver's clock is dropped. */
export const REPLAY_WINDOW_MS = 30_000;
/** Packets remembered by a {@link ReplayGuard} at most (about 16 bytes of key each, plus the map). */
export const MAX_REMEMBERED_PACKETS = 8192;

const FLAGS_OFFSET = 6;
const MAC_BYTES = 32;

/**
 * The authenticated form of a plain announce packet (from `encodeAnnounce`).
 * @throws TypeError when `key` is not 32 bytes, `nonce` not 8, or `timestampMs` not a safe non-negative integer.
 */
export function sealAnnounce(packet: Uint8Array, key: Uint8Array, timestampMs: number, nonce: Uint8Array): Buffer {
  if (!(key instanceof Uint8Array) || key.length !== 32) throw new TypeError('sealAnnounce: key must be 32 bytes');
  if (!(nonce instanceof Uint8Array) || nonce.length !== 8) throw new TypeError('sealAnnounce: nonce must be 8 bytes');
  if (!Number.isSafeInteger(timestampMs) || timestampMs < 0) throw new TypeError(`sealAnnounce: bad timestampMs ${String(timestampMs)}`);
  const sealed = Buffer.alloc(packet.length + AUTH_TRAILER_BYTES);
  sealed.set(packet, 0);
  sealed[FLAGS_OFFSET] = 0x01;
  sealed.writeBigUInt64BE(BigInt(timestampMs), packet.length);
  sealed.set(nonce, packet.length + 8);
  const macAt = sealed.length - MAC_BYTES;
  createHmac('sha256', key).update(sealed.subarray(0, macAt)).digest().copy(sealed, macAt);
  return sealed;
}

/** An authenticated announce: the announce, when it was sent, and what identifies the packet. */
export interface OpenedAnnounce {
  readonly announce: Announce;
  readonly timestampMs: number;
  /** The packet's HMAC in hex: the same packet replayed has the same id. */
  readonly packetId: string;
}

/**
 * Checks and decodes an authenticated announce; `null` when it is not one (too short or long,
 * flag not set, wrong HMAC, a malformed announce inside). Never throws for any `bytes`.
 */
export function openAnnounce(bytes: Uint8Array, key: Uint8Array): OpenedAnnounce | null {
  if (!(bytes instanceof Uint8Array) || bytes.length < ANNOUNCE_HEADER_BYTES + AUTH_TRAILER_BYTES) return null;
  if (bytes[FLAGS_OFFSET] !== 0x01) return null;
  const macAt = bytes.length - MAC_BYTES;
  const expected = createHmac('sha256', key).update(bytes.subarray(0, macAt)).digest();
  if (!timingSafeEqual(expected, bytes.subarray(macAt))) return null;
  const plainBytes = bytes.length - AUTH_TRAILER_BYTES;
  const plain = Buffer.from(bytes.subarray(0, plainBytes));
  plain[FLAGS_OFFSET] = 0;
  const announce = decodeAnnounce(plain);
  if (announce === null) return null;
  const timestamp = Buffer.from(bytes.subarray(plainBytes, plainBytes + 8)).readBigUInt64BE(0);
  if (timestamp > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return { announce, timestampMs: Number(timestamp), packetId: expected.toString('hex', 0, 16) };
}

/** What {@link ReplayGuard.admit} decided. */
export type ReplayVerdict = 'fresh' | 'stale' | 'replay' | 'full';

/**
 * Remembers the authenticated packets of the last {@link REPLAY_WINDOW_MS} so a replayed packet
 * is dropped. Memory is bounded: at most `maxPackets` ids; when that many fresh packets arrived
 * within one window, further ones are refused (`'full'`) rather than forgetting one early.
 * Only packets with a valid HMAC reach it, so only holders of the secret can fill it.
 *
 * Pure: time is passed in. Synchronous; one owner.
 */
export class ReplayGuard {
  readonly #seen = new Map<string, number>();
  readonly #maxPackets: number;

  constructor(maxPackets = MAX_REMEMBERED_PACKETS) {
    if (!Number.isSafeInteger(maxPackets) || maxPackets < 1) throw new TypeError(`maxPackets must be a positive integer, got ${String(maxPackets)}`);
    this.#maxPackets = maxPackets;
  }

  /** Ids remembered now. */
  get size(): number {
    return this.#seen.size;
  }

  /** Whether to take the packet `packetId` sent at `timestampMs`, the receiver's clock being `nowMs`. */
  admit(packetId: string, timestampMs: number, nowMs: number): ReplayVerdict {
    if (Math.abs(nowMs - timestampMs) > REPLAY_WINDOW_MS) return 'stale';
    if (this.#seen.has(packetId)) return 'replay';
    if (this.#seen.size >= this.#maxPackets) this.#forgetOlderThan(nowMs - REPLAY_WINDOW_MS);
    if (this.#seen.size >= this.#maxPackets) return 'full';
    this.#seen.set(packetId, timestampMs);
    return 'fresh';
  }

  #forgetOlderThan(cutoffMs: number): void {
    for (const [id, timestampMs] of this.#seen) if (timestampMs < cutoffMs) this.#seen.delete(id);
  }
}
