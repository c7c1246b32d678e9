/**
 * Writes a file of random bytes, for benchmarks and namespace runs. Not for tests that need
 * reproducible content (use makeContent).
 */
import { randomFillSync } from 'node:crypto';
import { open } from 'node:fs/promises';

export async function writeRandomFile(path: string, bytes: number): Promise<void> {
  const handle = await open(path, 'w');
  try {
    const chunk = Buffer.alloc(8 * 1024 * 1024);
    for (let offset = 0; offset < bytes; offset += chunk.length) {
      randomFillSync(chunk);
      await handle.write(chunk, 0, Math.min(chunk.length, bytes - offset), offset);
    }
  } finally {
    await handle.close();
  }
}
