import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { MAX_FRAME_BYTES, decodePayload, encodeMessage } from '../../src/wire/codec.js';
import type { WireMessage } from '../../src/wire/codec.js';
import { FrameDecoder } from '../../src/wire/frame-decoder.js';
import { decodeHandshake, encodeHandshake } from '../../src/wire/handshake.js';
import { WireError } from '../../src/wire/wire-error.js';
import {
  encodeStream, feed, hostileStream, smallMaxFrameBytes, splitAt, wireMessage,
} from '../../src/testing/wire-arbitraries.js';
import { plain } from '../helpers/plain-message.js';

const cuts = fc.array(fc.nat(), { maxLength: 12 });

describe('wire codec properties', () => {
  it('decodePayload(encodeMessage(m) without its prefix) gives m back, unknown ids included', () => {
    fc.assert(fc.property(wireMessage, (message) => {
      const frame = encodeMessage(message);
      expect(frame.readUInt32BE(0)).toBe(frame.length - 4);
      const decoded = decodePayload(frame.subarray(4));
      expect(decoded).not.toBeInstanceOf(WireError);
      expect(plain(decoded as WireMessage)).toEqual(plain(message));
    }));
  });

  it('a stream of frames cut at arbitrary points decodes to the same messages', () => {
    fc.assert(fc.property(fc.array(wireMessage, { maxLength: 10 }), cuts, (messages, cutPoints) => {
      const { messages: decoded, error } = feed(MAX_FRAME_BYTES, splitAt(encodeStream(messages), cutPoints));
      expect(error).toBeNull();
      expect(decoded.map(plain)).toEqual(messages.map(plain));
    }));
  });

  it('FrameDecoder throws nothing but WireError for any bytes, within its memory bound', () => {
    fc.assert(fc.property(smallMaxFrameBytes, hostileStream, cuts, (maxFrameBytes, bytes, cutPoints) => {
      feed(maxFrameBytes, splitAt(bytes, cutPoints));
    }));
  });

  it('decodePayload returns a message or a WireError for any bytes; messages re-encode to the same bytes', () => {
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 60 }), hostileStream.map((b) => b.subarray(4))), (payload) => {
      const decoded = decodePayload(payload);
      if (decoded instanceof WireError) return;
      if (decoded.type === 'unknown' || decoded.type === 'keep-alive') return;
      expect(encodeMessage(decoded).subarray(4).equals(payload)).toBe(true);
    }));
  });

  it('decodeHandshake returns a handshake or a WireError for any bytes, and reads back what encodeHandshake wrote', () => {
    const id = (bytes: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: bytes, maxLength: bytes });
    fc.assert(fc.property(id(32), id(20), id(8), fc.uint8Array({ maxLength: 100 }), (swarmId, peerId, reserved, noise) => {
      const decoded = decodeHandshake(encodeHandshake({ swarmId, peerId, reserved }));
      expect(decoded).not.toBeInstanceOf(WireError);
      if (decoded instanceof WireError) return;
      expect([...decoded.swarmId, ...decoded.peerId, ...decoded.reserved]).toEqual([...swarmId, ...peerId, ...reserved]);
      const other = decodeHandshake(noise);
      expect(other instanceof WireError || noise.length === 80).toBe(true);
    }));
  });

  it('a frame above the cap is refused from its prefix alone, whatever the cap', () => {
    fc.assert(fc.property(fc.integer({ min: 13, max: 0xfffffffe }), (maxFrameBytes) => {
      const decoder = new FrameDecoder({ maxFrameBytes });
      const prefix = Buffer.alloc(4);
      prefix.writeUInt32BE(maxFrameBytes + 1);
      decoder.push(prefix);
      expect(() => decoder.next()).toThrow(WireError);
      expect(decoder.bufferedBytes).toBe(0);
    }));
  });
});
