/**
 * Fuzz of the discovery decoders (plain and authenticated announces) with a few thousand hostile
 * packets each. The properties live in src/testing/announce-fuzz-properties.ts, so that
 * `scripts/fuzz-wire.js` runs the very same ones with >= 100k cases against `dist/`.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeAnnounce } from '../../src/discovery/announce-codec.js';
import { announceNoise, headerThenNoise } from '../../src/testing/announce-arbitraries.js';
import { ANNOUNCE_FUZZ_PROPERTIES, checkDecodeAnnounce } from '../../src/testing/announce-fuzz-properties.js';
import { fuzzProperty } from '../../src/testing/fuzz-property.js';
import { itHolds } from '../helpers/fuzz-properties.js';

const NUM_RUNS = 3000;
/** The two inputs that reach decodeAnnounce's header checks get more cases on their own. */
const FOCUSED_RUNS = 4000;

describe('announce decoders fuzz', () => {
  itHolds(ANNOUNCE_FUZZ_PROPERTIES, NUM_RUNS);
  itHolds([
    fuzzProperty('decodeAnnounce on random bytes', announceNoise, checkDecodeAnnounce, 0),
    fuzzProperty('decodeAnnounce on a valid header then noise', headerThenNoise, checkDecodeAnnounce, 0.025),
  ], FOCUSED_RUNS);

  it('decodeAnnounce: never throws on non-byte inputs', () => {
    fc.assert(fc.property(fc.anything(), (input) => {
      expect(decodeAnnounce(input as Uint8Array)).toBeNull();
    }), { numRuns: 1000 });
  });
});
