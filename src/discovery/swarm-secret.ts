/**
 * The optional swarm secret: bytes shared by the hosts of one LAN swarm (`--swarm-secret-file`,
 * env `SWARM_SECRET`, config `swarm-secret-file`). With it, discovery packets carry an HMAC (see
 * `announce-auth.ts`) and the handshake's auth key mixes it in (see `swarmAuthKey`), so hosts
 * with another secret or none neither find nor talk to each other.
 *
 * Pure: hashing only. Not responsible for reading the file or the environment (the CLI does).
 */
import { createHmac } from 'node:crypto';

/** The two keys derived from a secret, one per use, so neither can stand in for the other. */
export interface SecretKeys {
  /** Keys the HMAC of discovery packets. */
  readonly discoveryKey: Buffer;
  /** Mixed into the handshake's auth key. */
  readonly handshakeKey: Buffer;
}

/**
 * The keys of `secret` (HMAC-SHA256 of the secret over a label per use).
 * @throws TypeError when `secret` is not a non-empty Uint8Array.
 */
export function secretKeys(secret: Uint8Array): SecretKeys {
  if (!(secret instanceof Uint8Array) || secret.length === 0) {
    throw new TypeError(`secret must be a non-empty Uint8Array, got ${secret instanceof Uint8Array ? 'an empty one' : String(secret)}`);
  }
  return {
    discoveryKey: createHmac('sha256', secret).update('swarm-secret/discovery/1', 'latin1').digest(),
    handshakeKey: createHmac('sha256', secret).update('swarm-secret/handshake/1', 'latin1').digest(),
  };
}

/**
 * The secret in the text of a secret file or of `SWARM_SECRET`: the bytes with trailing
 * whitespace (a final newline) removed, or `null` when nothing is left.
 */
export function secretFromText(bytes: Uint8Array): Buffer | null {
  let end = bytes.length;
  while (end > 0 && isSpace(bytes[end - 1] ?? 0)) end--;
  return end === 0 ? null : Buffer.from(bytes.subarray(0, end));
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}
