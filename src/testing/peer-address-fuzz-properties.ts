/**
 * The fuzz properties of the peer-address parsers (`--peer`, `--peers-dns`, `--dns-server`) and
 * of `isDialableAddress`, which every peer source applies to addresses from remote parties: run
 * by test/fuzz/peer-address.fuzz.test.ts and `scripts/fuzz-wire.js`. They never throw, refuse
 * with one bounded line naming the flag, and what they accept is well formed and parses the same
 * again once formatted.
 *
 * Test support, never loaded by the programs (fast-check is a devDependency). Pure.
 */
import fc from 'fast-check';
import {
  formatHostPort, hostKind, isDialableAddress, parseDnsName, parseDnsServer, parsePeerAddress,
  MAX_ADDRESS_TEXT_CHARS, type ParseResult,
} from '../peer-sources/peer-address.js';
import { fuzzProperty, type FuzzProperty } from './fuzz-property.js';

/** Characters that matter to the grammar, and some that must never pass. */
const NASTY = ['[', ']', ':', '.', '%', '-', '_', ' ', '/', '\n', '\u0000', '\u00e9', '0', '1', '9', 'f', 'F', 'x', 'z'];

const validText: fc.Arbitrary<string> = fc.tuple(
  fc.oneof(fc.ipV4(), fc.ipV6(), fc.domain(), fc.constantFrom('0.0.0.0', '::', 'ff02::1', 'fe80::1%eth0', 'seed.')),
  fc.integer({ min: 0, max: 70000 }),
  fc.integer({ min: 0, max: 3 }),
).map(([host, port, shape]) => {
  const bracketed = host.includes(':') ? `[${host}]` : host;
  return [`${bracketed}:${port}`, host, bracketed, `${host}:${port}`][shape] ?? host;
});

type Edit = { readonly at: number; readonly kind: 'insert' | 'delete' | 'replace'; readonly char: string };
const edit: fc.Arbitrary<Edit> = fc.record({ at: fc.nat(), kind: fc.constantFrom('insert', 'delete', 'replace'), char: fc.constantFrom(...NASTY) });

function applyEdit(text: string, { at, kind, char }: Edit): string {
  const index = text.length === 0 ? 0 : at % (text.length + 1);
  if (kind === 'insert') return text.slice(0, index) + char + text.slice(index);
  return text.slice(0, index) + (kind === 'replace' ? char : '') + text.slice(index + 1);
}

/** Valid addresses, names and servers with up to three hostile edits, noise over the grammar's alphabet, long strings. */
export const hostileAddressText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(validText, fc.array(edit, { maxLength: 3 })).map(([text, edits]) => edits.reduce(applyEdit, text)) },
  { weight: 2, arbitrary: fc.array(fc.constantFrom(...NASTY, 'a', 'b', 'c', '2', '5'), { maxLength: 50 }).map((chars) => chars.join('')) },
  { weight: 1, arbitrary: fc.string({ maxLength: MAX_ADDRESS_TEXT_CHARS + 100 }) },
);

/** A refusal is one line that names the flag and stays short; an acceptance parses the same again. */
function checkResult<T>(flag: string, result: ParseResult<T>, wellFormed: (value: T) => string | null, again: (value: T) => ParseResult<T>): boolean {
  if (!result.ok) {
    if (!result.error.startsWith(`${flag} "`) || /[\n\r]/.test(result.error) || result.error.length > 400) {
      throw new Error(`bad refusal: ${JSON.stringify(result.error)}`);
    }
    return false;
  }
  const problem = wellFormed(result.value);
  if (problem !== null) throw new Error(`accepted a malformed value ${JSON.stringify(result.value)}: ${problem}`);
  const reparsed = again(result.value);
  if (!reparsed.ok || JSON.stringify(reparsed.value) !== JSON.stringify(result.value)) {
    throw new Error(`${JSON.stringify(result.value)} formats to text that parses to ${JSON.stringify(reparsed)}`);
  }
  return true;
}

function portProblem(port: number): string | null {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? null : `port ${port}`;
}

/** parsePeerAddress: accepted hosts are dialable IPs or DNS names, and format back to text that parses the same. */
export function checkParsePeerAddress(text: string): boolean {
  return checkResult('--peer', parsePeerAddress(text),
    ({ host, port }) => (hostKind(host) === null ? `host ${host}` : portProblem(port)),
    ({ host, port }) => parsePeerAddress(formatHostPort(host, port)));
}

/** parseDnsName: accepted names are DNS names (never IPs), and NAME:PORT parses the same. */
export function checkParseDnsName(text: string): boolean {
  return checkResult('--peers-dns', parseDnsName(text, 41771),
    ({ name, port }) => (hostKind(name) !== 'name' ? `name ${name}` : portProblem(port)),
    ({ name, port }) => parseDnsName(formatHostPort(name, port), null));
}

/** parseDnsServer: accepted addresses are dialable IPs without a zone, and IP:PORT parses the same. */
export function checkParseDnsServer(text: string): boolean {
  return checkResult('--dns-server', parseDnsServer(text),
    ({ address, port }) => (!isDialableAddress(address) || address.includes('%') ? `address ${address}` : portProblem(port)),
    ({ address, port }) => parseDnsServer(formatHostPort(address, port)));
}

/** isDialableAddress: a boolean; what it takes is an address `--peer` takes too. */
export function checkIsDialableAddress(text: string): boolean {
  if (!isDialableAddress(text)) return false;
  if (hostKind(text) !== 'address' || !parsePeerAddress(formatHostPort(text, 1)).ok) throw new Error(`dialable but refused by --peer: ${JSON.stringify(text)}`);
  return true;
}

/** The peer-address fuzz properties. */
export const PEER_ADDRESS_FUZZ_PROPERTIES: readonly FuzzProperty[] = [
  fuzzProperty('parsePeerAddress never throws; accepted values are well formed and parse the same again', hostileAddressText, checkParsePeerAddress, 0.05),
  fuzzProperty('parseDnsName never throws; accepted values are names and parse the same again', hostileAddressText, checkParseDnsName, 0.05),
  fuzzProperty('parseDnsServer never throws; accepted values are dialable IPs and parse the same again', hostileAddressText, checkParseDnsServer, 0.02),
  fuzzProperty('isDialableAddress never throws; what it takes --peer takes', hostileAddressText, checkIsDialableAddress, 0.02),
];
