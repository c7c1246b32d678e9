/**
 * `swarm-download URL [-o PATH]`: the command-line shell of one download.
 *
 * Parses flags (yargs), merges them with the environment and the config file, runs the session,
 * and maps every failure to one line on stderr and a documented exit code. It catches once, at
 * the top, and returns the exit code; it never calls `process.exit`.
 */
import { resolve } from 'node:path';
import yargs from 'yargs';
import { ExitCode, InterruptedError, UsageError, storageErrorFrom, toSwarmError } from '../errors.js';
import { parseMd5Text } from '../http-seed/md5-header.js';
import type { SwarmConfig } from '../config/resolve-config.js';
import type { SwarmMetrics } from '../metrics/swarm-metrics.js';
import { download } from '../session/download.js';
import { azureFrom, checkUrl, configFrom, finishParser, networkFrom, originFrom, secretFrom, withConfigOptions, withOutputOptions, withTransferOptions, type CliContext } from './common-options.js';
import { jsonRequested } from './flag-rules.js';
import { resolveOutput } from './output-path.js';
import { Reporter, type ReportMode } from './reporter.js';

export type { CliContext } from './common-options.js';
export { outputNameFromUrl } from './output-path.js';

const PROGRAM = 'swarm-download' as const;

const EPILOG = `Exit codes: 0 done, 1 internal error (a bug: please report it), 2 usage or config, 3 origin (HTTP error, no MD5, file changed), 4 verification failed, 5 local storage (disk full, permission denied, read-only file system, missing directory), 130 interrupted (SIGINT), 143 terminated (SIGTERM).
Every flag but -o, --md5, --metrics-file, --no-discovery, --azure, --config, --json and --quiet is also a config key and reads its environment variable (SWARM_STORAGE_DIRECTORY, SWARM_SPEED_LIMIT_DOWN, SWARM_PORT, ...); precedence: flag > env > config file > default.
Swarm key: the MD5 the origin publishes (Content-MD5 and other headers; S3: single-part ETag or x-amz-meta-md5; Azure: the blob's Content-MD5 property), or --md5.`;

/** The parser of swarm-download's command line (exported for the tests of every flag). */
export function buildParser(argv: readonly string[]) {
  const base = yargs([...argv])
    .scriptName(PROGRAM)
    .usage('$0 URL [-o PATH]\n\nFetch a large file once across the LAN, verify it against the origin\'s MD5, and publish it at PATH.')
    .command('$0 <url>', false)
    .positional('url', { type: 'string', describe: 'http(s) URL of the file (plain HTTP, S3 presigned or public, Azure blob); the origin must publish its MD5, or pass --md5' })
    .option('output', { alias: 'o', type: 'string', describe: 'where to publish the file (default: last segment of the URL path, in the current directory)' })
    .option('md5', { type: 'string', describe: 'expected MD5 (hex or base64), for origins that publish none' });
  const full = withOutputOptions(withTransferOptions(withConfigOptions(base, PROGRAM)))
    .option('seed-until-idle', { type: 'boolean', describe: 'after publishing, keep serving peers until none asked anything for --idle-timeout (default: off)' })
    .option('idle-timeout', { type: 'string', describe: 'how long the swarm must be quiet before --seed-until-idle exits (default: 10s)' })
    .option('metrics-file', { type: 'string', describe: 'on exit (done or failed), write this download\'s counters to PATH in the Prometheus text format (for node_exporter\'s textfile collector: name it *.prom), atomically' })
    // swarm-server's flag, refused with a pointer to --metrics-file (see NO_METRICS_SERVED).
    .option('metrics-address', { type: 'string', hidden: true })
    .option('discovery', { type: 'boolean', default: true, describe: 'find peers (UDP broadcast, --peer, --peers-dns, --tracker, peer exchange); --no-discovery fetches from the origin alone, with no peers at all' });
  return finishParser(full, argv, EPILOG, 'missing URL: swarm-download URL [-o PATH] (see --help)');
}

type Args = Awaited<ReturnType<ReturnType<typeof buildParser>['parseAsync']>>;

function modeOf(ctx: CliContext, args: Args): ReportMode {
  if (args.json) return 'json';
  if (args.quiet) return 'quiet';
  return ctx.stderr.isTTY ? 'tty' : 'plain';
}

/**
 * `metrics-address` is swarm-server's: a download is too short-lived to be scraped, so it serves
 * no metrics. Given as a flag, that is a usage error; from the environment (most likely set for
 * this run) a warning, both saying so. From the config file, which swarm-server and
 * swarm-download share, it is ignored without a word: a warning there would come with every
 * download on every host whose daemon serves metrics.
 */
const NO_METRICS_SERVED = 'swarm-download serves no metrics (metrics-address is for swarm-server); to keep a download\'s counters, pass --metrics-file PATH';

/** The warning of {@link NO_METRICS_SERVED} when the environment set the address. */
function warnIfMetricsAddressFromEnv(ctx: CliContext, config: SwarmConfig): void {
  // The environment wins over the file: when it holds an address, that is the one configured.
  if (config.metricsAddress !== null && (ctx.env['SWARM_METRICS_ADDRESS'] ?? '').trim() !== '') {
    ctx.stderr.write(`${PROGRAM}: warning: SWARM_METRICS_ADDRESS is ignored: ${NO_METRICS_SERVED}\n`);
  }
}

async function run(ctx: CliContext, args: Args, reporter: Reporter, metrics: SwarmMetrics | null, signal: AbortSignal): Promise<void> {
  const url = checkUrl(String(args.url));
  if (args['metrics-address'] !== undefined) throw new UsageError(`--metrics-address: ${NO_METRICS_SERVED}`);
  const config = await configFrom(ctx, args);
  warnIfMetricsAddressFromEnv(ctx, config);
  const md5 = args.md5 === undefined ? null : parseMd5Text(args.md5);
  if (args.md5 !== undefined && md5 === null) {
    throw new UsageError(`invalid --md5 ${JSON.stringify(args.md5)}: expected 32 hex digits or 24 base64 characters`);
  }
  const origin = originFrom(config);
  const outputPath = await resolveOutput(ctx, url, args.output);
  await download({
    url: url.href,
    outputPath,
    storageDirectory: resolve(ctx.cwd, config.storageDirectory),
    md5,
    preferredPieceBytes: config.preferredChunkSize,
    speedLimitDown: config.speedLimitDown,
    speedLimitUp: config.speedLimitUp,
    // A port from the file shared with a daemon (which holds it) or from the environment may be
    // taken: any free port then; one given as --port is insisted on (exit 2 when taken).
    network: args.discovery ? { ...networkFrom(config, await secretFrom(ctx, args, config)), portInUse: args.port === undefined ? 'any' : 'fail' } : null,
    ...azureFrom(ctx, config),
    seedIdleMs: config.seedUntilIdle ? config.idleTimeoutMs : null,
    ...origin,
    signal,
    progressIntervalMs: 1000,
    onEvent: (event) => {
      metrics?.downloadEvent(event);
      reporter.event(event);
    },
    ...(metrics ? { onOriginRequest: metrics.originRequest.bind(metrics) } : {}),
  });
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
  // --json is seen before parsing, so that a usage error in the flags is an event too.
  let reporter = new Reporter(jsonRequested(ctx.argv) ? 'json' : 'plain', PROGRAM, ctx.stdout, ctx.stderr);
  // prom-client (and the zlib it loads) only for --metrics-file: a plain download starts without it.
  let metrics: SwarmMetrics | null = null;
  let metricsFile: string | null = null;
  let exitCode: number = ExitCode.ok;
  try {
    const parser = buildParser(ctx.argv);
    const args = await parser.parseAsync();
    if (args.help === true || args.version === true || args['url'] === undefined) return ExitCode.ok;
    reporter = new Reporter(modeOf(ctx, args), PROGRAM, ctx.stdout, ctx.stderr);
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    metricsFile = args['metrics-file'] === undefined ? null : resolve(ctx.cwd, args['metrics-file']);
    if (metricsFile !== null) metrics = new (await import('../metrics/swarm-metrics.js')).SwarmMetrics();
    await run(ctx, args, reporter, metrics, controller.signal);
  } catch (err) {
    const failure = toSwarmError(controller.signal.aborted ? (controller.signal.reason ?? err) : err);
    reporter.error(failure);
    metrics?.failed(failure.code);
    exitCode = failure.exitCode;
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
  if (metricsFile !== null && metrics !== null) await writeMetrics(metricsFile, metrics, ctx);
  return exitCode;
}

/** Writes `--metrics-file`; a failure to write it is a warning: the download's exit code stands. */
async function writeMetrics(path: string, metrics: SwarmMetrics, ctx: CliContext): Promise<void> {
  try {
    const { writeMetricsFile } = await import('../metrics/metrics-file.js');
    await writeMetricsFile(path, await metrics.text());
  } catch (err) {
    ctx.stderr.write(`${PROGRAM}: warning: --metrics-file ${path} not written: ${(storageErrorFrom(err, path, 'metrics-file') ?? toSwarmError(err)).message}\n`);
  }
}
