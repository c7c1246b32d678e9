/**
 * Fuzz of the tracker answer decoder with a few thousand hostile answers (flipped, cut off,
 * random bencode, noise). The properties live in src/testing/tracker-fuzz-properties.ts, so that
 * `scripts/fuzz-wire.js` runs the very same ones with >= 100k cases against `dist/`.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseAnnounceResponse } from '../../src/peer-sources/tracker-codec.js';
import { fuzzProperty } from '../../src/testing/fuzz-property.js';
import { maxPeersArbitrary } from '../../src/testing/tracker-arbitraries.js';
import { TRACKER_FUZZ_PROPERTIES, checkParseAnnounceResponse } from '../../src/testing/tracker-fuzz-properties.js';
import { itHolds } from '../helpers/fuzz-properties.js';

const NUM_RUNS = 3000;

describe('tracker answer decoder fuzz', () => {
  itHolds(TRACKER_FUZZ_PROPERTIES, NUM_RUNS);
  itHolds([
    fuzzProperty('parseAnnounceResponse on random bytes', fc.tuple(fc.uint8Array({ maxLength: 300 }), maxPeersArbitrary), checkParseAnnounceResponse, 0),
  ], NUM_RUNS);

  it('parseAnnounceResponse: never throws on non-byte inputs', () => {
    fc.assert(fc.property(fc.anything(), (input) => {
      expect(parseAnnounceResponse(input as Uint8Array, 10)).toEqual({ kind: 'invalid', message: 'the body is not bytes' });
    }), { numRuns: 1000 });
  });
});
