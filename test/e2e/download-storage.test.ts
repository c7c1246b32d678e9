/**
 * swarm-download end to end: local storage failures end with exit 5, nothing at PATH, and the
 * advice that fits the errno (EROFS, ENOSPC, EACCES, ENOENT) and names the setting to change;
 * `-o DIR/` means a directory.
 */
import { execFileSync } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeContent } from '../../src/testing/origin-server.js';
import { makeTempDir, runCli } from '../helpers/run-cli.js';
import { SERVER_PATH } from '../helpers/run-server.js';
import { MiB, download, expectDownloaded, expectFailed, newPaths, startTestOrigin, useE2eCleanup } from './e2e-fixture.js';

useE2eCleanup();

const isRoot = process.getuid?.() === 0;
const NOBODY = { uid: 65534, gid: 65534 };
/** The inherited HOME (/root) is unreadable to nobody; its config file would be EACCES. */
const NOBODY_ENV = { HOME: '/nonexistent' };

/** Mount points of this file, unmounted and removed in afterAll (also when a test failed). */
const mounts: string[] = [];

afterAll(async () => {
  for (const mountPoint of mounts.splice(0).reverse()) {
    execFileSync('umount', [mountPoint]);
    await rmdir(mountPoint);
  }
});

/** A fresh tmpfs (root only): `options` e.g. `ro` or `size=4m`. */
async function mountTmpfs(options: string): Promise<string> {
  const mountPoint = await mkdtemp(join(tmpdir(), 'swarm-mount-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', mountPoint]);
  mounts.push(mountPoint);
  return mountPoint;
}

/** The stderr line never blames a missing path when the errno was another. */
function expectNotEnoent(message: string): void {
  expect(message).not.toMatch(/ENOENT|does not exist/);
}

describe('swarm-download: local storage', () => {
  it.skipIf(!isRoot)('fails with exit 5 and ENOSPC advice when the disk fills up (needs root to mount tmpfs)', async () => {
    const content = makeContent(16 * MiB, 51);
    const origin = await startTestOrigin({ content });
    const mountPoint = await mountTmpfs('size=4m');
    const paths = { dir: mountPoint, output: join(mountPoint, 'file.bin'), storage: join(mountPoint, 'store') };
    await mkdir(paths.storage);
    const { result } = await download(origin.url, ['--retries', '2'], { paths });
    const { message, code } = expectFailed(result, 5, paths.output);
    expect(message).toMatch(/no space left on device writing .*\(ENOSPC\); free some space or pass another --storage-directory on a larger disk$/);
    expect(code).toBe('SWARM_STORAGE');
  });

  it.skipIf(!isRoot)('--storage-directory on a read-only file system: exit 5 saying read-only (EROFS), not ENOENT (needs root to mount tmpfs)', async () => {
    const origin = await startTestOrigin({ content: makeContent(256 * 1024, 52) });
    const readOnly = await mountTmpfs('ro,size=1m');
    const paths = { ...(await newPaths()), storage: join(readOnly, 'cache') };
    const { result } = await download(origin.url, [], { paths });
    const { message, code } = expectFailed(result, 5, paths.output);
    expect(message).toBe(`swarm-download: error: read-only file system at ${paths.storage} (EROFS); remount it read-write or pass another --storage-directory on a writable file system`);
    expect(code).toBe('SWARM_STORAGE');
    expectNotEnoent(message);
  });

  it.skipIf(!isRoot)('-o on a read-only file system: exit 5 saying read-only (EROFS) and -o PATH (needs root to mount tmpfs)', async () => {
    const origin = await startTestOrigin({ content: makeContent(256 * 1024, 53) });
    const readOnly = await mountTmpfs('ro,size=1m');
    const paths = { ...(await newPaths()), output: join(readOnly, 'file.bin') };
    const { result } = await download(origin.url, [], { paths });
    const { message } = expectFailed(result, 5, paths.output);
    expect(message).toBe(`swarm-download: error: read-only file system at ${readOnly} (EROFS); remount it read-write or choose another -o PATH on a writable file system`);
  });

  it.skipIf(!isRoot)('a --storage-directory the user may not write: exit 5 saying permission denied (EACCES) (needs root to run the child as nobody)', async () => {
    const origin = await startTestOrigin({ content: makeContent(256 * 1024, 54) });
    const paths = await newPaths();
    await chmod(paths.dir, 0o755); // nobody may enter; the store (root's, 0755) stays unwritable to it
    const outDir = join(paths.dir, 'out');
    await mkdir(outDir);
    await chown(outDir, NOBODY.uid, NOBODY.gid);
    paths.output = join(outDir, 'file.bin');
    const { result } = await download(origin.url, [], { paths, user: NOBODY, env: NOBODY_ENV });
    const { message } = expectFailed(result, 5, paths.output);
    expect(message).toBe(`swarm-download: error: permission denied on ${join(paths.storage, 'files')} (EACCES); this user may not write there: fix its owner or mode, or pass another --storage-directory`);
  });

  it('-o into a directory that does not exist: exit 5 saying so (ENOENT)', async () => {
    const origin = await startTestOrigin({ content: makeContent(256 * 1024, 55) });
    const paths = await newPaths();
    paths.output = join(paths.dir, 'missing', 'file.bin');
    const { result } = await download(origin.url, [], { paths });
    const { message } = expectFailed(result, 5, paths.output);
    expect(message).toBe(`swarm-download: error: ${join(paths.dir, 'missing')} does not exist (ENOENT): its directory is missing; create it or choose another -o PATH`);
  });
});

describe('swarm-server: local storage', () => {
  it.skipIf(!isRoot)('--storage-directory on a read-only file system: exit 5 saying read-only (EROFS), not ENOENT (needs root to mount tmpfs)', async () => {
    const readOnly = await mountTmpfs('ro,size=1m');
    const storage = join(readOnly, 'cache');
    const socket = join(await makeTempDir(), 'control.sock');
    const result = await runCli(['--storage-directory', storage, '--control-socket', socket], { bin: SERVER_PATH });
    expect(result.code, result.stderr).toBe(5);
    expect(result.stderr).toBe(`swarm-server: error: read-only file system at ${storage} (EROFS); remount it read-write or pass another --storage-directory on a writable file system\n`);
  });
});

describe('swarm-download -o DIR/ (trailing slash: a directory)', () => {
  it('creates DIR when its parent exists and publishes DIR/<name from URL>', async () => {
    const content = makeContent(256 * 1024, 56);
    const origin = await startTestOrigin({ content });
    const paths = await newPaths();
    const dir = join(paths.dir, 'newdir');
    const { result } = await download(origin.url, [], { paths: { ...paths, output: `${dir}/` } });
    await expectDownloaded(result, join(dir, 'file.bin'), content);
  });

  it('fails with exit 5 when the parent of DIR does not exist, creating nothing', async () => {
    const origin = await startTestOrigin({ content: makeContent(256 * 1024, 57) });
    const parent = join(await makeTempDir(), 'missing');
    const paths = { ...(await newPaths()), output: `${parent}/newdir/` };
    const { result } = await download(origin.url, [], { paths });
    const { message } = expectFailed(result, 5, parent);
    expect(message).toBe(`swarm-download: error: -o ${parent}/newdir/ names a directory whose parent ${parent} does not exist (ENOENT); create the parent, or choose another -o PATH (only the last directory is created)`);
  });
});
