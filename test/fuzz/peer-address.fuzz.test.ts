/**
 * Fuzz of the peer-address parsers and isDialableAddress with a few thousand hostile strings
 * each. The properties live in src/testing/peer-address-fuzz-properties.ts, so that
 * `scripts/fuzz-wire.js` runs the very same ones with >= 100k cases against `dist/`.
 */
import { describe } from 'vitest';
import { PEER_ADDRESS_FUZZ_PROPERTIES } from '../../src/testing/peer-address-fuzz-properties.js';
import { itHolds } from '../helpers/fuzz-properties.js';

const NUM_RUNS = 3000;

describe('peer-address parsers fuzz', () => {
  itHolds(PEER_ADDRESS_FUZZ_PROPERTIES, NUM_RUNS);
});
