/**
 * The body of the `peers` message (id 24; see `codec.ts`): peer exchange after BEP 11, where a
 * peer tells another the TCP listen addresses of peers it has. Each entry is one byte of address
 * family (4 or 6), then 4 or 16 address bytes, then a `u16` big-endian port; the entries fill the
 * body (no count: the frame's length says where they end, and the cap bounds them).
 *
 * Pure: no I/O. Not responsible for: framing (`codec.ts`), or whether an address is worth dialling
 * (`swarm/peer-exchange.ts` filters what a peer sends; the codec only checks the encoding).
 */

import { IPV4_BYTES, IPV6_BYTES, formatIpAddress, parseIpAddress } from './ip-address.js';
import { WireError } from './wire-error.js';

/**
 * Most entries a `peers` message may carry: BEP 11's convention of at most 50 added peers per
 * message (agreed between uTorrent and Azureus; libtorrent keeps at most 50 per connection by
 * default). 50 IPv6 entries make a payload of {@link MAX_PEERS_PAYLOAD_BYTES}, inside any frame cap.
 */
export const MAX_PEX_PEERS = 50;

/**
 * Payload bytes of the largest `peers` message: the id and {@link MAX_PEX_PEERS} IPv6 entries of
 * 19 bytes each (family, address, port): 951.
 */
export const MAX_PEERS_PAYLOAD_BYTES = 1 + MAX_PEX_PEERS * (1 + IPV6_BYTES + 2);

/** A peer's TCP listen address in a `peers` message: an IPv4 or IPv6 literal and a port 1..65535. */
export interface PexAddress {
  address: string;
  port: number;
}

/**
 * The body of a `peers` message listing `added`. Throws a `TypeError` quoting the bad value when
 * `added` is not an array of at most {@link MAX_PEX_PEERS} entries, an address is not an IP literal
 * (no names, brackets or zone ids), or a port is not an integer in [1, 65535].
 */
export function encodePeersBody(added: ReadonlyArray<PexAddress>): Buffer {
  if (!Array.isArray(added) || added.length > MAX_PEX_PEERS) {
    const got = Array.isArray(added) ? `${added.length} entries` : `${String(added)} (${typeof added})`;
    throw new TypeError(`encodeMessage: peers.added must be an array of at most ${MAX_PEX_PEERS} entries, got ${got}`);
  }
  const entries = added.map((entry: PexAddress | null | undefined, i) => {
    const bytes = parseIpAddress(entry?.address as string);
    if (entry === null || entry === undefined || bytes === null) {
      throw new TypeError(`encodeMessage: peers.added[${i}].address must be an IPv4 or IPv6 literal, got ${JSON.stringify(entry?.address)}`);
    }
    const out = Buffer.alloc(1 + bytes.length + 2);
    out[0] = bytes.length === IPV4_BYTES ? 4 : 6;
    out.set(bytes, 1);
    out.writeUInt16BE(assertPort(`peers.added[${i}].port`, entry.port), 1 + bytes.length);
    return out;
  });
  return Buffer.concat(entries);
}

/**
 * The entries of a `peers` body (the payload after its id), addresses as canonical text (an
 * IPv4-mapped IPv6 address stays IPv6 text, `::ffff:1.2.3.4`). A `WireError` `BAD_FIELD`, never a
 * throw, when there are more than {@link MAX_PEX_PEERS} entries (counted before each is read), an
 * entry is truncated, its family is not 4 or 6, or its port is 0.
 */
export function decodePeersBody(body: Uint8Array): PexAddress[] | WireError {
  const added: PexAddress[] = [];
  let offset = 0;
  while (offset < body.length) {
    if (added.length === MAX_PEX_PEERS) return new WireError('BAD_FIELD', `peers lists more than ${MAX_PEX_PEERS} entries`);
    const family = body[offset] ?? 0;
    const addressBytes = family === 4 ? IPV4_BYTES : family === 6 ? IPV6_BYTES : 0;
    if (addressBytes === 0) return new WireError('BAD_FIELD', `peers entry ${added.length} has address family ${family}, not 4 or 6`);
    const end = offset + 1 + addressBytes + 2;
    if (end > body.length) {
      return new WireError('BAD_FIELD', `peers entry ${added.length} is truncated: ${body.length - offset} of ${end - offset} bytes`);
    }
    const port = ((body[end - 2] ?? 0) << 8) | (body[end - 1] ?? 0);
    if (port === 0) return new WireError('BAD_FIELD', `peers entry ${added.length} has port 0`);
    added.push({ address: formatIpAddress(body.subarray(offset + 1, end - 2)), port });
    offset = end;
  }
  return added;
}

/** `value` when it is a TCP port (an integer in [1, 65535]); else a `TypeError` naming `name`. */
export function assertPort(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 0xffff) {
    throw new TypeError(`encodeMessage: ${name} must be an integer in [1, 65535], got ${String(value)} (${typeof value})`);
  }
  return value;
}
