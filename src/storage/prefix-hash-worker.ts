/**
 * Worker thread of {@link PrefixHasher}: MD5 of a data file's prefix, read from disk as the
 * contiguous run of completed pieces grows, so hashing runs on another core than the network.
 *
 * Messages in: `{ upTo: bytes }` (hash up to there), `{ finish: bytes }` (hash up to there and
 * answer with the digest). Messages out: `{ hashed: bytes }`, `{ digest: Buffer }`,
 * `{ error: string, code?: string }`. Processed in order; reads use one 4 MiB buffer.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

const CHUNK_BYTES = 4 * 1024 * 1024;
const { dataPath } = workerData as { dataPath: string };
const fd = openSync(dataPath, 'r');
const hash = createHash('md5');
const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
let hashed = 0;

function hashUpTo(limit: number): void {
  while (hashed < limit) {
    const want = Math.min(CHUNK_BYTES, limit - hashed);
    const got = readSync(fd, buffer, 0, want, hashed);
    if (got === 0) throw Object.assign(new Error(`unexpected end of ${dataPath} at ${hashed}`), { code: 'EIO' });
    hash.update(buffer.subarray(0, got));
    hashed += got;
  }
}

parentPort?.on('message', (message: { upTo?: number; finish?: number }) => {
  try {
    if (message.finish !== undefined) {
      hashUpTo(message.finish);
      closeSync(fd);
      parentPort?.postMessage({ digest: hash.digest() });
      return;
    }
    hashUpTo(message.upTo ?? 0);
    parentPort?.postMessage({ hashed });
  } catch (err) {
    parentPort?.postMessage({ error: (err as Error).message, code: (err as NodeJS.ErrnoException).code });
  }
});
