/**
 * Publishes a verified data file at the user's output path, atomically: the path either does not
 * change or holds the complete file, never a partial one.
 *
 * A hard link to a temporary name beside the output, then a rename over it (no copy, no extra
 * space). Across file systems, or where links are not supported, a copy to the temporary name,
 * flushed, then the rename. Not responsible for verification: call it only after the MD5 matched.
 */
import { constants as fsConstants } from 'node:fs';
import { copyFile, link, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { asStorageError } from './piece-store.js';

const COPY_INSTEAD = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK']);

/** Publishes `dataPath` at `outputPath` (replacing it atomically when it exists). */
export async function publishFile(dataPath: string, outputPath: string): Promise<void> {
  const tempPath = join(dirname(outputPath), `.${basename(outputPath)}.swarm-${process.pid}.tmp`);
  await rm(tempPath, { force: true });
  try {
    try {
      await link(dataPath, tempPath);
    } catch (err) {
      if (!COPY_INSTEAD.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
      await copyFile(dataPath, tempPath, fsConstants.COPYFILE_FICLONE);
      const handle = await open(tempPath, 'r+');
      await handle.datasync().finally(() => handle.close());
    }
    await rename(tempPath, outputPath);
    // When the output already was a link to the data, rename() did nothing: drop the temp name.
    await rm(tempPath, { force: true });
  } catch (err) {
    await rm(tempPath, { force: true }).catch(() => undefined);
    throw asStorageError(err, outputPath, 'output');
  }
}
