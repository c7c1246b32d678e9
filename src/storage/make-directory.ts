/**
 * `mkdir -p` that reports the real reason it failed.
 *
 * Node's recursive `mkdir` reports ENOENT whenever a missing ancestor cannot be created, whatever
 * the kernel said (EROFS on a read-only file system, EACCES without write permission), so the
 * advice chosen from the errno would be wrong. On ENOENT this creates the missing directories one
 * level at a time, so the error that escapes carries the errno of the level that failed.
 *
 * The failure is a `StorageError` naming the level that failed and the setting (`place`) to change;
 * an errno with no advice rejects as it came. Concurrency: safe against another process creating
 * the same directories (EEXIST of a directory is success).
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { storageErrorFrom, type StoragePlace } from '../errors.js';

/** Creates `path` and its missing ancestors; rejects with a `StorageError` for the level that failed. */
export async function makeDirectory(path: string, place: StoragePlace, mode?: number): Promise<void> {
  try {
    await makeLevels(path, mode);
  } catch (err) {
    const failed = (err as NodeJS.ErrnoException).path ?? path;
    throw storageErrorFrom(err, failed, place) ?? err;
  }
}

async function makeLevels(path: string, mode: number | undefined): Promise<void> {
  const options = mode === undefined ? {} : { mode };
  try {
    await mkdir(path, { ...options, recursive: true });
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  for (const directory of await missingDirectories(path)) {
    try {
      await mkdir(directory, options);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !(await isDirectory(directory))) throw err;
    }
  }
}

/** `path` and its ancestors that do not exist, outermost first; stat errors other than ENOENT reject. */
async function missingDirectories(path: string): Promise<string[]> {
  const missing: string[] = [];
  for (let directory = path; ; directory = dirname(directory)) {
    const found = await stat(directory).then(
      () => true,
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return false;
        throw err;
      },
    );
    if (found || dirname(directory) === directory) break;
    missing.unshift(directory);
  }
  return missing;
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}
