/**
 * Per-piece records of one cache entry, in memory and in `<entry>/<kind>-<pieceBytes>`: one
 * fixed-size record per piece at offset `index * recordBytes`, all zero for a piece without one.
 * Two kinds: the swarm digests ({@link PIECE_DIGESTS}, SHA-256/128, what peers check copies
 * against) and the local check sums ({@link PIECE_CRCS}, CRC-32, what a lost resume file is
 * checked against when a piece has no digest). The file name carries the piece size, so records
 * of another piece size are never mistaken for these.
 *
 * Records are written in place by {@link PieceHashFile.flush}, which the piece store runs before
 * it writes the resume file. A torn or wrong record costs at most that piece (its check fails and
 * it is fetched again), never a wrong piece taken as good: the whole-file MD5 checks what a CRC
 * let through.
 *
 * Not responsible for which pieces are complete (the resume file) nor for hashing.
 * Concurrency: flushes must not overlap (the piece store serialises them).
 */
import { constants as fsConstants } from 'node:fs';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { PieceGeometry } from '../pieces/piece-geometry.js';
import { PIECE_HASH_BYTES } from './piece-digest.js';

/** What a record file holds: its name and its record size. */
export interface RecordKind {
  readonly name: string;
  readonly recordBytes: number;
}

/** The swarm digests: SHA-256 truncated to {@link PIECE_HASH_BYTES}. */
export const PIECE_DIGESTS: RecordKind = { name: 'hashes', recordBytes: PIECE_HASH_BYTES };
/** The local check sums: CRC-32, big-endian (a CRC of 0 is taken as no record). */
export const PIECE_CRCS: RecordKind = { name: 'crc32', recordBytes: 4 };

/** Records of one entry's pieces. */
export class PieceHashFile {
  readonly path: string;
  readonly #recordBytes: number;
  readonly #records: Buffer;
  readonly #dirty = new Set<number>();
  readonly #fd: FileHandle;

  private constructor(path: string, recordBytes: number, records: Buffer, fd: FileHandle) {
    this.path = path;
    this.#recordBytes = recordBytes;
    this.#records = records;
    this.#fd = fd;
  }

  /** Opens (or creates) the record file of `geometry` in `directory`; a file of the wrong size is ignored. */
  static async open(directory: string, geometry: PieceGeometry, kind: RecordKind = PIECE_DIGESTS): Promise<PieceHashFile> {
    const path = join(directory, `${kind.name}-${geometry.pieceBytes}`);
    const size = geometry.pieceCount * kind.recordBytes;
    const saved = await readFile(path).catch(() => null);
    const records = saved && saved.length === size ? saved : Buffer.alloc(size);
    const fd = await open(path, fsConstants.O_RDWR | fsConstants.O_CREAT, 0o644);
    if (records !== saved) await fd.truncate(0).then(() => fd.truncate(size));
    return new PieceHashFile(path, kind.recordBytes, records, fd);
  }

  /** The record of piece `index`, or null when there is none. A view: do not mutate. */
  get(index: number): Buffer | null {
    const record = this.#records.subarray(index * this.#recordBytes, (index + 1) * this.#recordBytes);
    return record.some((byte) => byte !== 0) ? record : null;
  }

  /** Records `record` for piece `index` (persisted by the next flush); all zeros clears it. */
  set(index: number, record: Uint8Array): void {
    if (record.length !== this.#recordBytes) throw new TypeError(`a piece record here has ${this.#recordBytes} bytes, got ${record.length}`);
    this.#records.set(record, index * this.#recordBytes);
    this.#dirty.add(index);
  }

  /** Forgets the record of piece `index` (persisted by the next flush). */
  clear(index: number): void {
    this.#records.fill(0, index * this.#recordBytes, (index + 1) * this.#recordBytes);
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
        const bytes = this.#records.subarray(first * this.#recordBytes, end * this.#recordBytes);
        await this.#fd.write(bytes, 0, bytes.length, first * this.#recordBytes);
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
