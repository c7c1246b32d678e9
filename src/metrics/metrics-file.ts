/**
 * Writes a Prometheus text file atomically, as node_exporter's textfile collector wants: the text
 * goes to a temporary file in the same directory (a name that does not end in `.prom`, so the
 * collector never reads it half written), is flushed, and is renamed over `path`.
 *
 * Not responsible for the text (SwarmMetrics) nor for what a failure means to the caller: it
 * rejects with the file system's error, the temporary file removed. Concurrency: writers of one
 * path in one process must not overlap (the temporary name holds the pid).
 */
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Replaces `path` with `text` in one rename. */
export async function writeMetricsFile(path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    const handle = await open(temp, 'w', 0o644);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
