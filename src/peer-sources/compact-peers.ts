/**
 * Peer addresses as trackers send them: compact IPv4 (BEP 23, 4 address bytes and a big-endian
 * port), compact IPv6 (BEP 7, 16 and 2), and IP literals in text (BEP 3's dictionary form), each
 * reduced to one canonical text form so that duplicates compare equal. Also which addresses are
 * worth dialling at all.
 *
 * Pure: no I/O (no node:net; IPv6 text is canonicalised by the WHATWG URL parser). Not
 * responsible for: resolving names (a tracker's `ip` must be a literal) nor deciding whom to
 * trust (every candidate is proven in the handshake).
 */

/** A peer's address and TCP port. */
export interface PeerAddress {
  /** A canonical IPv4 dotted quad or compressed lower-case IPv6 literal. */
  readonly address: string;
  /** 1..65535 once {@link isDialable}; 0 may come from a compact entry. */
  readonly port: number;
}

/** Bytes of one compact IPv4 entry (BEP 23). */
export const COMPACT_V4_BYTES = 6;
/** Bytes of one compact IPv6 entry (BEP 7). */
export const COMPACT_V6_BYTES = 18;

const IPV4_RE = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const IPV6_CHARS_RE = /^[0-9A-Fa-f:.]{2,45}$/;
/** ff00::/8 in canonical text: a first group of four digits starting `ff` (`ff::1` is 00ff::1). */
const IPV6_MULTICAST_RE = /^ff[0-9a-f]{2}:/;
const MAPPED_V4_RE = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

/** `::ffff:a.b.c.d` (as the URL parser writes it, `::ffff:XXXX:XXXX`) as `a.b.c.d`, else unchanged. */
function unmapV4(ipv6: string): string {
  const mapped = MAPPED_V4_RE.exec(ipv6);
  if (mapped === null) return ipv6;
  const high = parseInt(mapped[1] ?? '0', 16);
  const low = parseInt(mapped[2] ?? '0', 16);
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}

/** The canonical form of an IPv6 literal without brackets or zone, or null when it is not one. */
function canonicalIpv6(text: string): string | null {
  if (!IPV6_CHARS_RE.test(text) || !text.includes(':')) return null;
  try {
    const host = new URL(`http://[${text}]/`).hostname;
    return unmapV4(host.slice(1, -1));
  } catch {
    return null;
  }
}

/**
 * The canonical form of an IP literal (strict dotted-quad IPv4 without leading zeros, or IPv6;
 * an IPv4-mapped IPv6 address becomes its IPv4 form), or null for anything else: host names,
 * bracketed or zoned IPv6, octal or shortened IPv4.
 */
export function canonicalIp(text: string): string | null {
  if (IPV4_RE.test(text)) return text;
  return canonicalIpv6(text);
}

/** The peer in the compact IPv4 entry at `offset` of `bytes` (6 bytes must be there). */
export function compactV4At(bytes: Uint8Array, offset: number): PeerAddress {
  const b = bytes.subarray(offset, offset + COMPACT_V4_BYTES);
  return { address: `${b[0]}.${b[1]}.${b[2]}.${b[3]}`, port: ((b[4] ?? 0) << 8) | (b[5] ?? 0) };
}

/** The peer in the compact IPv6 entry at `offset` of `bytes` (18 bytes must be there). */
export function compactV6At(bytes: Uint8Array, offset: number): PeerAddress {
  const b = bytes.subarray(offset, offset + COMPACT_V6_BYTES);
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((b[i] ?? 0) << 8) | (b[i + 1] ?? 0)).toString(16));
  return { address: canonicalIpv6(groups.join(':')) ?? groups.join(':'), port: ((b[16] ?? 0) << 8) | (b[17] ?? 0) };
}

/** The first byte of a canonical IPv4 address, or null when it is IPv6. */
function firstOctet(address: string): number | null {
  return address.includes(':') ? null : Number(address.slice(0, address.indexOf('.')));
}

/**
 * Whether `peer` is worth dialling: a port in 1..65535, and an address that is not unspecified
 * (`0.0.0.0/8`, `::`), multicast (`224.0.0.0/4`, `ff00::/8`) or the limited broadcast
 * `255.255.255.255`. `peer.address` must be canonical (from this module).
 */
export function isDialable(peer: PeerAddress): boolean {
  if (!Number.isInteger(peer.port) || peer.port < 1 || peer.port > 65535) return false;
  const octet = firstOctet(peer.address);
  if (octet === null) return peer.address !== '::' && !IPV6_MULTICAST_RE.test(peer.address);
  return octet !== 0 && !(octet >= 224 && octet <= 239) && peer.address !== '255.255.255.255';
}
