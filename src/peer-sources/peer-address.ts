/**
 * The addresses a user gives peer sources on the command line, and the one rule every source
 * applies to the addresses it reports:
 *
 * - {@link parsePeerAddress}: `--peer HOST:PORT` (an IPv4 literal, an IPv6 literal in brackets,
 *   or a DNS name; the port is required);
 * - {@link parseDnsName}: `--peers-dns NAME[:PORT]` (the port defaults to the host's own `--port`);
 * - {@link parseDnsServer}: `--dns-server IP[:PORT]` (an IP literal; the port defaults to 53);
 * - {@link isDialableAddress}: whether an IP literal is worth a TCP dial (not unspecified,
 *   multicast or the limited broadcast; loopback is).
 *
 * Pure: no I/O, no resolving. The parsers return a {@link ParseResult}: a bad value is a one-line
 * error for the user naming the flag, the value and the expected form, never a throw; a
 * non-string argument is a misuse of this API and throws a TypeError. Every input is capped at
 * {@link MAX_ADDRESS_TEXT_CHARS} before it is looked at. Not responsible for: resolving names,
 * or whether anything listens there.
 */

/** A parsed value, or the one-line error to show the user. */
export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** A peer to dial: an IP literal (IPv6 without brackets) or a DNS name, and its TCP port. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** A DNS name whose A/AAAA records are peers, all listening on `port`. */
export interface DnsName {
  readonly name: string;
  readonly port: number;
}

/** A DNS server to ask: an IP literal (IPv6 without brackets) and its UDP/TCP port. */
export interface DnsServer {
  readonly address: string;
  readonly port: number;
}

/** Longer input is refused before it is parsed (a DNS name is at most 253 characters). */
export const MAX_ADDRESS_TEXT_CHARS = 300;
/** The DNS port a `--dns-server` without one is asked on. */
export const DEFAULT_DNS_PORT = 53;
/** A DNS name is at most this long, without its trailing dot (RFC 1035 section 2.3.4). */
export const MAX_DNS_NAME_CHARS = 253;
/** A label of a DNS name is at most this long (RFC 1035 section 2.3.4). */
export const MAX_DNS_LABEL_CHARS = 63;

const PEER_FORM = 'expected HOST:PORT, e.g. 10.0.0.5:41771, [fd00::5]:41771 or seed-0.swarm.svc:41771';
const DNS_NAME_FORM = 'expected NAME[:PORT], e.g. peers.swarm.svc or peers.swarm.svc:41771';
const DNS_SERVER_FORM = 'expected IP[:PORT], e.g. 10.0.0.2, 10.0.0.2:5353 or [fd00::53]:5353';
const IPV4_PART = /^(?:0|[1-9]\d{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
const ZONE = /^[0-9A-Za-z._~-]{1,64}$/;
const LABEL = /^[0-9A-Za-z_-]+$/;
const PORT = /^\d{1,5}$/;

/**
 * Parses `--peer HOST:PORT`: `10.0.0.5:41771`, `[fd00::5]:41771` (also `[fe80::1%eth0]:41771`)
 * or `seed-0.swarm.svc:41771`. An IP literal must be dialable ({@link isDialableAddress}).
 * The host comes back as written (IPv6 without its brackets).
 */
export function parsePeerAddress(text: string): ParseResult<HostPort> {
  const fail = (reason: string): ParseResult<HostPort> => failure('--peer', text, reason, PEER_FORM);
  const problem = textProblem(text);
  if (problem !== null) return fail(problem);
  const split = splitHostPort(text);
  if (typeof split === 'string') return fail(split);
  if (split.portText === null) return fail('has no port');
  const port = parsePort(split.portText);
  if (typeof port === 'string') return fail(port);
  const hostProblem = split.bracketed ? null : hostNameProblem(split.host);
  if (hostProblem !== null) return fail(hostProblem);
  if (isIpLiteral(split.host) && !isDialableAddress(split.host)) return fail(`${split.host} cannot be dialled (unspecified, multicast or broadcast)`);
  return { ok: true, value: { host: split.host, port } };
}

/**
 * Parses `--peers-dns NAME[:PORT]`. Without a port, `defaultPort` (the host's own fixed
 * `--port`) is taken; when that is null too, the value is an error asking for one.
 * The name comes back as written (a trailing dot kept).
 */
export function parseDnsName(text: string, defaultPort: number | null): ParseResult<DnsName> {
  if (defaultPort !== null && !isPort(defaultPort)) throw new TypeError(`defaultPort must be null or a whole number 1..65535, not ${String(defaultPort)}`);
  const fail = (reason: string): ParseResult<DnsName> => failure('--peers-dns', text, reason, DNS_NAME_FORM);
  const problem = textProblem(text);
  if (problem !== null) return fail(problem);
  const parts = text.split(':');
  const [name = '', portText] = parts;
  if (text.startsWith('[') || isIpLiteral(text) || isIpLiteral(name)) return fail('is an IP address, not a DNS name; use --peer IP:PORT for a fixed address');
  if (parts.length > 2) return fail('has more than one ":"');
  const nameProblem = hostNameProblem(name);
  if (nameProblem !== null) return fail(nameProblem);
  if (portText === undefined) {
    return defaultPort === null ? fail('has no port and --port is not set; give NAME:PORT or set --port') : { ok: true, value: { name, port: defaultPort } };
  }
  const port = parsePort(portText);
  return typeof port === 'string' ? fail(port) : { ok: true, value: { name, port } };
}

/**
 * Parses `--dns-server IP[:PORT]`: `10.0.0.2`, `10.0.0.2:5353`, `fd00::53`, `[fd00::53]:5353`.
 * Names are refused (the resolver needs an address to ask), and so are zones and addresses that
 * are not dialable. The port defaults to {@link DEFAULT_DNS_PORT}.
 */
export function parseDnsServer(text: string): ParseResult<DnsServer> {
  const fail = (reason: string): ParseResult<DnsServer> => failure('--dns-server', text, reason, DNS_SERVER_FORM);
  const problem = textProblem(text);
  if (problem !== null) return fail(problem);
  const split = isIpv6Literal(text) ? { host: text, portText: null } : splitHostPort(text);
  if (typeof split === 'string') return fail(split);
  if (!isIpLiteral(split.host)) return fail('is not an IP address (names are not accepted: the resolver needs an address to ask)');
  if (split.host.includes('%')) return fail('must not name a zone ("%...")');
  if (!isDialableAddress(split.host)) return fail(`${split.host} cannot be asked (unspecified, multicast or broadcast)`);
  const port = split.portText === null ? DEFAULT_DNS_PORT : parsePort(split.portText);
  return typeof port === 'string' ? fail(port) : { ok: true, value: { address: split.host, port } };
}

/**
 * `host:port`, with an IPv6 literal in brackets: the form {@link parsePeerAddress} and
 * {@link parseDnsServer} read, and the one `dns.Resolver#setServers` takes. Throws a TypeError
 * for a port outside 1..65535.
 */
export function formatHostPort(host: string, port: number): string {
  if (typeof host !== 'string') throw new TypeError(`host must be a string, not ${typeof host}`);
  if (!isPort(port)) throw new TypeError(`port must be a whole number 1..65535, not ${String(port)}`);
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Whether `address` is an IP literal a peer could be dialled at: an IPv4 dotted quad or an IPv6
 * literal (a `%zone` allowed) that is not unspecified or "this network" (0.0.0.0/8, ::), not
 * multicast (224.0.0.0/4, ff00::/8) and not the limited broadcast 255.255.255.255; an
 * IPv4-mapped IPv6 address (::ffff:a.b.c.d) follows the IPv4 rules. Loopback is dialable (tests,
 * one-host setups). Names and anything unparsable are not. Shared by every peer source.
 */
export function isDialableAddress(address: string): boolean {
  if (typeof address !== 'string') throw new TypeError(`address must be a string, not ${typeof address}`);
  if (address.length > MAX_ADDRESS_TEXT_CHARS) return false;
  const ipv4 = parseIpv4(address);
  if (ipv4 !== null) return isDialableIpv4(ipv4);
  const groups = parseIpv6(address);
  if (groups === null) return false;
  const [first = 0, , , , , sixth = 0, seventh = 0, eighth = 0] = groups;
  if (groups.every((group) => group === 0) || (first & 0xff00) === 0xff00) return false;
  const ipv4Mapped = groups.slice(0, 5).every((group) => group === 0) && sixth === 0xffff;
  return ipv4Mapped ? isDialableIpv4(seventh * 0x10000 + eighth) : true;
}

/**
 * What `host` is: a dialable IP literal (`'address'`), a valid DNS name (`'name'`), or neither
 * (`null`: bad syntax, or a literal that is not dialable). For sources validating their options.
 */
export function hostKind(host: string): 'address' | 'name' | null {
  if (typeof host !== 'string') throw new TypeError(`host must be a string, not ${typeof host}`);
  if (host.length > MAX_ADDRESS_TEXT_CHARS) return null;
  if (isIpLiteral(host)) return isDialableAddress(host) ? 'address' : null;
  return hostNameProblem(host) === null ? 'name' : null;
}

function failure<T>(flag: string, text: string, reason: string, form: string): ParseResult<T> {
  const shown = text.length > 80 ? `${text.slice(0, 80)}...` : text;
  return { ok: false, error: `${flag} ${JSON.stringify(shown)}: ${reason}; ${form}` };
}

/** Why `text` cannot be an address at all (a misuse throws), or null. */
function textProblem(text: unknown): string | null {
  if (typeof text !== 'string') throw new TypeError(`text must be a string, not ${typeof text}`);
  if (text.length > MAX_ADDRESS_TEXT_CHARS) return `is too long (${text.length} characters, at most ${MAX_ADDRESS_TEXT_CHARS})`;
  if (text === '') return 'is empty';
  if (/\s/.test(text)) return 'must not contain spaces';
  if (text.includes('://')) return 'must not have a scheme such as http://';
  return null;
}

type Split = { readonly host: string; readonly portText: string | null; readonly bracketed: boolean };

/** `[v6]`, `[v6]:port`, `host` or `host:port`; a bare IPv6 literal is an error saying to bracket it. */
function splitHostPort(text: string): Split | string {
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return 'has "[" without "]"';
    const host = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (!isIpv6Literal(host)) return 'holds no IPv6 address in its brackets (brackets are for IPv6 only)';
    if (rest !== '' && !rest.startsWith(':')) return 'has something other than ":PORT" after "]"';
    return { host, portText: rest === '' ? null : rest.slice(1), bracketed: true };
  }
  const colon = text.lastIndexOf(':');
  if (colon < 0) return { host: text, portText: null, bracketed: false };
  const host = text.slice(0, colon);
  if (host.includes(':')) {
    return isIpv6Literal(text) || isIpv6Literal(host) ? 'is an IPv6 address without brackets; write it as [ADDRESS]:PORT' : 'has more than one ":"';
  }
  return { host, portText: text.slice(colon + 1), bracketed: false };
}

function parsePort(text: string): number | string {
  if (text === '') return 'has an empty port';
  if (!PORT.test(text)) return `has a port ${JSON.stringify(text)} that is not a number`;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : `has a port ${port} outside 1..65535`;
}

function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;
}

/** Why `host` (not bracketed) is neither an IPv4 literal nor a DNS name, or null. */
function hostNameProblem(host: string): string | null {
  if (host === '') return 'has an empty host';
  if (parseIpv4(host) !== null) return null;
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  if (name === '') return 'is not a usable DNS name (the root ".")';
  if (/^[\d.]+$/.test(host)) return `has ${host}, which is not a valid IPv4 address`;
  if (/(?:^|\.)\d+$/.test(name)) return `has ${host}, whose last label is all digits (no DNS name's is, RFC 3696 section 2; resolvers read it as a number)`;
  if (name.length > MAX_DNS_NAME_CHARS) return `has a DNS name longer than ${MAX_DNS_NAME_CHARS} characters`;
  for (const label of name.split('.')) {
    if (label === '') return 'has an empty label in its DNS name (".." or a leading dot)';
    if (label.length > MAX_DNS_LABEL_CHARS) return `has a DNS label longer than ${MAX_DNS_LABEL_CHARS} characters`;
    if (!LABEL.test(label)) return `has a DNS label ${JSON.stringify(label)} with characters other than letters, digits, "-" and "_"`;
  }
  return null;
}

function isIpLiteral(text: string): boolean {
  return parseIpv4(text) !== null || parseIpv6(text) !== null;
}

function isIpv6Literal(text: string): boolean {
  return parseIpv6(text) !== null;
}

function isDialableIpv4(value: number): boolean {
  return value >>> 24 !== 0 && value >>> 28 !== 0xe && value !== 0xffffffff;
}

/** A dotted quad (no leading zeros, as `node:net` reads it) as a 32-bit number, or null. */
function parseIpv4(text: string): number | null {
  const parts = text.split('.', 5);
  if (parts.length !== 4 || !parts.every((part) => IPV4_PART.test(part) && Number(part) <= 255)) return null;
  return parts.reduce((value, part) => value * 256 + Number(part), 0);
}

/** An IPv6 literal (`::`, an embedded IPv4 tail, a `%zone`) as its eight 16-bit groups, or null. */
function parseIpv6(text: string): number[] | null {
  const percent = text.indexOf('%');
  if (percent >= 0 && !ZONE.test(text.slice(percent + 1))) return null;
  const halves = (percent < 0 ? text : text.slice(0, percent)).split('::');
  if (halves.length > 2) return null;
  const [head = '', tail] = halves;
  const headGroups = parseGroups(head, tail === undefined);
  const tailGroups = tail === undefined ? [] : parseGroups(tail, true);
  if (headGroups === null || tailGroups === null) return null;
  if (tail === undefined) return headGroups.length === 8 ? headGroups : null;
  const zeros = 8 - headGroups.length - tailGroups.length;
  return zeros >= 1 ? [...headGroups, ...new Array<number>(zeros).fill(0), ...tailGroups] : null;
}

/** Colon-separated hex groups, the last of which may be a dotted quad (two groups). */
function parseGroups(part: string, mayEndInIpv4: boolean): number[] | null {
  if (part === '') return [];
  const pieces = part.split(':', 9);
  const groups: number[] = [];
  for (const [index, piece] of pieces.entries()) {
    const ipv4 = mayEndInIpv4 && index === pieces.length - 1 ? parseIpv4(piece) : null;
    if (ipv4 !== null) groups.push(ipv4 >>> 16, ipv4 & 0xffff);
    else if (HEX_GROUP.test(piece)) groups.push(parseInt(piece, 16));
    else return null;
  }
  return groups.length <= 8 ? groups : null;
}
