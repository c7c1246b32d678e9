import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  ANNOUNCE_HEADER_BYTES,
  decodeAnnounce,
  encodeAnnounce,
  MAX_PACKET_BYTES,
  MAX_SWARM_IDS_PER_PACKET,
  PEER_ID_BYTES,
} from '../../src/discovery/announce-codec.js';
import type { Announce } from '../../src/discovery/announce-codec.js';
import { openAnnounce, sealAnnounce } from '../../src/discovery/announce-auth.js';

const KEY = Buffer.alloc(32, 0x5c);

/** What any non-null result must satisfy, whatever the input. */
function checkWellFormed(announce: Announce, inputBytes: number): void {
  expect(announce.peerId.length).toBe(PEER_ID_BYTES);
  expect(announce.tcpPort).toBeGreaterThanOrEqual(1);
  expect(announce.tcpPort).toBeLessThanOrEqual(65535);
  expect(announce.swarmIds.length).toBeLessThanOrEqual(MAX_SWARM_IDS_PER_PACKET);
  expect(inputBytes).toBe(ANNOUNCE_HEADER_BYTES + 32 * announce.swarmIds.length);
  for (const id of announce.swarmIds) expect(id.length).toBe(32);
}

/**
 * A valid header with a random count, followed by random bytes (half the time exactly 32 * count
 * of them), so the fuzzer gets past the magic and version and sometimes reaches the accept path.
 */
const headerThenNoise = fc
  .integer({ min: 0, max: 40 })
  .chain((count) => fc.tuple(
    fc.constant(count),
    fc.oneof(
      fc.uint8Array({ maxLength: MAX_PACKET_BYTES + 64 }),
      fc.uint8Array({ minLength: 32 * count, maxLength: 32 * count }),
    ),
  ))
  .map(([count, noise]) => {
    const header = encodeAnnounce({ peerId: Buffer.alloc(20, 7), tcpPort: 4242, swarmIds: [] });
    header.writeUInt16BE(count, 30);
    return Buffer.concat([header, noise]);
  });

describe('decodeAnnounce fuzz', () => {
  it('never throws on random bytes (4000 cases)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2 * MAX_PACKET_BYTES }), (input) => {
      const announce = decodeAnnounce(input);
      if (announce !== null) checkWellFormed(announce, input.length);
    }), { numRuns: 4000 });
  });

  it('never throws on a valid header followed by noise (4000 cases)', () => {
    let decoded = 0;
    fc.assert(fc.property(headerThenNoise, (input) => {
      const announce = decodeAnnounce(input);
      if (announce === null) return;
      decoded++;
      checkWellFormed(announce, input.length);
    }), { numRuns: 4000 });
    expect(decoded).toBeGreaterThan(100); // the accept path was exercised
  });

  it('never throws on non-byte inputs', () => {
    fc.assert(fc.property(fc.anything(), (input) => {
      expect(decodeAnnounce(input as Uint8Array)).toBeNull();
    }), { numRuns: 1000 });
  });

  it('openAnnounce: never throws on noise or sealed packets with bytes flipped; accepts only untouched ones (3000 cases)', () => {
    let accepted = 0;
    const sealedThenFlipped = fc.tuple(
      fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 32 }),
      fc.nat({ max: 2 ** 48 }),
      fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 2 }),
    ).map(([swarmIds, timestampMs, flips]) => {
      const sealed = sealAnnounce(encodeAnnounce({ peerId: Buffer.alloc(20, 7), tcpPort: 4242, swarmIds }), KEY, timestampMs, Buffer.alloc(8, 1));
      const bytes = Buffer.from(sealed);
      for (const [at, value] of flips) bytes[at % bytes.length] = value;
      return { bytes, intact: bytes.equals(sealed) };
    });
    fc.assert(fc.property(fc.oneof(sealedThenFlipped, fc.uint8Array({ maxLength: 1300 }).map((bytes) => ({ bytes, intact: false }))), ({ bytes, intact }) => {
      const opened = openAnnounce(bytes, KEY);
      expect(opened !== null).toBe(intact);
      if (opened !== null) accepted++;
    }), { numRuns: 3000 });
    expect(accepted).toBeGreaterThan(100);
  });
});
