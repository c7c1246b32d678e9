import { describe, it, expect } from 'vitest';
import {
  ANNOUNCE_HEADER_BYTES,
  decodeAnnounce,
  encodeAnnounce,
  MAX_PACKET_BYTES,
  MAX_SWARM_IDS_PER_PACKET,
} from '../../../src/discovery/announce-codec.js';
import type { AnnounceFields } from '../../../src/discovery/announce-codec.js';

const PEER_ID = Buffer.from('-SW0100-abcdefghijkl', 'latin1');
const ID_A = Buffer.alloc(32, 0xaa);
const ID_B = Buffer.alloc(32, 0xbb);

/** Builds a packet byte by byte, independently of the encoder. */
function packet(parts: { magic?: string; version?: number; type?: number; flags?: number; reserved?: number; tcpPort?: number; count?: number; ids?: Buffer[]; trailer?: Buffer } = {}): Buffer {
  const ids = parts.ids ?? [ID_A];
  const header = Buffer.alloc(8);
  header.write(parts.magic ?? 'SWRM', 0, 'latin1');
  header.writeUInt8(parts.version ?? 1, 4);
  header.writeUInt8(parts.type ?? 1, 5);
  header.writeUInt8(parts.flags ?? 0, 6);
  header.writeUInt8(parts.reserved ?? 0, 7);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(parts.tcpPort ?? 6881, 0);
  tail.writeUInt16BE(parts.count ?? ids.length, 2);
  return Buffer.concat([header, PEER_ID, tail, ...ids, parts.trailer ?? Buffer.alloc(0)]);
}

describe('encodeAnnounce', () => {
  it('writes the documented layout', () => {
    const bytes = encodeAnnounce({ peerId: PEER_ID, tcpPort: 6881, swarmIds: [ID_A, ID_B] });
    expect(bytes.equals(packet({ ids: [ID_A, ID_B] }))).toBe(true);
    expect(bytes.subarray(0, 8).toString('hex')).toBe('5357524d01010000');
    expect(bytes.length).toBe(ANNOUNCE_HEADER_BYTES + 64);
  });

  it('a full packet of 32 ids is 1056 bytes', () => {
    const ids = Array.from({ length: MAX_SWARM_IDS_PER_PACKET }, (_, i) => Buffer.alloc(32, i));
    expect(encodeAnnounce({ peerId: PEER_ID, tcpPort: 1, swarmIds: ids }).length).toBe(1056);
  });

  const invalid: Array<[string, unknown, string]> = [
    ['short peerId', { peerId: Buffer.alloc(19), tcpPort: 1, swarmIds: [] }, '19 bytes'],
    ['string peerId', { peerId: 'x'.repeat(20), tcpPort: 1, swarmIds: [] }, 'string'],
    ['tcpPort 0', { peerId: PEER_ID, tcpPort: 0, swarmIds: [] }, 'got 0'],
    ['tcpPort 65536', { peerId: PEER_ID, tcpPort: 65536, swarmIds: [] }, '65536'],
    ['tcpPort 1.5', { peerId: PEER_ID, tcpPort: 1.5, swarmIds: [] }, '1.5'],
    ['33 swarm ids', { peerId: PEER_ID, tcpPort: 1, swarmIds: Array.from({ length: 33 }, () => ID_A) }, 'array of 33'],
    ['31-byte swarm id', { peerId: PEER_ID, tcpPort: 1, swarmIds: [ID_A, Buffer.alloc(31)] }, 'swarmIds[1] must be 32 bytes, got 31 bytes'],
    ['swarmIds not an array', { peerId: PEER_ID, tcpPort: 1, swarmIds: ID_A }, 'swarmIds must be an array'],
    ['null', null, 'null'],
  ];
  it.each(invalid)('%s throws TypeError quoting it', (_name, fields, quoted) => {
    expect(() => encodeAnnounce(fields as AnnounceFields)).toThrow(TypeError);
    expect(() => encodeAnnounce(fields as AnnounceFields)).toThrow(quoted);
  });
});

describe('decodeAnnounce', () => {
  const good: Array<[string, Buffer, number, Buffer[]]> = [
    ['one id', packet(), 6881, [ID_A]],
    ['no ids', packet({ ids: [] }), 6881, []],
    ['two ids', packet({ ids: [ID_A, ID_B], tcpPort: 65535 }), 65535, [ID_A, ID_B]],
    ['32 ids', packet({ ids: Array.from({ length: 32 }, () => ID_B), tcpPort: 1 }), 1, Array.from({ length: 32 }, () => ID_B)],
  ];
  it.each(good)('reads %s', (_name, bytes, tcpPort, swarmIds) => {
    const announce = decodeAnnounce(bytes);
    expect(announce).not.toBeNull();
    expect(announce?.peerId.equals(PEER_ID)).toBe(true);
    expect(announce?.tcpPort).toBe(tcpPort);
    expect(announce?.swarmIds.map((id) => id.toString('hex'))).toEqual(swarmIds.map((id) => id.toString('hex')));
  });

  it('returns copies, not views of the datagram', () => {
    const bytes = packet();
    const announce = decodeAnnounce(bytes);
    bytes.fill(0);
    expect(announce?.peerId.equals(PEER_ID)).toBe(true);
    expect(announce?.swarmIds[0]?.equals(ID_A)).toBe(true);
  });

  it('reads a Uint8Array view at an offset', () => {
    const bytes = packet();
    const backing = new Uint8Array(bytes.length + 7);
    backing.set(bytes, 7);
    expect(decodeAnnounce(backing.subarray(7))?.tcpPort).toBe(6881);
  });

  const oversized = Buffer.concat([packet({ ids: Array.from({ length: 32 }, () => ID_A) }), Buffer.alloc(MAX_PACKET_BYTES)]);
  const bad: Array<[string, unknown]> = [
    ['empty', Buffer.alloc(0)],
    ['header minus one byte', packet({ ids: [] }).subarray(0, ANNOUNCE_HEADER_BYTES - 1)],
    ['foreign magic', packet({ magic: 'BT-S' })],
    ['lower-case magic', packet({ magic: 'swrm' })],
    ['version 2 (newer)', packet({ version: 2 })],
    ['version 0', packet({ version: 0 })],
    ['type 2 (unknown)', packet({ type: 2 })],
    ['flag bit 0 (authenticated, not yet supported)', packet({ flags: 1 })],
    ['flag bit 7', packet({ flags: 0x80 })],
    ['reserved byte set', packet({ reserved: 1 })],
    ['tcpPort 0', packet({ tcpPort: 0 })],
    ['count 33 with 33 ids', packet({ ids: Array.from({ length: 33 }, () => ID_A) })],
    ['count 65535', packet({ count: 65535 })],
    ['count 2 with one id (truncated)', packet({ count: 2 })],
    ['count 1 with id cut short', packet().subarray(0, ANNOUNCE_HEADER_BYTES + 31)],
    ['count 0 with one id (trailing)', packet({ count: 0 })],
    ['one trailing byte', packet({ trailer: Buffer.alloc(1) })],
    ['oversized', oversized],
    ['a string', 'SWRM'],
    ['null', null],
    ['an array of bytes', [...packet()]],
  ];
  it.each(bad)('returns null for %s', (_name, bytes) => {
    expect(decodeAnnounce(bytes as Uint8Array)).toBeNull();
  });
});
