import { describe, it, expect, afterEach } from 'vitest';
import { mkdir, mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCode, StorageError } from '../../src/errors.js';
import { publishFile } from '../../src/storage/publish.js';

const tempDirs: string[] = [];

/** Whether /dev/shm is another file system than the temp dir, so a hard link fails with EXDEV. */
const SHM_IS_ANOTHER_DEVICE = await Promise.all([stat('/dev/shm'), stat(tmpdir())]).then(
  ([shm, tmp]) => shm.isDirectory() && shm.dev !== tmp.dev,
  () => false,
);

afterEach(async () => {
  for (const dir of tempDirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempDir(parent = tmpdir()): Promise<string> {
  const dir = await mkdtemp(join(parent, 'swarm-publish-'));
  tempDirs.push(dir);
  return dir;
}

/** A data file and an empty output directory beside it. */
async function fixture(content = 'the verified file\n'): Promise<{ dataPath: string; outDir: string; content: string }> {
  const root = await tempDir();
  const dataPath = join(root, 'data');
  await writeFile(dataPath, content);
  const outDir = join(root, 'out');
  await mkdir(outDir);
  return { dataPath, outDir, content };
}

async function expectStorageError(promise: Promise<unknown>): Promise<StorageError> {
  const err: unknown = await promise.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(StorageError);
  expect((err as StorageError).exitCode).toBe(ExitCode.storage);
  return err as StorageError;
}

describe('publishFile', () => {
  it('publishes by hard link: the output is the data file (same inode), and no temp file is left', async () => {
    const { dataPath, outDir, content } = await fixture();
    const outputPath = join(outDir, 'ubuntu.iso');
    await publishFile(dataPath, outputPath);
    expect((await stat(outputPath)).ino).toBe((await stat(dataPath)).ino);
    expect(await readFile(outputPath, 'utf8')).toBe(content);
    expect(await readdir(outDir)).toEqual(['ubuntu.iso']);
  });

  it('replaces an existing file by rename: a reader of the old file keeps the old bytes', async () => {
    const { dataPath, outDir, content } = await fixture();
    const outputPath = join(outDir, 'ubuntu.iso');
    await writeFile(outputPath, 'the old version, longer than the new one\n');
    const oldIno = (await stat(outputPath)).ino;
    const reader = await open(outputPath, 'r');
    try {
      await publishFile(dataPath, outputPath);
      const after = await stat(outputPath);
      expect(after.ino).toBe((await stat(dataPath)).ino);
      expect(after.ino).not.toBe(oldIno);
      expect(await readFile(outputPath, 'utf8')).toBe(content);
      // Not truncated and rewritten in place: the old inode still holds the old bytes.
      expect((await reader.readFile('utf8'))).toBe('the old version, longer than the new one\n');
    } finally {
      await reader.close();
    }
    expect(await readdir(outDir)).toEqual(['ubuntu.iso']);
  });

  it('publishing twice is harmless', async () => {
    const { dataPath, outDir } = await fixture();
    const outputPath = join(outDir, 'f');
    await publishFile(dataPath, outputPath);
    await publishFile(dataPath, outputPath);
    expect((await stat(outputPath)).ino).toBe((await stat(dataPath)).ino);
    expect(await readdir(outDir)).toEqual(['f']);
  });

  it('fails with a StorageError when the target directory does not exist, leaving nothing', async () => {
    const { dataPath, outDir } = await fixture();
    const outputPath = join(outDir, 'missing', 'ubuntu.iso');
    const err = await expectStorageError(publishFile(dataPath, outputPath));
    expect(err.message).toContain(outputPath);
    expect(await readdir(outDir)).toEqual([]);
  });

  it('fails with a StorageError when the data file does not exist, leaving nothing', async () => {
    const { outDir } = await fixture();
    await expectStorageError(publishFile(join(outDir, 'no-such-data'), join(outDir, 'f')));
    expect(await readdir(outDir)).toEqual([]);
  });

  it('fails with a StorageError and keeps the old file when the output is a directory', async () => {
    const { dataPath, outDir } = await fixture();
    await mkdir(join(outDir, 'taken'));
    await writeFile(join(outDir, 'taken', 'inside'), 'x');
    await expectStorageError(publishFile(dataPath, join(outDir, 'taken')));
    expect(await readdir(outDir)).toEqual(['taken']);
    expect(await readdir(join(outDir, 'taken'))).toEqual(['inside']);
  });

  it.runIf(SHM_IS_ANOTHER_DEVICE)('copies across file systems (tmpfs to the temp dir) and leaves no temp file', async () => {
    const shmDir = await tempDir('/dev/shm');
    const { outDir } = await fixture();
    const dataPath = join(shmDir, 'data');
    const content = Buffer.alloc(3 * 1024 * 1024 + 5, 0x5a);
    await writeFile(dataPath, content);
    const outputPath = join(outDir, 'copied.bin');
    await publishFile(dataPath, outputPath);
    expect((await readFile(outputPath)).equals(content)).toBe(true);
    expect(await readdir(outDir)).toEqual(['copied.bin']);
  });
});
