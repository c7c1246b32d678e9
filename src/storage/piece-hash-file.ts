/**
 * The per-piece digests of one cache entry, in memory and in `<entry>/hashes-<pieceBytes>`: one
 * 16-byte record per piece at offset `index * 16`, all zero for a piece without a digest. The file
 * name carries the piece size, so digests of another piece size are never mistaken for these.
 *
 * Records are written in place by {@link PieceHashFile.flush}, which the piece store runs before
 * it writes the resume file: the resume file never claims a piece whose digest is not on disk
 * first. A torn or wrong record costs at most that piece (its check fails and it is fetched
 * again), never a wrong piece taken as good.
 *
 * Not responsible for which pieces are complete (the resume file) nor for hashing.
 * Concurrency: flushes must not overlap (the piece store serialises them).
 */
import { constants as fsConstants } from 'node:fs';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { PieceGeometry } from '../piece-picker/piece-geometry.js';
import { PIECE_HASH_BYTES } from './piece-digest.js';

/** Digests of one entry's pieces. */
export class PieceHashFile {
  readonly path: string;
  readonly #records: Buffer;
  readonly #dirty = new Set<number>();
  readonly #fd: FileHandle;

  private constructor(path: string, records: Buffer, fd: FileHandle) {
    this.path = path;
    this.#records = records;
    this.#fd = fd;
  }

  /** Opens (or creates) the digest file of `geometry` in `directory`; a file of the wrong size is ignored. */
  static async open(directory: string, geometry: PieceGeometry): Promise<PieceHashFile> {
    const path = join(directory, `hashes-${geometry.pieceBytes}`);
    const size = geometry.pieceCount * PIECE_HASH_BYTES;
    const saved = await readFile(path).catch(() => null);
    const records = saved && saved.length === size ? saved : Buffer.alloc(size);
    const fd = await open(path, fsConstants.O_RDWR | fsConstants.O_CREAT, 0o644);
    if (records !== saved) await fd.truncate(0).then(() => fd.truncate(size));
    return new PieceHashFile(path, records, fd);
  }

  /** The digest of piece `index`, or null when there is none. A view: do not mutate. */
  get(index: number): Buffer | null {
    const record = this.#records.subarray(index * PIECE_HASH_BYTES, (index + 1) * PIECE_HASH_BYTES);
    return record.some((byte) => byte !== 0) ? record : null;
  }

  /** Records the digest of piece `index` (persisted by the next flush). */
  set(index: number, digest: Uint8Array): void {
    if (digest.length !== PIECE_HASH_BYTES) throw new TypeError(`a piece digest has ${PIECE_HASH_BYTES} bytes, got ${digest.length}`);
    this.#records.set(digest, index * PIECE_HASH_BYTES);
    this.#dirty.add(index);
  }

  /** Writes the records set since the last flush. */
  async flush(): Promise<void> {
    const indexes = [...this.#dirty].sort((a, b) => a - b);
    this.#dirty.clear();
    try {
      for (let i = 0; i < indexes.length; ) {
        const first = indexes[i] as number;
        let end = first + 1;
        while (indexes[i + end - first] === end) end += 1;
        const bytes = this.#records.subarray(first * PIECE_HASH_BYTES, end * PIECE_HASH_BYTES);
        await this.#fd.write(bytes, 0, bytes.length, first * PIECE_HASH_BYTES);
        i += end - first;
      }
    } catch (err) {
      for (const index of indexes) this.#dirty.add(index);
      throw err;
    }
  }

  /** Makes the records durable. */
  async sync(): Promise<void> {
    await this.#fd.datasync();
  }

  /** Closes the file. */
  async close(): Promise<void> {
    await this.#fd.close().catch(() => undefined);
  }
}
