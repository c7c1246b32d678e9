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
import type { OriginType } from '../http-seed/azure-auth.js';
import { checkRetryMaxTime, duration, TRANSFER_DEFAULTS, wholeNumber, type Check } from './transfer-keys.js';
import {
  checkBindAddress, checkBoolean, checkBroadcastAddress, checkChunkSize, checkDirectory, checkDnsServer, checkMetricsAddress,
  checkOriginType, checkPeers, checkPeersDns, checkRate, checkSecretFile, checkStorageSize, checkTrackers, showValue,
} from './value-checks.js';

export { isIpLiteral, MAX_CHUNK_BYTES, MAX_LIST_ENTRIES, MIN_CHUNK_BYTES } from './value-checks.js';
import type { MetricsAddress } from '../metrics/metrics-address.js';

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



/** Where a value came from, for error messages. */
interface Origin {
  readonly raw: unknown;
  readonly label: string;
}

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
  const take = <T>(key: ConfigKey, check: (raw: unknown) => Check<T>, fallback: T): T => {
    const value = resolveKey(key, layers, check);
    return value === undefined ? fallback : value;
  };
  // In CONFIG_KEYS order (properties are evaluated in order), so the first bad key reported is deterministic.
  return {
    storageDirectory: take('storage-directory', checkDirectory, layers.defaults.storageDirectory),
    maxStorageSize: take('max-storage-size', checkStorageSize, null),
    speedLimitUp: take('speed-limit-up', checkRate, null),
    speedLimitDown: take('speed-limit-down', checkRate, null),
    bindAddress: take('bind-address', checkBindAddress, null),
    port: take('port', wholeNumber(0, 65535, false), TRANSFER_DEFAULTS.port),
    preferredChunkSize: take<number | 'auto'>('preferred-chunk-size', checkChunkSize, 'auto'),
    originType: take<OriginType>('origin-type', checkOriginType, 'auto'),
    connections: take('connections', wholeNumber(1, 64, false), TRANSFER_DEFAULTS.connections),
    stallTimeoutMs: take('stall-timeout', duration(true), TRANSFER_DEFAULTS.stallTimeoutMs),
    retryMaxTimeMs: take('retry-max-time', checkRetryMaxTime, TRANSFER_DEFAULTS.retryMaxTimeMs),
    retries: take('retries', wholeNumber(0, 1000, true), TRANSFER_DEFAULTS.retries),
    swarmSecretFile: take('swarm-secret-file', checkSecretFile, null),
    broadcast: take('broadcast', checkBoolean, true),
    discoveryPort: take('discovery-port', wholeNumber(1, 65535, false), TRANSFER_DEFAULTS.discoveryPort),
    broadcastAddress: take('broadcast-address', checkBroadcastAddress, []),
    peers: take('peers', checkPeers, []),
    peersDns: take('peers-dns', checkPeersDns, []),
    dnsServer: take('dns-server', checkDnsServer, []),
    trackers: take('trackers', checkTrackers, []),
    seedUntilIdle: take('seed-until-idle', checkBoolean, false),
    idleTimeoutMs: take('idle-timeout', duration(false), TRANSFER_DEFAULTS.idleTimeoutMs),
    metricsAddress: take('metrics-address', checkMetricsAddress, null),
  };
}
