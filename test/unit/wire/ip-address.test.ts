import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { SocketAddress, isIP } from 'node:net';
import {
  canonicalIpAddress, formatIpAddress, isIpv4Mapped, parseIpAddress,
} from '../../../src/wire/ip-address.js';
import { ipv6Bytes } from '../../../src/testing/wire-arbitraries.js';

const hex = (bytes: Uint8Array | null): string | null => (bytes === null ? null : Buffer.from(bytes).toString('hex'));

/** What Node's `net` writes for the 16 bytes, the reference the codec's text must match. */
function nodeText(bytes: Uint8Array): string {
  const groups = Array.from({ length: 8 }, (_, i) => Buffer.from(bytes).readUInt16BE(i * 2).toString(16));
  return new SocketAddress({ address: groups.join(':'), family: 'ipv6' }).address;
}

describe('parseIpAddress', () => {
  it.each<[string, string | null]>([
    ['1.2.3.4', '01020304'],
    ['0.0.0.0', '00000000'],
    ['255.255.255.255', 'ffffffff'],
    ['::', '0'.repeat(32)],
    ['::1', `${'0'.repeat(30)}01`],
    ['1::', `0001${'0'.repeat(28)}`],
    ['2001:DB8::8:800:200C:417A', '20010db8000000000008080020 0c417a'.replace(' ', '')],
    ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008'],
    ['1:2:3:4:5:6:7::', '00010002000300040005000600070000'],
    ['::2:3:4:5:6:7:8', '00000002000300040005000600070008'],
    ['::ffff:1.2.3.4', '00000000000000000000ffff01020304'],
    ['1:2:3:4:5:6:1.2.3.4', '00010002000300040005000601020304'],
    ['::1.2.3.4', '00000000000000000000000001020304'],
    // not literals
    ['', null], ['01.2.3.4', null], ['1.2.3', null], ['1.2.3.4.5', null], ['256.1.1.1', null], [' 1.2.3.4', null],
    ['1.2.3.4 ', null], ['localhost', null], ['[::1]', null], ['::1%eth0', null], ['fe80::1%1', null],
    [':::', null], ['1::2::3', null], [':1::2', null], ['1:2:3:4:5:6:7:8:9', null], ['1:2:3:4:5:6:7', null],
    ['1:2:3:4:5:6:7:8::', null], ['12345::', null], ['::g', null], ['1.2.3.4::', null], ['::1.2.3.4:5', null],
    ['::ffff:01.2.3.4', null], ['1:2:3:4:5:6:7:1.2.3.4', null], ['::' + '1:'.repeat(40) + '1', null],
  ])('%j -> %s', (text, expected) => {
    expect(hex(parseIpAddress(text))).toBe(expected);
  });

  it('accepts exactly what net.isIP accepts, zone ids aside', () => {
    const texts = fc.oneof(
      fc.ipV4(), fc.ipV6(), fc.ipV4Extended(),
      fc.stringMatching(/^[0-9a-fA-F:.]{0,20}$/),
    );
    fc.assert(fc.property(texts, (text) => {
      expect(parseIpAddress(text) !== null).toBe(isIP(text) !== 0);
    }), { numRuns: 2000 });
  });

  it('is null for non-strings', () => {
    expect(parseIpAddress(42 as unknown as string)).toBeNull();
  });
});

describe('formatIpAddress', () => {
  it.each<[string, string]>([
    ['01020304', '1.2.3.4'],
    ['0'.repeat(32), '::'],
    [`${'0'.repeat(30)}01`, '::1'],
    ['00000000000000000000ffff01020304', '::ffff:1.2.3.4'],
    ['00000000000000000000000001020304', '::1.2.3.4'],
    ['00000000000000000000ffff00000000', '::ffff:0.0.0.0'],
    ['0000000000000000000000000000ffff', '::ffff'],
    ['00000002000300040005000600070008', '0:2:3:4:5:6:7:8'],
    ['00010000000000010000000000000001', '1:0:0:1::1'],
    ['00010000000100000000000100000001', '1:0:1::1:0:1'],
    ['20010db8000000000000000000000001', '2001:db8::1'],
  ])('%s -> %s', (bytes, text) => {
    expect(formatIpAddress(Buffer.from(bytes, 'hex'))).toBe(text);
  });

  it('writes IPv6 as Node net does, and parses back to the same bytes', () => {
    fc.assert(fc.property(ipv6Bytes, (bytes) => {
      const text = formatIpAddress(bytes);
      expect(text).toBe(nodeText(bytes));
      expect(hex(parseIpAddress(text))).toBe(hex(bytes));
    }), { numRuns: 2000 });
  });

  it.each([[new Uint8Array(0)], [new Uint8Array(5)], [[1, 2, 3, 4]], ['1.2.3.4']])('throws a TypeError for %j', (bytes) => {
    expect(() => formatIpAddress(bytes as Uint8Array)).toThrow(TypeError);
  });
});

describe('canonicalIpAddress and isIpv4Mapped', () => {
  it.each<[string, string | null]>([
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::FFFF:7f00:1', '127.0.0.1'],
    ['127.0.0.1', '127.0.0.1'],
    ['0:0::1', '::1'],
    ['::1.2.3.4', '::1.2.3.4'],
    ['2001:0DB8:0:0::1', '2001:db8::1'],
    ['nope', null],
  ])('%j -> %j', (text, canonical) => {
    expect(canonicalIpAddress(text)).toBe(canonical);
  });

  it('tells mapped addresses from the rest', () => {
    expect(isIpv4Mapped(parseIpAddress('::ffff:1.2.3.4') as Uint8Array)).toBe(true);
    expect(isIpv4Mapped(parseIpAddress('::1.2.3.4') as Uint8Array)).toBe(false);
    expect(isIpv4Mapped(parseIpAddress('1.2.3.4') as Uint8Array)).toBe(false);
  });
});
