/**
 * The checks of the config keys' values (sizes, rates, paths, addresses, lists, switches), each
 * a function from a raw value (a JSON value from the file, or a string from a flag or the
 * environment) to the typed value or the reason it is wrong.
 *
 * Not responsible for naming the key or where the value came from: {@link resolveConfig} does.
 *
 * Pure: no I/O; synchronous and stateless.
 */
import type { OriginType } from '../http-seed/azure-auth.js';
import { ORIGIN_TYPES } from '../http-seed/azure-auth.js';
import { parseMetricsAddress, type MetricsAddress } from '../metrics/metrics-address.js';
import { parseDnsName, parseDnsServer, parsePeerAddress } from '../peer-sources/peer-address.js';
import { parseTrackerUrl } from '../peer-sources/tracker-codec.js';
import { describeRateError, describeSizeError, parseRate, parseSize } from './size.js';
import type { Check } from './transfer-keys.js';

/** Most entries a list key (`peers`, `peers-dns`, `dns-server`, `trackers`, `broadcast-address`) may hold. */
export const MAX_LIST_ENTRIES = 64;

/** Bounds of `preferred-chunk-size`, inclusive. */
export const MIN_CHUNK_BYTES = 16 * 1024;
export const MAX_CHUNK_BYTES = 1024 * 1024 * 1024;

/** `null`, `unlimited` and `none` (any case): null, in flags and environment variables. */
export const NULL_WORDS = /^(?:null|unlimited|none)$/i;

/** A raw value for messages: JSON, cut at 80 characters. */
export function showValue(raw: unknown): string {
  const shown = JSON.stringify(raw) ?? String(raw);
  return shown.length > 80 ? `${shown.slice(0, 77)}...` : shown;
}

const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

function ipv6GroupCount(part: string, last: boolean): number | null {
  if (part === '') return 0;
  const groups = part.split(':');
  const tail = groups[groups.length - 1] ?? '';
  const embedsIpv4 = last && IPV4.test(tail);
  const hex = embedsIpv4 ? groups.slice(0, -1) : groups;
  if (!hex.every((group) => HEX_GROUP.test(group))) return null;
  return hex.length + (embedsIpv4 ? 2 : 0);
}

/**
 * Whether `text` is an IPv4 dotted quad (no leading zeros) or an IPv6 literal (with `::`, an
 * embedded IPv4 tail and a `%zone`), as `node:net` `isIP` reads them. No brackets, no hostnames.
 */
export function isIpLiteral(text: string): boolean {
  if (IPV4.test(text)) return true;
  const [address = '', zone, ...rest] = text.split('%');
  if (rest.length > 0 || (zone !== undefined && !/^[0-9a-zA-Z.:-]+$/.test(zone))) return false;
  const halves = address.split('::');
  if (halves.length > 2) return false;
  const [head = '', tail] = halves;
  const headCount = ipv6GroupCount(head, tail === undefined);
  const tailCount = tail === undefined ? 0 : ipv6GroupCount(tail, true);
  if (headCount === null || tailCount === null) return false;
  return tail === undefined ? headCount === 8 : headCount + tailCount <= 7;
}

function checkQuantity(
  raw: unknown, nullable: boolean, parse: (text: string) => number | null, describe: (text: string) => string,
): Check<number | null> {
  if (raw === null) return nullable ? { ok: true, value: null } : { ok: false, reason: 'may not be null' };
  if (typeof raw === 'number') {
    if (Number.isSafeInteger(raw) && raw >= 1) return { ok: true, value: raw };
    return { ok: false, reason: raw < 0 ? 'must not be negative' : 'must be a whole number, at least 1' };
  }
  if (typeof raw !== 'string') return { ok: false, reason: `must be a string or a number, not ${typeName(raw)}` };
  if (nullable && NULL_WORDS.test(raw.trim())) return { ok: true, value: null };
  const value = parse(raw);
  if (value === null) return { ok: false, reason: describe(raw) };
  if (value < 1) return { ok: false, reason: nullable ? 'must be at least 1 byte; use "unlimited" for no limit' : 'must be at least 1 byte' };
  return { ok: true, value };
}

function typeName(raw: unknown): string {
  if (Array.isArray(raw)) return 'an array';
  return raw === null ? 'null' : `a ${typeof raw}`;
}

/** The check of one key's value; see the README's Configuration table. */
export function checkDirectory(raw: unknown): Check<string> {
  return checkPath(raw, 'a directory path');
}

function checkPath(raw: unknown, what: string): Check<string> {
  if (typeof raw !== 'string') return { ok: false, reason: `must be ${what} (a string), not ${typeName(raw)}` };
  if (raw.trim() === '') return { ok: false, reason: 'must not be empty' };
  if (raw.includes('\0')) return { ok: false, reason: 'must not contain a NUL character' };
  return { ok: true, value: raw };
}

/** The check of one key's value; see the README's Configuration table. */
export function checkSecretFile(raw: unknown): Check<string | null> {
  if (raw === null) return { ok: true, value: null };
  const checked = checkPath(raw, 'a file path');
  if (!checked.ok || NULL_WORDS.test(checked.value.trim())) return checked.ok ? { ok: true, value: null } : checked;
  return checked;
}

/** The check of one key's value; see the README's Configuration table. */
export function checkBindAddress(raw: unknown): Check<string | null> {
  if (raw === null) return { ok: true, value: null };
  if (typeof raw !== 'string') return { ok: false, reason: `must be an IP address (a string) or null, not ${typeName(raw)}` };
  const text = raw.trim();
  if (NULL_WORDS.test(text)) return { ok: true, value: null };
  if (isIpLiteral(text)) return { ok: true, value: text };
  if (/^\[.*\]$/.test(text)) return { ok: false, reason: 'write the IPv6 address without brackets' };
  return { ok: false, reason: 'not an IP address literal such as 0.0.0.0, 192.168.1.5 or ::; hostnames are not accepted' };
}

/** The check of one key's value; see the README's Configuration table. */
export function checkChunkSize(raw: unknown): Check<number | 'auto'> {
  if (typeof raw === 'string' && raw.trim().toLowerCase() === 'auto') return { ok: true, value: 'auto' };
  if (raw === null) return { ok: false, reason: 'must be a size such as "4MiB", or "auto"' };
  const checked = checkQuantity(raw, false, parseSize, describeSizeError);
  if (!checked.ok) return checked;
  const pieceBytes = checked.value ?? 0;
  if (pieceBytes < MIN_CHUNK_BYTES || pieceBytes > MAX_CHUNK_BYTES) {
    return { ok: false, reason: `must be between 16 KiB and 1 GiB (${MIN_CHUNK_BYTES} to ${MAX_CHUNK_BYTES} bytes), or "auto"` };
  }
  return { ok: true, value: pieceBytes };
}

/**
 * A list of strings: a JSON array, or (from a flag or the environment) a string with entries
 * separated by commas or white space. Each entry is checked by `entry` (its error, or null).
 */
function checkList(raw: unknown, entry: (text: string) => string | null): Check<string[]> {
  if (raw === null || (typeof raw === 'string' && NULL_WORDS.test(raw.trim()))) return { ok: true, value: [] };
  const items = typeof raw === 'string' ? raw.split(/[\s,]+/).filter((item) => item !== '') : raw;
  if (!Array.isArray(items)) return { ok: false, reason: `must be a list of strings (a JSON array), not ${typeName(raw)}` };
  if (items.length > MAX_LIST_ENTRIES) return { ok: false, reason: `has ${items.length} entries; at most ${MAX_LIST_ENTRIES}` };
  const values: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string' || item.trim() === '') return { ok: false, reason: `every entry must be a non-empty string, not ${showValue(item)}` };
    const problem = entry(item.trim());
    if (problem !== null) return { ok: false, reason: problem };
    values.push(item.trim());
  }
  return { ok: true, value: values };
}

/** The check of one key's value; see the README's Configuration table. */
export function checkBoolean(raw: unknown): Check<boolean> {
  if (typeof raw === 'boolean') return { ok: true, value: raw };
  const text = typeof raw === 'string' ? raw.trim().toLowerCase() : null;
  if (text === 'true' || text === '1' || text === 'yes') return { ok: true, value: true };
  if (text === 'false' || text === '0' || text === 'no') return { ok: true, value: false };
  return { ok: false, reason: 'must be true or false' };
}

/** The error of a parser's tagged result, or null when it parsed. */
function problemOf(result: { readonly ok: true } | { readonly ok: false; readonly error: string }): string | null {
  return result.ok ? null : result.error;
}

/** The check of one key's value; see the README's Configuration table. */
export function checkPeers(raw: unknown): Check<string[]> {
  return checkList(raw, (text) => problemOf(parsePeerAddress(text)));
}

/** The check of one key's value; see the README's Configuration table. */
export function checkPeersDns(raw: unknown): Check<string[]> {
  // The port may come from `port` (the CLI checks the whole entry then); here only the name.
  return checkList(raw, (text) => problemOf(parseDnsName(text, 1)));
}

/** The check of one key's value; see the README's Configuration table. */
export function checkDnsServer(raw: unknown): Check<string[]> {
  return checkList(raw, (text) => problemOf(parseDnsServer(text)));
}

/** The check of one key's value; see the README's Configuration table. */
export function checkTrackers(raw: unknown): Check<string[]> {
  return checkList(raw, (text) => {
    const parsed = parseTrackerUrl(text);
    return typeof parsed === 'string' ? parsed : null;
  });
}

/** The check of one key's value; see the README's Configuration table. */
export function checkBroadcastAddress(raw: unknown): Check<string[]> {
  return checkList(raw, (text) => (isIpLiteral(text) && !text.includes(':') ? null : `${JSON.stringify(text)} is not an IPv4 address such as 192.168.1.255`));
}

/** The check of one key's value; see the README's Configuration table. */
export function checkOriginType(raw: unknown): Check<OriginType> {
  const text = typeof raw === 'string' ? raw.trim().toLowerCase() : null;
  const found = ORIGIN_TYPES.find((type) => type === text);
  if (found !== undefined) return { ok: true, value: found };
  return { ok: false, reason: `must be one of ${ORIGIN_TYPES.map((type) => `"${type}"`).join(', ')}` };
}

/** The check of one key's value; see the README's Configuration table. */
export function checkMetricsAddress(raw: unknown): Check<MetricsAddress | null> {
  if (raw === null || (typeof raw === 'string' && (NULL_WORDS.test(raw.trim()) || raw.trim().toLowerCase() === 'off'))) return { ok: true, value: null };
  if (typeof raw !== 'string' && typeof raw !== 'number') return { ok: false, reason: `must be HOST:PORT (a string) or null, not ${typeName(raw)}` };
  const parsed = parseMetricsAddress(String(raw));
  return typeof parsed === 'string' ? { ok: false, reason: parsed } : { ok: true, value: parsed };
}

/** The check of one key's value; see the README's Configuration table. */
export function checkStorageSize(raw: unknown): Check<number | null> {
  return checkQuantity(raw, true, parseSize, describeSizeError);
}

/** The check of one key's value; see the README's Configuration table. */
export function checkRate(raw: unknown): Check<number | null> {
  return checkQuantity(raw, true, parseRate, describeRateError);
}
