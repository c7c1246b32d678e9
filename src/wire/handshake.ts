/**
 * The 80-byte handshake each side sends at once on connect (BEP 3 layout, our protocol string):
 * `u8 19`, `"swarm-wire/1       "` (19 ASCII bytes), 8 reserved bytes, a 32-byte swarm id, a
 * 20-byte peer id.
 *
 * Since the handshake is authenticated, each side sends a *hello*: the handshake with the auth
 * bit set (bit 0 of reserved byte 7) followed by a fresh 32-byte random nonce. Once it has the
 * other's hello, each side sends a 32-byte *proof* ({@link authProof}): an HMAC-SHA256, keyed
 * with a secret derived from the swarm key (and the swarm secret, when there is one), over both
 * nonces, both peer ids, the swarm id and the sender's role (dialler or acceptor). A listener
 * learns neither the key nor a proof it can replay: every proof is bound to two fresh nonces and
 * to a direction (README, Security, says what it does not stop).
 *
 * Pure: no I/O (hashing only). Not responsible for: computing the swarm id or the auth key (the
 * caller digests the file's swarm key), choosing peer ids or nonces, or deciding what a mismatch
 * means (the shell closes).
 */

import { createHmac, timingSafeEqual } from 'node:crypto';
import { WireError } from './wire-error.js';

/** The protocol string, padded with spaces to exactly 19 bytes. */
export const PROTOCOL_NAME = 'swarm-wire/1       ';
/** Bytes of the whole handshake. */
export const HANDSHAKE_BYTES = 80;
/** Bytes of the reserved field. Zero but for the auth bit (byte 7, mask 0x01) of a hello. */
export const RESERVED_BYTES = 8;
/** Bytes of a swarm id: a digest naming the file. Opaque to the wire. */
export const SWARM_ID_BYTES = 32;
/** Bytes of a peer id. */
export const PEER_ID_BYTES = 20;

/** Bytes of a hello's nonce. */
export const NONCE_BYTES = 32;
/** Bytes of a hello: handshake + nonce. */
export const HELLO_BYTES = HANDSHAKE_BYTES + NONCE_BYTES;
/** Bytes of an auth proof (HMAC-SHA256). */
export const PROOF_BYTES = 32;
/** Bytes of an auth key. */
export const AUTH_KEY_BYTES = 32;
/** The reserved bit (byte 7, mask 0x01) that says "a nonce follows and a proof is due". */
export const AUTH_RESERVED_BIT = 0x01;
/** Domain-separation tag of a proof; a new proof layout gets a new tag. */
export const PROOF_TAG = 'swarm-wire-proof/1';

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
  const wrongSize = sizeProblem('decodeHandshake', 'handshake', bytes, HANDSHAKE_BYTES);
  if (wrongSize !== null) return wrongSize;
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

/** A decoded hello: the handshake and the sender's nonce (a copy). */
export interface Hello extends Handshake {
  nonce: Buffer;
}

/**
 * The 112 bytes of our hello: the handshake with the auth bit set, then `nonce` (32 bytes).
 * Throws a `TypeError` as {@link encodeHandshake} does, or for a nonce that is not 32 bytes.
 */
export function encodeHello(h: { swarmId: Uint8Array; peerId: Uint8Array; nonce: Uint8Array }): Buffer {
  assertBytes('nonce', h.nonce, NONCE_BYTES);
  const reserved = new Uint8Array(RESERVED_BYTES);
  reserved[RESERVED_BYTES - 1] = AUTH_RESERVED_BIT;
  const hello = Buffer.allocUnsafe(HELLO_BYTES);
  hello.set(encodeHandshake({ swarmId: h.swarmId, peerId: h.peerId, reserved }), 0);
  hello.set(h.nonce, HANDSHAKE_BYTES);
  return hello;
}

/**
 * Reads a peer's hello. Returns a `BAD_HANDSHAKE` {@link WireError} (never throws one) when it is
 * not exactly 112 bytes, not a handshake, or lacks the auth bit (a peer that does not
 * authenticate). Throws a `TypeError` only for a non-Uint8Array.
 */
export function decodeHello(bytes: Uint8Array): Hello | WireError {
  const wrongSize = sizeProblem('decodeHello', 'hello', bytes, HELLO_BYTES);
  if (wrongSize !== null) return wrongSize;
  const handshake = decodeHandshake(bytes.subarray(0, HANDSHAKE_BYTES));
  if (handshake instanceof WireError) return handshake;
  if (((handshake.reserved[RESERVED_BYTES - 1] ?? 0) & AUTH_RESERVED_BIT) === 0) {
    return new WireError('BAD_HANDSHAKE', 'the peer does not authenticate (auth bit not set)');
  }
  return { ...handshake, nonce: Buffer.from(bytes.subarray(HANDSHAKE_BYTES)) };
}

/** The fields a proof is bound to, from the sender's point of view. */
export interface ProofInput {
  /** 32 bytes: derived from the swarm key (and secret); the same on both sides of one swarm. */
  authKey: Uint8Array;
  swarmId: Uint8Array;
  /** Whether the sender dialled the connection (else it accepted it). */
  senderDialled: boolean;
  senderPeerId: Uint8Array;
  receiverPeerId: Uint8Array;
  senderNonce: Uint8Array;
  receiverNonce: Uint8Array;
}

/**
 * The 32-byte proof the sender of {@link ProofInput} sends: HMAC-SHA256(authKey, tag || role ||
 * swarmId || sender id || receiver id || sender nonce || receiver nonce). Throws a `TypeError`
 * when a field has the wrong size.
 */
export function authProof(p: ProofInput): Buffer {
  assertBytes('authKey', p.authKey, AUTH_KEY_BYTES);
  assertBytes('swarmId', p.swarmId, SWARM_ID_BYTES);
  assertBytes('senderPeerId', p.senderPeerId, PEER_ID_BYTES);
  assertBytes('receiverPeerId', p.receiverPeerId, PEER_ID_BYTES);
  assertBytes('senderNonce', p.senderNonce, NONCE_BYTES);
  assertBytes('receiverNonce', p.receiverNonce, NONCE_BYTES);
  return createHmac('sha256', p.authKey)
    .update(PROOF_TAG, 'latin1')
    .update(Uint8Array.of(p.senderDialled ? 1 : 2))
    .update(p.swarmId)
    .update(p.senderPeerId)
    .update(p.receiverPeerId)
    .update(p.senderNonce)
    .update(p.receiverNonce)
    .digest();
}

/** Whether `proof` equals `expected`, in time independent of where they differ. */
export function proofMatches(proof: Uint8Array, expected: Uint8Array): boolean {
  return proof.length === expected.length && timingSafeEqual(proof, expected);
}

/** A `BAD_HANDSHAKE` error when `bytes` is not `expectedBytes` long; a `TypeError` when not bytes at all. */
function sizeProblem(fn: string, what: string, bytes: unknown, expectedBytes: number): WireError | null {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`${fn}: bytes must be a Uint8Array, got ${String(bytes)} (${typeof bytes})`);
  }
  if (bytes.length === expectedBytes) return null;
  return new WireError('BAD_HANDSHAKE', `${what} of ${bytes.length} bytes, expected ${expectedBytes}`);
}

function assertBytes(name: string, value: unknown, expectedBytes: number): void {
  if (!(value instanceof Uint8Array) || value.length !== expectedBytes) {
    const got = value instanceof Uint8Array ? `${value.length} bytes` : `${String(value)} (${typeof value})`;
    throw new TypeError(`handshake: ${name} must be a Uint8Array of ${expectedBytes} bytes, got ${got}`);
  }
}
