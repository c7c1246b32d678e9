/**
 * Where discovery sends its announces: the directed broadcast address (address | ~netmask) of each
 * IPv4 interface, computed from the table `os.networkInterfaces()` returns.
 *
 * A directed broadcast stays on its own subnet (routers do not forward it), unlike
 * 255.255.255.255, whose outgoing interface the OS picks. Internal (loopback) interfaces are left
 * out, and so are /31 and /32 networks, which have no broadcast address (RFC 3021).
 * `os.networkInterfaces()` lists only interfaces that are up, so "up" needs no check here.
 *
 * Pure: the interface table is passed in. Not responsible for: reading the table, sending, or
 * IPv6 (which has no broadcast; a later version may use multicast there).
 */

/** The fields of `os.NetworkInterfaceInfo` this module reads (declared here to stay I/O-free). */
export interface InterfaceAddress {
  readonly address: string;
  readonly netmask: string;
  /** `'IPv4'` (Node >= 18.4) or `4` (Node 18.0-18.3). */
  readonly family: string | number;
  readonly internal: boolean;
  readonly cidr?: string | null;
}

/** The shape of `os.networkInterfaces()`: interface name -> its addresses. */
export type InterfaceTable = Readonly<Record<string, readonly InterfaceAddress[] | undefined>>;

/**
 * The directed broadcast address of every non-internal IPv4 interface address, deduplicated, in
 * table order. Entries that cannot be parsed are skipped.
 */
export function defaultBroadcastAddresses(interfaces: InterfaceTable): string[] {
  const found = new Set<string>();
  for (const addresses of Object.values(interfaces)) {
    for (const info of addresses ?? []) {
      if (info.internal) continue;
      const broadcast = broadcastOf(info);
      if (broadcast !== null) found.add(broadcast);
    }
  }
  return [...found];
}

/**
 * The directed broadcast address of the IPv4 interface that holds `localAddress` (internal ones
 * included, so `127.0.0.1` gives `127.255.255.255`), or `null` when no interface holds it or it
 * has no broadcast address. Used to bind discovery to one interface: on Linux a UDP socket bound
 * to a unicast address receives no broadcasts, but one bound to the broadcast address does.
 */
export function broadcastAddressOf(interfaces: InterfaceTable, localAddress: string): string | null {
  for (const addresses of Object.values(interfaces)) {
    for (const info of addresses ?? []) {
      if (info.address === localAddress) {
        const broadcast = broadcastOf(info);
        if (broadcast !== null) return broadcast;
      }
    }
  }
  return null;
}

/** The broadcast address of one interface address, or `null` (not IPv4, unparsable, /31, /32). */
function broadcastOf(info: InterfaceAddress): string | null {
  if (info.family !== 'IPv4' && info.family !== 4) return null;
  const address = parseIpv4(info.address);
  const prefixBits = prefixLength(info);
  if (address === null || prefixBits === null || prefixBits > 30) return null;
  const hostMask = prefixBits === 0 ? 0xffffffff : (0xffffffff >>> prefixBits);
  return formatIpv4((address | hostMask) >>> 0);
}

/** The prefix length from the netmask, or from the CIDR suffix when the netmask is unusable. */
function prefixLength(info: InterfaceAddress): number | null {
  const mask = parseIpv4(info.netmask);
  const fromMask = mask === null ? null : contiguousPrefix(mask);
  if (fromMask !== null) return fromMask;
  const match = typeof info.cidr === 'string' ? /\/(\d{1,2})$/.exec(info.cidr) : null;
  const bits = match?.[1] === undefined ? Number.NaN : Number(match[1]);
  return bits >= 0 && bits <= 32 ? bits : null;
}

/** The prefix length of a netmask, or `null` when its one bits are not contiguous. */
function contiguousPrefix(mask: number): number | null {
  const inverted = ~mask >>> 0;
  if ((inverted & (inverted + 1)) !== 0) return null;
  return Math.clz32(inverted);
}

function parseIpv4(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part) || Number(part) > 255) return null;
    value = value * 256 + Number(part);
  }
  return value;
}

function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff].join('.');
}
