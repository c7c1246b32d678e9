/**
 * `swarm-download URL [-o PATH]`: the command-line shell of one download.
 *
 * Parses flags (yargs), merges them with the environment and the config file, runs the session,
 * and maps every failure to one line on stderr and a documented exit code. It catches once, at
 * the top, and returns the exit code; it never calls `process.exit`.
 */
import { constants as fsConstants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { homedir, networkInterfaces } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import yargs from 'yargs';
import { ExitCode, InterruptedError, StorageError, SwarmError, UsageError } from '../errors.js';
import { CONFIG_KEYS, isIpLiteral, parseConfigText, resolveConfig, xdgCacheDefault, type ConfigKey, type SwarmConfig } from '../config/resolve-config.js';
import { broadcastAddressOf, defaultBroadcastAddresses } from '../discovery/broadcast-addresses.js';
import { DEFAULT_ANNOUNCE_INTERVAL_MS, DEFAULT_DISCOVERY_PORT } from '../discovery/discovery.js';
import type { SwarmSettings } from '../session/transfer.js';
import { parseDurationSeconds } from '../config/size.js';
import { parseMd5Text } from '../http-seed/md5-header.js';
import { DEFAULT_RETRY } from '../http-seed/retry-delay.js';
import { download } from '../session/download.js';
import { VERSION } from '../version.js';
import { readSwarmSecret } from './read-swarm-secret.js';
import { Reporter, type OutputStream, type ReportMode } from './reporter.js';

const PROGRAM = 'swarm-download';

/** Where the process writes and what it knows of its surroundings; injectable for tests. */
export interface CliContext {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
}

const EPILOG = `Exit codes: 0 done, 2 usage or config, 3 origin (HTTP error, no MD5, file changed), 4 verification failed, 5 local storage (disk full, permission), 130 interrupted (SIGINT), 143 terminated (SIGTERM).
Every config key also reads from its environment variable (SWARM_STORAGE_DIRECTORY, SWARM_SPEED_LIMIT_DOWN, SWARM_ORIGIN_TYPE, ...); precedence: flag > env > config file > default.
Swarm key: the MD5 the origin publishes (Content-MD5 and other headers; S3: single-part ETag or x-amz-meta-md5; Azure: the blob's Content-MD5 property), or --md5.`;

function buildParser(argv: readonly string[]) {
  return yargs([...argv])
    .scriptName(PROGRAM)
    .usage('$0 URL [-o PATH]\n\nFetch a large file once across the LAN, verify it against the origin\'s MD5, and publish it at PATH.')
    .command('$0 <url>', false)
    .positional('url', { type: 'string', describe: 'http(s) URL of the file (plain HTTP, S3 presigned or public, Azure blob); the origin must publish its MD5, or pass --md5' })
    .option('output', { alias: 'o', type: 'string', describe: 'where to publish the file (default: last segment of the URL path, in the current directory)' })
    .option('storage-directory', { type: 'string', describe: 'where partial state and the cache live (default: $XDG_CACHE_HOME/swarm or ~/.cache/swarm)' })
    .option('md5', { type: 'string', describe: 'expected MD5 (hex or base64), for origins that publish none' })
    .option('preferred-chunk-size', { type: 'string', describe: 'piece size, e.g. 4MiB (default: auto, from the file size)' })
    .option('speed-limit-down', { type: 'string', describe: 'download rate cap, e.g. 100MB/s or 1Gbit; null = unlimited' })
    .option('speed-limit-up', { type: 'string', describe: 'upload rate cap, e.g. 10Gbit; null = unlimited' })
    .option('max-storage-size', { type: 'string', describe: 'cache size cap, e.g. 400GB; null = unlimited' })
    .option('bind-address', { type: 'string', describe: 'local address to listen on; null = all interfaces' })
    .option('origin-type', { type: 'string', describe: 'client for the origin: auto (Azure SDK for *.blob.core.windows.net, else HTTP), http or azure' })
    .option('azure', { type: 'boolean', describe: 'same as --origin-type azure: fetch through the Azure SDK (Azurite, sovereign clouds); auth: SAS in URL, AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_ACCOUNT + AZURE_STORAGE_KEY, or anonymous' })
    .option('config', { type: 'string', describe: 'JSON config file (comments allowed); default /etc/swarm/config.json (root) or ~/.config/swarm/config.json when present' })
    .option('connections', { type: 'number', default: 4, describe: 'keep-alive connections to the origin' })
    .option('stall-timeout', { type: 'string', default: '30s', describe: 'retry a connection that receives nothing for this long' })
    .option('retries', { type: 'number', default: DEFAULT_RETRY.maxAttempts, describe: 'attempts per byte range without progress before giving up' })
    .option('seed-until-idle', { type: 'boolean', default: false, describe: 'after publishing, keep serving peers until none asked anything for --idle-timeout' })
    .option('idle-timeout', { type: 'string', default: '10s', describe: 'how long the swarm must be quiet before --seed-until-idle exits' })
    .option('discovery', { type: 'boolean', default: true, describe: 'find LAN peers by UDP broadcast; --no-discovery fetches from the origin alone' })
    .option('discovery-port', { type: 'number', default: DEFAULT_DISCOVERY_PORT, describe: 'UDP port of discovery announcements (shared by every process on a host)' })
    .option('broadcast-address', { type: 'string', array: true, describe: 'where announcements go (repeatable; default: the broadcast address of every up, non-internal IPv4 interface)' })
    .option('swarm-secret-file', { type: 'string', describe: 'file holding a secret shared by the hosts of this swarm: hosts with another secret or none are ignored (env SWARM_SECRET: the secret itself)' })
    .option('port', { type: 'number', default: 0, describe: 'TCP port for peers (default: any free port)' })
    .option('json', { type: 'boolean', describe: 'print NDJSON events on stdout' })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'print only errors' })
    .conflicts('json', 'quiet')
    .epilog(EPILOG)
    .strict()
    .help()
    .alias('help', 'h')
    .version(VERSION)
    .wrap(100)
    .exitProcess(false)
    .fail((message, err) => {
      if (err instanceof SwarmError) throw err;
      const text = message ?? err?.message ?? 'bad arguments';
      if (/^Not enough non-option arguments/.test(text)) throw new UsageError('missing URL: swarm-download URL [-o PATH] (see --help)');
      throw new UsageError(`${text} (see --help)`);
    });
}

async function loadConfigFile(ctx: CliContext, explicit: string | undefined): Promise<{ file: Record<string, unknown> | null; fileName?: string }> {
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

function checkUrl(text: string): URL {
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

/** The default output name: the URL path's last segment, like wget. */
export function outputNameFromUrl(url: URL): string | null {
  const segment = url.pathname.split('/').pop() ?? '';
  let name: string;
  try {
    name = decodeURIComponent(segment);
  } catch {
    return null;
  }
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) return null;
  return name;
}

async function resolveOutput(ctx: CliContext, url: URL, output: string | undefined): Promise<string> {
  const name = outputNameFromUrl(url);
  let path: string;
  if (output === undefined || output === '') {
    if (name === null) throw new UsageError(`cannot name the output file after ${url.origin}${url.pathname}; pass -o PATH`);
    path = resolve(ctx.cwd, name);
  } else {
    path = resolve(ctx.cwd, output);
    const isDir = await stat(path).then((s) => s.isDirectory(), () => false);
    if (isDir) {
      if (name === null) throw new UsageError(`${path} is a directory and the URL names no file; pass -o DIR/NAME`);
      path = join(path, name);
    }
  }
  try {
    await access(dirname(path), fsConstants.W_OK);
  } catch (err) {
    throw new StorageError(`cannot write to ${dirname(path)} (${(err as NodeJS.ErrnoException).code ?? 'error'}); create it or choose another -o PATH`, { cause: err });
  }
  return path;
}

function checkCount(name: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`invalid --${name} ${JSON.stringify(value)}: expected a whole number from ${min} to ${max}`);
  }
  return value;
}

type Args = Awaited<ReturnType<ReturnType<typeof buildParser>['parseAsync']>>;

async function configFrom(ctx: CliContext, args: Args): Promise<SwarmConfig> {
  const flags: Partial<Record<ConfigKey, string>> = {};
  for (const key of CONFIG_KEYS) {
    const value = (args as Record<string, unknown>)[key];
    if (typeof value === 'string') flags[key] = value;
  }
  if (args.azure === true) {
    if (flags['origin-type'] !== undefined && flags['origin-type'].trim().toLowerCase() !== 'azure') {
      throw new UsageError(`--azure contradicts --origin-type ${JSON.stringify(flags['origin-type'])}; pass one of them`);
    }
    flags['origin-type'] = 'azure';
  }
  const { file, fileName } = await loadConfigFile(ctx, args.config);
  return resolveConfig({
    flags,
    env: ctx.env,
    file,
    ...(fileName !== undefined ? { fileName } : {}),
    defaults: { storageDirectory: xdgCacheDefault(ctx.env, homedir()) },
  });
}

function networkFrom(args: Args, config: SwarmConfig, swarmSecret: Buffer | null): Omit<SwarmSettings, 'swarmId' | 'authKey'> {
  const broadcast = (args['broadcast-address'] ?? []).map(String);
  for (const address of broadcast) {
    if (!isIpLiteral(address) || address.includes(':')) {
      throw new UsageError(`invalid --broadcast-address ${JSON.stringify(address)}: expected an IPv4 address such as 192.168.1.255`);
    }
  }
  const interfaces = networkInterfaces();
  const specific = config.bindAddress !== null && config.bindAddress !== '0.0.0.0' && config.bindAddress !== '::';
  const discoveryBindAddress = specific ? broadcastAddressOf(interfaces, config.bindAddress ?? '') : null;
  if (specific && discoveryBindAddress === null) {
    throw new UsageError(`--bind-address ${config.bindAddress} is not the IPv4 address of a local interface with a broadcast address`);
  }
  return {
    bindAddress: config.bindAddress,
    discoveryBindAddress,
    port: checkCount('port', args.port, 0, 65535),
    discoveryPort: checkCount('discovery-port', args['discovery-port'], 1, 65535),
    broadcastAddresses: broadcast.length > 0 ? broadcast : discoveryBindAddress ? [discoveryBindAddress] : defaultBroadcastAddresses(interfaces),
    announceIntervalMs: DEFAULT_ANNOUNCE_INTERVAL_MS,
    discoveryWaitMs: DISCOVERY_WAIT_MS,
    swarmSecret,
  };
}

/** How long a download listens for peers before its first origin request. */
const DISCOVERY_WAIT_MS = 400;

function modeOf(ctx: CliContext, args: Args): ReportMode {
  if (args.json) return 'json';
  if (args.quiet) return 'quiet';
  return ctx.stderr.isTTY ? 'tty' : 'plain';
}

async function run(ctx: CliContext, args: Args, reporter: Reporter, signal: AbortSignal): Promise<void> {
  const url = checkUrl(String(args.url));
  const config = await configFrom(ctx, args);
  const md5 = args.md5 === undefined ? null : parseMd5Text(args.md5);
  if (args.md5 !== undefined && md5 === null) {
    throw new UsageError(`invalid --md5 ${JSON.stringify(args.md5)}: expected 32 hex digits or 24 base64 characters`);
  }
  const stallSeconds = parseDurationSeconds(args['stall-timeout']);
  if (stallSeconds === null || stallSeconds <= 0) {
    throw new UsageError(`invalid --stall-timeout ${JSON.stringify(args['stall-timeout'])}: expected a duration like 30s or 2m`);
  }
  const outputPath = await resolveOutput(ctx, url, args.output);
  const idleSeconds = parseDurationSeconds(args['idle-timeout']);
  if (idleSeconds === null) {
    throw new UsageError(`invalid --idle-timeout ${JSON.stringify(args['idle-timeout'])}: expected a duration like 10s or 2m`);
  }
  await download({
    url: url.href,
    outputPath,
    storageDirectory: resolve(ctx.cwd, config.storageDirectory),
    md5,
    preferredPieceBytes: config.preferredChunkSize,
    speedLimitDown: config.speedLimitDown,
    speedLimitUp: config.speedLimitUp,
    network: args.discovery ? networkFrom(args, config, await readSwarmSecret({ flagFile: args['swarm-secret-file'], configFile: config.swarmSecretFile, env: ctx.env, cwd: ctx.cwd })) : null,
    seedIdleMs: args['seed-until-idle'] ? Math.ceil(idleSeconds * 1000) : null,
    connections: checkCount('connections', args.connections, 1, 64),
    stallTimeoutMs: Math.ceil(stallSeconds * 1000),
    retry: { ...DEFAULT_RETRY, maxAttempts: checkCount('retries', args.retries, 0, 1000) },
    signal,
    progressIntervalMs: 1000,
    onEvent: (event) => reporter.event(event),
    originType: config.originType,
    azureEnv: {
      connectionString: ctx.env['AZURE_STORAGE_CONNECTION_STRING'],
      account: ctx.env['AZURE_STORAGE_ACCOUNT'],
      key: ctx.env['AZURE_STORAGE_KEY'],
    },
  });
}

function asSwarmError(err: unknown): SwarmError {
  if (err instanceof SwarmError) return err;
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  return new SwarmError('SWARM_INTERNAL', ExitCode.internal, `internal error, please report it: ${detail.split('\n').slice(0, 3).join(' | ')}`);
}

/** Runs the command; resolves with the process exit code. */
export async function main(ctx: CliContext): Promise<number> {
  const controller = new AbortController();
  const onSignal = (signal: 'SIGINT' | 'SIGTERM'): void => {
    if (controller.signal.aborted) process.exit(new InterruptedError(signal).exitCode);
    controller.abort(new InterruptedError(signal));
  };
  const onInt = (): void => onSignal('SIGINT');
  const onTerm = (): void => onSignal('SIGTERM');
  let reporter = new Reporter('plain', PROGRAM, ctx.stdout, ctx.stderr);
  try {
    const parser = buildParser(ctx.argv);
    const args = await parser.parseAsync();
    if (args.help === true || args.version === true || args['url'] === undefined) return ExitCode.ok;
    reporter = new Reporter(modeOf(ctx, args), PROGRAM, ctx.stdout, ctx.stderr);
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    await run(ctx, args, reporter, controller.signal);
    return ExitCode.ok;
  } catch (err) {
    const failure = asSwarmError(controller.signal.aborted ? (controller.signal.reason ?? err) : err);
    reporter.error(failure);
    return failure.exitCode;
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}
