/**
 * Fuzz of the wire decoders (frames, payloads, handshake, hello) with a few thousand hostile
 * inputs each. The properties live in src/testing/wire-fuzz-properties.ts, so that
 * `scripts/fuzz-wire.js` runs the very same ones with >= 100k cases against `dist/`.
 */
import { describe } from 'vitest';
import { WIRE_FUZZ_PROPERTIES } from '../../src/testing/wire-fuzz-properties.js';
import { itHolds } from '../helpers/fuzz-properties.js';

const NUM_RUNS = 3000;

describe('wire decoder fuzz', () => {
  itHolds(WIRE_FUZZ_PROPERTIES, NUM_RUNS);
});
