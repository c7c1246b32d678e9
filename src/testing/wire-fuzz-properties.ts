/**
 * The fuzz properties of the wire decoders (frame decoder, payload decoder and its `peers` entries,
 * handshake, hello), run by test/fuzz/wire-decoder.fuzz.test.ts and `scripts/fuzz-wire.js`. Each
 * says: never throws anything but what the decoder's contract allows, and accepts exactly the
 * inputs it should.
 *
 * Test support, never loaded by the programs. Pure.
 */
import fc from 'fast-check';
import { decodePayload, encodeMessage } from '../wire/codec.js';
import { decodeHandshake, decodeHello, encodeHandshake } from '../wire/handshake.js';
import { WireError } from '../wire/wire-error.js';
import { fuzzProperty, type FuzzProperty } from './fuzz-property.js';
import {
  cuts, feed, hostileHandshake, hostileHello, hostilePeersPayload, hostileStream, smallMaxFrameBytes, splitAt,
} from './wire-arbitraries.js';

/** The first 20 bytes of every handshake, written out here rather than taken from the code under test. */
const HANDSHAKE_HEADER = '\x13swarm-wire/1       ';

function hasHandshakeHeader(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.subarray(0, 20)).toString('latin1') === HANDSHAKE_HEADER;
}

/** Throws unless the decoder's verdict is the expected one. */
function expectVerdict(decoder: string, accepted: boolean, shouldAccept: boolean): void {
  if (accepted !== shouldAccept) throw new Error(`${decoder} ${accepted ? 'accepted' : 'refused'} it`);
}

/** Memory stays bounded and nothing but a WireError is thrown, wherever the stream is cut. */
function checkFrameDecoder([maxFrameBytes, bytes, cutPoints]: [number, Uint8Array, number[]]): boolean {
  return feed(maxFrameBytes, splitAt(bytes, cutPoints)).error === null;
}

/** A message or a WireError, never a throw; a decoded message re-encodes to the same payload. */
function checkDecodePayload(bytes: Uint8Array): boolean {
  const payload = bytes.subarray(4);
  const decoded = decodePayload(payload);
  if (decoded instanceof WireError) return false;
  if (decoded.type === 'unknown' || decoded.type === 'keep-alive') return true;
  if (!encodeMessage(decoded).subarray(4).equals(payload)) throw new Error(`the decoded ${decoded.type} re-encodes to other bytes`);
  return true;
}

/**
 * A `peers` payload of well-formed entries within the cap is accepted; any refusal is BAD_FIELD
 * (the entries fill the body, so no length is wrong); what is accepted re-encodes to the same bytes.
 */
function checkDecodePeers({ payload, mustAccept }: { payload: Uint8Array; mustAccept: boolean }): boolean {
  const decoded = decodePayload(payload);
  const accepted = !(decoded instanceof WireError);
  if (mustAccept) expectVerdict('decodePayload(peers)', accepted, true);
  if (decoded instanceof WireError) {
    if (decoded.code !== 'BAD_FIELD') throw new Error(`a peers payload refused with ${decoded.code}, not BAD_FIELD`);
    return false;
  }
  if (decoded.type !== 'peers') throw new Error(`a peers payload decoded as ${decoded.type}`);
  if (!encodeMessage(decoded).subarray(4).equals(payload)) throw new Error('the decoded peers re-encodes to other bytes');
  return true;
}

/** Accepts exactly 80 bytes that start with the protocol header; what it accepts re-encodes to the same bytes. */
function checkDecodeHandshake(bytes: Uint8Array): boolean {
  const decoded = decodeHandshake(bytes);
  const accepted = !(decoded instanceof WireError);
  expectVerdict('decodeHandshake', accepted, bytes.length === 80 && hasHandshakeHeader(bytes));
  if (accepted && !encodeHandshake(decoded).equals(bytes)) throw new Error('the decoded handshake re-encodes to other bytes');
  return accepted;
}

/** Accepts exactly 112 bytes with the protocol header and the auth bit; what it accepts re-encodes to the same bytes. */
function checkDecodeHello(bytes: Uint8Array): boolean {
  const decoded = decodeHello(bytes);
  const accepted = !(decoded instanceof WireError);
  expectVerdict('decodeHello', accepted, bytes.length === 112 && hasHandshakeHeader(bytes) && ((bytes[27] ?? 0) & 1) === 1);
  if (accepted && !Buffer.concat([encodeHandshake(decoded), decoded.nonce]).equals(bytes)) {
    throw new Error('the decoded hello re-encodes to other bytes');
  }
  return accepted;
}

/** The wire decoders' fuzz properties. */
export const WIRE_FUZZ_PROPERTIES: readonly FuzzProperty[] = [
  fuzzProperty(
    'FrameDecoder on hostile streams cut anywhere: only WireError, memory within the bound',
    fc.tuple(smallMaxFrameBytes, hostileStream, cuts), checkFrameDecoder, 0.1,
  ),
  fuzzProperty('decodePayload never throws; accepted payloads are canonical', hostileStream, checkDecodePayload, 0.1),
  fuzzProperty(
    'decodePayload on peers payloads: well-formed entries within the cap accepted, else BAD_FIELD; canonical',
    hostilePeersPayload, checkDecodePeers, 0.3,
  ),
  fuzzProperty('decodeHandshake never throws; accepts only 80 bytes with an intact header', hostileHandshake, checkDecodeHandshake, 0.1),
  fuzzProperty(
    'decodeHello never throws; accepts only 112 bytes of an intact header with the auth bit',
    hostileHello, checkDecodeHello, 0.1,
  ),
];
