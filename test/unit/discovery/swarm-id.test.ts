import { describe, it, expect } from 'vitest';
import { swarmId, swarmIdForPieces, swarmIdHex, SWARM_ID_BYTES } from '../../../src/discovery/swarm-id.js';

const MD5_0_TO_15 = Buffer.from([...Array(16).keys()]);

describe('swarmId', () => {
  // Vectors from Python: sha256(b'swarm-id/1' + md5 + struct.pack('>Q', size)).
  const vectors: Array<[string, Buffer, number, string]> = [
    ['md5 00..0f, 5 GB', MD5_0_TO_15, 5_000_000_000, 'ec0e858bb1bf2d41c485096c36487021a1be76f9bb7f5ddf48e0ee032bf500a3'],
    ['zero md5, empty file', Buffer.alloc(16), 0, '88c299aca087508fc0f75826a7f979d981d5813fcb69ec9d8805d56b9572ab35'],
  ];
  it.each(vectors)('%s', (_name, md5, fileBytes, hex) => {
    const id = swarmId(md5, fileBytes);
    expect(id.length).toBe(SWARM_ID_BYTES);
    expect(id.toString('hex')).toBe(hex);
    expect(swarmIdHex(md5, fileBytes)).toBe(hex);
  });

  it('depends on the size as well as the MD5', () => {
    expect(swarmIdHex(MD5_0_TO_15, 1)).not.toBe(swarmIdHex(MD5_0_TO_15, 2));
  });

  it('does not contain the MD5', () => {
    expect(swarmId(MD5_0_TO_15, 1).includes(MD5_0_TO_15)).toBe(false);
  });

  const invalid: Array<[string, unknown, unknown, string]> = [
    ['15-byte md5', Buffer.alloc(15), 1, '15 bytes'],
    ['17-byte md5', Buffer.alloc(17), 1, '17 bytes'],
    ['hex string md5', 'd41d8cd98f00b204e9800998ecf8427e', 1, 'd41d8cd98f00b204e9800998ecf8427e'],
    ['negative size', MD5_0_TO_15, -1, '-1'],
    ['fractional size', MD5_0_TO_15, 1.5, '1.5'],
    ['unsafe size', MD5_0_TO_15, 2 ** 53, String(2 ** 53)],
    ['NaN size', MD5_0_TO_15, Number.NaN, 'NaN'],
  ];
  it.each(invalid)('%s throws TypeError quoting it', (_name, md5, fileBytes, quoted) => {
    expect(() => swarmId(md5 as Buffer, fileBytes as number)).toThrow(TypeError);
    expect(() => swarmId(md5 as Buffer, fileBytes as number)).toThrow(quoted);
  });
});

describe('swarmIdForPieces', () => {
  const md5 = Buffer.alloc(16, 7);
  it('differs by piece size and from the plain swarm id, and is stable', () => {
    const a = swarmIdForPieces(md5, 1000, 262144);
    expect(a).toHaveLength(32);
    expect(a.equals(swarmIdForPieces(md5, 1000, 262144))).toBe(true);
    expect(a.equals(swarmIdForPieces(md5, 1000, 524288))).toBe(false);
    expect(a.equals(swarmId(md5, 1000))).toBe(false);
  });
  it('rejects a bad piece size', () => {
    expect(() => swarmIdForPieces(md5, 1000, 0)).toThrow(TypeError);
  });
});
