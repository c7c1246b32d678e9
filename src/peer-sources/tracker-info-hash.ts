/**
 * The BitTorrent `info_hash` under which a swarm is announced to HTTP trackers (BEP 3): SHA-1
 * over the ASCII tag `swarm-tracker/1` and the 32-byte swarm id, 20 bytes as trackers expect.
 *
 * Why not the swarm id itself: a tracker takes exactly 20 bytes, and a hash of its own keeps the
 * tracker's name for a swarm apart from the name used on the LAN and in the handshake. It is
 * one-way, and the swarm id is itself a one-way hash of the file's MD5 and size, so a tracker (or
 * anyone reading its stats) learns nothing of the file, only that some hosts share one. Because
 * it is fixed for a swarm, a tracker operator can whitelist it (opentracker as Debian builds it
 * accepts only whitelisted hashes).
 *
 * Pure: hashing only. Not responsible for: authenticating peers (the handshake's proof does).
 */
import { createHash } from 'node:crypto';

/** The domain-separation tag hashed first; a new derivation gets a new tag. */
export const TRACKER_INFO_HASH_TAG = 'swarm-tracker/1';

/** Length of a tracker info hash in bytes (BEP 3's `info_hash`). */
export const TRACKER_INFO_HASH_BYTES = 20;

/**
 * The 20-byte info hash announced to trackers for the swarm `swarmId`.
 *
 * @param swarmId - the swarm id, 32 bytes.
 * @returns a new 20-byte Buffer.
 * @throws TypeError when `swarmId` is not 32 bytes.
 */
export function trackerInfoHash(swarmId: Buffer): Buffer {
  if (!(swarmId instanceof Uint8Array) || swarmId.length !== 32) {
    const got = swarmId instanceof Uint8Array ? `${swarmId.length} bytes` : typeof swarmId;
    throw new TypeError(`swarmId must be 32 bytes, got ${got}`);
  }
  return createHash('sha1').update(TRACKER_INFO_HASH_TAG, 'latin1').update(swarmId).digest();
}
