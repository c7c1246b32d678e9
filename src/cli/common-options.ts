/**
 * What the command-line programs share: the process context, the config-file lookup, the yargs
 * options of the config keys and of the LAN network, and their validation into settings.
 *
 * Not responsible for any one program's flow (swarm-download.ts, swarm-server.ts, swarm.ts).
 */
import { readFile } from 'node:fs/promises';
import { homedir, networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import type { Argv } from 'yargs';
import { CONFIG_KEYS, parseConfigText, resolveConfig, xdgCacheDefault, type ConfigKey, type SwarmConfig } from '../config/resolve-config.js';
import { DEFAULT_DISCOVERY_PORT, TRANSFER_DEFAULTS } from '../config/transfer-keys.js';
import { broadcastAddressOf, defaultBroadcastAddresses } from '../discovery/broadcast-addresses.js';
import { DEFAULT_ANNOUNCE_INTERVAL_MS } from '../discovery/discovery.js';
import { SwarmError, UsageError } from '../errors.js';
import type { AzureEnv } from '../http-seed/azure-auth.js';
import { DEFAULT_RETRY, type RetryOptions } from '../http-seed/retry-delay.js';
import { DEFAULT_DISCOVERY_WAIT } from '../host/connection-settings.js';
import type { NetworkSettings } from '../session/open-host.js';
import { formatHostPort, parseDnsName, parseDnsServer, parsePeerAddress } from '../peer-sources/peer-address.js';
import { parseTrackerUrl } from '../peer-sources/tracker-codec.js';
import { VERSION } from '../version.js';
import { repeatedFlagMessage, unknownArgumentsMessage, type FlagTable } from './flag-rules.js';
import { readSwarmSecret } from './read-swarm-secret.js';
import type { OutputStream } from './reporter.js';

/** Where the process writes and what it knows of its surroundings; injectable for tests. */
export interface CliContext {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
}

/** `--retry-max-time` unless given: {@link DEFAULT_RETRY}'s budget. */
const RETRY_MAX_TIME_DEFAULT = `${DEFAULT_RETRY.maxElapsedMs / 60_000}m`;

const CONFIG_HELP = 'JSON config file (comments allowed); default /etc/swarm/config.json (root) or ~/.config/swarm/config.json when present';

const RATE_UNITS_HELP = 'bytes per second, binary multiples: MB/s means MiB/s (100MB/s = 104,857,600 B/s); bits are SI (1Gbit = 125,000,000 B/s)';

/** What `--max-storage-size` does for each program: only swarm-server keeps a cache that it evicts. */
const MAX_STORAGE_HELP = {
  'swarm-server': 'cache size cap, e.g. 400GiB: least recently used files are evicted to stay under it; null = unlimited',
  'swarm-download': 'accepted for a shared config, but does nothing here: swarm-download evicts nothing (swarm-server enforces it)',
} as const;

/** The options of the config keys (and `--config`), with the help of `program`. */
export function withConfigOptions<T>(parser: Argv<T>, program: keyof typeof MAX_STORAGE_HELP) {
  return parser
    .option('storage-directory', { type: 'string', describe: 'where partial state and the cache live (default: $XDG_CACHE_HOME/swarm or ~/.cache/swarm)' })
    .option('preferred-chunk-size', { type: 'string', describe: 'piece size, e.g. 4MiB (default: auto, from the file size)' })
    .option('speed-limit-down', { type: 'string', describe: `download rate cap, e.g. 100MB/s or 1Gbit, in ${RATE_UNITS_HELP}; null = unlimited` })
    .option('speed-limit-up', { type: 'string', describe: 'upload rate cap, e.g. 10Gbit or 50MB/s (units as --speed-limit-down); null = unlimited' })
    .option('max-storage-size', { type: 'string', describe: MAX_STORAGE_HELP[program] })
    .option('bind-address', { type: 'string', describe: 'local address to listen on; null = all interfaces' })
    .option('origin-type', { type: 'string', describe: 'client for the origin: auto (Azure SDK for *.blob.core.windows.net, else HTTP), http or azure' })
    .option('azure', { type: 'boolean', describe: 'same as --origin-type azure: fetch through the Azure SDK (Azurite, sovereign clouds); auth: SAS in URL, AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_ACCOUNT + AZURE_STORAGE_KEY, or anonymous' })
    .option('swarm-secret-file', { type: 'string', describe: 'file holding a secret shared by the hosts of this swarm: hosts with another secret or none are ignored (env SWARM_SECRET: the secret itself)' })
    .option('config', { type: 'string', describe: CONFIG_HELP });
}

/** The options of the origin connections and of the LAN swarm (config keys too, so no yargs defaults: resolveConfig applies them). */
export function withTransferOptions<T>(parser: Argv<T>) {
  return parser
    .option('connections', { type: 'string', describe: `keep-alive connections to the origin, 1-64 (default: ${TRANSFER_DEFAULTS.connections})` })
    .option('stall-timeout', { type: 'string', describe: 'retry a connection that receives nothing for this long (default: 30s)' })
    .option('retry-max-time', { type: 'string', describe: `give up once the origin failed this long without progress (default: ${RETRY_MAX_TIME_DEFAULT}; it outlasts an origin restart); meanwhile retry with backoff and jitter up to 15s, and keep sharing with peers` })
    .option('retries', { type: 'string', describe: 'also give up after this many retries in a row without progress (default: no count, only --retry-max-time)' })
    .option('discovery-port', { type: 'string', describe: `UDP port of discovery announcements, shared by every process on a host (default: ${DEFAULT_DISCOVERY_PORT})` })
    .option('broadcast-address', { type: 'string', array: true, describe: 'where announcements go (repeatable; default: the broadcast address of every up, non-internal IPv4 interface)' })
    .option('port', { type: 'string', describe: 'TCP port for peers (default: any free port; give one with --peer or --peers-dns, so hosts can reach each other)' })
    .option('broadcast', { type: 'boolean', describe: 'find LAN peers by UDP broadcast (default on); --no-broadcast turns broadcast alone off, the other sources stay' })
    .option('peer', { type: 'string', array: true, describe: 'a fixed peer HOST:PORT to dial (repeatable); peers exchange the addresses of the others, so one is enough (config "peers")' })
    .option('peers-dns', { type: 'string', array: true, describe: 'a DNS name whose every A/AAAA record is a peer, NAME[:PORT] (repeatable; default port --port), re-resolved every 30 s, e.g. a Kubernetes headless service' })
    .option('dns-server', { type: 'string', array: true, describe: 'DNS server IP[:PORT] to ask for --peers-dns (repeatable; default: the system resolver)' })
    .option('tracker', { type: 'string', array: true, describe: 'a BitTorrent HTTP tracker announce URL (repeatable; e.g. opentracker), for networks without broadcast (config "trackers")' });
}

/** The repeatable flags of the config's list keys, by flag (yargs' names differ: `--peer` is `peers`, `--tracker` is `trackers`). */
const LIST_FLAGS: Readonly<Record<string, ConfigKey>> = { 'broadcast-address': 'broadcast-address', peer: 'peers', 'peers-dns': 'peers-dns', 'dns-server': 'dns-server', tracker: 'trackers' };

/** Reads the config file: `--config`, `SWARM_CONFIG`, or the default path when it exists. */
export async function loadConfigFile(ctx: CliContext, explicit: string | undefined): Promise<{ file: Record<string, unknown> | null; fileName?: string }> {
  const given = explicit ?? (ctx.env['SWARM_CONFIG'] || undefined);
  const isRoot = process.getuid?.() === 0;
  const path = given !== undefined ? resolve(ctx.cwd, given) : isRoot ? '/etc/swarm/config.json' : join(homedir(), '.config/swarm/config.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (given === undefined && (err as NodeJS.ErrnoException).code === 'ENOENT') return { file: null };
    throw new UsageError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  return { file: parseConfigText(text, path), fileName: path };
}

/** Merges the config-key flags in `args` with the environment and the config file. */
export async function configFrom(ctx: CliContext, args: Record<string, unknown>): Promise<SwarmConfig> {
  const flags: Partial<Record<ConfigKey, string | boolean | string[]>> = {};
  for (const key of CONFIG_KEYS) {
    const value = args[key];
    if (typeof value === 'string' || typeof value === 'boolean') flags[key] = value;
  }
  for (const [flag, key] of Object.entries(LIST_FLAGS)) {
    const value = args[flag];
    if (Array.isArray(value) && value.length > 0) flags[key] = value.map(String);
  }
  if (args['azure'] === true) {
    const originType = flags['origin-type'];
    if (typeof originType === 'string' && originType.trim().toLowerCase() !== 'azure') {
      throw new UsageError(`--azure contradicts --origin-type ${JSON.stringify(flags['origin-type'])}; pass one of them`);
    }
    flags['origin-type'] = 'azure';
  }
  const { file, fileName } = await loadConfigFile(ctx, typeof args['config'] === 'string' ? args['config'] : undefined);
  return resolveConfig({
    flags,
    env: ctx.env,
    file,
    ...(fileName !== undefined ? { fileName } : {}),
    defaults: { storageDirectory: xdgCacheDefault(ctx.env, homedir()) },
  });
}

/** The swarm secret from --swarm-secret-file, SWARM_SECRET or the config's file, or null. */
export function secretFrom(ctx: CliContext, args: Record<string, unknown>, config: SwarmConfig): Promise<Buffer | null> {
  const flagFile = typeof args['swarm-secret-file'] === 'string' ? args['swarm-secret-file'] : undefined;
  return readSwarmSecret({ flagFile, configFile: config.swarmSecretFile, env: ctx.env, cwd: ctx.cwd });
}

/** How the origin is reached: the client kind, and the Azure credentials of the environment. */
export function azureFrom(ctx: CliContext, config: SwarmConfig): { originType: SwarmConfig['originType']; azureEnv: AzureEnv } {
  return {
    originType: config.originType,
    azureEnv: {
      connectionString: ctx.env['AZURE_STORAGE_CONNECTION_STRING'],
      account: ctx.env['AZURE_STORAGE_ACCOUNT'],
      key: ctx.env['AZURE_STORAGE_KEY'],
    },
  };
}

/** Origin connection settings from the config. */
export function originFrom(config: SwarmConfig): { connections: number; stallTimeoutMs: number; retry: RetryOptions } {
  return {
    connections: config.connections,
    stallTimeoutMs: config.stallTimeoutMs,
    retry: { ...DEFAULT_RETRY, maxAttempts: config.retries, maxElapsedMs: config.retryMaxTimeMs },
  };
}

/** The fixed peers, DNS names and trackers of the config, parsed (each entry was checked by resolveConfig). */
function sourcesFrom(config: SwarmConfig, port: number): NetworkSettings['sources'] {
  const take = <T>(result: { ok: true; value: T } | { ok: false; error: string }): T => {
    if (!result.ok) throw new UsageError(result.error);
    return result.value;
  };
  return {
    peers: config.peers.map((text) => take(parsePeerAddress(text))),
    peersDns: config.peersDns.map((text) => take(parseDnsName(text, port === 0 ? null : port))),
    dnsServers: config.dnsServer.map((text) => {
      const server = take(parseDnsServer(text));
      return formatHostPort(server.address, server.port);
    }),
    trackers: config.trackers.map((text) => {
      const url = parseTrackerUrl(text);
      if (typeof url === 'string') throw new UsageError(url);
      return url;
    }),
  };
}

/** Where the host listens and how it finds peers, from the flags and the config. */
export function networkFrom(config: SwarmConfig, swarmSecret: Buffer | null): NetworkSettings {
  const broadcast = config.broadcastAddress;
  const interfaces = networkInterfaces();
  const specific = config.bindAddress !== null && config.bindAddress !== '0.0.0.0' && config.bindAddress !== '::';
  const discoveryBindAddress = specific ? broadcastAddressOf(interfaces, config.bindAddress ?? '') : null;
  if (specific && discoveryBindAddress === null) {
    throw new UsageError(`--bind-address ${config.bindAddress} is not the IPv4 address of a local interface with a broadcast address`);
  }
  const port = config.port;
  return {
    bindAddress: config.bindAddress,
    port,
    sources: sourcesFrom(config, port),
    broadcast: !config.broadcast ? null : {
      bindAddress: discoveryBindAddress,
      discoveryPort: config.discoveryPort,
      broadcastAddresses: broadcast.length > 0 ? broadcast : discoveryBindAddress ? [discoveryBindAddress] : defaultBroadcastAddresses(interfaces),
      announceIntervalMs: DEFAULT_ANNOUNCE_INTERVAL_MS,
    },
    discoveryWait: DEFAULT_DISCOVERY_WAIT,
    swarmSecret,
  };
}

/**
 * The tail every program's parser shares: epilog, strict flags, --help/-h, --version, no
 * process.exit, a flag that takes one value given twice refused, and every parse error as a
 * UsageError (`missing` when a positional is missing; an unknown flag named once, with the
 * closest known one, or an unknown command of `commands` with the closest one). `argv` is the
 * same list the parser was made with.
 */
export function finishParser<T>(parser: Argv<T>, argv: readonly string[], epilog: string, missing: string, commands: readonly string[] = []) {
  // getOptions() is in yargs but not in its types; in a command it answers for that command.
  const options = (): FlagTable => (parser as unknown as { getOptions(): FlagTable }).getOptions();
  return parser
    .epilog(`${epilog}\n${REPEAT_HELP}`)
    .strict()
    .help()
    .alias('help', 'h')
    .version(VERSION)
    .wrap(100)
    .exitProcess(false)
    .check(() => {
      const repeated = repeatedFlagMessage(argv, options());
      if (repeated !== null) throw new UsageError(repeated);
      return true;
    }, true)
    .fail(usageFailure(argv, missing, options, commands));
}

const REPEAT_HELP = 'A flag given twice is an error, except those marked "repeatable".';

/** The `--json` / `--quiet` pair of the programs that report events. */
export function withOutputOptions<T>(parser: Argv<T>) {
  return parser
    .option('json', { type: 'boolean', describe: 'print NDJSON events on stdout' })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'print only errors' })
    .conflicts('json', 'quiet');
}

function usageFailure(argv: readonly string[], missing: string, options: () => FlagTable, commands: readonly string[]): (message: string | null | undefined, err: Error | undefined) => never {
  return (message, err) => {
    if (err instanceof SwarmError) throw err;
    const text = message ?? err?.message ?? 'bad arguments';
    if (/^Not enough non-option arguments/.test(text)) throw new UsageError(missing);
    const unknown = /^Unknown arguments?: (.+)$/.exec(text);
    if (unknown !== null) {
      throw new UsageError(unknownArgumentsMessage((unknown[1] ?? '').split(', '), argv, options(), commands));
    }
    throw new UsageError(`${text} (see --help)`);
  };
}

/** The URL argument: an http:// or https:// URL, else a UsageError quoting it. */
export function checkUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`not a URL: ${JSON.stringify(text)}; pass an http:// or https:// URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`unsupported URL ${JSON.stringify(text)}: scheme ${url.protocol} is not http: or https:`);
  }
  return url;
}
