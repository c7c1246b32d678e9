/**
 * IP address literals as bytes and back, for the `peers` message (peer exchange, BEP 11 style):
 * strict parsing of IPv4 dotted quads and IPv6 text, and the one canonical text of each address.
 *
 * Pure: no I/O, and no `node:net` (the codec stays pure), so the IPv6 text is produced here the
 * way Node's `net` (libuv's `inet_ntop`) writes it: lower-case hex without leading zeros, the first
 * longest run of two or more zero groups written `::`, and `::a.b.c.d` / `::ffff:a.b.c.d` for the
 * IPv4-compatible and IPv4-mapped forms. Not responsible for: names (never resolved here), zone ids
 * (`fe80::1%eth0` is not a literal here: a zone means nothing to another host), or whether an
 * address is worth dialling (see `swarm/peer-exchange.ts`).
 */

/** Bytes of an IPv4 address. */
export const IPV4_BYTES = 4;

/** Bytes of an IPv6 address. */
export const IPV6_BYTES = 16;

/** Longest IPv6 text worth reading (`ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255` is 45). */
const MAX_IPV6_TEXT = 45;
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4_TEXT = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
const IPV6_GROUPS = 8;

/**
 * The 4 (IPv4) or 16 (IPv6) bytes of the literal `text`, or `null` when it is not one: IPv4 as
 * four decimal octets without leading zeros (as `net.isIPv4` reads them), IPv6 with an optional
 * `::` and an optional IPv4 tail. No brackets, no zone ids, no surrounding spaces. Never throws
 * for a string; a non-string is `null` too.
 */
export function parseIpAddress(text: string): Uint8Array | null {
  if (typeof text !== 'string') return null;
  if (IPV4_TEXT.test(text)) return parseIpv4(text);
  return text.length <= MAX_IPV6_TEXT ? parseIpv6(text) : null;
}

function parseIpv4(text: string): Uint8Array {
  return Uint8Array.from(text.split('.'), Number);
}

function parseIpv6(text: string): Uint8Array | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = splitGroups(halves[0] ?? '');
  const tail = halves.length === 2 ? splitGroups(halves[1] ?? '') : [];
  const last = halves.length === 2 ? tail : head;
  const lastGroup = last[last.length - 1];
  let ipv4: Uint8Array | null = null;
  if (lastGroup !== undefined && lastGroup.includes('.')) {
    if (!IPV4_TEXT.test(lastGroup)) return null;
    ipv4 = parseIpv4(lastGroup);
    last.pop();
  }
  if (![...head, ...tail].every((group) => HEX_GROUP.test(group))) return null;
  const words = head.length + tail.length + (ipv4 === null ? 0 : 2);
  if (halves.length === 1 ? words !== IPV6_GROUPS : words > IPV6_GROUPS - 1) return null;
  const bytes = new Uint8Array(IPV6_BYTES);
  head.forEach((group, i) => writeGroup(bytes, i, group));
  const tailStart = IPV6_GROUPS - tail.length - (ipv4 === null ? 0 : 2);
  tail.forEach((group, i) => writeGroup(bytes, tailStart + i, group));
  if (ipv4 !== null) bytes.set(ipv4, IPV6_BYTES - IPV4_BYTES);
  return bytes;
}

function splitGroups(part: string): string[] {
  return part === '' ? [] : part.split(':');
}

function writeGroup(bytes: Uint8Array, index: number, group: string): void {
  const word = parseInt(group, 16);
  bytes[index * 2] = word >> 8;
  bytes[index * 2 + 1] = word & 0xff;
}

/**
 * The canonical text of a 4- or 16-byte address, as Node's `net` writes it (see the module
 * comment): `1.2.3.4`, `::1`, `2001:db8::1`, `::ffff:1.2.3.4`. Throws a `TypeError` quoting the
 * length when `bytes` is not a Uint8Array of 4 or 16 bytes.
 */
export function formatIpAddress(bytes: Uint8Array): string {
  if (!(bytes instanceof Uint8Array) || (bytes.length !== IPV4_BYTES && bytes.length !== IPV6_BYTES)) {
    const got = bytes instanceof Uint8Array ? `${bytes.length} bytes` : `${String(bytes)} (${typeof bytes})`;
    throw new TypeError(`formatIpAddress: bytes must be a Uint8Array of 4 or 16 bytes, got ${got}`);
  }
  return bytes.length === IPV4_BYTES ? [...bytes].join('.') : formatIpv6(bytes);
}

function formatIpv6(bytes: Uint8Array): string {
  const words = Array.from({ length: IPV6_GROUPS }, (_, i) => ((bytes[i * 2] ?? 0) << 8) | (bytes[i * 2 + 1] ?? 0));
  const run = longestZeroRun(words);
  if (run.start === 0 && (run.length === 6 || (run.length === 5 && words[5] === 0xffff))) {
    const prefix = run.length === 6 ? '::' : '::ffff:';
    return prefix + [...bytes.subarray(IPV6_BYTES - IPV4_BYTES)].join('.');
  }
  if (run.length < 2) return words.map((word) => word.toString(16)).join(':');
  const before = words.slice(0, run.start).map((word) => word.toString(16)).join(':');
  const after = words.slice(run.start + run.length).map((word) => word.toString(16)).join(':');
  return `${before}::${after}`;
}

/** The first longest run of zero words (length 0 when there is none). */
function longestZeroRun(words: readonly number[]): { start: number; length: number } {
  let best = { start: -1, length: 0 };
  let start = -1;
  for (let i = 0; i <= words.length; i++) {
    if (i < words.length && words[i] === 0) {
      if (start === -1) start = i;
      continue;
    }
    if (start !== -1 && i - start > best.length) best = { start, length: i - start };
    start = -1;
  }
  return best;
}

/**
 * Whether the 16 `bytes` are an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, RFC 4291 2.5.5.2),
 * which is how a dual-stack socket names an IPv4 peer.
 */
export function isIpv4Mapped(bytes: Uint8Array): boolean {
  if (bytes.length !== IPV6_BYTES) return false;
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

/**
 * The one text of the host `text` names, for comparing addresses: the canonical text of
 * {@link formatIpAddress}, with an IPv4-mapped IPv6 address written as plain IPv4 (so
 * `::ffff:127.0.0.1` and `127.0.0.1` compare equal). `null` when `text` is not a literal.
 */
export function canonicalIpAddress(text: string): string | null {
  const bytes = parseIpAddress(text);
  if (bytes === null) return null;
  return formatIpAddress(isIpv4Mapped(bytes) ? bytes.subarray(IPV6_BYTES - IPV4_BYTES) : bytes);
}
