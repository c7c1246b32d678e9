/**
 * fast-check arbitraries of hostile discovery packets: plain announces with bytes flipped or cut
 * off, a valid header followed by noise, noise, and authenticated (sealed) announces with or
 * without bytes flipped. Shared by the fuzz tests and `scripts/fuzz-wire.js` (through dist/testing/).
 *
 * Test support, never loaded by the programs (fast-check is a devDependency). Pure: fast-check
 * draws the randomness from its own seed; sealing is hashing only.
 */
import fc from 'fast-check';
import { sealAnnounce } from '../discovery/announce-auth.js';
import { MAX_PACKET_BYTES, MAX_SWARM_IDS_PER_PACKET, encodeAnnounce } from '../discovery/announce-codec.js';
import type { AnnounceFields } from '../discovery/announce-codec.js';
import { byteFlips, flipped } from './wire-arbitraries.js';

/** The discovery key the sealed packets are sealed with. */
export const FUZZ_AUTH_KEY: Buffer = Buffer.alloc(32, 0x5c);

/** Any valid announce fields. */
export const announceFields: fc.Arbitrary<AnnounceFields> = fc.record({
  peerId: fc.uint8Array({ minLength: 20, maxLength: 20 }),
  tcpPort: fc.integer({ min: 1, max: 65535 }),
  swarmIds: fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: MAX_SWARM_IDS_PER_PACKET }),
});

/** Random bytes up to twice the packet cap. */
export const announceNoise: fc.Arbitrary<Uint8Array> = fc.uint8Array({ maxLength: 2 * MAX_PACKET_BYTES });

/**
 * A valid header with a random count, followed by random bytes (half the time exactly 32 * count
 * of them), so the fuzzer gets past the magic and version and sometimes reaches the accept path.
 */
export const headerThenNoise: fc.Arbitrary<Uint8Array> = fc
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

/** Plain announce packets flipped, cut off, or a header then noise; and noise. */
export const hostileAnnounce: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.tuple(announceFields, byteFlips(1100, 3)).map(([fields, changes]) => flipped(encodeAnnounce(fields), changes)),
  fc.tuple(announceFields, fc.nat()).map(([fields, cut]) => {
    const bytes = encodeAnnounce(fields);
    return bytes.subarray(0, cut % (bytes.length + 1));
  }),
  headerThenNoise,
  announceNoise,
);

/** A packet to open, and whether it is exactly as {@link FUZZ_AUTH_KEY} sealed it. */
export interface SealedInput {
  readonly bytes: Uint8Array;
  readonly intact: boolean;
}

/** Sealed announces, half of them with a few bytes flipped (a flip may write the same byte); and noise. */
export const hostileSealed: fc.Arbitrary<SealedInput> = fc.oneof(
  fc.tuple(announceFields, fc.nat({ max: 2 ** 48 }), fc.uint8Array({ minLength: 8, maxLength: 8 }), byteFlips(1300, 3), fc.boolean())
    .map(([fields, timestampMs, nonce, changes, flip]) => {
      const sealed = sealAnnounce(encodeAnnounce(fields), FUZZ_AUTH_KEY, timestampMs, nonce);
      const bytes = flip ? flipped(sealed, changes) : sealed;
      return { bytes, intact: bytes.equals(sealed) };
    }),
  fc.uint8Array({ maxLength: 1300 }).map((bytes) => ({ bytes, intact: false })),
);
