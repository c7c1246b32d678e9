/**
 * The swarm configuration: its keys, how a config file is read, and how flags, environment, file
 * and defaults are merged and validated into one typed {@link SwarmConfig}.
 *
 * Not responsible for reading the file, reading `process.env`, resolving relative paths or
 * creating the storage directory: the CLI shell does that and passes the results in.
 *
 * Pure: no I/O. All functions are synchronous and stateless.
 */
import { posix } from 'node:path';
import { getNodeValue, parseTree, printParseErrorCode } from 'jsonc-parser';
import type { Node, ParseError } from 'jsonc-parser';
import { UsageError } from '../errors.js';
import { closestName } from './closest-name.js';
import { ORIGIN_TYPES, type OriginType } from '../http-seed/azure-auth.js';
import { parseDnsName, parseDnsServer, parsePeerAddress } from '../peer-sources/peer-address.js';
import { parseTrackerUrl } from '../peer-sources/tracker-codec.js';
import { describeRateError, describeSizeError, parseRate, parseSize } from './size.js';
import { checkRetryMaxTime, duration, TRANSFER_DEFAULTS, wholeNumber, type Check } from './transfer-keys.js';
import { parseMetricsAddress, type MetricsAddress } from '../metrics/metrics-address.js';

/** Every configuration key, as written in files and flags (kebab-case), in display order. */
export const CONFIG_KEYS = [
  'storage-directory',
  'max-storage-size',
  'speed-limit-up',
  'speed-limit-down',
  'bind-address',
  'port',
  'preferred-chunk-size',
  'origin-type',
  'connections',
  'stall-timeout',
  'retry-max-time',
  'retries',
  'swarm-secret-file',
  'broadcast',
  'discovery-port',
  'broadcast-address',
  'peers',
  'peers-dns',
  'dns-server',
  'trackers',
  'seed-until-idle',
  'idle-timeout',
  'metrics-address',
] as const;

/** A configuration key as written in files and flags. */
export type ConfigKey = (typeof CONFIG_KEYS)[number];

/** The validated configuration. Sizes are bytes, rates bytes per second, `null` means no limit. */
export interface SwarmConfig {
  /** Where pieces and resume state live; relative paths are returned as given. */
  storageDirectory: string;
  /** Cap on the cache's disk use in bytes; `null` is unlimited. @default null */
  maxStorageSize: number | null;
  /** Upload cap in bytes per second; `null` is unlimited. @default null */
  speedLimitUp: number | null;
  /** Download cap in bytes per second; `null` is unlimited. @default null */
  speedLimitDown: number | null;
  /** IP literal to bind; `null` is all interfaces. @default null */
  bindAddress: string | null;
  /** TCP port peers connect to; 0 is any free port. @default 0 */
  port: number;
  /** Piece size in bytes (16 KiB to 1 GiB), or `'auto'` to choose per file. @default 'auto' */
  preferredChunkSize: number | 'auto';
  /**
   * Which client reaches the origin: `'azure'` (the Azure SDK, e.g. for Azurite or sovereign
   * clouds), `'http'`, or `'auto'` (Azure for `*.blob.core.windows.net`, else HTTP). @default 'auto'
   */
  originType: OriginType;
  /** Keep-alive connections to the origin, 1 to 64. @default 4 */
  connections: number;
  /** A connection that receives nothing this long is retried, in ms. @default 30_000 */
  stallTimeoutMs: number;
  /** How long the origin may fail without progress before giving up, in ms (0: never retry). @default 300_000 */
  retryMaxTimeMs: number;
  /** Also give up after this many retries in a row without progress; `null`: no count. @default null */
  retries: number | null;
  /**
   * A file holding the swarm secret (relative paths are returned as given), or `null` for none.
   * The CLI reads it; env `SWARM_SECRET` (the secret itself) is not a config value. @default null
   */
  swarmSecretFile: string | null;
  /** Whether UDP broadcast discovery is on (`--no-broadcast` turns it off alone). @default true */
  broadcast: boolean;
  /** UDP port of discovery announcements, 1 to 65535. @default DEFAULT_DISCOVERY_PORT (41770) */
  discoveryPort: number;
  /** Where announcements go, IPv4 addresses; empty: every interface's broadcast address. @default [] */
  broadcastAddress: string[];
  /** Fixed peer addresses, `HOST:PORT` each (`--peer`, repeatable). @default [] */
  peers: string[];
  /** DNS names whose every A/AAAA record is a peer, `NAME[:PORT]` each (`--peers-dns`). @default [] */
  peersDns: string[];
  /** DNS servers to ask for `peers-dns`, `IP[:PORT]` each; empty: the system resolver. @default [] */
  dnsServer: string[];
  /** BitTorrent HTTP tracker announce URLs (`--tracker`, repeatable). @default [] */
  trackers: string[];
  /** swarm-download only: after publishing, keep serving peers until the swarm is idle. @default false */
  seedUntilIdle: boolean;
  /** How long the swarm must be quiet before `seedUntilIdle` ends, in ms. @default 10_000 */
  idleTimeoutMs: number;
  /** Where swarm-server serves /metrics and /healthz (a port alone: loopback), or null: off. @default null */
  metricsAddress: MetricsAddress | null;
}

/** Most entries a list key (`peers`, `peers-dns`, `dns-server`, `trackers`) may hold. */
export const MAX_LIST_ENTRIES = 64;

/** Bounds of `preferred-chunk-size`, inclusive. */
export const MIN_CHUNK_BYTES = 16 * 1024;
export const MAX_CHUNK_BYTES = 1024 * 1024 * 1024;


/** Where a value came from, for error messages. */
interface Origin {
  readonly raw: unknown;
  readonly label: string;
}

const NULL_WORDS = /^(?:null|unlimited|none)$/i;

function isConfigKey(key: string): key is ConfigKey {
  return (CONFIG_KEYS as readonly string[]).includes(key);
}

/**
 * The environment variable for `key`: `SWARM_` and the key in upper snake case, e.g.
 * `SWARM_SPEED_LIMIT_UP`. Throws `TypeError` for a key that is not in {@link CONFIG_KEYS}.
 */
export function envVarName(key: ConfigKey): string {
  if (!isConfigKey(key)) throw new TypeError(`envVarName: unknown config key ${JSON.stringify(key)}`);
  return `SWARM_${key.toUpperCase().replaceAll('-', '_')}`;
}

/**
 * The default storage directory: `$XDG_CACHE_HOME/swarm` when `XDG_CACHE_HOME` is set and
 * absolute (the XDG spec says to ignore relative values), else `<homeDir>/.cache/swarm`.
 * Throws `TypeError` when `homeDir` is not an absolute path. Does not look at the disk.
 */
export function xdgCacheDefault(env: Readonly<Record<string, string | undefined>>, homeDir: string): string {
  const xdg = env['XDG_CACHE_HOME'];
  if (xdg !== undefined && posix.isAbsolute(xdg)) return posix.join(xdg, 'swarm');
  if (!posix.isAbsolute(homeDir)) throw new TypeError(`xdgCacheDefault: home directory ${JSON.stringify(homeDir)} is not absolute`);
  return posix.join(homeDir, '.cache', 'swarm');
}

// ---------------------------------------------------------------------------------------------
// Config file text

const PARSE_PROBLEMS: Readonly<Record<string, string>> = {
  InvalidSymbol: 'unexpected character; strings and keys need "double quotes"',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'expected a quoted key',
  ValueExpected: 'expected a value',
  ColonExpected: 'expected ":"',
  CommaExpected: 'expected ","',
  CloseBraceExpected: 'expected "}"',
  CloseBracketExpected: 'expected "]"',
  EndOfFileExpected: 'expected the end of the file after the object',
  InvalidCommentToken: 'invalid comment',
  UnexpectedEndOfComment: 'unterminated comment',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'unterminated number',
  InvalidUnicode: 'invalid \\u escape',
  InvalidEscapeCharacter: 'invalid escape character',
  InvalidCharacter: 'invalid character in string',
};

function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return `${line}:${column}`;
}

function syntaxError(text: string, fileName: string, error: ParseError): UsageError {
  const code = printParseErrorCode(error.error);
  const problem = PARSE_PROBLEMS[code] ?? code;
  return new UsageError(`${fileName}:${lineColumn(text, error.offset)}: invalid JSON: ${problem}`);
}

const EXPECTED_OBJECT = 'expected a JSON object of settings such as {"speed-limit-up": "10Gbit"}';

function jsonKind(node: Node | undefined): string {
  if (node === undefined) return 'nothing';
  return node.type === 'array' ? 'an array' : `a ${node.type}`;
}

/**
 * Parses a config file's text: JSON with `//` and `/* *\/` comments and trailing commas.
 *
 * Throws {@link UsageError} naming `fileName`, the line and column and the problem when the text
 * is not valid JSON, when it is not an object, when a key repeats, and when a key is unknown
 * (suggesting the closest known key). Returns the raw object; values are validated by
 * {@link resolveConfig}, not here.
 */
export function parseConfigText(text: string, fileName: string): Record<string, unknown> {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const errors: ParseError[] = [];
  const root = parseTree(body, errors, { allowTrailingComma: true });
  const first = errors[0];
  if (root === undefined && (first === undefined || first.offset >= body.length)) {
    throw new UsageError(`${fileName}: ${EXPECTED_OBJECT}, found nothing`);
  }
  if (first !== undefined) throw syntaxError(body, fileName, first);
  if (root?.type !== 'object') throw new UsageError(`${fileName}: ${EXPECTED_OBJECT}, found ${jsonKind(root)}`);
  const entries: [string, unknown][] = [];
  for (const property of root.children ?? []) {
    const [keyNode, valueNode] = property.children ?? [];
    if (keyNode === undefined || valueNode === undefined) continue;
    const key = String(keyNode.value);
    if (entries.some(([seen]) => seen === key)) {
      throw new UsageError(`${fileName}:${lineColumn(body, keyNode.offset)}: duplicate key "${key}"`);
    }
    entries.push([key, getNodeValue(valueNode)]);
  }
  const result = Object.fromEntries(entries);
  assertKnownKeys(Object.keys(result), fileName);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Unknown keys and suggestions

/** The known key the user probably meant, or `null` when none is close. */
export function closestConfigKey(unknownKey: string): ConfigKey | null {
  return closestName(unknownKey, CONFIG_KEYS);
}

function assertKnownKeys(keys: readonly string[], fileName: string): void {
  const unknown = keys.filter((key) => !isConfigKey(key));
  const [only] = unknown;
  if (only === undefined) return;
  const known = `known keys are ${CONFIG_KEYS.join(', ')}`;
  if (unknown.length === 1) {
    const suggestion = closestConfigKey(only);
    const hint = suggestion === null ? known : `did you mean "${suggestion}"?`;
    throw new UsageError(`unknown key ${JSON.stringify(only)} in ${fileName}; ${hint}`);
  }
  const listed = unknown.map((key) => {
    const suggestion = closestConfigKey(key);
    return JSON.stringify(key) + (suggestion === null ? '' : ` (did you mean "${suggestion}"?)`);
  });
  throw new UsageError(`unknown keys in ${fileName}: ${listed.join(', ')}; ${known}`);
}

// ---------------------------------------------------------------------------------------------
// Values

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

function checkDirectory(raw: unknown): Check<string> {
  return checkPath(raw, 'a directory path');
}

function checkPath(raw: unknown, what: string): Check<string> {
  if (typeof raw !== 'string') return { ok: false, reason: `must be ${what} (a string), not ${typeName(raw)}` };
  if (raw.trim() === '') return { ok: false, reason: 'must not be empty' };
  if (raw.includes('\0')) return { ok: false, reason: 'must not contain a NUL character' };
  return { ok: true, value: raw };
}

function checkSecretFile(raw: unknown): Check<string | null> {
  if (raw === null) return { ok: true, value: null };
  const checked = checkPath(raw, 'a file path');
  if (!checked.ok || NULL_WORDS.test(checked.value.trim())) return checked.ok ? { ok: true, value: null } : checked;
  return checked;
}

function checkBindAddress(raw: unknown): Check<string | null> {
  if (raw === null) return { ok: true, value: null };
  if (typeof raw !== 'string') return { ok: false, reason: `must be an IP address (a string) or null, not ${typeName(raw)}` };
  const text = raw.trim();
  if (NULL_WORDS.test(text)) return { ok: true, value: null };
  if (isIpLiteral(text)) return { ok: true, value: text };
  if (/^\[.*\]$/.test(text)) return { ok: false, reason: 'write the IPv6 address without brackets' };
  return { ok: false, reason: 'not an IP address literal such as 0.0.0.0, 192.168.1.5 or ::; hostnames are not accepted' };
}

function checkChunkSize(raw: unknown): Check<number | 'auto'> {
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

function checkBoolean(raw: unknown): Check<boolean> {
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

function checkPeers(raw: unknown): Check<string[]> {
  return checkList(raw, (text) => problemOf(parsePeerAddress(text)));
}

function checkPeersDns(raw: unknown): Check<string[]> {
  // The port may come from `port` (the CLI checks the whole entry then); here only the name.
  return checkList(raw, (text) => problemOf(parseDnsName(text, 1)));
}

function checkDnsServer(raw: unknown): Check<string[]> {
  return checkList(raw, (text) => problemOf(parseDnsServer(text)));
}

function checkTrackers(raw: unknown): Check<string[]> {
  return checkList(raw, (text) => {
    const parsed = parseTrackerUrl(text);
    return typeof parsed === 'string' ? parsed : null;
  });
}

function checkBroadcastAddress(raw: unknown): Check<string[]> {
  return checkList(raw, (text) => (isIpLiteral(text) && !text.includes(':') ? null : `${JSON.stringify(text)} is not an IPv4 address such as 192.168.1.255`));
}

function checkOriginType(raw: unknown): Check<OriginType> {
  const text = typeof raw === 'string' ? raw.trim().toLowerCase() : null;
  const found = ORIGIN_TYPES.find((type) => type === text);
  if (found !== undefined) return { ok: true, value: found };
  return { ok: false, reason: `must be one of ${ORIGIN_TYPES.map((type) => `"${type}"`).join(', ')}` };
}

function checkMetricsAddress(raw: unknown): Check<MetricsAddress | null> {
  if (raw === null || (typeof raw === 'string' && (NULL_WORDS.test(raw.trim()) || raw.trim().toLowerCase() === 'off'))) return { ok: true, value: null };
  if (typeof raw !== 'string' && typeof raw !== 'number') return { ok: false, reason: `must be HOST:PORT (a string) or null, not ${typeName(raw)}` };
  const parsed = parseMetricsAddress(String(raw));
  return typeof parsed === 'string' ? { ok: false, reason: parsed } : { ok: true, value: parsed };
}

function checkStorageSize(raw: unknown): Check<number | null> {
  return checkQuantity(raw, true, parseSize, describeSizeError);
}

function checkRate(raw: unknown): Check<number | null> {
  return checkQuantity(raw, true, parseRate, describeRateError);
}

// ---------------------------------------------------------------------------------------------
// Layers

/** The inputs of {@link resolveConfig}. */
export interface ConfigLayers {
  /** Only the flags the user typed; `null` means unlimited / all interfaces. */
  readonly flags: Readonly<Partial<Record<ConfigKey, string | number | boolean | null | readonly string[]>>>;
  /** The process environment; only `SWARM_*` variables of known keys are read, empty ones are unset. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The object from {@link parseConfigText}, or `null` when there is no config file. */
  readonly file: Readonly<Record<string, unknown>> | null;
  /** Names the file in messages. @default "config file" */
  readonly fileName?: string;
  readonly defaults: { readonly storageDirectory: string };
}

/** Values for `key` from the highest layer to the lowest, leaving out layers that do not set it. */
function originsOf(key: ConfigKey, layers: ConfigLayers): Origin[] {
  const origins: Origin[] = [];
  const flag = Object.hasOwn(layers.flags, key) ? layers.flags[key] : undefined;
  if (flag !== undefined) {
    // yargs turns `--storage-directory 2024` into a number unless told otherwise.
    const raw = key === 'storage-directory' && typeof flag === 'number' ? String(flag) : flag;
    origins.push({ raw, label: `flag --${key}` });
  }
  const name = envVarName(key);
  const env = layers.env[name];
  if (env !== undefined && env.trim() !== '') origins.push({ raw: env, label: `env ${name}` });
  if (layers.file !== null && Object.hasOwn(layers.file, key) && layers.file[key] !== undefined) {
    origins.push({ raw: layers.file[key], label: layers.fileName ?? 'config file' });
  }
  return origins;
}

function showValue(raw: unknown): string {
  const shown = JSON.stringify(raw) ?? String(raw);
  return shown.length > 80 ? `${shown.slice(0, 77)}...` : shown;
}

/** Validates every value `key` has in any layer; returns the highest one, or `undefined`. */
function resolveKey<T>(key: ConfigKey, layers: ConfigLayers, check: (raw: unknown) => Check<T>): T | undefined {
  let winner: { value: T } | undefined;
  for (const origin of originsOf(key, layers)) {
    const checked = check(origin.raw);
    if (!checked.ok) {
      throw new UsageError(`invalid ${key} ${showValue(origin.raw)} (from ${origin.label}): ${checked.reason}`);
    }
    winner ??= { value: checked.value };
  }
  return winner?.value;
}

function assertLayersShape(layers: ConfigLayers): void {
  const unknownFlag = Object.keys(layers.flags).find((key) => !isConfigKey(key));
  if (unknownFlag !== undefined) throw new TypeError(`resolveConfig: unknown flag key ${JSON.stringify(unknownFlag)}`);
  if (typeof layers.defaults.storageDirectory !== 'string' || layers.defaults.storageDirectory === '') {
    throw new TypeError(`resolveConfig: bad default storage directory ${JSON.stringify(layers.defaults.storageDirectory)}`);
  }
  if (layers.file !== null) assertKnownKeys(Object.keys(layers.file), layers.fileName ?? 'config file');
}

/**
 * Merges the layers with precedence flag > env > file > default, validates every value in every
 * layer (so a bad file entry is reported even when a flag overrides it) and returns the typed
 * config.
 *
 * Throws {@link UsageError} whose message names the key, its source (`flag --speed-limit-up`,
 * `env SWARM_SPEED_LIMIT_UP` or the file name), the bad value and the reason, e.g.
 * `invalid speed-limit-up "10Gb" (from flag --speed-limit-up): ambiguous unit "Gb": write 10Gbit
 * for bits or 10GB/s for bytes`. Throws `TypeError` for flag keys that are not config keys.
 */
export function resolveConfig(layers: ConfigLayers): SwarmConfig {
  assertLayersShape(layers);
  // In CONFIG_KEYS order, so the first bad key reported is deterministic.
  const storageDirectory = resolveKey('storage-directory', layers, checkDirectory);
  const maxStorageSize = resolveKey('max-storage-size', layers, checkStorageSize);
  const speedLimitUp = resolveKey('speed-limit-up', layers, checkRate);
  const speedLimitDown = resolveKey('speed-limit-down', layers, checkRate);
  const bindAddress = resolveKey('bind-address', layers, checkBindAddress);
  const port = resolveKey('port', layers, wholeNumber(0, 65535, false));
  const preferredChunkSize = resolveKey('preferred-chunk-size', layers, checkChunkSize);
  const originType = resolveKey('origin-type', layers, checkOriginType);
  const connections = resolveKey('connections', layers, wholeNumber(1, 64, false));
  const stallTimeoutMs = resolveKey('stall-timeout', layers, duration(true));
  const retryMaxTimeMs = resolveKey('retry-max-time', layers, checkRetryMaxTime);
  const retries = resolveKey('retries', layers, wholeNumber(0, 1000, true));
  const swarmSecretFile = resolveKey('swarm-secret-file', layers, checkSecretFile);
  const broadcast = resolveKey('broadcast', layers, checkBoolean);
  const discoveryPort = resolveKey('discovery-port', layers, wholeNumber(1, 65535, false));
  const broadcastAddress = resolveKey('broadcast-address', layers, checkBroadcastAddress);
  const peers = resolveKey('peers', layers, checkPeers);
  const peersDns = resolveKey('peers-dns', layers, checkPeersDns);
  const dnsServer = resolveKey('dns-server', layers, checkDnsServer);
  const trackers = resolveKey('trackers', layers, checkTrackers);
  const seedUntilIdle = resolveKey('seed-until-idle', layers, checkBoolean);
  const idleTimeoutMs = resolveKey('idle-timeout', layers, duration(false));
  const metricsAddress = resolveKey('metrics-address', layers, checkMetricsAddress);
  return {
    storageDirectory: storageDirectory ?? layers.defaults.storageDirectory,
    maxStorageSize: maxStorageSize ?? null,
    speedLimitUp: speedLimitUp ?? null,
    speedLimitDown: speedLimitDown ?? null,
    bindAddress: bindAddress ?? null,
    port: port ?? TRANSFER_DEFAULTS.port,
    preferredChunkSize: preferredChunkSize ?? 'auto',
    originType: originType ?? 'auto',
    connections: connections ?? TRANSFER_DEFAULTS.connections,
    stallTimeoutMs: stallTimeoutMs ?? TRANSFER_DEFAULTS.stallTimeoutMs,
    retryMaxTimeMs: retryMaxTimeMs ?? TRANSFER_DEFAULTS.retryMaxTimeMs,
    retries: retries === undefined ? TRANSFER_DEFAULTS.retries : retries,
    swarmSecretFile: swarmSecretFile ?? null,
    broadcast: broadcast ?? true,
    discoveryPort: discoveryPort ?? TRANSFER_DEFAULTS.discoveryPort,
    broadcastAddress: broadcastAddress ?? [],
    peers: peers ?? [],
    peersDns: peersDns ?? [],
    dnsServer: dnsServer ?? [],
    trackers: trackers ?? [],
    seedUntilIdle: seedUntilIdle ?? false,
    idleTimeoutMs: idleTimeoutMs ?? TRANSFER_DEFAULTS.idleTimeoutMs,
    metricsAddress: metricsAddress ?? null,
  };
}
