/**
 * One cache entry on disk: the data file, written at offsets, and its resume file.
 *
 * Layout: `<storage>/files/<md5hex>-<size>/{data,state.json,lock}`. Pieces are marked complete in
 * memory as they are written. {@link PieceStore.flush} persists the bitfield atomically (temp file
 * + rename) and is cheap, so it runs often: a SIGKILL loses at most the pieces since the last
 * flush, because the kernel keeps every written byte. {@link PieceStore.sync} also makes the data
 * durable (fdatasync) and records which pieces are; it runs rarely, as it costs disk bandwidth.
 * The resume file carries the kernel's boot id: after a reboot (power loss) only durable pieces
 * are trusted, so the resume file never claims a piece whose bytes could be lost.
 *
 * Every complete piece has a record ({@link PieceHashFile}), written before the resume file that
 * claims the piece: its swarm digest (SHA-256/128), taken on its way in while the host has peers
 * or checked from a peer, or else its CRC-32 (a host without peers: peers are what need digests,
 * and a digest costs three CRCs of CPU; {@link PieceStore.digestForPeers} makes one from disk,
 * checked against the CRC, when a peer comes). A resume file that is corrupt, truncated or missing
 * is not the end of the fetched data: each piece with a record is checked again from the data file
 * (by its digest, else its CRC) and kept when it matches. With `hashClaimed`, a claimed piece
 * without a digest is hashed at open (and dropped if it no longer matches its CRC), so a host that
 * serves peers at once (the daemon) has a digest for every piece it offers.
 *
 * Not responsible for which pieces to fetch, nor for verification (see prefix-hasher).
 * Concurrency: one process per entry, enforced by an exclusive lock file; within the process,
 * writes to distinct ranges may run concurrently; flushes are serialised.
 */
import { constants as fsConstants } from 'node:fs';
import { open, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageError, storageErrorFrom, type StoragePlace } from '../errors.js';
import { Bitfield } from '../pieces/bitfield.js';
import { pieceGeometry, pieceLength, pieceStart, type PieceGeometry } from '../pieces/piece-geometry.js';
import { BufferPool } from './buffer-pool.js';
import { makeDirectory } from './make-directory.js';
import { newPieceHash, finishPieceHash } from './piece-digest.js';
import { PIECE_CRCS, PieceHashFile } from './piece-hash-file.js';
import { decodeResumeState, encodeResumeState, type ResumeState } from './resume-state.js';
import { translateHave } from './translate-have.js';

/** What identifies a file in the cache and how it is cut into pieces. */
export interface EntryKey {
  readonly md5Hex: string;
  readonly fileBytes: number;
  readonly pieceBytes: number;
  readonly etag: string | null;
}

/** How to open an entry. */
export interface OpenOptions {
  /** Hash claimed pieces that have no digest at open (a host that may serve peers). @default true */
  readonly hashClaimed?: boolean;
}

/** zlib's CRC-32, loaded on first use: start-up does not load zlib. */
export function crc32(bytes: Uint8Array, value: number): number {
  return process.getBuiltinModule('node:zlib').crc32(bytes, value);
}

/** Wraps a file-system failure as a {@link StorageError}; rethrows anything else. */
export function asStorageError(err: unknown, path: string, place: StoragePlace = 'storage-directory'): Error {
  if (err instanceof StorageError) return err;
  return storageErrorFrom(err, path, place) ?? (err instanceof Error ? err : new Error(String(err)));
}

/** The directory of a cache entry. */
export function entryDirectory(storageDirectory: string, md5Hex: string, fileBytes: number): string {
  return join(storageDirectory, 'files', `${md5Hex}-${fileBytes}`);
}

async function isAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Lock files this process holds: a lock with our own pid is ours only if it is in here. */
const heldLocks = new Set<string>();

async function takeLock(lockPath: string): Promise<void> {
  if (heldLocks.has(lockPath)) {
    throw new StorageError(`this process already uses ${lockPath}; one download per file at a time`);
  }
  await takeLockFile(lockPath);
  heldLocks.add(lockPath);
}

async function releaseLock(lockPath: string): Promise<void> {
  heldLocks.delete(lockPath);
  await rm(lockPath, { force: true });
}

async function takeLockFile(lockPath: string): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lockPath, `${process.pid}\n`, { flag: 'wx' });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw asStorageError(err, lockPath);
    }
    const pid = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10);
    if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && (await isAlive(pid))) {
      throw new StorageError(
        `another swarm process (pid ${pid}) is using ${lockPath}; wait for it to finish or pass another --storage-directory`,
      );
    }
    await rm(lockPath, { force: true });
  }
  throw new StorageError(`could not take the lock ${lockPath}; remove it if no swarm process is running`);
}

/** The data file and resume state of one file being fetched or seeded. */
export class PieceStore {
  readonly directory: string;
  readonly dataPath: string;
  readonly geometry: PieceGeometry;
  readonly key: EntryKey;
  /** Pieces whose bytes are written (durable after the next flush). */
  readonly have: Bitfield;
  /** Pieces known to be on disk. */
  #durable: Bitfield;
  readonly #bootId: string | null;
  readonly #hashes: PieceHashFile;
  readonly #crcs: PieceHashFile;
  /** Pieces found good by hashing the data file at open, when the resume file was unusable. */
  readonly recheckedPieces: number;
  #fd: FileHandle;
  /** Read buffers of {@link hashOnDisk} (several checks may overlap). */
  readonly #hashBuffers = new BufferPool(HASH_READ_BYTES, 4);
  #complete: boolean;
  #flushing: Promise<void> = Promise.resolve();
  #dirty = false;
  #closed = false;

  private constructor(directory: string, key: EntryKey, fd: FileHandle, opened: OpenedState) {
    const { have, complete, bootId, hashes, crcs, rechecked } = opened;
    this.#hashes = hashes;
    this.#crcs = crcs;
    this.recheckedPieces = rechecked;
    this.directory = directory;
    this.dataPath = join(directory, 'data');
    this.key = key;
    this.geometry = pieceGeometry(key.fileBytes, key.pieceBytes);
    this.#fd = fd;
    this.have = have;
    this.#durable = new Bitfield(have.length);
    this.#complete = complete;
    this.#bootId = bootId;
  }

  /**
   * Opens or creates the entry for `key`, taking its lock. A resume file that is corrupt, or that
   * belongs to other data, is discarded and the download starts over; pieces written with another
   * piece size are carried over where whole new pieces are covered.
   */
  static async open(storageDirectory: string, key: EntryKey, options: OpenOptions = {}): Promise<PieceStore> {
    const directory = entryDirectory(storageDirectory, key.md5Hex, key.fileBytes);
    await makeDirectory(directory, 'storage-directory');
    await takeLock(join(directory, 'lock'));
    try {
      return await PieceStore.#openLocked(directory, key, options.hashClaimed ?? true);
    } catch (err) {
      await releaseLock(join(directory, 'lock'));
      throw asStorageError(err, directory);
    }
  }

  static async #openLocked(directory: string, key: EntryKey, hashClaimed: boolean): Promise<PieceStore> {
    const geometry = pieceGeometry(key.fileBytes, key.pieceBytes);
    const dataPath = join(directory, 'data');
    const saved = await readResumeState(join(directory, 'state.json'));
    const dataBytes = await stat(dataPath).then((s) => s.size, () => -1);
    const bootId = await readBootId();
    let have: Bitfield | null = null;
    let complete = false;
    if (saved && saved.md5Hex === key.md5Hex && saved.fileBytes === key.fileBytes && dataBytes === key.fileBytes) {
      const sameBoot = bootId !== null && saved.bootId === bootId;
      const old = Bitfield.fromBytes(Math.ceil(saved.fileBytes / saved.pieceBytes), sameBoot ? saved.have : saved.durable);
      if (old) {
        have = translateHave(pieceGeometry(saved.fileBytes, saved.pieceBytes), old, geometry);
        complete = saved.complete && have.isComplete();
      }
    }
    const fd = await open(dataPath, fsConstants.O_RDWR | fsConstants.O_CREAT, 0o644);
    try {
      if (dataBytes !== key.fileBytes) await fd.truncate(key.fileBytes);
      const hashes = await PieceHashFile.open(directory, geometry);
      const crcs = await PieceHashFile.open(directory, geometry, PIECE_CRCS);
      const checked = await reconcileRecords(fd, geometry, { hashes, crcs }, have, { dataWasThere: dataBytes === key.fileBytes, hashClaimed });
      const store = new PieceStore(directory, key, fd, { have: checked.have, complete: complete && checked.have.isComplete(), bootId, hashes, crcs, rechecked: checked.rechecked });
      // Digests taken (or pieces dropped) at open are kept at once, not after the next piece.
      if (checked.changed) {
        store.#dirty = true;
        await store.flush();
      }
      return store;
    } catch (err) {
      await fd.close().catch(() => undefined);
      throw err;
    }
  }

  /** The digest of piece `index` on file, or null. A view: do not mutate. */
  digestOf(index: number): Buffer | null {
    return this.#hashes.get(index);
  }

  /** Records the digest of piece `index` (persisted by the next flush, before the resume file that claims it). */
  setDigest(index: number, digest: Uint8Array): void {
    this.#hashes.set(index, digest);
    this.#dirty = true;
  }

  /** Records the CRC-32 of piece `index` ({@link pieceCrc}), persisted by the next flush. */
  setPieceCrc(index: number, record: Uint8Array): void {
    this.#crcs.set(index, record);
  }

  /** Hashes piece `index` as the data file holds it now. */
  async hashOnDisk(index: number): Promise<Buffer> {
    try {
      return await hashPiece(this.#fd, this.geometry, index, this.#hashBuffers);
    } catch (err) {
      throw asStorageError(err, this.dataPath);
    }
  }

  /**
   * The digest of piece `index` as the data file holds it, for a piece taken without one (alone,
   * with its CRC only): null when the bytes no longer match its CRC (they rotted since), so no
   * digest is ever made of damaged bytes. A piece without a CRC on file (carried over from another
   * piece size) is taken as it is: such a piece is resumed, so its digest counts only as our own
   * claim (see `PieceTrust.ownDigest`), unless the whole-file MD5 verified it.
   */
  async digestForPeers(index: number): Promise<Buffer | null> {
    const crc = this.#crcs.get(index);
    try {
      return await digestIfIntact(this.#fd, this.geometry, index, crc && Buffer.from(crc), this.#hashBuffers);
    } catch (err) {
      throw asStorageError(err, this.dataPath);
    }
  }

  /** True once the whole file was verified; then the data file is the cached file. */
  get complete(): boolean {
    return this.#complete;
  }

  /** Bytes of completed pieces. */
  get haveBytes(): number {
    const { pieceBytes, pieceCount, fileBytes } = this.geometry;
    const count = this.have.count();
    if (count === 0) return 0;
    const lastShort = this.have.has(pieceCount - 1) ? pieceCount * pieceBytes - fileBytes : 0;
    return count * pieceBytes - lastShort;
  }

  /** Writes `buffers` contiguously at `position` of the data file. */
  async write(position: number, buffers: readonly Buffer[]): Promise<void> {
    try {
      let offset = position;
      let rest = buffers;
      while (rest.length > 0) {
        const { bytesWritten } = await this.#fd.writev(rest as Buffer[], offset);
        offset += bytesWritten;
        rest = dropBytes(rest, bytesWritten);
      }
    } catch (err) {
      throw asStorageError(err, this.dataPath);
    }
  }

  /** Reads `length` bytes at `position` into `target` (for seeding and hashing). */
  async read(position: number, target: Buffer): Promise<number> {
    try {
      const { bytesRead } = await this.#fd.read(target, 0, target.length, position);
      return bytesRead;
    } catch (err) {
      throw asStorageError(err, this.dataPath);
    }
  }

  /** Records that piece `index` is fully written. */
  markPiece(index: number): void {
    if (!this.have.has(index)) {
      this.have.set(index);
      this.#dirty = true;
    }
  }

  /** Forgets piece `index` (its bytes were found bad); the entry is no longer complete. */
  unmarkPiece(index: number): void {
    if (!this.have.has(index)) return;
    this.have.clear(index);
    this.#durable.clear(index);
    // Its records go with it: the piece's next bytes get records of their own.
    this.#hashes.clear(index);
    this.#crcs.clear(index);
    this.#complete = false;
    this.#dirty = true;
  }

  /** Marks the entry verified; persisted by the next flush. */
  markComplete(): void {
    this.#complete = true;
    this.#dirty = true;
  }

  /** Persists the bitfield (no fdatasync). Serialised with {@link sync}; cheap when clean. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(() => this.#flushNow(false));
    return this.#flushing;
  }

  /** Makes the written data durable (fdatasync), then persists the bitfield. */
  sync(): Promise<void> {
    this.#flushing = this.#flushing.then(() => this.#flushNow(true));
    return this.#flushing;
  }

  async #flushNow(durable: boolean): Promise<void> {
    if (this.#closed || (!this.#dirty && !durable)) return;
    const statePath = join(this.directory, 'state.json');
    const written = this.have.clone();
    this.#dirty = false;
    try {
      await this.#hashes.flush();
      await this.#crcs.flush();
      if (durable) {
        await this.#fd.datasync();
        await this.#hashes.sync();
        await this.#crcs.sync();
        this.#durable = written;
      }
      await writeFile(`${statePath}.tmp`, encodeResumeState(this.#snapshot(written)));
      await rename(`${statePath}.tmp`, statePath);
    } catch (err) {
      this.#dirty = true;
      throw asStorageError(err, statePath);
    }
  }

  #snapshot(written: Bitfield): ResumeState {
    return {
      version: 1,
      md5Hex: this.key.md5Hex,
      fileBytes: this.key.fileBytes,
      pieceBytes: this.key.pieceBytes,
      etag: this.key.etag,
      have: written.toBytes(),
      durable: this.#durable.toBytes(),
      bootId: this.#bootId,
      complete: this.#complete,
    };
  }

  /** Syncs, closes the data file and releases the lock. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.sync();
    } finally {
      this.#closed = true;
      await this.#fd.close().catch(() => undefined);
      await this.#hashes.close();
      await this.#crcs.close();
      await releaseLock(join(this.directory, 'lock'));
    }
  }

  /** Deletes the whole entry (after a failed verification). */
  async discard(): Promise<void> {
    this.#closed = true;
    await this.#fd.close().catch(() => undefined);
    await this.#hashes.close();
    await this.#crcs.close();
    heldLocks.delete(join(this.directory, 'lock'));
    await rm(this.directory, { recursive: true, force: true });
  }
}

/** What {@link PieceStore.open} found on disk. */
interface OpenedState {
  readonly have: Bitfield;
  readonly complete: boolean;
  readonly bootId: string | null;
  readonly hashes: PieceHashFile;
  readonly crcs: PieceHashFile;
  readonly rechecked: number;
}

const HASH_READ_BYTES = 1024 * 1024;

/** Feeds piece `index` as the data file holds it to `update`, a read buffer at a time. */
async function readPiece(fd: FileHandle, geometry: PieceGeometry, index: number, buffers: BufferPool, update: (bytes: Buffer) => void): Promise<void> {
  const start = pieceStart(geometry, index);
  const end = start + pieceLength(geometry, index);
  const buffer = buffers.take(Math.min(HASH_READ_BYTES, end - start));
  try {
    for (let at = start; at < end; ) {
      const { bytesRead } = await fd.read(buffer, 0, Math.min(buffer.length, end - at), at);
      if (bytesRead === 0) throw Object.assign(new Error(`unexpected end of the data file at ${at}`), { code: 'EIO' });
      update(buffer.subarray(0, bytesRead));
      at += bytesRead;
    }
  } finally {
    buffers.give(buffer);
  }
}

async function hashPiece(fd: FileHandle, geometry: PieceGeometry, index: number, buffers: BufferPool): Promise<Buffer> {
  const hash = newPieceHash();
  await readPiece(fd, geometry, index, buffers, (bytes) => hash.update(bytes));
  return finishPieceHash(hash);
}

/**
 * Piece `index`'s digest from disk, taken in the same read as its CRC: null when `crcRecord` is
 * given and the bytes do not match it.
 */
async function digestIfIntact(fd: FileHandle, geometry: PieceGeometry, index: number, crcRecord: Buffer | null, buffers: BufferPool): Promise<Buffer | null> {
  const hash = newPieceHash();
  let crc = 0;
  await readPiece(fd, geometry, index, buffers, (bytes) => {
    hash.update(bytes);
    if (crcRecord) crc = crc32(bytes, crc);
  });
  if (crcRecord && crcRecord.readUInt32BE(0) !== crc >>> 0) return null;
  return finishPieceHash(hash);
}

/** Whether piece `index` on disk matches its record: its digest, else its CRC; false with neither. */
async function matchesRecord(fd: FileHandle, geometry: PieceGeometry, index: number, records: PieceRecords, buffers: BufferPool): Promise<boolean> {
  const digest = records.hashes.get(index);
  if (digest) return digest.equals(await hashPiece(fd, geometry, index, buffers));
  const record = records.crcs.get(index);
  if (!record) return false;
  let crc = 0;
  await readPiece(fd, geometry, index, buffers, (bytes) => {
    crc = crc32(bytes, crc);
  });
  return record.readUInt32BE(0) === crc >>> 0;
}

/** The two record files of an entry. */
interface PieceRecords {
  readonly hashes: PieceHashFile;
  readonly crcs: PieceHashFile;
}

/**
 * Matches the resume file's claim with the records on file. With a usable claim (`have`), a
 * claimed piece without a digest is hashed and its digest recorded when `hashClaimed` (one that no
 * longer matches its CRC is not kept: no digest is made of damaged bytes). Without
 * one, every piece with a record is checked again and kept when it matches (`rechecked` counts
 * them).
 */
async function reconcileRecords(
  fd: FileHandle, geometry: PieceGeometry, records: PieceRecords, have: Bitfield | null,
  how: { readonly dataWasThere: boolean; readonly hashClaimed: boolean },
): Promise<{ have: Bitfield; rechecked: number; changed: boolean }> {
  const buffers = new BufferPool(HASH_READ_BYTES, 1);
  if (have) {
    if (!how.hashClaimed) return { have, rechecked: 0, changed: false };
    let changed = false;
    for (let index = have.firstSet(0); index !== -1; index = have.firstSet(index + 1)) {
      if (records.hashes.get(index)) continue;
      const digest = await digestIfIntact(fd, geometry, index, records.crcs.get(index), buffers);
      if (digest) records.hashes.set(index, digest);
      else have.clear(index);
      changed = true;
    }
    return { have, rechecked: 0, changed };
  }
  const found = new Bitfield(geometry.pieceCount);
  if (!how.dataWasThere) return { have: found, rechecked: 0, changed: false };
  for (let index = 0; index < geometry.pieceCount; index++) {
    if (await matchesRecord(fd, geometry, index, records, buffers)) found.set(index);
  }
  return { have: found, rechecked: found.count(), changed: false };
}

/** The kernel's boot id (Linux), or null where there is none. */
async function readBootId(): Promise<string | null> {
  try {
    return (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim() || null;
  } catch {
    return null;
  }
}

/** Reads a resume file; null when missing, unreadable or corrupt. */
export async function readResumeState(path: string): Promise<ResumeState | null> {
  try {
    return decodeResumeState(await readFile(path, 'utf8'));
  } catch {
    return null;
  }
}

function dropBytes(buffers: readonly Buffer[], count: number): readonly Buffer[] {
  let left = count;
  let index = 0;
  while (index < buffers.length && left >= (buffers[index]?.length ?? 0)) {
    left -= buffers[index]?.length ?? 0;
    index += 1;
  }
  const rest = buffers.slice(index);
  if (left > 0 && rest[0]) rest[0] = rest[0].subarray(left);
  return rest;
}
