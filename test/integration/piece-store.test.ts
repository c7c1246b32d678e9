import { describe, it, expect, afterEach } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { createInterface } from 'node:readline';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { ExitCode, StorageError } from '../../src/errors.js';
import { Bitfield } from '../../src/pieces/bitfield.js';
import { entryDirectory, PieceStore, type EntryKey } from '../../src/storage/piece-store.js';
import { decodeResumeState, encodeResumeState, type ResumeState } from '../../src/storage/resume-state.js';
import { pieceCrc, pieceDigest } from '../../src/storage/piece-digest.js';

const KiB = 1024;
/** 7 pieces of 16 KiB, the last one 4103 bytes. */
const KEY: EntryKey = { md5Hex: '0123456789abcdef0123456789abcdef', fileBytes: 100 * KiB + 7, pieceBytes: 16 * KiB, etag: '"v1"' };
const LAST_PIECE_BYTES = KEY.fileBytes - 6 * KEY.pieceBytes;
/** A pid above the largest pid_max Linux allows (2^22): no process can have it. */
const DEAD_PID = 2 ** 22 + 12345;
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIST_STORE = pathToFileURL(join(REPO_ROOT, 'dist', 'storage', 'piece-store.js')).href;

const tempDirs: string[] = [];
const openStores: PieceStore[] = [];
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  for (const store of openStores.splice(0)) await store.close().catch(() => undefined);
  for (const dir of tempDirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function storageDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'swarm-piece-store-'));
  tempDirs.push(dir);
  return dir;
}

async function openStore(dir: string, key: EntryKey = KEY, options: { hashClaimed?: boolean } = {}): Promise<PieceStore> {
  const store = await PieceStore.open(dir, key, options);
  openStores.push(store);
  return store;
}

function pieceLength(key: EntryKey, index: number): number {
  return Math.min(key.pieceBytes, key.fileBytes - index * key.pieceBytes);
}

/** The test pattern of piece `index`: every byte is `index + 1`. */
function pieceContent(key: EntryKey, index: number): Buffer {
  return Buffer.alloc(pieceLength(key, index), index + 1);
}

async function writePieces(store: PieceStore, indexes: readonly number[]): Promise<void> {
  for (const index of indexes) {
    await store.write(index * store.key.pieceBytes, [pieceContent(store.key, index)]);
    store.markPiece(index);
  }
}

function setPieces(store: PieceStore): number[] {
  const set: number[] = [];
  for (let i = 0; i < store.have.length; i++) if (store.have.has(i)) set.push(i);
  return set;
}

function bitfieldBytes(length: number, indexes: readonly number[]): Uint8Array {
  const field = new Bitfield(length);
  for (const index of indexes) field.set(index);
  return field.toBytes();
}

async function readState(dir: string): Promise<ResumeState | null> {
  return decodeResumeState(await readFile(join(entryDirectory(dir, KEY.md5Hex, KEY.fileBytes), 'state.json'), 'utf8'));
}

function bootId(): Promise<string> {
  return readFile('/proc/sys/kernel/random/boot_id', 'utf8').then((text) => text.trim());
}

async function expectStorageError(promise: Promise<unknown>): Promise<StorageError> {
  const err: unknown = await promise.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(StorageError);
  expect((err as StorageError).exitCode).toBe(ExitCode.storage);
  return err as StorageError;
}

/** A child that opens the entry from dist/, writes and marks `pieces`, flushes, says `ready`, and closes on any stdin. */
const HOLDER_SCRIPT = `
const { PieceStore } = await import(process.env.STORE_MODULE);
const key = JSON.parse(process.env.STORE_KEY);
const store = await PieceStore.open(process.env.STORE_DIR, key);
for (const index of JSON.parse(process.env.STORE_PIECES)) {
  const length = Math.min(key.pieceBytes, key.fileBytes - index * key.pieceBytes);
  await store.write(index * key.pieceBytes, [Buffer.alloc(length, index + 1)]);
  store.markPiece(index);
}
await store.flush();
process.stdout.write('ready\\n');
process.stdin.once('data', async () => { await store.close(); process.stdout.write('closed\\n'); process.exit(0); });
`;

interface Holder {
  readonly child: ChildProcess;
  readonly lines: AsyncIterator<string>;
}

async function startHolder(dir: string, pieces: readonly number[]): Promise<Holder> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', HOLDER_SCRIPT], {
    env: { ...process.env, STORE_MODULE: DIST_STORE, STORE_KEY: JSON.stringify(KEY), STORE_DIR: dir, STORE_PIECES: JSON.stringify(pieces) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.push(child);
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  expect((await lines.next()).value).toBe('ready');
  return { child, lines };
}

describe('PieceStore.open', () => {
  it('creates the entry: a data file of the full size, a lock with our pid, nothing complete', async () => {
    const dir = await storageDir();
    const store = await openStore(dir);
    const entry = entryDirectory(dir, KEY.md5Hex, KEY.fileBytes);
    expect(store.directory).toBe(entry);
    expect(entry).toBe(join(dir, 'files', `${KEY.md5Hex}-${KEY.fileBytes}`));
    expect((await stat(store.dataPath)).size).toBe(KEY.fileBytes);
    expect(Number.parseInt(await readFile(join(entry, 'lock'), 'utf8'), 10)).toBe(process.pid);
    expect(store.geometry).toEqual({ fileBytes: KEY.fileBytes, pieceBytes: KEY.pieceBytes, pieceCount: 7 });
    expect(store.have.length).toBe(7);
    expect(store.have.isEmpty()).toBe(true);
    expect(store.haveBytes).toBe(0);
    expect(store.complete).toBe(false);
  });

  it('fails with a StorageError when the storage directory is a file', async () => {
    const dir = await storageDir();
    const file = join(dir, 'not-a-directory');
    await writeFile(file, 'x');
    await expectStorageError(PieceStore.open(file, KEY));
  });
});

describe('PieceStore resume', () => {
  it('restores written pieces and their bytes after close and reopen', async () => {
    const dir = await storageDir();
    const first = await openStore(dir);
    await writePieces(first, [0, 2, 6]);
    await first.flush();
    await first.close();
    const second = await openStore(dir);
    expect(setPieces(second)).toEqual([0, 2, 6]);
    expect(second.haveBytes).toBe(2 * KEY.pieceBytes + LAST_PIECE_BYTES);
    const target = Buffer.alloc(LAST_PIECE_BYTES);
    expect(await second.read(6 * KEY.pieceBytes, target)).toBe(LAST_PIECE_BYTES);
    expect(target.equals(pieceContent(KEY, 6))).toBe(true);
  });

  it('restores what a flush recorded when the process was SIGKILLed before closing', async () => {
    const dir = await storageDir();
    const holder = await startHolder(dir, [1, 3]);
    holder.child.kill('SIGKILL');
    await once(holder.child, 'exit');
    const store = await openStore(dir);
    expect(setPieces(store)).toEqual([1, 3]);
    const target = Buffer.alloc(KEY.pieceBytes);
    await store.read(3 * KEY.pieceBytes, target);
    expect(target.equals(pieceContent(KEY, 3))).toBe(true);
  });

  it('persists the complete flag', async () => {
    const dir = await storageDir();
    const first = await openStore(dir);
    await writePieces(first, [0, 1, 2, 3, 4, 5, 6]);
    first.markComplete();
    await first.close();
    const second = await openStore(dir);
    expect(second.complete).toBe(true);
    expect(second.have.isComplete()).toBe(true);
    expect(second.haveBytes).toBe(KEY.fileBytes);
  });

  it('starts over when state.json is garbage', async () => {
    const dir = await storageDir();
    const first = await openStore(dir);
    await writePieces(first, [0, 1]);
    await first.close();
    await writeFile(join(first.directory, 'state.json'), '{"version":1, this is not json');
    const second = await openStore(dir);
    expect(second.have.isEmpty()).toBe(true);
  });

  it('starts over when the data file is shorter than the file, and restores its size', async () => {
    const dir = await storageDir();
    const first = await openStore(dir);
    await writePieces(first, [0, 1]);
    await first.close();
    await truncate(first.dataPath, 1000);
    const second = await openStore(dir);
    expect(second.have.isEmpty()).toBe(true);
    expect((await stat(second.dataPath)).size).toBe(KEY.fileBytes);
  });

  it.each([
    ['after a reboot (another boot id) trusts only durable pieces', 'other-boot', [0, 1]],
    ['without a boot id trusts only durable pieces', null, [0, 1]],
    ['within the same boot trusts every written piece', 'current', [0, 1, 2, 3, 4, 5, 6]],
  ])('%s', async (_name, savedBootId, expected) => {
    const dir = await storageDir();
    const entry = entryDirectory(dir, KEY.md5Hex, KEY.fileBytes);
    await mkdir(entry, { recursive: true });
    await writeFile(join(entry, 'data'), Buffer.alloc(KEY.fileBytes));
    const state: ResumeState = {
      version: 1,
      md5Hex: KEY.md5Hex,
      fileBytes: KEY.fileBytes,
      pieceBytes: KEY.pieceBytes,
      etag: KEY.etag,
      have: bitfieldBytes(7, [0, 1, 2, 3, 4, 5, 6]),
      durable: bitfieldBytes(7, [0, 1]),
      bootId: savedBootId === 'current' ? await bootId() : savedBootId,
      complete: true,
    };
    await writeFile(join(entry, 'state.json'), encodeResumeState(state));
    const store = await openStore(dir);
    expect(setPieces(store)).toEqual(expected);
    expect(store.complete).toBe(expected.length === 7);
  });

  it('carries pieces over to another piece size', async () => {
    const dir = await storageDir();
    const first = await openStore(dir);
    await writePieces(first, [0, 1, 2, 4, 5, 6]);
    await first.close();
    const second = await openStore(dir, { ...KEY, pieceBytes: 32 * KiB });
    // 32 KiB pieces: 0 = old 0+1 (both), 1 = old 2+3 (3 missing), 2 = old 4+5, 3 = old 6 (short).
    expect(second.geometry.pieceCount).toBe(4);
    expect(setPieces(second)).toEqual([0, 2, 3]);
    expect(second.haveBytes).toBe(2 * 32 * KiB + LAST_PIECE_BYTES);
  });
});

describe('PieceStore flush and sync', () => {
  it('flush records have; sync makes durable equal have; the boot id is recorded', async () => {
    const dir = await storageDir();
    const store = await openStore(dir);
    await writePieces(store, [0, 2]);
    await store.flush();
    let state = await readState(dir);
    expect(state?.have).toEqual(bitfieldBytes(7, [0, 2]));
    expect(state?.durable).toEqual(bitfieldBytes(7, []));
    expect(state?.bootId).toBe(await bootId());
    await store.sync();
    state = await readState(dir);
    expect(state?.durable).toEqual(bitfieldBytes(7, [0, 2]));
    await writePieces(store, [3]);
    await store.flush();
    state = await readState(dir);
    expect(state?.have).toEqual(bitfieldBytes(7, [0, 2, 3]));
    expect(state?.durable).toEqual(bitfieldBytes(7, [0, 2]));
  });

  it('close syncs: every piece is durable afterwards, and closing twice is harmless', async () => {
    const dir = await storageDir();
    const store = await openStore(dir);
    await writePieces(store, [1, 5]);
    await store.close();
    await store.close();
    const state = await readState(dir);
    expect(state?.durable).toEqual(bitfieldBytes(7, [1, 5]));
    expect(state?.have).toEqual(bitfieldBytes(7, [1, 5]));
  });

  it('writes a list of buffers contiguously', async () => {
    const dir = await storageDir();
    const store = await openStore(dir);
    const parts = [Buffer.from('hello '), Buffer.alloc(0), Buffer.from('piece '), Buffer.alloc(70 * KiB, 7)];
    await store.write(1000, parts);
    const target = Buffer.alloc(12 + 70 * KiB);
    expect(await store.read(1000, target)).toBe(target.length);
    expect(target.equals(Buffer.concat(parts))).toBe(true);
  });
});

describe('PieceStore lock', () => {
  it('a second open in the same process while the first is open fails with a StorageError', async () => {
    const dir = await storageDir();
    const first = await openStore(dir);
    await expectStorageError(openStore(dir));
    await first.close();
    await openStore(dir);
  });

  it('an open while another live process holds the entry fails, naming its pid; after it closes, it works', async () => {
    const dir = await storageDir();
    const holder = await startHolder(dir, [4]);
    const err = await expectStorageError(openStore(dir));
    expect(err.message).toContain(`pid ${holder.child.pid}`);
    holder.child.stdin?.write('close\n');
    expect((await holder.lines.next()).value).toBe('closed');
    await once(holder.child, 'exit');
    const store = await openStore(dir);
    expect(setPieces(store)).toEqual([4]);
  });

  it('takes over a stale lock whose pid is dead', async () => {
    const dir = await storageDir();
    const entry = entryDirectory(dir, KEY.md5Hex, KEY.fileBytes);
    await mkdir(entry, { recursive: true });
    await writeFile(join(entry, 'lock'), `${DEAD_PID}\n`);
    await openStore(dir);
    expect(Number.parseInt(await readFile(join(entry, 'lock'), 'utf8'), 10)).toBe(process.pid);
  });

  it('takes over an empty or garbage lock file', async () => {
    const dir = await storageDir();
    const entry = entryDirectory(dir, KEY.md5Hex, KEY.fileBytes);
    await mkdir(entry, { recursive: true });
    await writeFile(join(entry, 'lock'), 'garbage');
    await openStore(dir);
    expect(Number.parseInt(await readFile(join(entry, 'lock'), 'utf8'), 10)).toBe(process.pid);
  });

  it('releases the lock on close', async () => {
    const dir = await storageDir();
    const store = await openStore(dir);
    await store.close();
    await expect(stat(join(store.directory, 'lock'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('PieceStore.discard', () => {
  it('removes the whole entry; a later open starts afresh', async () => {
    const dir = await storageDir();
    const store = await openStore(dir);
    await writePieces(store, [0]);
    await store.flush();
    await store.discard();
    await expect(stat(store.directory)).rejects.toMatchObject({ code: 'ENOENT' });
    const fresh = await openStore(dir);
    expect(fresh.have.isEmpty()).toBe(true);
  });
});

describe('PieceStore: digests and the check of a lost resume file', () => {
  async function writeWithDigests(store: PieceStore, indexes: readonly number[]): Promise<void> {
    for (const index of indexes) store.setDigest(index, pieceDigest(pieceContent(store.key, index)));
    await writePieces(store, indexes);
  }

  it('keeps digests across reopen, and hashOnDisk matches what was written', async () => {
    const dir = await storageDir();
    const store = await openStore(dir);
    await writeWithDigests(store, [0, 6]);
    expect((await store.hashOnDisk(6)).equals(pieceDigest(pieceContent(KEY, 6)))).toBe(true);
    await store.close();
    const again = await openStore(dir);
    expect(again.digestOf(0)?.equals(pieceDigest(pieceContent(KEY, 0)))).toBe(true);
    expect(again.digestOf(1)).toBeNull();
    expect(again.recheckedPieces).toBe(0);
  });

  it.each([
    ['corrupt', (path: string) => writeFile(path, '{"version":1')],
    ['truncated', (path: string) => truncate(path, 10)],
    ['missing', (path: string) => rm(path)],
  ])('a %s resume file: the pieces whose bytes match their digests are kept, a damaged one is not', async (_, damage) => {
    const dir = await storageDir();
    const store = await openStore(dir);
    await writeWithDigests(store, [0, 2, 3, 6]);
    await store.close();
    const entry = entryDirectory(dir, KEY.md5Hex, KEY.fileBytes);
    await damage(join(entry, 'state.json'));
    const data = await readFile(join(entry, 'data'));
    data[2 * KEY.pieceBytes + 5] = 0;
    await writeFile(join(entry, 'data'), data);
    const again = await openStore(dir);
    expect([0, 1, 2, 3, 4, 5, 6].filter((index) => again.have.has(index))).toEqual([0, 3, 6]);
    expect(again.recheckedPieces).toBe(3);
    expect(again.complete).toBe(false);
  });

  it('a claimed piece without a digest (an older entry) is hashed at open', async () => {
    const dir = await storageDir();
    const store = await openStore(dir);
    await writePieces(store, [1]);
    await store.close();
    const again = await openStore(dir);
    expect(again.have.has(1)).toBe(true);
    expect(again.digestOf(1)?.equals(pieceDigest(pieceContent(KEY, 1)))).toBe(true);
  });

  it('without hashClaimed, a claimed piece without a digest stays without one, and stays claimed', async () => {
    const dir = await storageDir();
    const store = await openStore(dir);
    await writePieces(store, [1]);
    await store.close();
    const again = await openStore(dir, KEY, { hashClaimed: false });
    expect(again.have.has(1)).toBe(true);
    expect(again.digestOf(1)).toBeNull();
  });

  it('with hashClaimed, a claimed piece with only a CRC gets its digest at open; one that rotted since is dropped', async () => {
    const dir = await storageDir();
    const store = await openStore(dir, KEY, { hashClaimed: false });
    const all = [0, 1, 2, 3, 4, 5, 6];
    await writePieces(store, all);
    for (const index of all) store.setPieceCrc(index, pieceCrc(pieceContent(KEY, index), crc32));
    store.markComplete();
    await store.close();
    const dataPath = join(entryDirectory(dir, KEY.md5Hex, KEY.fileBytes), 'data');
    const data = await readFile(dataPath);
    data[5 * KEY.pieceBytes + 1] = (data[5 * KEY.pieceBytes + 1] ?? 0) ^ 0x80;
    await writeFile(dataPath, data);
    const again = await openStore(dir);
    expect(all.filter((index) => again.have.has(index))).toEqual([0, 1, 2, 3, 4, 6]);
    expect(again.complete, 'an entry missing a piece is not complete').toBe(false);
    expect(again.digestOf(1)?.equals(pieceDigest(pieceContent(KEY, 1)))).toBe(true);
    expect(again.digestOf(5)).toBeNull();
  });

  it('with hashClaimed, the digests taken at open are on disk at once, not only after a clean close', async () => {
    const dir = await storageDir();
    const store = await openStore(dir, KEY, { hashClaimed: false });
    await writePieces(store, [1, 3]);
    for (const index of [1, 3]) store.setPieceCrc(index, pieceCrc(pieceContent(KEY, index), crc32));
    await store.close();
    const again = await openStore(dir);
    const records = await readFile(join(entryDirectory(dir, KEY.md5Hex, KEY.fileBytes), `hashes-${KEY.pieceBytes}`));
    const digest = pieceDigest(pieceContent(KEY, 3));
    expect(records.subarray(3 * digest.length, 4 * digest.length).equals(digest)).toBe(true);
    expect(again.digestOf(3)?.equals(digest)).toBe(true);
  });

  it('a piece given up (unmarkPiece) loses its records: its next bytes get records of their own', async () => {
    const dir = await storageDir();
    const store = await openStore(dir);
    await writeWithDigests(store, [2]);
    store.unmarkPiece(2);
    expect(store.digestOf(2)).toBeNull();
    await store.close();
    const again = await openStore(dir);
    expect(again.have.has(2)).toBe(false);
    expect(again.digestOf(2)).toBeNull();
  });

  it('digestForPeers: the digest of a piece that still matches its CRC (or has none); null for one that rotted', async () => {
    const dir = await storageDir();
    const store = await openStore(dir, KEY, { hashClaimed: false });
    await writePieces(store, [0, 2, 4]);
    for (const index of [0, 2]) store.setPieceCrc(index, pieceCrc(pieceContent(KEY, index), crc32));
    const dataPath = join(entryDirectory(dir, KEY.md5Hex, KEY.fileBytes), 'data');
    const data = await readFile(dataPath);
    data[2 * KEY.pieceBytes + 3] = (data[2 * KEY.pieceBytes + 3] ?? 0) ^ 0x01;
    await writeFile(dataPath, data);
    expect((await store.digestForPeers(0))?.equals(pieceDigest(pieceContent(KEY, 0)))).toBe(true);
    expect(await store.digestForPeers(2), 'rotted since its CRC was taken').toBeNull();
    expect((await store.digestForPeers(4))?.equals(pieceDigest(pieceContent(KEY, 4))), 'no CRC: taken as it is').toBe(true);
    expect(store.digestOf(0), 'it records nothing itself').toBeNull();
  });

  it('a lost resume file: pieces with only a CRC are checked by it and kept when it matches; a damaged or unmarked one is not', async () => {
    const dir = await storageDir();
    const store = await openStore(dir, KEY, { hashClaimed: false });
    await writePieces(store, [0, 1, 2, 3, 6]);
    for (const index of [0, 1, 2, 3, 6]) store.setPieceCrc(index, pieceCrc(pieceContent(KEY, index), crc32));
    store.unmarkPiece(3);
    await store.close();
    const entry = entryDirectory(dir, KEY.md5Hex, KEY.fileBytes);
    await rm(join(entry, 'state.json'));
    const data = await readFile(join(entry, 'data'));
    data[2 * KEY.pieceBytes + 9] = (data[2 * KEY.pieceBytes + 9] ?? 0) ^ 1;
    await writeFile(join(entry, 'data'), data);
    const again = await openStore(dir, KEY, { hashClaimed: false });
    expect([0, 1, 2, 3, 4, 5, 6].filter((index) => again.have.has(index))).toEqual([0, 1, 6]);
    expect(again.recheckedPieces).toBe(3);
    expect(again.digestOf(0)).toBeNull();
  });

  it('a lost resume file: a piece with a digest is checked by its digest, not its CRC', async () => {
    const dir = await storageDir();
    const store = await openStore(dir);
    await writePieces(store, [4]);
    store.setDigest(4, pieceDigest(Buffer.alloc(pieceLength(KEY, 4), 1)));
    store.setPieceCrc(4, pieceCrc(pieceContent(KEY, 4), crc32));
    await store.close();
    await rm(join(entryDirectory(dir, KEY.md5Hex, KEY.fileBytes), 'state.json'));
    const again = await openStore(dir);
    expect(again.have.has(4)).toBe(false);
  });

  it('unmarkPiece forgets a piece and the entry is no longer complete, also after reopen', async () => {
    const dir = await storageDir();
    const store = await openStore(dir);
    await writeWithDigests(store, [0, 1, 2, 3, 4, 5, 6]);
    store.markComplete();
    store.unmarkPiece(4);
    expect(store.complete).toBe(false);
    await store.close();
    const again = await openStore(dir);
    expect(again.have.has(4)).toBe(false);
    expect(again.have.count()).toBe(6);
    expect(again.complete).toBe(false);
  });
});
