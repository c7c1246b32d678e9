import { describe, it, expect } from 'vitest';
import {
  HANDSHAKE_BYTES, PROTOCOL_NAME, decodeHandshake, encodeHandshake, isHandshakePrefix,
} from '../../../src/wire/handshake.js';
import type { Handshake } from '../../../src/wire/handshake.js';
import { WireError } from '../../../src/wire/wire-error.js';

const swarmId = Buffer.alloc(32, 0xab);
const peerId = Buffer.from('-SW0001-abcdefghijkl');
const good = encodeHandshake({ swarmId, peerId });

function withByte(bytes: Uint8Array, at: number, value: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[at] = value;
  return copy;
}

describe('handshake', () => {
  it('encodes u8 19, the padded protocol string, 8 zero bytes, swarm id, peer id: 80 bytes', () => {
    expect(PROTOCOL_NAME).toHaveLength(19);
    expect(HANDSHAKE_BYTES).toBe(80);
    expect(good.length).toBe(80);
    expect(good[0]).toBe(19);
    expect(good.subarray(1, 20).toString('latin1')).toBe('swarm-wire/1       ');
    expect(good.subarray(20, 28).toString('hex')).toBe('0000000000000000');
    expect(good.subarray(28, 60)).toEqual(swarmId);
    expect(good.subarray(60, 80).toString('latin1')).toBe('-SW0001-abcdefghijkl');
  });

  it('decodes what it encodes, reserved bits included, into copies', () => {
    const reserved = Buffer.from('0000000000000001', 'hex');
    const bytes = encodeHandshake({ swarmId, peerId, reserved });
    const decoded = decodeHandshake(bytes) as Handshake;
    expect(decoded).not.toBeInstanceOf(WireError);
    expect(Buffer.from(decoded.reserved)).toEqual(reserved);
    expect(Buffer.from(decoded.swarmId)).toEqual(swarmId);
    expect(Buffer.from(decoded.peerId)).toEqual(peerId);
    bytes.fill(0);
    expect(Buffer.from(decoded.peerId)).toEqual(peerId);
  });

  it.each<[string, Uint8Array]>([
    ['empty', new Uint8Array(0)],
    ['79 bytes', good.subarray(0, 79)],
    ['81 bytes', Buffer.concat([good, Buffer.from([0])])],
    ['length byte 18', withByte(good, 0, 18)],
    ['BitTorrent protocol', Buffer.concat([Buffer.from('\x13BitTorrent protocol', 'latin1'), good.subarray(20)])],
    ['protocol string in upper case', withByte(good, 1, 'S'.charCodeAt(0))],
    ['last padding byte not a space', withByte(good, 19, 0)],
  ])('%s: BAD_HANDSHAKE', (_name, bytes) => {
    const result = decodeHandshake(bytes);
    expect(result).toBeInstanceOf(WireError);
    expect((result as WireError).code).toBe('BAD_HANDSHAKE');
  });

  it('isHandshakePrefix accepts any prefix of a handshake and rejects a wrong byte early', () => {
    for (let end = 0; end <= good.length; end++) expect(isHandshakePrefix(good.subarray(0, end))).toBe(true);
    expect(isHandshakePrefix(Buffer.from('GET / HTTP/1.1'))).toBe(false);
    expect(isHandshakePrefix(Buffer.from([19, 's'.charCodeAt(0), 'x'.charCodeAt(0)]))).toBe(false);
  });

  it.each<[string, unknown]>([
    ['swarmId of 31 bytes', { swarmId: new Uint8Array(31), peerId }],
    ['peerId of 21 bytes', { swarmId, peerId: new Uint8Array(21) }],
    ['reserved of 7 bytes', { swarmId, peerId, reserved: new Uint8Array(7) }],
    ['a string swarmId', { swarmId: 'ab'.repeat(16), peerId }],
  ])('encodeHandshake rejects %s with a TypeError', (_name, init) => {
    expect(() => encodeHandshake(init as Parameters<typeof encodeHandshake>[0])).toThrow(TypeError);
  });

  it('decodeHandshake throws a TypeError only for a non-Uint8Array', () => {
    expect(() => decodeHandshake([19] as unknown as Uint8Array)).toThrow(TypeError);
  });
});
