/**
 * `swarm-server`: the caching daemon. Reads flags, environment and the config file like
 * `swarm-download`, opens the control socket, starts the {@link CacheDaemon}, and runs until
 * SIGINT or SIGTERM, after which it stops cleanly (state kept) and exits 0.
 *
 * Logs one line per event on stderr, or NDJSON events on stdout with `--json` (a `ready` event
 * once the control socket accepts requests). It catches once, at the top, and returns the exit
 * code; it never calls `process.exit`.
 */
import { resolve } from 'node:path';
import yargs from 'yargs';
import { formatBytes } from '../config/size.js';
import { ControlServer } from '../control/control-server.js';
import { defaultControlSocket } from '../control/socket-path.js';
import { ExitCode, toSwarmError, type SwarmError } from '../errors.js';
import { CacheDaemon, type DaemonEvent } from '../daemon/cache-daemon.js';
import { azureFrom, configFrom, finishParser, networkFrom, originFrom, secretFrom, withConfigOptions, withOutputOptions, withTransferOptions, type CliContext } from './common-options.js';
import { jsonRequested } from './flag-rules.js';
import { VERSION } from '../version.js';
import { daemonMetricsServer, watchDaemon } from '../metrics/daemon-metrics.js';
import { formatMetricsAddress } from '../metrics/metrics-address.js';
import type { MetricsServer } from '../metrics/metrics-server.js';
import { SwarmMetrics } from '../metrics/swarm-metrics.js';
import { makeDirectory } from '../storage/make-directory.js';

const PROGRAM = 'swarm-server';

const EPILOG = `Exit codes: 0 stopped by SIGINT or SIGTERM, 1 internal error, 2 usage or config (or a swarm-server already runs on the control socket), 5 local storage.
Every setting flag but --control-socket is also a config key ("port": 41771 in the file) and an environment variable (SWARM_PORT, SWARM_STORAGE_DIRECTORY, ...); precedence: flag > env > config file > default.
The control socket defaults to /run/swarm/control.sock as root, else $XDG_RUNTIME_DIR/swarm/control.sock, else <storage-directory>/control.sock; SWARM_CONTROL_SOCKET overrides the default.`;

/** The parser of swarm-server's command line (exported for the tests of every flag). */
export function buildParser(argv: readonly string[]) {
  const base = yargs([...argv])
    .scriptName(PROGRAM)
    .usage('$0 [options]\n\nKeep a bounded cache of the files the fleet needs, fetch them on request from `swarm download`, and seed every file held to the LAN.');
  const full = withOutputOptions(withTransferOptions(withConfigOptions(base, PROGRAM)))
    .option('control-socket', { type: 'string', describe: 'unix socket of the control API (mode 0600)' })
    .option('metrics-address', { type: 'string', describe: 'serve GET /metrics (Prometheus) and GET /healthz on HOST:PORT; a port alone is loopback (127.0.0.1:PORT), 0.0.0.0:PORT all interfaces; default off' });
  return finishParser(full, argv, EPILOG, 'unexpected argument (see --help)');
}

type Args = Awaited<ReturnType<ReturnType<typeof buildParser>['parseAsync']>>;

/** Writes daemon events: NDJSON on stdout, or one line each on stderr. */
function logger(ctx: CliContext, args: Args): (event: DaemonEvent | { event: 'ready'; [field: string]: unknown } | { event: 'stopped' }) => void {
  return (event) => {
    if (args.json) {
      ctx.stdout.write(`${JSON.stringify({ ...event, ts: new Date().toISOString() })}\n`);
      return;
    }
    if (args.quiet && event.event !== 'warning') return;
    ctx.stderr.write(`${PROGRAM}: ${describeEvent(event)}\n`);
  };
}

function describeEvent(event: DaemonEvent | { event: 'ready'; [field: string]: unknown } | { event: 'stopped' }): string {
  switch (event.event) {
    case 'ready':
      return `ready: control socket ${String(event['socket'])}, peers on TCP port ${String(event['tcpPort'])}, ${String(event['files'])} files held${event['metricsAddress'] ? `, metrics on http://${String(event['metricsAddress'])}/metrics` : ''}`;
    case 'stopped':
      return 'stopped; state kept';
    case 'seeding':
      return `seeding ${event.id} (${formatBytes(event.size)})`;
    case 'download-start':
      return `fetching ${event.url} as ${event.id}${event.resumedBytes > 0 ? `, resuming with ${formatBytes(event.resumedBytes)}` : ''}`;
    case 'download-done':
      return `verified ${event.id}: ${formatBytes(event.originBytes)} from the origin, ${formatBytes(event.peerBytes)} from peers`;
    case 'download-failed':
      return `failed ${event.id} (${event.code}): ${event.message}`;
    case 'published':
      return `published ${event.id} at ${event.path}`;
    case 'evicted':
      return `evicted ${event.id} (${formatBytes(event.size)})`;
    case 'warning':
      return `warning: ${event.message}`;
  }
}

/** Resolves with the signal that asks the daemon to stop. */
function stopRequested(): { wait: Promise<void>; dispose: () => void } {
  let onSignal = (): void => undefined;
  const wait = new Promise<void>((done) => {
    onSignal = () => done();
  });
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return { wait, dispose: () => (process.off('SIGINT', onSignal), process.off('SIGTERM', onSignal)) };
}

async function serve(ctx: CliContext, args: Args): Promise<void> {
  const config = await configFrom(ctx, args);
  const network = networkFrom(config, await secretFrom(ctx, args, config));
  const origin = originFrom(config);
  const storageDirectory = resolve(ctx.cwd, config.storageDirectory);
  await makeDirectory(storageDirectory, 'storage-directory');
  const socketPath = resolve(ctx.cwd, args['control-socket'] ?? defaultControlSocket({ env: ctx.env, isRoot: process.getuid?.() === 0, storageDirectory }));
  const log = logger(ctx, args);
  const metrics = new SwarmMetrics();
  const daemon = new CacheDaemon({
    storageDirectory,
    maxStorageBytes: config.maxStorageSize,
    preferredPieceBytes: config.preferredChunkSize,
    speedLimitDown: config.speedLimitDown,
    speedLimitUp: config.speedLimitUp,
    ...origin,
    ...azureFrom(ctx, config),
    network,
    version: VERSION,
    onEvent: (event) => {
      metrics.daemonEvent(event);
      log(event);
    },
    onTransferEvent: (event) => metrics.transferEvent(event),
    onOriginRequest: (report) => metrics.originRequest(report),
  });
  watchDaemon(metrics, daemon);
  const metricsServer: MetricsServer | null = config.metricsAddress && daemonMetricsServer(config.metricsAddress, metrics, daemon, storageDirectory);
  const control = new ControlServer(socketPath, {
    status: () => daemon.status(),
    files: () => daemon.files(),
    fileInfo: (id) => daemon.fileInfo(id),
    infoByUrl: (url, md5) => daemon.infoByUrl(url, md5),
    peers: () => daemon.peers(),
    request: (req) => daemon.request(req),
    asError: toSwarmError,
  });
  const stop = stopRequested();
  try {
    await control.start();
    const metricsPort = await metricsServer?.start();
    await daemon.start();
    const status = daemon.status();
    const metricsAddress = config.metricsAddress && metricsPort !== undefined ? formatMetricsAddress({ host: config.metricsAddress.host, port: metricsPort }) : null;
    log({ event: 'ready', socket: socketPath, tcpPort: status.tcpPort, storageDirectory, files: status.files, pid: process.pid, metricsAddress });
    await stop.wait;
  } finally {
    stop.dispose();
    await metricsServer?.stop();
    await control.stop();
    await daemon.stop();
  }
  log({ event: 'stopped' });
}

/** Runs the daemon until SIGINT or SIGTERM; resolves with the process exit code. */
export async function main(ctx: CliContext): Promise<number> {
  // --json is seen before parsing, so that a usage error in the flags is JSON too.
  let json = jsonRequested(ctx.argv);
  try {
    const args = await buildParser(ctx.argv).parseAsync();
    if (args.help === true || args.version === true) return ExitCode.ok;
    json = args.json === true;
    await serve(ctx, args);
    return ExitCode.ok;
  } catch (err) {
    const failure: SwarmError = toSwarmError(err);
    if (json) ctx.stdout.write(`${JSON.stringify({ event: 'error', code: failure.code, exitCode: failure.exitCode, message: failure.message, ts: new Date().toISOString() })}\n`);
    ctx.stderr.write(`${PROGRAM}: error: ${failure.message}\n`);
    return failure.exitCode;
  }
}
