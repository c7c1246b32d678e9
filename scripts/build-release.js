#!/usr/bin/env node
// Packs the single executables (scripts/build-sea.js) into the release artifacts for this OS and
// CPU architecture, each with a `.sha256` file that `sha256sum -c` checks:
//
//   swarm-<version>-<os>-<arch>.tar.gz   bin/swarm, bin/swarm-download and bin/swarm-server (links
//                                        to bin/swarm), README.md, LICENSE, LICENSE.node (the Node
//                                        inside), THIRD-PARTY-NOTICES (the npm packages inside),
//                                        swarm-server.service, config.json
//   swarm-cache_<version>_<debarch>.deb  (Linux) the same in /usr/bin, /etc/swarm/config.json (a
//                                        conffile), /lib/systemd/system/swarm-server.service; no
//                                        dependency on nodejs
//
//   npm run release                      (build, build:sea, then this; writes release/)
//   node scripts/build-release.js [--sea DIR] [--out DIR]   (default: dist/sea, release)
//
// Files are root-owned in both artifacts. The .deb needs dpkg-deb (Debian's dpkg package).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { nodeLicenseFile } from './third-party-notices.js';
import {
  DEB_CONFFILES, DEB_SCRIPTS, RELEASE_EXECUTABLE, RELEASE_LINKS, debControl, debFileName, debUnit, sha256Line, tarballBase,
} from './release-layout.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { sea: { type: 'string', default: join(root, 'dist/sea') }, out: { type: 'string', default: join(root, 'release') } } });
const sea = resolve(values.sea);
const out = resolve(values.out);
const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
// The executable is this node with the bundles inside: its licence and theirs go with it.
const nodeLicense = nodeLicenseFile(process.execPath);
if (nodeLicense === null) throw new Error(`found no Node.js LICENSE beside ${process.execPath} (share/doc/nodejs, share/doc/node or ..)`);
const notices = [
  [nodeLicense, 'LICENSE.node'],
  [join(root, 'dist/sea-bundle/THIRD-PARTY-NOTICES'), 'THIRD-PARTY-NOTICES'],
];
const maintainer = typeof pkg.author === 'string' ? pkg.author : 'swarm maintainers <swarm-maintainers@invalid>';

/** Runs a packing step; on failure shows what it printed. */
function run(command, args, options = {}) {
  try {
    execFileSync(command, args, { stdio: 'pipe', ...options });
  } catch (err) {
    process.stderr.write(`${err.stdout ?? ''}${err.stderr ?? ''}`);
    throw new Error(`${command} failed: ${args.join(' ')}`);
  }
}

/** Copies `from` to `to` with `mode`, making the folder. */
async function place(from, to, mode) {
  await mkdir(join(to, '..'), { recursive: true });
  await copyFile(from, to);
  await chmod(to, mode);
}

/** Writes `text` to `to` with `mode`, making the folder. */
async function put(to, text, mode) {
  await mkdir(join(to, '..'), { recursive: true });
  await writeFile(to, text);
  await chmod(to, mode);
}

/** Puts the executable in `dir`, and a link to it named for each other program; returns its size. */
async function placeExecutable(dir) {
  await place(join(sea, RELEASE_EXECUTABLE), join(dir, RELEASE_EXECUTABLE), 0o755);
  for (const name of RELEASE_LINKS) await symlink(RELEASE_EXECUTABLE, join(dir, name));
  return (await stat(join(dir, RELEASE_EXECUTABLE))).size;
}

/** Writes `<file>.sha256` beside `file`. */
async function writeChecksum(file, name) {
  const hex = createHash('sha256').update(await readFile(file)).digest('hex');
  await writeFile(`${file}.sha256`, sha256Line(hex, name));
}

/** The tarball: one top folder, root-owned, in a stable order. */
async function buildTarball(stage) {
  const base = tarballBase(pkg.version, process.platform, process.arch);
  const top = join(stage, base);
  await placeExecutable(join(top, 'bin'));
  await place(join(root, 'README.md'), join(top, 'README.md'), 0o644);
  await place(join(root, 'LICENSE'), join(top, 'LICENSE'), 0o644);
  for (const [from, name] of notices) await place(from, join(top, name), 0o644);
  await place(join(root, 'contrib/swarm-server.service'), join(top, 'swarm-server.service'), 0o644);
  await place(join(root, 'contrib/config.json'), join(top, 'config.json'), 0o644);
  const file = join(out, `${base}.tar.gz`);
  run('tar', ['--create', '--gzip', '--file', file, '--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--directory', stage, base]);
  await writeChecksum(file, `${base}.tar.gz`);
  return file;
}

/** The .deb: the files under a staging root, DEBIAN/ beside them, built by dpkg-deb. */
async function buildDeb(stage) {
  const tree = join(stage, 'deb');
  const bytes = await placeExecutable(join(tree, 'usr/bin'));
  await put(join(tree, 'lib/systemd/system/swarm-server.service'), debUnit(await readFile(join(root, 'contrib/swarm-server.service'), 'utf8')), 0o644);
  await place(join(root, 'contrib/config.json'), join(tree, 'etc/swarm/config.json'), 0o644);
  await place(join(root, 'LICENSE'), join(tree, 'usr/share/doc/swarm-cache/copyright'), 0o644);
  await place(join(root, 'README.md'), join(tree, 'usr/share/doc/swarm-cache/README.md'), 0o644);
  for (const [from, name] of notices) await place(from, join(tree, 'usr/share/doc/swarm-cache', name), 0o644);
  const installedKiB = Math.ceil(bytes / 1024) + 64;
  await put(join(tree, 'DEBIAN/control'), debControl({ version: pkg.version, nodeArch: process.arch, installedKiB, description: pkg.description, maintainer }), 0o644);
  await put(join(tree, 'DEBIAN/conffiles'), DEB_CONFFILES, 0o644);
  for (const [name, text] of Object.entries(DEB_SCRIPTS)) await put(join(tree, 'DEBIAN', name), text, 0o755);
  const name = debFileName(pkg.version, process.arch);
  const file = join(out, name);
  // gzip: every dpkg reads it, and it packs 100 MB in seconds where xz takes a minute.
  run('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', tree, file]);
  await writeChecksum(file, name);
  return file;
}

await stat(join(sea, RELEASE_EXECUTABLE)).catch(() => {
  throw new Error(`${join(sea, RELEASE_EXECUTABLE)} is missing: run \`npm run build:sea\` first (or give --sea DIR)`);
});
await mkdir(out, { recursive: true });
const stage = join(out, '.stage');
await rm(stage, { recursive: true, force: true });
try {
  process.stdout.write(`${await buildTarball(stage)}\n`);
  if (process.platform === 'linux') process.stdout.write(`${await buildDeb(stage)}\n`);
} finally {
  await rm(stage, { recursive: true, force: true });
}
