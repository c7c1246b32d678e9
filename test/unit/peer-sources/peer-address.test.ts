import { describe, it, expect } from 'vitest';
import {
  formatHostPort, hostKind, isDialableAddress, parseDnsName, parseDnsServer, parsePeerAddress,
} from '../../../src/peer-sources/peer-address.js';
import type { ParseResult } from '../../../src/peer-sources/peer-address.js';

/** The error names the flag and the value (shortened past 80 characters), says why, then the form. */
function expectRejected(result: ParseResult<unknown>, flag: string, text: string, reason: RegExp, form: string): void {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  const shown = text.length > 80 ? `${text.slice(0, 80)}...` : text;
  expect(result.error.startsWith(`${flag} ${JSON.stringify(shown)}: `)).toBe(true);
  expect(result.error).toMatch(reason);
  expect(result.error).toContain(`; ${form}`);
  expect(result.error).not.toMatch(/[\n\r]/);
}

const LONG_LABEL = 'a'.repeat(64);

describe('parsePeerAddress', () => {
  const accepted: Array<[string, string, number]> = [
    ['10.0.0.5:41771', '10.0.0.5', 41771],
    ['127.0.0.1:1', '127.0.0.1', 1],
    ['192.168.1.2:65535', '192.168.1.2', 65535],
    ['[fd00::5]:41771', 'fd00::5', 41771],
    ['[::1]:8080', '::1', 8080],
    ['[fe80::1%eth0]:41771', 'fe80::1%eth0', 41771],
    ['[::ffff:10.0.0.5]:41771', '::ffff:10.0.0.5', 41771],
    ['[1:2:3:4:5:6:7:8]:9', '1:2:3:4:5:6:7:8', 9],
    ['seed-0.swarm.svc:41771', 'seed-0.swarm.svc', 41771],
    ['seed-0.swarm.svc.:41771', 'seed-0.swarm.svc.', 41771],
    ['localhost:41771', 'localhost', 41771],
    ['_peers._tcp.example:41771', '_peers._tcp.example', 41771],
    ['fd00:41771', 'fd00', 41771],
  ];
  it.each(accepted)('%s', (text, host, port) => {
    expect(parsePeerAddress(text)).toEqual({ ok: true, value: { host, port } });
  });

  const rejected: Array<[string, string, RegExp]> = [
    ['empty', '', /is empty/],
    ['a space', '10.0.0.5: 41771', /must not contain spaces/],
    ['a leading space', ' 10.0.0.5:41771', /must not contain spaces/],
    ['a tab', '10.0.0.5:\t41771', /must not contain spaces/],
    ['a scheme', 'http://10.0.0.5:41771', /must not have a scheme/],
    ['a tcp scheme', 'tcp://seed:41771', /must not have a scheme/],
    ['no port (IPv4)', '10.0.0.5', /has no port/],
    ['no port (name)', 'seed-0.swarm.svc', /has no port/],
    ['no port (IPv6)', '[fd00::5]', /has no port/],
    ['an empty port', '10.0.0.5:', /has an empty port/],
    ['port 0', '10.0.0.5:0', /outside 1\.\.65535/],
    ['port 65536', '10.0.0.5:65536', /outside 1\.\.65535/],
    ['port 999999', '10.0.0.5:999999', /not a number/],
    ['a negative port', '10.0.0.5:-1', /not a number/],
    ['a word for a port', 'seed:http', /not a number/],
    ['a bare IPv6', 'fd00::5', /without brackets; write it as \[ADDRESS\]:PORT/],
    ['a bare IPv6 and a port', 'fd00::5:41771', /without brackets/],
    ['a bare full IPv6 and a port', '1:2:3:4:5:6:7:8:41771', /without brackets/],
    ['colons in a name', 'a:b:c', /more than one ":"/],
    ['IPv4 in brackets', '[10.0.0.5]:41771', /brackets are for IPv6 only/],
    ['a name in brackets', '[seed]:41771', /brackets are for IPv6 only/],
    ['an unclosed bracket', '[fd00::5:41771', /"\[" without "\]"/],
    ['junk after the bracket', '[fd00::5]41771', /after "\]"/],
    ['a bad IPv4', '10.0.0.256:41771', /not a valid IPv4 address/],
    ['a short IPv4', '10.0.5:41771', /not a valid IPv4 address/],
    ['a leading zero', '10.0.0.05:41771', /not a valid IPv4 address/],
    ['an empty host', ':41771', /empty host/],
    ['an empty label', 'seed..svc:41771', /empty label/],
    ['a leading dot', '.seed:41771', /empty label/],
    ['the root', '.:41771', /root/],
    ['a long label', `${LONG_LABEL}.svc:41771`, /label longer than 63/],
    ['a bad character', 'seed*.svc:41771', /"seed\*"/],
    ['an all-digit last label', 'seed.123:41771', /last label is all digits/],
    ['a number', '2130706433:41771', /not a valid IPv4 address/],
    ['a non-ASCII name', 'bücher.example:41771', /characters other than/],
    ['unspecified IPv4', '0.0.0.0:41771', /cannot be dialled/],
    ['unspecified IPv6', '[::]:41771', /cannot be dialled/],
    ['multicast', '224.0.0.1:41771', /cannot be dialled/],
    ['IPv6 multicast', '[ff02::1]:41771', /cannot be dialled/],
    ['the limited broadcast', '255.255.255.255:41771', /cannot be dialled/],
    ['too long', `${'a'.repeat(400)}:1`, /too long \(402 characters, at most 300\)/],
  ];
  it.each(rejected)('rejects %s', (_what, text, pattern) => {
    expectRejected(parsePeerAddress(text), '--peer', text, pattern, 'expected HOST:PORT');
  });

  it('names the value it rejects, shortened when long', () => {
    expect(parsePeerAddress('10.0.0.5')).toEqual({ ok: false, error: expect.stringContaining('--peer "10.0.0.5": has no port;') });
    const result = parsePeerAddress('x'.repeat(301));
    expect(!result.ok && result.error.length).toBeLessThan(250);
  });

  it('throws a TypeError for a non-string', () => {
    expect(() => parsePeerAddress(41771 as unknown as string)).toThrow(TypeError);
  });
});

describe('parseDnsName', () => {
  const accepted: Array<[string, number | null, string, number]> = [
    ['peers.swarm.svc', 41771, 'peers.swarm.svc', 41771],
    ['peers.swarm.svc:5000', 41771, 'peers.swarm.svc', 5000],
    ['peers.swarm.svc:5000', null, 'peers.swarm.svc', 5000],
    ['peers.swarm.svc.', 41771, 'peers.swarm.svc.', 41771],
    ['peers.swarm.svc.:1', null, 'peers.swarm.svc.', 1],
    ['swarm', 7, 'swarm', 7],
    ['_peers._tcp.swarm-1.svc', 7, '_peers._tcp.swarm-1.svc', 7],
    [`${'a'.repeat(63)}.svc`, 7, `${'a'.repeat(63)}.svc`, 7],
  ];
  it.each(accepted)('%s (default port %s)', (text, defaultPort, name, port) => {
    expect(parseDnsName(text, defaultPort)).toEqual({ ok: true, value: { name, port } });
  });

  it('takes names of exactly 253 characters, with or without the trailing dot, and no longer', () => {
    const name253 = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
    expect(name253).toHaveLength(253);
    expect(parseDnsName(name253, 1).ok).toBe(true);
    expect(parseDnsName(`${name253}.`, 1).ok).toBe(true);
    expect(parseDnsName(`${name253}d`, 1)).toEqual({ ok: false, error: expect.stringContaining('longer than 253 characters') });
  });

  const rejected: Array<[string, string, number | null, RegExp]> = [
    ['no port and no --port', 'peers.swarm.svc', null, /has no port and --port is not set; give NAME:PORT or set --port/],
    ['empty', '', 41771, /is empty/],
    ['a space', 'peers swarm', 41771, /spaces/],
    ['a scheme', 'dns://peers.swarm.svc', 41771, /scheme/],
    ['an IPv4 address', '10.0.0.5', 41771, /is an IP address, not a DNS name; use --peer/],
    ['an IPv4 address and port', '10.0.0.5:41771', 41771, /is an IP address/],
    ['an IPv6 address', 'fd00::5', 41771, /is an IP address/],
    ['a bracketed IPv6 address', '[fd00::5]:41771', 41771, /is an IP address/],
    ['two colons', 'a:1:2', 41771, /more than one ":"/],
    ['port 0', 'peers:0', 41771, /outside 1\.\.65535/],
    ['an empty port', 'peers:', 41771, /empty port/],
    ['an empty label', 'peers..svc', 41771, /empty label/],
    ['a long label', `${LONG_LABEL}.svc`, 41771, /longer than 63/],
    ['a slash', 'peers/svc', 41771, /characters other than/],
    ['a dotted number', '10.0.0.256', 41771, /not a valid IPv4 address/],
  ];
  it.each(rejected)('rejects %s', (_what, text, defaultPort, pattern) => {
    expectRejected(parseDnsName(text, defaultPort), '--peers-dns', text, pattern, 'expected NAME[:PORT]');
  });

  it('throws a TypeError for a bad default port or a non-string', () => {
    for (const bad of [0, 65536, 1.5, Number.NaN, '41771']) {
      expect(() => parseDnsName('peers', bad as number)).toThrow(TypeError);
    }
    expect(() => parseDnsName(null as unknown as string, 1)).toThrow(TypeError);
  });
});

describe('parseDnsServer', () => {
  const accepted: Array<[string, string, number]> = [
    ['10.0.0.2', '10.0.0.2', 53],
    ['127.0.0.1:5353', '127.0.0.1', 5353],
    ['fd00::53', 'fd00::53', 53],
    ['::1', '::1', 53],
    ['[fd00::53]', 'fd00::53', 53],
    ['[::1]:5353', '::1', 5353],
  ];
  it.each(accepted)('%s', (text, address, port) => {
    expect(parseDnsServer(text)).toEqual({ ok: true, value: { address, port } });
  });

  const rejected: Array<[string, string, RegExp]> = [
    ['empty', '', /is empty/],
    ['a name', 'dns.example', /not an IP address \(names are not accepted/],
    ['a name and port', 'dns.example:53', /not an IP address/],
    ['a scheme', 'udp://10.0.0.2', /scheme/],
    ['a space', '10.0.0.2 ', /spaces/],
    ['port 0', '10.0.0.2:0', /outside/],
    ['port 70000', '[::1]:70000', /outside/],
    ['an empty port', '10.0.0.2:', /empty port/],
    ['a zone', 'fe80::1%eth0', /zone/],
    ['unspecified', '0.0.0.0', /cannot be asked/],
    ['multicast', 'ff02::fb', /cannot be asked/],
    ['IPv4 in brackets', '[10.0.0.2]:53', /IPv6 only/],
  ];
  it.each(rejected)('rejects %s', (_what, text, pattern) => {
    expectRejected(parseDnsServer(text), '--dns-server', text, pattern, 'expected IP[:PORT]');
  });
});

describe('isDialableAddress', () => {
  const cases: Array<[string, boolean]> = [
    ['10.0.0.5', true],
    ['127.0.0.1', true],
    ['127.255.255.254', true],
    ['1.0.0.0', true],
    ['223.255.255.255', true],
    ['240.0.0.1', true],
    ['255.255.255.254', true],
    ['0.0.0.0', false],
    ['0.1.2.3', false],
    ['224.0.0.1', false],
    ['239.255.255.250', false],
    ['255.255.255.255', false],
    ['::1', true],
    ['fd00::5', true],
    ['fe80::1%eth0', true],
    ['2001:db8::1', true],
    ['1:2:3:4:5:6:7:8', true],
    ['::ffff:10.0.0.5', true],
    ['::ffff:a00:5', true],
    ['feff::1', true],
    ['::', false],
    ['0:0:0:0:0:0:0:0', false],
    ['::%eth0', false],
    ['ff02::1', false],
    ['FF05::2', false],
    ['::ffff:0.0.0.0', false],
    ['::ffff:224.0.0.1', false],
    ['::ffff:255.255.255.255', false],
    ['', false],
    ['localhost', false],
    ['10.0.0.256', false],
    ['10.0.0', false],
    ['010.0.0.5', false],
    ['[::1]', false],
    ['1:2:3:4:5:6:7:8:9', false],
    ['1::2::3', false],
    [':1', false],
    ['1:', false],
    ['12345::1', false],
    ['1:2:3:4:5:6:7::8', false],
    ['fe80::1%', false],
    ['fe80::1%a b', false],
    ['10.0.0.5:41771', false],
    ['1.2.3.4::', false],
    ['x'.repeat(1000), false],
  ];
  it.each(cases)('%s: %s', (address, dialable) => {
    expect(isDialableAddress(address)).toBe(dialable);
  });

  it('throws a TypeError for a non-string', () => {
    expect(() => isDialableAddress(undefined as unknown as string)).toThrow(TypeError);
  });
});

describe('hostKind', () => {
  it.each([
    ['10.0.0.5', 'address'], ['fd00::5', 'address'], ['seed-0.swarm.svc', 'name'], ['seed.', 'name'],
    ['0.0.0.0', null], ['ff02::1', null], ['10.0.0.256', null], ['bad name', null], ['', null], ['[::1]', null],
  ])('%s: %s', (host, kind) => {
    expect(hostKind(host)).toBe(kind);
  });
});

describe('formatHostPort', () => {
  it.each([
    ['10.0.0.5', 41771, '10.0.0.5:41771'], ['fd00::5', 41771, '[fd00::5]:41771'], ['seed', 1, 'seed:1'],
  ])('%s %s: %s', (host, port, text) => {
    expect(formatHostPort(host, port)).toBe(text);
  });

  it('throws a TypeError for a bad port', () => {
    expect(() => formatHostPort('seed', 0)).toThrow(TypeError);
    expect(() => formatHostPort('seed', 65536)).toThrow(TypeError);
  });
});
