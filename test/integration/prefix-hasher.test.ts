import { describe, it, expect, beforeAll, afterAll, afterEach, vi } from 'vitest';
import fc from 'fast-check';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCode, StorageError } from '../../src/errors.js';
import { PrefixHasher } from '../../src/storage/prefix-hasher.js';

const MiB = 1024 * 1024;
const FILE_BYTES = 20 * MiB;

let dir = '';
let dataPath = '';
let content = Buffer.alloc(0);
const hashers: PrefixHasher[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'swarm-prefix-hasher-'));
  dataPath = join(dir, 'data');
  content = randomBytes(FILE_BYTES);
  await writeFile(dataPath, content);
});

afterEach(async () => {
  for (const hasher of hashers.splice(0)) await hasher.close();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function hasherFor(path: string): PrefixHasher {
  const hasher = new PrefixHasher(path);
  hashers.push(hasher);
  return hasher;
}

function md5(bytes: Buffer): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** File descriptors of this process (worker threads included) open on `path` (Linux). */
function fdsOpenOn(path: string): string[] {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false;
    }
  });
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => null, (err: unknown) => err);
}

const WAIT = { timeout: 20_000, interval: 2 };

describe('PrefixHasher', () => {
  it('digest equals the MD5 of the file whatever the advance increments (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 3 * MiB }), fc.boolean(), fc.boolean()), { minLength: 1, maxLength: 30 }),
        async (steps) => {
          const hasher = hasherFor(dataPath);
          let prefix = 0;
          for (const [increment, waitForIt, stepBack] of steps) {
            prefix = Math.min(FILE_BYTES, prefix + increment);
            hasher.advance(prefix);
            // A smaller prefix than already requested is ignored.
            if (stepBack) hasher.advance(Math.floor(prefix / 2));
            if (waitForIt) {
              const expected = prefix;
              await vi.waitFor(() => expect(hasher.hashedBytes).toBe(expected), WAIT);
            }
          }
          expect((await hasher.digest(FILE_BYTES)).toString('hex')).toBe(md5(content));
        },
      ),
      { numRuns: 6 },
    );
  });

  it('digests a whole file without any advance', async () => {
    expect((await hasherFor(dataPath).digest(FILE_BYTES)).toString('hex')).toBe(md5(content));
  });

  it('digests only the first fileBytes', async () => {
    const hasher = hasherFor(dataPath);
    hasher.advance(1 * MiB);
    expect((await hasher.digest(5 * MiB + 3)).toString('hex')).toBe(md5(content.subarray(0, 5 * MiB + 3)));
  });

  it('digests an empty file', async () => {
    const emptyPath = join(dir, 'empty');
    await writeFile(emptyPath, '');
    expect((await hasherFor(emptyPath).digest(0)).toString('hex')).toBe('d41d8cd98f00b204e9800998ecf8427e');
  });

  it.runIf(existsSync('/proc/self/fd'))('close() terminates the worker, which releases the data file', async () => {
    const hasher = new PrefixHasher(dataPath);
    hasher.advance(1 * MiB);
    await vi.waitFor(() => expect(hasher.hashedBytes).toBe(1 * MiB), WAIT);
    expect(fdsOpenOn(dataPath)).toHaveLength(1);
    await hasher.close();
    expect(fdsOpenOn(dataPath)).toEqual([]);
  });

  it.runIf(existsSync('/proc/self/task'))('starts its worker thread at the first advance past 0, not when made (a download\'s start does not pay for it)', async () => {
    const threads = (): number => readdirSync('/proc/self/task').length;
    // Boots (and ends) one worker first, so that the threads Node starts once for workers exist.
    const first = new PrefixHasher(dataPath);
    await first.digest(1);
    await first.close();
    const before = threads();
    const hasher = hasherFor(dataPath);
    hasher.advance(0);
    expect(threads()).toBe(before);
    expect(fdsOpenOn(dataPath)).toEqual([]);
    hasher.advance(1 * MiB);
    expect(threads()).toBe(before + 1);
    await vi.waitFor(() => expect(hasher.hashedBytes).toBe(1 * MiB), WAIT);
    expect((await hasher.digest(FILE_BYTES)).toString('hex')).toBe(md5(content));
  });

  it('close() of a hasher that never started a worker resolves', async () => {
    await new PrefixHasher(join(dir, 'no-such-file')).close();
  });

  it('rejects with a StorageError when the file is shorter than the digest size', async () => {
    const shortPath = join(dir, 'short');
    await writeFile(shortPath, Buffer.alloc(100));
    const err = await rejectionOf(hasherFor(shortPath).digest(200));
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).exitCode).toBe(ExitCode.storage);
  });

  it('rejects with a StorageError when the data file cannot be opened', async () => {
    const err = await rejectionOf(hasherFor(join(dir, 'no-such-file')).digest(10));
    expect(err).toBeInstanceOf(StorageError);
  });
});
