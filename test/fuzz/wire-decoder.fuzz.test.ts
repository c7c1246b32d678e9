/**
 * Fuzz of the wire decoders with a few thousand hostile inputs each. `scripts/fuzz-wire.js` runs
 * the same properties with >= 100k cases against `dist/`.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { decodePayload, encodeMessage } from '../../src/wire/codec.js';
import { decodeHandshake, decodeHello, encodeHandshake, encodeHello } from '../../src/wire/handshake.js';
import { WireError } from '../../src/wire/wire-error.js';
import { feed, hostileStream, smallMaxFrameBytes, splitAt } from '../unit/wire/wire-arbitraries.js';

const NUM_RUNS = 3000;
const cuts = fc.array(fc.nat(), { maxLength: 16 });

/** Handshakes with a few bytes flipped, and noise of handshake-like lengths. */
const hostileHandshake: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc
    .tuple(fc.uint8Array({ minLength: 52, maxLength: 52 }), fc.array(fc.tuple(fc.nat({ max: 79 }), fc.nat({ max: 255 })), { maxLength: 3 }))
    .map(([ids, flips]) => {
      const bytes = encodeHandshake({ swarmId: ids.subarray(0, 32), peerId: ids.subarray(32) });
      for (const [at, value] of flips) bytes[at] = value;
      return bytes;
    }),
  fc.uint8Array({ minLength: 78, maxLength: 82 }),
);

/** Hellos with a few bytes flipped, and noise of hello-like lengths. */
const hostileHello: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc
    .tuple(fc.uint8Array({ minLength: 84, maxLength: 84 }), fc.array(fc.tuple(fc.nat({ max: 111 }), fc.nat({ max: 255 })), { maxLength: 3 }))
    .map(([ids, flips]) => {
      const bytes = encodeHello({ swarmId: ids.subarray(0, 32), peerId: ids.subarray(32, 52), nonce: ids.subarray(52) });
      for (const [at, value] of flips) bytes[at] = value;
      return bytes;
    }),
  fc.uint8Array({ minLength: 78, maxLength: 114 }),
);

describe('wire decoder fuzz', () => {
  it('decodeHello: never throws; accepts only 112 bytes with the protocol header and the auth bit', () => {
    let accepted = 0;
    fc.assert(
      fc.property(hostileHello, (bytes) => {
        const intact = bytes.length === 112 && Buffer.from(bytes.subarray(0, 20)).toString('latin1') === '\x13swarm-wire/1       ' && ((bytes[27] ?? 0) & 1) === 1;
        const decoded = decodeHello(bytes);
        expect(decoded instanceof WireError).toBe(!intact);
        if (intact) accepted++;
      }),
      { numRuns: NUM_RUNS },
    );
    expect(accepted).toBeGreaterThan(100);
  });

  it('FrameDecoder: hostile streams cut anywhere throw only WireError and stay within the memory bound', () => {
    fc.assert(
      fc.property(smallMaxFrameBytes, hostileStream, cuts, (maxFrameBytes, bytes, cutPoints) => {
        feed(maxFrameBytes, splitAt(bytes, cutPoints));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('decodePayload: never throws; what it accepts is canonical', () => {
    fc.assert(
      fc.property(hostileStream, (bytes) => {
        const payload = bytes.subarray(4);
        const decoded = decodePayload(payload);
        if (decoded instanceof WireError || decoded.type === 'unknown' || decoded.type === 'keep-alive') return;
        expect(encodeMessage(decoded).subarray(4).equals(payload)).toBe(true);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('decodeHandshake: never throws; accepts only 80 bytes with the protocol header', () => {
    fc.assert(
      fc.property(hostileHandshake, (bytes) => {
        const decoded = decodeHandshake(bytes);
        const headerIntact = bytes.length === 80 && Buffer.from(bytes.subarray(0, 20)).toString('latin1') === '\x13swarm-wire/1       ';
        expect(decoded instanceof WireError).toBe(!headerIntact);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
