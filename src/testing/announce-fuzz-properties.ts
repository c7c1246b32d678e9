/**
 * The fuzz properties of the discovery decoders (plain and authenticated announces), run by
 * test/fuzz/announce-codec.fuzz.test.ts and `scripts/fuzz-wire.js`: never throw, accept exactly
 * the packets they should, and what they accept is well formed and re-encodes to the same bytes.
 *
 * Test support, never loaded by the programs. Pure: hashing only.
 */
import { AUTH_TRAILER_BYTES, openAnnounce, sealAnnounce } from '../discovery/announce-auth.js';
import {
  ANNOUNCE_HEADER_BYTES, MAX_SWARM_IDS_PER_PACKET, PEER_ID_BYTES, decodeAnnounce, encodeAnnounce,
} from '../discovery/announce-codec.js';
import type { Announce } from '../discovery/announce-codec.js';
import { FUZZ_AUTH_KEY, hostileAnnounce, hostileSealed, type SealedInput } from './announce-arbitraries.js';
import { fuzzProperty, type FuzzProperty } from './fuzz-property.js';

/** What is wrong with a decoded announce of `inputBytes` bytes, or null when it is well formed. */
function announceProblem(announce: Announce, inputBytes: number): string | null {
  if (announce.peerId.length !== PEER_ID_BYTES) return `peerId of ${announce.peerId.length} bytes`;
  if (!Number.isInteger(announce.tcpPort) || announce.tcpPort < 1 || announce.tcpPort > 65535) return `tcpPort ${announce.tcpPort}`;
  if (announce.swarmIds.length > MAX_SWARM_IDS_PER_PACKET) return `${announce.swarmIds.length} swarm ids`;
  if (announce.swarmIds.some((id) => id.length !== 32)) return 'a swarm id not of 32 bytes';
  if (inputBytes !== ANNOUNCE_HEADER_BYTES + 32 * announce.swarmIds.length) return `${inputBytes} bytes for ${announce.swarmIds.length} swarm ids`;
  return null;
}

/**
 * decodeAnnounce never throws; what it accepts is well formed and re-encodes to the same bytes.
 * Returns whether it accepted `bytes`.
 */
export function checkDecodeAnnounce(bytes: Uint8Array): boolean {
  const announce = decodeAnnounce(bytes);
  if (announce === null) return false;
  const problem = announceProblem(announce, bytes.length);
  if (problem !== null) throw new Error(`decodeAnnounce accepted a malformed announce: ${problem}`);
  if (!encodeAnnounce(announce).equals(bytes)) throw new Error('the decoded announce re-encodes to other bytes');
  return true;
}

/** openAnnounce never throws, accepts exactly the untouched sealed packets, and they re-seal to the same bytes. */
function checkOpenAnnounce({ bytes, intact }: SealedInput): boolean {
  const opened = openAnnounce(bytes, FUZZ_AUTH_KEY);
  if ((opened !== null) !== intact) throw new Error(`openAnnounce ${opened === null ? 'refused' : 'accepted'} it`);
  if (opened === null) return false;
  const problem = announceProblem(opened.announce, bytes.length - AUTH_TRAILER_BYTES);
  if (problem !== null) throw new Error(`openAnnounce accepted a malformed announce: ${problem}`);
  const nonce = bytes.subarray(bytes.length - 40, bytes.length - 32);
  if (!sealAnnounce(encodeAnnounce(opened.announce), FUZZ_AUTH_KEY, opened.timestampMs, nonce).equals(bytes)) {
    throw new Error('the opened announce re-seals to other bytes');
  }
  return true;
}

/** The discovery decoders' fuzz properties. */
export const ANNOUNCE_FUZZ_PROPERTIES: readonly FuzzProperty[] = [
  fuzzProperty(
    'decodeAnnounce never throws; accepted packets are well formed and re-encode to the same bytes',
    hostileAnnounce, checkDecodeAnnounce, 0.1,
  ),
  fuzzProperty('openAnnounce never throws; accepts exactly the untouched sealed packets', hostileSealed, checkOpenAnnounce, 0.1),
];
