/**
 * `swarm download|info|peers|files`: the client of a running `swarm-server`, over its control
 * socket. Each command prints text for people, or the control API's JSON (one line) with `--json`.
 *
 * With no daemon at the socket it fails with one line saying how to start one (exit 6). It
 * catches once, at the top, and returns the exit code; it never calls `process.exit`.
 */
import { resolve } from 'node:path';
import yargs from 'yargs';
import type { DownloadResponse, FileInfo, FilesResponse, PeersResponse } from '../control/api-types.js';
import { ControlClient } from '../control/control-client.js';
import { defaultControlSocket } from '../control/socket-path.js';
import { ExitCode, UsageError, toSwarmError } from '../errors.js';
import { formatBytes } from '../config/size.js';
import { checkUrl, configFrom, finishParser, type CliContext } from './common-options.js';
import { jsonRequested } from './flag-rules.js';
import { resolveOutput } from './output-path.js';
import { formatFileInfo, formatFiles, formatPeers, formatProgressState } from './format-status.js';

const PROGRAM = 'swarm';

/** The commands, for the did-you-mean of an unknown one. */
const COMMANDS = ['download', 'info', 'peers', 'files'];

const EPILOG = `Exit codes: 0 done, 1 internal error, 2 usage, 3 origin, 4 verification failed, 5 local storage (or the file does not fit under max-storage-size), 6 no swarm-server is running, 7 the swarm-server does not hold the file.
The control socket defaults to /run/swarm/control.sock as root, else $XDG_RUNTIME_DIR/swarm/control.sock, else <storage-directory>/control.sock; SWARM_CONTROL_SOCKET overrides the default.`;

/** The parser of swarm's command line (exported for the tests of every flag). */
export function buildParser(argv: readonly string[]) {
  const base = yargs([...argv])
    .scriptName(PROGRAM)
    .usage('$0 <command>\n\nAsk the local swarm-server for files and about its cache and peers.')
    .command('download <url>', 'fetch a file through the swarm-server; prints its path once verified', (cmd) => cmd
      .positional('url', { type: 'string', describe: 'http(s) URL of the file' })
      .option('output', { alias: 'o', type: 'string', describe: 'also publish the file at PATH once verified' })
      .option('background', { alias: 'b', type: 'boolean', default: false, describe: 'queue the download and return at once' })
      .option('pin', { type: 'boolean', default: false, describe: 'never evict this file' })
      .option('md5', { type: 'string', describe: 'expected MD5 (hex or base64), for origins that publish none' }))
    .command('info <url>', 'swarm and local status of the file from URL', (cmd) => cmd
      .positional('url', { type: 'string', describe: 'http(s) URL of the file' })
      .option('md5', { type: 'string', describe: 'expected MD5 (hex or base64), for origins that publish none (as for download)' }))
    .command('peers', 'the peers connected now')
    .command('files', 'every file held or in progress, and the storage used')
    .demandCommand(1, 'missing command: swarm download|info|peers|files');
  const full = base
    .option('storage-directory', { type: 'string', describe: 'the storage directory of the config, to find the default control socket' })
    .option('config', { type: 'string', describe: 'JSON config file, to find the default control socket (default: as swarm-server)' })
    .option('control-socket', { type: 'string', describe: 'unix socket of the swarm-server' })
    .option('json', { type: 'boolean', default: false, describe: 'print the answer as one line of JSON' });
  return finishParser(full, argv, EPILOG, 'missing URL (see --help)', COMMANDS);
}

type Args = Awaited<ReturnType<ReturnType<typeof buildParser>['parseAsync']>>;

async function socketPath(ctx: CliContext, args: Args): Promise<string> {
  const explicit = args['control-socket'];
  if (explicit !== undefined) return resolve(ctx.cwd, explicit);
  const config = await configFrom(ctx, args);
  return resolve(ctx.cwd, defaultControlSocket({ env: ctx.env, isRoot: process.getuid?.() === 0, storageDirectory: resolve(ctx.cwd, config.storageDirectory) }));
}

async function runDownload(ctx: CliContext, args: Args, client: ControlClient): Promise<string> {
  const parsed = checkUrl(String(args['url']));
  const url = parsed.href;
  const output = typeof args['output'] === 'string' && args['output'] !== '' ? await resolveOutput(ctx, parsed, args['output']) : null;
  const md5 = typeof args['md5'] === 'string' ? args['md5'] : null;
  const background = args['background'] === true;
  const answer = await client.post<DownloadResponse>('/downloads', { url, output, md5, pin: args['pin'] === true, wait: !background });
  if (args.json) return `${JSON.stringify(answer)}\n`;
  if (background) return `queued ${answer.file.id}: ${formatProgressState(answer.file)} of ${formatBytes(answer.file.size)}\n`;
  return `${answer.published ?? answer.file.path}\n`;
}

async function run(ctx: CliContext, args: Args, client: ControlClient): Promise<string> {
  const command = String(args._[0]);
  switch (command) {
    case 'download':
      return runDownload(ctx, args, client);
    case 'info': {
      const url = checkUrl(String(args['url'])).href;
      const md5 = typeof args['md5'] === 'string' ? `&md5=${encodeURIComponent(args['md5'])}` : '';
      const info = await client.get<FileInfo>(`/info?url=${encodeURIComponent(url)}${md5}`);
      return args.json ? `${JSON.stringify(info)}\n` : formatFileInfo(info);
    }
    case 'peers': {
      const peers = await client.get<PeersResponse>('/peers');
      return args.json ? `${JSON.stringify(peers)}\n` : formatPeers(peers);
    }
    case 'files': {
      const files = await client.get<FilesResponse>('/files');
      return args.json ? `${JSON.stringify(files)}\n` : formatFiles(files);
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}: swarm download|info|peers|files (see --help)`);
  }
}

/** Runs one command; resolves with the process exit code. */
export async function main(ctx: CliContext): Promise<number> {
  // --json is seen before parsing, so that a usage error in the flags is JSON too.
  let json = jsonRequested(ctx.argv);
  let client: ControlClient | null = null;
  try {
    const args = await buildParser(ctx.argv).parseAsync();
    if (args.help === true || args.version === true) return ExitCode.ok;
    json = args.json;
    client = new ControlClient(await socketPath(ctx, args));
    ctx.stdout.write(await run(ctx, args, client));
    return ExitCode.ok;
  } catch (err) {
    const failure = toSwarmError(err);
    if (json) ctx.stdout.write(`${JSON.stringify({ error: { code: failure.code, exitCode: failure.exitCode, message: failure.message } })}\n`);
    ctx.stderr.write(`${PROGRAM}: error: ${failure.message}\n`);
    return failure.exitCode;
  } finally {
    await client?.close();
  }
}
