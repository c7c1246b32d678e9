import { describe, it, expect } from 'vitest';
import {
  HANDSHAKE_BYTES, HELLO_BYTES, PROTOCOL_NAME, authProof, decodeHandshake, decodeHello, encodeHandshake, encodeHello, isHandshakePrefix, proofMatches,
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

describe('hello and proof', () => {
  const nonce = Buffer.alloc(32, 0x6e);
  const hello = encodeHello({ swarmId, peerId, nonce });
  const input = {
    authKey: Buffer.alloc(32, 1), swarmId, senderDialled: true, senderPeerId: peerId,
    receiverPeerId: Buffer.alloc(20, 2), senderNonce: nonce, receiverNonce: Buffer.alloc(32, 3),
  };

  it('a hello is the handshake with the auth bit set, then the nonce: 112 bytes', () => {
    expect(HELLO_BYTES).toBe(112);
    expect(hello.subarray(0, 27)).toEqual(good.subarray(0, 27));
    expect(hello[27]).toBe(1);
    expect(hello.subarray(80)).toEqual(nonce);
    expect(decodeHello(hello)).toMatchObject({ swarmId, peerId, nonce });
  });

  it.each<[string, Uint8Array]>([
    ['80 bytes', hello.subarray(0, 80)],
    ['113 bytes', Buffer.concat([hello, Buffer.alloc(1)])],
    ['no auth bit', withByte(hello, 27, 0)],
    ['another protocol', withByte(hello, 5, 0x41)],
  ])('decodeHello returns BAD_HANDSHAKE for %s', (_name, bytes) => {
    const result = decodeHello(bytes);
    expect(result).toBeInstanceOf(WireError);
    expect((result as WireError).code).toBe('BAD_HANDSHAKE');
  });

  it('a proof changes with every field it is bound to', () => {
    const proof = authProof(input);
    expect(proof).toHaveLength(32);
    expect(proofMatches(authProof({ ...input }), proof)).toBe(true);
    const variants = [
      { authKey: Buffer.alloc(32, 9) }, { swarmId: Buffer.alloc(32, 9) }, { senderDialled: false },
      { senderPeerId: Buffer.alloc(20, 9) }, { receiverPeerId: Buffer.alloc(20, 9) },
      { senderNonce: Buffer.alloc(32, 9) }, { receiverNonce: Buffer.alloc(32, 9) },
      { senderPeerId: input.receiverPeerId, receiverPeerId: input.senderPeerId, senderNonce: input.receiverNonce, receiverNonce: input.senderNonce },
    ];
    for (const change of variants) expect(proofMatches(authProof({ ...input, ...change }), proof), JSON.stringify(Object.keys(change))).toBe(false);
    expect(proofMatches(proof.subarray(0, 31), proof)).toBe(false);
  });

  it('throws TypeErrors for fields of the wrong size', () => {
    expect(() => encodeHello({ swarmId, peerId, nonce: Buffer.alloc(31) })).toThrow(/nonce must be a Uint8Array of 32 bytes/);
    expect(() => authProof({ ...input, authKey: Buffer.alloc(16) })).toThrow(/authKey/);
  });
});
