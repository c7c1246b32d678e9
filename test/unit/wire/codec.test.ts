import { describe, it, expect } from 'vitest';
import {
  MAX_BLOCK_BYTES, MAX_FRAME_BYTES, MAX_PEERS_PAYLOAD_BYTES, MAX_PEX_PEERS, decodePayload, encodeMessage, encodePieceHeader,
} from '../../../src/wire/codec.js';
import type { WireMessage } from '../../../src/wire/codec.js';
import { WireError } from '../../../src/wire/wire-error.js';
import { plain } from '../../helpers/plain-message.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/ /g, ''), 'hex');

/** message, its whole frame in hex (length prefix, id, body). */
const FRAMES: Array<[WireMessage, string]> = [
  [{ type: 'keep-alive' }, '00000000'],
  [{ type: 'choke' }, '00000001 00'],
  [{ type: 'unchoke' }, '00000001 01'],
  [{ type: 'interested' }, '00000001 02'],
  [{ type: 'not-interested' }, '00000001 03'],
  [{ type: 'have', piece: 1234 }, '00000005 04 000004d2'],
  [{ type: 'have', piece: 0xffffffff }, '00000005 04 ffffffff'],
  [{ type: 'bitfield', bytes: hex('a001') }, '00000003 05 a001'],
  [{ type: 'bitfield', bytes: new Uint8Array(0) }, '00000001 05'],
  [{ type: 'request', piece: 1, begin: 16384, length: 16384 }, '0000000d 06 00000001 00004000 00004000'],
  [{ type: 'request', piece: 0xffffffff, begin: 0xffffffff, length: MAX_BLOCK_BYTES }, '0000000d 06 ffffffff ffffffff 00100000'],
  [{ type: 'piece', piece: 2, begin: 7, block: Buffer.from('abc') }, '0000000c 07 00000002 00000007 616263'],
  [{ type: 'cancel', piece: 3, begin: 0, length: 1 }, '0000000d 08 00000003 00000000 00000001'],
  [{ type: 'fetching', runs: [] }, '00000003 14 0000'],
  [
    { type: 'fetching', runs: [{ startPiece: 0, endPiece: 4 }, { startPiece: 10, endPiece: 0xffffffff }] },
    '00000013 14 0002 00000000 00000004 0000000a ffffffff',
  ],
  [{ type: 'claims', hops: 0, runs: [] }, '00000004 19 00 0000'],
  [{ type: 'claims', hops: 255, runs: [{ startPiece: 3, endPiece: 9 }] }, '0000000c 19 ff 0001 00000003 00000009'],
  [{ type: 'reject', piece: 5, begin: 32768, length: 16384 }, '0000000d 15 00000005 00008000 00004000'],
  [
    { type: 'piece-hash', piece: 7, hash: hex('00112233445566778899aabbccddeeff') },
    '00000015 16 00000007 00112233445566778899aabbccddeeff',
  ],
  [{ type: 'listen', port: 6881 }, '00000003 17 1ae1'],
  [{ type: 'listen', port: 1 }, '00000003 17 0001'],
  [{ type: 'listen', port: 65535 }, '00000003 17 ffff'],
  [{ type: 'peers', added: [] }, '00000001 18'],
  [{ type: 'peers', added: [{ address: '127.0.0.1', port: 6881 }] }, '00000008 18 04 7f000001 1ae1'],
  [
    { type: 'peers', added: [{ address: '2001:db8::1', port: 1 }, { address: '10.0.0.2', port: 65535 }] },
    '0000001b 18 06 20010db8000000000000000000000001 0001 04 0a000002 ffff',
  ],
  [{ type: 'peers', added: [{ address: '::ffff:1.2.3.4', port: 80 }] }, '00000014 18 06 00000000000000000000ffff01020304 0050'],
  [{ type: 'peers', added: [{ address: '::', port: 2 }] }, '00000014 18 06 00000000000000000000000000000000 0002'],
  [{ type: 'unknown', id: 9 }, '00000001 09'],
  [{ type: 'unknown', id: 255 }, '00000001 ff'],
];

describe('encodeMessage / decodePayload', () => {
  it.each(FRAMES)('%j <-> %s', (message, frame) => {
    expect(encodeMessage(message).toString('hex')).toBe(hex(frame).toString('hex'));
    const decoded = decodePayload(hex(frame).subarray(4));
    expect(decoded).not.toBeInstanceOf(WireError);
    expect(plain(decoded as WireMessage)).toEqual(plain(message));
  });

  it('decodes unknown ids with any body as { type: unknown, id }, dropping the body', () => {
    expect(decodePayload(hex('09 0102030405'))).toEqual({ type: 'unknown', id: 9 });
    expect(decodePayload(hex('80'))).toEqual({ type: 'unknown', id: 128 });
    expect(decodePayload(hex('1a 00'))).toEqual({ type: 'unknown', id: 26 });
  });

  it('returns views of the payload for bitfield bytes and piece blocks, not copies', () => {
    const piece = hex('07 00000001 00000000 aabbcc');
    const bitfield = hex('05 ff80');
    const decodedPiece = decodePayload(piece) as WireMessage;
    const decodedBitfield = decodePayload(bitfield) as WireMessage;
    expect(decodedPiece.type === 'piece' && decodedPiece.block.buffer).toBe(piece.buffer);
    expect(decodedBitfield.type === 'bitfield' && decodedBitfield.bytes.buffer).toBe(bitfield.buffer);
  });

  it('decodes peers addresses to canonical text', () => {
    expect(decodePayload(hex('18 06 20010DB8000000000000000000000001 0050 06 00000000000000000000000000000001 0051'))).toEqual({
      type: 'peers', added: [{ address: '2001:db8::1', port: 80 }, { address: '::1', port: 81 }],
    });
  });

  it(`fits ${MAX_PEX_PEERS} IPv6 peers in ${MAX_PEERS_PAYLOAD_BYTES} bytes, under the smallest frame cap the swarm uses`, () => {
    const added = Array.from({ length: MAX_PEX_PEERS }, (_, i) => ({ address: `2001:db8:ffff:ffff:ffff:ffff:ffff:${(i + 1).toString(16)}`, port: 65535 }));
    const frame = encodeMessage({ type: 'peers', added });
    expect(frame.readUInt32BE(0)).toBe(MAX_PEERS_PAYLOAD_BYTES);
    // openPeerConnection caps frames at max(blockBytes + 64, bitfield bytes + 64), at least 1 KiB in use.
    expect(MAX_PEERS_PAYLOAD_BYTES).toBeLessThan(1024);
    expect(plain(decodePayload(frame.subarray(4)) as WireMessage)).toEqual(plain({ type: 'peers', added }));
  });

  it('encodes a 1 MiB block: the largest frame fits MAX_FRAME_BYTES exactly', () => {
    const frame = encodeMessage({ type: 'piece', piece: 0, begin: 0, block: new Uint8Array(MAX_BLOCK_BYTES) });
    expect(frame.readUInt32BE(0)).toBe(MAX_FRAME_BYTES);
    expect(frame.length).toBe(MAX_FRAME_BYTES + 4);
  });
});

describe('decodePayload rejects bad bodies', () => {
  it.each([
    // payload hex, code
    ['00 00', 'BAD_LENGTH'],
    ['01 ffff', 'BAD_LENGTH'],
    ['02 00', 'BAD_LENGTH'],
    ['03 00000000', 'BAD_LENGTH'],
    ['04', 'BAD_LENGTH'],
    ['04 000000', 'BAD_LENGTH'],
    ['04 0000000000', 'BAD_LENGTH'],
    ['06', 'BAD_LENGTH'],
    ['06 00000001 00000000 000040', 'BAD_LENGTH'],
    ['06 00000001 00000000 00004000 00', 'BAD_LENGTH'],
    ['08 00000001 00000000', 'BAD_LENGTH'],
    ['15 00000001 00000000 0000400000', 'BAD_LENGTH'],
    ['07', 'BAD_LENGTH'],
    ['07 000000', 'BAD_LENGTH'],
    ['07 00000001 000000', 'BAD_LENGTH'],
    ['14', 'BAD_LENGTH'],
    ['14 00', 'BAD_LENGTH'],
    ['14 0000 00', 'BAD_LENGTH'],
    ['14 0001 00000000 000001', 'BAD_LENGTH'],
    ['14 0001 00000000 00000001 00', 'BAD_LENGTH'],
    ['14 0002 00000000 00000001', 'BAD_LENGTH'],
    ['16 00000001', 'BAD_LENGTH'],
    ['16 00000001 00112233445566778899aabbccddee', 'BAD_LENGTH'],
    ['16 00000001 00112233445566778899aabbccddeeff00', 'BAD_LENGTH'],
    ['19', 'BAD_LENGTH'],
    ['19 03', 'BAD_LENGTH'],
    ['19 03 0001 00000000', 'BAD_LENGTH'],
    ['17', 'BAD_LENGTH'],
    ['17 1a', 'BAD_LENGTH'],
    ['17 1ae100', 'BAD_LENGTH'],
    // well-sized, bad values
    ['07 00000001 00000000', 'BAD_FIELD'],
    ['06 00000001 00000000 00000000', 'BAD_FIELD'],
    ['08 00000001 00000000 00100001', 'BAD_FIELD'],
    ['15 00000001 00000000 ffffffff', 'BAD_FIELD'],
    ['14 0101', 'BAD_FIELD'],
    ['14 ffff', 'BAD_FIELD'],
    ['14 0001 00000005 00000005', 'BAD_FIELD'],
    ['19 01 0101', 'BAD_FIELD'],
    ['19 01 0001 00000005 00000004', 'BAD_FIELD'],
    ['14 0002 00000000 00000001 00000009 00000003', 'BAD_FIELD'],
    ['17 0000', 'BAD_FIELD'],
    // peers: truncated entries, unknown families, port 0
    ['18 04', 'BAD_FIELD'],
    ['18 04 7f000001', 'BAD_FIELD'],
    ['18 04 7f000001 1a', 'BAD_FIELD'],
    ['18 04 7f000001 1ae1 04', 'BAD_FIELD'],
    ['18 06 7f000001 1ae1', 'BAD_FIELD'],
    ['18 06 00000000000000000000000000000001 00', 'BAD_FIELD'],
    ['18 00 7f000001 1ae1', 'BAD_FIELD'],
    ['18 05 7f000001 1ae1', 'BAD_FIELD'],
    ['18 04 7f000001 1ae1 ff', 'BAD_FIELD'],
    ['18 04 7f000001 0000', 'BAD_FIELD'],
    ['18 04 7f000001 1ae1 06 00000000000000000000000000000001 0000', 'BAD_FIELD'],
  ])('%s: %s', (payload, code) => {
    const result = decodePayload(hex(payload));
    expect(result).toBeInstanceOf(WireError);
    expect((result as WireError).code).toBe(code);
  });

  it('rejects a piece block one byte over MAX_BLOCK_BYTES as BAD_FIELD', () => {
    const payload = Buffer.alloc(9 + MAX_BLOCK_BYTES + 1);
    payload[0] = 7;
    expect((decodePayload(payload) as WireError).code).toBe('BAD_FIELD');
  });

  it(`accepts ${MAX_PEX_PEERS} peers entries and refuses ${MAX_PEX_PEERS + 1} as BAD_FIELD`, () => {
    const entry = '04 7f000001 1ae1';
    expect(decodePayload(hex(`18 ${entry.repeat(MAX_PEX_PEERS)}`))).toMatchObject({ type: 'peers', added: { length: MAX_PEX_PEERS } });
    const tooMany = decodePayload(hex(`18 ${entry.repeat(MAX_PEX_PEERS + 1)}`));
    expect(tooMany).toBeInstanceOf(WireError);
    expect((tooMany as WireError).code).toBe('BAD_FIELD');
  });

  it('accepts exactly 256 fetching runs', () => {
    const runs = Array.from({ length: 256 }, (_, i) => ({ startPiece: i * 2, endPiece: i * 2 + 1 }));
    const decoded = decodePayload(encodeMessage({ type: 'fetching', runs }).subarray(4));
    expect(decoded).toEqual({ type: 'fetching', runs });
  });

  it('throws a TypeError for a non-Uint8Array payload', () => {
    expect(() => decodePayload('07' as unknown as Uint8Array)).toThrow(TypeError);
  });
});

describe('encodeMessage rejects out-of-range fields with a TypeError quoting them', () => {
  const runs = (count: number): Array<{ startPiece: number; endPiece: number }> =>
    Array.from({ length: count }, (_, i) => ({ startPiece: i, endPiece: i + 1 }));
  it.each<[unknown, RegExp]>([
    [{ type: 'have', piece: -1 }, /got -1/],
    [{ type: 'have', piece: 2 ** 32 }, /got 4294967296/],
    [{ type: 'have', piece: 1.5 }, /got 1.5/],
    [{ type: 'have', piece: Number.NaN }, /got NaN/],
    [{ type: 'have', piece: '1' }, /got 1 \(string\)/],
    [{ type: 'request', piece: 0, begin: 0, length: 0 }, /length .*got 0/],
    [{ type: 'cancel', piece: 0, begin: 0, length: MAX_BLOCK_BYTES + 1 }, /got 1048577/],
    [{ type: 'reject', piece: 0, begin: -5, length: 1 }, /begin .*got -5/],
    [{ type: 'piece', piece: 0, begin: 0, block: new Uint8Array(0) }, /got 0/],
    [{ type: 'piece', piece: 0, begin: 0, block: [1, 2] }, /Uint8Array/],
    [{ type: 'bitfield', bytes: 'ff' }, /Uint8Array, got ff/],
    [{ type: 'fetching', runs: runs(257) }, /got 257 runs/],
    [{ type: 'fetching', runs: [{ startPiece: 4, endPiece: 4 }] }, /\[4, 4\)/],
    [{ type: 'fetching', runs: [{ startPiece: 0, endPiece: 2 ** 32 }] }, /endPiece .*got 4294967296/],
    [{ type: 'fetching', runs: null }, /got null/],
    [{ type: 'claims', hops: 256, runs: [] }, /claims.hops .*got 256/],
    [{ type: 'claims', hops: -1, runs: [] }, /claims.hops .*got -1/],
    [{ type: 'claims', hops: 1, runs: runs(257) }, /claims.runs .*got 257 runs/],
    [{ type: 'claims', hops: 1, runs: [{ startPiece: 2, endPiece: 1 }] }, /claims.runs\[0\] .*\[2, 1\)/],
    [{ type: 'piece-hash', piece: 0, hash: new Uint8Array(15) }, /16 bytes, got 15 bytes/],
    [{ type: 'piece-hash', piece: -1, hash: new Uint8Array(16) }, /got -1/],
    [{ type: 'listen', port: 0 }, /listen.port .*got 0/],
    [{ type: 'listen', port: 65536 }, /got 65536/],
    [{ type: 'listen', port: 1.5 }, /got 1.5/],
    [{ type: 'listen', port: '80' }, /got 80 \(string\)/],
    [{ type: 'peers', added: Array.from({ length: 51 }, () => ({ address: '1.2.3.4', port: 1 })) }, /got 51 entries/],
    [{ type: 'peers', added: null }, /got null/],
    [{ type: 'peers', added: [{ address: 'localhost', port: 1 }] }, /literal, got "localhost"/],
    [{ type: 'peers', added: [{ address: 'fe80::1%eth0', port: 1 }] }, /got "fe80::1%eth0"/],
    [{ type: 'peers', added: [{ address: '[::1]', port: 1 }] }, /got "\[::1\]"/],
    [{ type: 'peers', added: [{ address: '01.2.3.4', port: 1 }] }, /got "01.2.3.4"/],
    [{ type: 'peers', added: [{ address: 7, port: 1 }] }, /got 7/],
    [{ type: 'peers', added: [null] }, /added\[0\].address .*got undefined/],
    [{ type: 'peers', added: [{ address: '1.2.3.4', port: 1 }, { address: '::1', port: 0 }] }, /added\[1\].port .*got 0/],
    [{ type: 'peers', added: [{ address: '::1', port: 70000 }] }, /got 70000/],
    [{ type: 'unknown', id: 5 }, /got 5/],
    [{ type: 'unknown', id: 23 }, /got 23/],
    [{ type: 'unknown', id: 24 }, /got 24/],
    [{ type: 'unknown', id: 256 }, /got 256/],
    [{ type: 'handshake' }, /"handshake"/],
  ])('%j', (message, pattern) => {
    expect(() => encodeMessage(message as WireMessage)).toThrow(TypeError);
    expect(() => encodeMessage(message as WireMessage)).toThrow(pattern);
  });
});

describe('encodePieceHeader', () => {
  it('is the first 13 bytes of the whole piece frame', () => {
    const block = Buffer.from('hello block');
    const header = encodePieceHeader(9, 16384, block.length);
    expect(header.length).toBe(13);
    expect(Buffer.concat([header, block])).toEqual(encodeMessage({ type: 'piece', piece: 9, begin: 16384, block }));
  });

  it.each([[0], [MAX_BLOCK_BYTES + 1], [-1], [2.5]])('rejects blockBytes %j', (blockBytes) => {
    expect(() => encodePieceHeader(0, 0, blockBytes)).toThrow(TypeError);
  });

  it('rejects a piece index out of u32 range', () => {
    expect(() => encodePieceHeader(2 ** 32, 0, 1)).toThrow(/got 4294967296/);
  });
});
