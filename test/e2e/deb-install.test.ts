/**
 * The .deb as a fleet host gets it (README, "cloud-init"): built by `npm run release`'s scripts,
 * checked against its .sha256 and installed with `dpkg -i` in a fresh Debian chroot
 * (debootstrap --variant=minbase: no nodejs, no npm). From that chroot the installed
 * `swarm-download` downloads and verifies a file from an origin on 127.0.0.1 (a chroot shares the
 * host's network), `swarm-server` starts with /etc/swarm/config.json, and `swarm files` lists
 * what it holds. Root only (debootstrap, chroot, mount); the chroot is removed afterwards.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, lstat, mkdir, mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeContent } from '../../src/testing/origin-server.js';
import { VERSION } from '../../src/version.js';
import { REPO_ROOT, freeishPort, runCli, spawnCli } from '../helpers/run-cli.js';
import { MiB, startTestOrigin, useE2eCleanup } from './e2e-fixture.js';

useE2eCleanup();
const run = promisify(execFile);

/** The suite and mirror this host's apt uses (deb822 .sources or one-line .list), for debootstrap. */
function aptMirror(): { suite: string; mirror: string } | null {
  const codename = /^VERSION_CODENAME=(\S+)$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
  if (codename === undefined) return null;
  const files = ['/etc/apt/sources.list', ...(existsSync('/etc/apt/sources.list.d') ? readdirSync('/etc/apt/sources.list.d').map((name) => join('/etc/apt/sources.list.d', name)) : [])];
  for (const file of files.filter(existsSync)) {
    const text = readFileSync(file, 'utf8');
    for (const stanza of text.split(/\n\s*\n/)) {
      const uri = /^URIs:\s*(\S+)/m.exec(stanza)?.[1];
      const suites = /^Suites:\s*(.+)$/m.exec(stanza)?.[1]?.split(/\s+/) ?? [];
      if (uri !== undefined && suites.includes(codename)) return { suite: codename, mirror: uri };
    }
    const line = new RegExp(`^deb\\s+(?:\\[[^\\]]*\\]\\s+)?(\\S+)\\s+${codename}\\s`, 'm').exec(text);
    if (line?.[1] !== undefined) return { suite: codename, mirror: line[1] };
  }
  return null;
}

function whyNot(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (debootstrap, chroot, mount)';
  if (process.platform !== 'linux') return 'needs Linux';
  for (const tool of ['/usr/sbin/debootstrap', '/usr/bin/dpkg-deb', '/usr/sbin/chroot']) {
    if (!existsSync(tool)) return `needs ${tool} (apt-get install debootstrap dpkg coreutils)`;
  }
  if (aptMirror() === null) return 'found no Debian suite and mirror in /etc/os-release and /etc/apt';
  return null;
}

const skip = whyNot();
if (skip !== null) console.warn(`deb-install test skipped: ${skip}`);

describe.skipIf(skip !== null)('the .deb in a fresh Debian chroot', () => {
  let work = '';
  let root = '';
  let deb = '';
  let procMounted = false;
  const chroot = (...args: string[]): [string, ...string[]] => ['/usr/sbin/chroot', root, ...args];
  const inRoot = async (...args: string[]) => run('/usr/sbin/chroot', [root, ...args], { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' } });

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'swarm-deb-'));
    root = join(work, 'root');
    const { suite, mirror } = aptMirror()!;
    // The chroot (mostly downloading) while the executable is built and packed (mostly CPU).
    const bootstrap = (async () => {
      const started = performance.now();
      await run('/usr/sbin/debootstrap', ['--variant=minbase', suite, root, mirror], { timeout: 900_000, maxBuffer: 64 * MiB });
      console.log(`deb-install: debootstrap --variant=minbase ${suite} from ${mirror}: ${((performance.now() - started) / 1000).toFixed(0)} s`);
    })();
    const release = (async () => {
      await run(process.execPath, [join(REPO_ROOT, 'scripts/build-sea.js'), '--out', join(work, 'sea')], { timeout: 300_000 });
      const { stdout } = await run(process.execPath, [join(REPO_ROOT, 'scripts/build-release.js'), '--sea', join(work, 'sea'), '--out', join(work, 'release')], { timeout: 300_000 });
      deb = stdout.split('\n').find((line) => line.endsWith('.deb')) ?? '';
    })();
    // Both settle before a failure is thrown, so afterAll never removes a tree still being written.
    const failed = (await Promise.allSettled([bootstrap, release])).find((outcome) => outcome.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    await run('mount', ['-t', 'proc', 'proc', join(root, 'proc')]);
    procMounted = true;
  }, 1_200_000);

  afterAll(async () => {
    // A failed umount throws here and leaves the tree: rm must never reach into the host's /proc.
    if (procMounted) await run('umount', [join(root, 'proc')]);
    if (work !== '') await rm(work, { recursive: true, force: true });
  }, 120_000);

  it('installs without nodejs as cloud-init does, downloads a verified file, and runs swarm-server and swarm files', { timeout: 300_000 }, async () => {
    expect(existsSync(join(root, 'usr/bin/node')) || existsSync(join(root, 'usr/bin/nodejs'))).toBe(false);
    // cloud-init's write_files runs first: the operator's config is in place before dpkg -i.
    const operatorConfig = '{ "storage-directory": "/var/cache/swarm", "max-storage-size": "1GiB" }\n';
    await mkdir(join(root, 'etc/swarm'), { recursive: true });
    await writeFile(join(root, 'etc/swarm/config.json'), operatorConfig);
    const name = deb.split('/').pop()!;
    await copyFile(deb, join(root, 'tmp', name));
    await copyFile(`${deb}.sha256`, join(root, 'tmp', `${name}.sha256`));
    const content = makeContent(8 * MiB + 3, 5);
    const origin = await startTestOrigin({ content });

    const installStart = performance.now();
    // The README's runcmd: verify the checksum, then install keeping the operator's config.
    await run('/usr/sbin/chroot', [root, 'sh', '-c', `cd /tmp && sha256sum -c ${name}.sha256 && DEBIAN_FRONTEND=noninteractive dpkg -i --force-confold ${name}`], { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
    const download = await runCli([origin.url, '-o', '/tmp/model.bin', '--storage-directory', '/var/cache/swarm-download', '--json'], { command: chroot('swarm-download'), timeoutMs: 120_000 });
    const secondsToVerified = (performance.now() - installStart) / 1000;
    expect(download.code, download.stderr).toBe(0);
    expect(download.events.find((event) => event.event === 'done')?.path).toBe('/tmp/model.bin');
    expect((await readFile(join(root, 'tmp/model.bin'))).equals(content)).toBe(true);
    console.log(`deb-install: dpkg -i to a verified 8 MiB download: ${secondsToVerified.toFixed(1)} s`);

    // What the package installed: one executable and two links, the unit, the operator's config kept.
    expect((await lstat(join(root, 'usr/bin/swarm'))).isFile()).toBe(true);
    expect(await readlink(join(root, 'usr/bin/swarm-download'))).toBe('swarm');
    expect(await readlink(join(root, 'usr/bin/swarm-server'))).toBe('swarm');
    expect(await readFile(join(root, 'lib/systemd/system/swarm-server.service'), 'utf8')).toMatch(/^ExecStart=\/usr\/bin\/swarm-server --config \/etc\/swarm\/config\.json/m);
    expect(await readFile(join(root, 'etc/swarm/config.json'), 'utf8')).toBe(operatorConfig);
    expect(existsSync(join(root, 'etc/swarm/config.json.dpkg-dist'))).toBe(true);
    expect((await inRoot('dpkg-query', '-W', '-f', '${Status} ${Version} ${Conffiles}', 'swarm-cache')).stdout).toMatch(new RegExp(`^install ok installed ${VERSION.replaceAll('.', '\\.')}\\s+/etc/swarm/config\\.json [0-9a-f]{32}`));
    expect((await inRoot('swarm', '--version')).stdout.trim()).toBe(VERSION);

    // The daemon, as the unit starts it (the config file is its default as root), then the client.
    const discoveryPort = freeishPort();
    const server = spawnCli(['--config', '/etc/swarm/config.json', '--json', '--broadcast-address', '127.255.255.255', '--discovery-port', String(discoveryPort)], { command: chroot('swarm-server'), loopback: false, timeoutMs: 180_000 });
    await server.waitForEvent((event) => event.event === 'ready', 60_000);
    const fetched = await runCli(['download', origin.url, '--json'], { command: chroot('swarm'), loopback: false, timeoutMs: 120_000 });
    expect(fetched.code, fetched.stderr).toBe(0);
    const files = await runCli(['files', '--json'], { command: chroot('swarm'), loopback: false });
    expect(files.code, files.stderr).toBe(0);
    const listed = JSON.parse(files.stdout) as { maxStorageBytes: number | null; files: { size: number; state: string }[] };
    expect(listed.files.map((file) => [file.size, file.state])).toEqual([[content.length, 'complete']]);
    // The operator's max-storage-size: the daemon read /etc/swarm/config.json.
    expect(listed.maxStorageBytes).toBe(1024 * MiB);
    expect(existsSync(join(root, 'var/cache/swarm/files'))).toBe(true);
    server.kill('SIGTERM');
    expect((await server.result).code).toBe(0);
  });
});
