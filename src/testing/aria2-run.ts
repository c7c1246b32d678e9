/**
 * aria2 as the BitTorrent baseline of the namespace-LAN benchmark: a `.torrent` made by
 * `mktorrent` with the origin's URL as its web seed (BEP 19 `url-list`) and an opentracker's
 * announce URL, and one `aria2c` per client host. Each aria2c prints `{"event":"done"}` on stdout
 * when its download completes (a hook script aria2 runs, `--on-bt-download-complete`) and then
 * seeds until the harness stops it with SIGINT (aria2's graceful stop), as swarm-download seeds
 * until its peers are done.
 *
 * Not responsible for the tracker (rendezvous.ts starts it; Debian's opentracker answers only for
 * whitelisted info_hashes, so {@link makeTorrent} returns the hash to whitelist), the origin, nor
 * the LAN. DHT, local peer discovery and UDP trackers stay off: peers come from the tracker only.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import bencode from 'bencode';

const ARIA2C = '/usr/bin/aria2c';
const MKTORRENT = '/usr/bin/mktorrent';
const OPENTRACKER = '/usr/bin/opentracker';

/** The file name the torrent gives its one file (each client saves it in its own directory). */
export const TORRENT_FILE_NAME = 'source.bin';

/** Why the aria2 baseline cannot run here (a program missing), or null. */
export function aria2Unavailable(): string | null {
  for (const [path, pkg] of [[ARIA2C, 'aria2'], [MKTORRENT, 'mktorrent'], [OPENTRACKER, 'opentracker']] as const) {
    if (!existsSync(path)) return `needs ${path} (Debian package ${pkg})`;
  }
  return null;
}

/** What {@link makeTorrent} needs. */
export interface TorrentOptions {
  /** The file to share; its base name must be {@link TORRENT_FILE_NAME}. */
  readonly source: string;
  readonly announceUrl: string;
  /** The origin's URL of the file (BEP 19: a single-file torrent's web seed is the file itself). */
  readonly webSeedUrl: string;
  /** Where the `.torrent` goes (overwritten). */
  readonly output: string;
}

/** The BitTorrent info_hash (40 hex digits) of a `.torrent`: SHA-1 of its bencoded info dict. */
export function infoHashOf(torrent: Uint8Array): string {
  const decoded = bencode.decode(torrent) as { info?: unknown };
  if (typeof decoded !== 'object' || decoded === null || decoded.info === undefined) throw new Error('torrent has no info dict');
  return createHash('sha1').update(bencode.encode(decoded.info as Parameters<typeof bencode.encode>[0])).digest('hex');
}

/** Makes the torrent with mktorrent (default 256 KiB pieces); resolves with its info_hash. */
export async function makeTorrent(options: TorrentOptions): Promise<string> {
  if (!options.source.endsWith(`/${TORRENT_FILE_NAME}`)) throw new TypeError(`source must be named ${TORRENT_FILE_NAME}, got ${JSON.stringify(options.source)}`);
  await rm(options.output, { force: true }); // mktorrent refuses to overwrite
  await promisify(execFile)(MKTORRENT, ['-d', '-a', options.announceUrl, '-w', options.webSeedUrl, '-o', options.output, options.source]);
  return infoHashOf(await readFile(options.output));
}

/** Writes the completion hook aria2 runs (it inherits aria2's stdout); resolves with its path. */
export async function writeDoneHook(dir: string): Promise<string> {
  const path = join(dir, 'aria2-done-hook.sh');
  await writeFile(path, '#!/bin/sh\necho \'{"event":"done"}\'\n');
  await chmod(path, 0o755);
  return path;
}

/** The aria2c command line of one client: download `torrent` into `dir`, then seed until stopped. */
export function aria2Command(torrent: string, dir: string, hook: string): [string, string[]] {
  return [ARIA2C, [
    '--quiet', `--dir=${dir}`, `--on-bt-download-complete=${hook}`,
    '--seed-ratio=0.0', '--enable-dht=false', '--enable-dht6=false', '--bt-enable-lpd=false',
    '--file-allocation=none', '--allow-overwrite=true', '--auto-file-renaming=false', torrent,
  ]];
}
