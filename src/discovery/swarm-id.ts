/**
 * The swarm id of a file: the 32-byte name under which peers announce and find it on the LAN.
 *
 * It is SHA-256 over the domain-separation tag `"swarm-id/1"`, the file's MD5 (the swarm key,
 * 16 bytes) and its size as an unsigned 64-bit big-endian integer. It is one-way: discovery
 * broadcasts the swarm id, never the MD5, so a listener learns which files a host holds only if it
 * already knows their MD5 and size.
 *
 * Pure: no I/O (hashing only). Not responsible for: obtaining the MD5 (the origin does) nor
 * authenticating anything; it is a name, not a credential.
 */
import { createHash, createHmac } from 'node:crypto';

/** Length of a swarm id in bytes. */
export const SWARM_ID_BYTES = 32;

/** Length of the MD5 a swarm id is derived from. */
export const MD5_BYTES = 16;

/** The domain-separation tag hashed first; a new derivation gets a new tag. */
export const SWARM_ID_TAG = 'swarm-id/1';

/**
 * The swarm id of the file with this MD5 and size.
 *
 * @param md5 - the file's MD5, 16 bytes.
 * @param fileBytes - the file's size in bytes, a non-negative safe integer.
 * @returns a new 32-byte Buffer.
 * @throws TypeError when `md5` is not 16 bytes or `fileBytes` is not a non-negative safe integer.
 */
export function swarmId(md5: Uint8Array, fileBytes: number): Buffer {
  if (!(md5 instanceof Uint8Array) || md5.length !== MD5_BYTES) {
    throw new TypeError(`md5 must be ${MD5_BYTES} bytes, got ${describeBytes(md5)}`);
  }
  if (!Number.isSafeInteger(fileBytes) || fileBytes < 0) {
    throw new TypeError(`fileBytes must be a non-negative safe integer, got ${String(fileBytes)}`);
  }
  const size = Buffer.alloc(8);
  size.writeBigUInt64BE(BigInt(fileBytes));
  return createHash('sha256').update(SWARM_ID_TAG, 'latin1').update(md5).update(size).digest();
}

/**
 * The id of the swarm that exchanges this file in pieces of `pieceBytes`: hosts that cut the file
 * differently cannot exchange pieces, so they form separate swarms rather than meet and fail.
 * With the default piece size (`auto`, a function of the file size) every host agrees.
 */
export function swarmIdForPieces(md5: Uint8Array, fileBytes: number, pieceBytes: number): Buffer {
  if (!Number.isSafeInteger(pieceBytes) || pieceBytes <= 0) {
    throw new TypeError(`pieceBytes must be a positive safe integer, got ${String(pieceBytes)}`);
  }
  const piece = Buffer.alloc(8);
  piece.writeBigUInt64BE(BigInt(pieceBytes));
  return createHash('sha256').update('swarm-pieces/1', 'latin1').update(swarmId(md5, fileBytes)).update(piece).digest();
}

/** Domain-separation tag of {@link swarmAuthKey}. */
export const SWARM_AUTH_TAG = 'swarm-auth/1';

/**
 * The 32-byte key with which peers of one swarm prove, in the TCP handshake, that they know the
 * swarm key (MD5 and size): HMAC-SHA256 keyed with `secretKey` (the swarm secret's handshake
 * key, see `swarm-secret.ts`) or, without a secret, with 32 zero bytes, over a tag, the MD5, the
 * size and the piece size. Unlike the swarm id it never leaves the host, and it cannot be
 * computed from the swarm id. Same errors as {@link swarmIdForPieces}; `secretKey` must be 32
 * bytes or null.
 */
export function swarmAuthKey(md5: Uint8Array, fileBytes: number, pieceBytes: number, secretKey: Uint8Array | null): Buffer {
  swarmIdForPieces(md5, fileBytes, pieceBytes); // validates
  if (secretKey !== null && (!(secretKey instanceof Uint8Array) || secretKey.length !== 32)) {
    throw new TypeError(`secretKey must be 32 bytes or null, got ${describeBytes(secretKey)}`);
  }
  const numbers = Buffer.alloc(16);
  numbers.writeBigUInt64BE(BigInt(fileBytes), 0);
  numbers.writeBigUInt64BE(BigInt(pieceBytes), 8);
  return createHmac('sha256', secretKey ?? Buffer.alloc(32)).update(SWARM_AUTH_TAG, 'latin1').update(md5).update(numbers).digest();
}

/** {@link swarmId} as 64 lower-case hex digits, for logs and map keys. Same errors. */
export function swarmIdHex(md5: Uint8Array, fileBytes: number): string {
  return swarmId(md5, fileBytes).toString('hex');
}

function describeBytes(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  return `${typeof value} ${String(value)}`;
}
