/**
 * The 80-byte handshake each side sends at once on connect (BEP 3 layout, our protocol string):
 * `u8 19`, `"swarm-wire/1       "` (19 ASCII bytes), 8 reserved bytes, a 32-byte swarm id, a
 * 20-byte peer id.
 *
 * Pure: no I/O. Not responsible for: computing the swarm id (the caller digests the file's swarm
 * key), choosing peer ids, or deciding what a swarm id mismatch means (the shell closes).
 */

import { WireError } from './wire-error.js';

/** The protocol string, padded with spaces to exactly 19 bytes. */
export const PROTOCOL_NAME = 'swarm-wire/1       ';
/** Bytes of the whole handshake. */
export const HANDSHAKE_BYTES = 80;
/** Bytes of the reserved field. All zero today; bit 0 (mask 0x01) of byte 7 is kept for auth. */
export const RESERVED_BYTES = 8;
/** Bytes of a swarm id: a digest naming the file. Opaque to the wire. */
export const SWARM_ID_BYTES = 32;
/** Bytes of a peer id. */
export const PEER_ID_BYTES = 20;

/** A decoded handshake. Fields are copies (Buffers), independent of the bytes they came from. */
export interface Handshake {
  reserved: Buffer;
  swarmId: Buffer;
  peerId: Buffer;
}

/** What {@link encodeHandshake} takes; `reserved` defaults to eight zero bytes. */
export interface HandshakeInit {
  swarmId: Uint8Array;
  peerId: Uint8Array;
  reserved?: Uint8Array;
}

/** `u8 19` + protocol string: the first 20 bytes of every handshake. */
const HEADER: Uint8Array = buildHeader();
const RESERVED_OFFSET = HEADER.length;
const SWARM_ID_OFFSET = RESERVED_OFFSET + RESERVED_BYTES;
const PEER_ID_OFFSET = SWARM_ID_OFFSET + SWARM_ID_BYTES;

function buildHeader(): Uint8Array {
  const header = new Uint8Array(1 + PROTOCOL_NAME.length);
  header[0] = PROTOCOL_NAME.length;
  for (let i = 0; i < PROTOCOL_NAME.length; i++) header[i + 1] = PROTOCOL_NAME.charCodeAt(i);
  return header;
}

/**
 * The 80 bytes of our handshake. Throws a `TypeError` quoting the bad value unless `swarmId`,
 * `peerId` and `reserved` (when given) are Uint8Arrays of 32, 20 and 8 bytes.
 */
export function encodeHandshake(h: HandshakeInit): Buffer {
  const reserved = h.reserved ?? new Uint8Array(RESERVED_BYTES);
  assertBytes('reserved', reserved, RESERVED_BYTES);
  assertBytes('swarmId', h.swarmId, SWARM_ID_BYTES);
  assertBytes('peerId', h.peerId, PEER_ID_BYTES);
  const bytes = Buffer.allocUnsafe(HANDSHAKE_BYTES);
  bytes.set(HEADER, 0);
  bytes.set(reserved, RESERVED_OFFSET);
  bytes.set(h.swarmId, SWARM_ID_OFFSET);
  bytes.set(h.peerId, PEER_ID_OFFSET);
  return bytes;
}

/**
 * Reads a peer's handshake. Returns a `BAD_HANDSHAKE` {@link WireError} (never throws one) when
 * `bytes` is not exactly 80 bytes or does not start with `u8 19` + the protocol string. Reserved
 * bits we do not know are kept, not rejected. Throws a `TypeError` only for a non-Uint8Array.
 */
export function decodeHandshake(bytes: Uint8Array): Handshake | WireError {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`decodeHandshake: bytes must be a Uint8Array, got ${String(bytes)} (${typeof bytes})`);
  }
  if (bytes.length !== HANDSHAKE_BYTES) {
    return new WireError('BAD_HANDSHAKE', `handshake of ${bytes.length} bytes, expected ${HANDSHAKE_BYTES}`);
  }
  if (!isHandshakePrefix(bytes)) {
    return new WireError('BAD_HANDSHAKE', `handshake does not start with the protocol string ${JSON.stringify(PROTOCOL_NAME)}`);
  }
  return {
    reserved: Buffer.from(bytes.subarray(RESERVED_OFFSET, SWARM_ID_OFFSET)),
    swarmId: Buffer.from(bytes.subarray(SWARM_ID_OFFSET, PEER_ID_OFFSET)),
    peerId: Buffer.from(bytes.subarray(PEER_ID_OFFSET, HANDSHAKE_BYTES)),
  };
}

/**
 * Whether `bytes` (any length) agrees with the fixed first 20 bytes of a handshake, as far as it
 * goes, so a shell can drop a peer speaking another protocol before all 80 bytes arrive.
 */
export function isHandshakePrefix(bytes: Uint8Array): boolean {
  const checkBytes = Math.min(bytes.length, HEADER.length);
  for (let i = 0; i < checkBytes; i++) {
    if (bytes[i] !== HEADER[i]) return false;
  }
  return true;
}

function assertBytes(name: string, value: unknown, expectedBytes: number): void {
  if (!(value instanceof Uint8Array) || value.length !== expectedBytes) {
    const got = value instanceof Uint8Array ? `${value.length} bytes` : `${String(value)} (${typeof value})`;
    throw new TypeError(`encodeHandshake: ${name} must be a Uint8Array of ${expectedBytes} bytes, got ${got}`);
  }
}
