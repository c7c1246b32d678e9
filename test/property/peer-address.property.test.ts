import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { BlockList, isIP } from 'node:net';
import {
  formatHostPort, isDialableAddress, MAX_DNS_NAME_CHARS, parseDnsName, parseDnsServer, parsePeerAddress,
} from '../../src/peer-sources/peer-address.js';

const port = fc.integer({ min: 1, max: 65535 });

/** An independent oracle for "not dialable": node's own BlockList over the same ranges. No socket is
 * opened: these addresses are strings checked by the rule, never dialled. */
const UNDIALABLE = new BlockList();
UNDIALABLE.addSubnet('0.0.0.0', 8, 'ipv4');
UNDIALABLE.addSubnet('224.0.0.0', 4, 'ipv4');
UNDIALABLE.addAddress('255.255.255.255', 'ipv4');
UNDIALABLE.addAddress('::', 'ipv6');
UNDIALABLE.addSubnet('ff00::', 8, 'ipv6');
UNDIALABLE.addSubnet('::ffff:0.0.0.0', 104, 'ipv6');
UNDIALABLE.addSubnet('::ffff:224.0.0.0', 100, 'ipv6');
UNDIALABLE.addAddress('::ffff:255.255.255.255', 'ipv6');

function oracleDialable(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return !UNDIALABLE.check(address.split('%')[0] ?? '', family === 4 ? 'ipv4' : 'ipv6');
}

/** IPv4 addresses weighted toward the edges of the ranges that are not dialable. */
const ipv4 = fc.oneof(
  fc.ipV4(),
  fc.constantFrom('0.0.0.0', '0.255.255.255', '1.0.0.0', '223.255.255.255', '224.0.0.0', '239.255.255.255', '240.0.0.0', '255.255.255.254', '255.255.255.255', '127.0.0.1'),
);
const ipv6 = fc.oneof(
  fc.ipV6(),
  fc.ipV4().map((address) => `::ffff:${address}`),
  fc.constantFrom('::', '::1', 'ff00::', 'feff:ffff::', 'ff02::1%eth0', 'fe80::1%lo'),
);
const label = fc.stringMatching(/^[0-9A-Za-z_-]{1,63}$/).filter((text) => !/^\d+$/.test(text));
const dnsName = fc.tuple(fc.array(fc.stringMatching(/^[0-9A-Za-z_-]{1,63}$/), { maxLength: 4 }), label, fc.boolean())
  .map(([labels, last, dot]) => `${[...labels, last].join('.')}${dot ? '.' : ''}`)
  .filter((name) => name.replace(/\.$/, '').length <= MAX_DNS_NAME_CHARS);

describe('peer addresses', () => {
  it('isDialableAddress agrees with node:net isIP and a BlockList of the same ranges', () => {
    fc.assert(fc.property(fc.oneof(ipv4, ipv6), (address) => {
      expect(isDialableAddress(address)).toBe(oracleDialable(address));
    }), { numRuns: 2000 });
  });

  it('isDialableAddress never takes what node:net does not read as an IP', () => {
    const nearIp = fc.stringMatching(/^[0-9a-fA-F:.%]{0,45}$/);
    fc.assert(fc.property(fc.oneof(nearIp, fc.string()), (text) => {
      if (isDialableAddress(text)) expect(isIP(text)).not.toBe(0);
    }), { numRuns: 3000 });
  });

  it('parsePeerAddress(formatHostPort(ip, port)) gives back a dialable IP and its port', () => {
    fc.assert(fc.property(fc.oneof(ipv4, ipv6), port, (host, peerPort) => {
      const parsed = parsePeerAddress(formatHostPort(host, peerPort));
      if (oracleDialable(host)) expect(parsed).toEqual({ ok: true, value: { host, port: peerPort } });
      else expect(parsed).toMatchObject({ ok: false, error: expect.stringContaining('cannot be dialled') });
    }), { numRuns: 1000 });
  });

  it('parsePeerAddress(formatHostPort(name, port)) gives back the name and its port', () => {
    fc.assert(fc.property(dnsName, port, (host, peerPort) => {
      expect(parsePeerAddress(formatHostPort(host, peerPort))).toEqual({ ok: true, value: { host, port: peerPort } });
    }));
  });

  it('parseDnsName takes NAME:PORT and NAME with the default port', () => {
    fc.assert(fc.property(dnsName, port, port, (name, namePort, defaultPort) => {
      expect(parseDnsName(formatHostPort(name, namePort), null)).toEqual({ ok: true, value: { name, port: namePort } });
      expect(parseDnsName(name, defaultPort)).toEqual({ ok: true, value: { name, port: defaultPort } });
    }));
  });

  it('parseDnsServer(formatHostPort(ip, port)) gives back a dialable IP without zone and its port', () => {
    fc.assert(fc.property(fc.oneof(ipv4, ipv6), port, (address, serverPort) => {
      const parsed = parseDnsServer(formatHostPort(address, serverPort));
      expect(parsed.ok).toBe(oracleDialable(address) && !address.includes('%'));
      if (parsed.ok) expect(parsed.value).toEqual({ address, port: serverPort });
    }), { numRuns: 1000 });
  });

  it('every parser answers any string with a value or a one-line error, never a throw', () => {
    const text = fc.oneof(fc.string({ maxLength: 400 }), fc.stringMatching(/^[[\]0-9a-z:.%_-]{0,40}$/));
    fc.assert(fc.property(text, fc.option(port, { nil: null }), (input, defaultPort) => {
      for (const result of [parsePeerAddress(input), parseDnsName(input, defaultPort), parseDnsServer(input)]) {
        if (!result.ok) {
          expect(result.error).not.toMatch(/[\n\r]/);
          expect(result.error.length).toBeLessThan(400);
        }
      }
    }), { numRuns: 3000 });
  });
});
