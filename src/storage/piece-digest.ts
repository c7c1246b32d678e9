/**
 * The per-piece digest of the swarm: SHA-256 truncated to 16 bytes. Chosen by measurement on the
 * build machine (`scripts/bench-hash.js`; x86-64 with SHA-NI, Node 20, 1 MiB updates): sha1 1705
 * MiB/s, sha256 1503 MiB/s, blake2b512 917 MiB/s, md5 588 MiB/s. SHA-256 is within 15% of SHA-1
 * and has no known collisions;
 * 128 bits are plenty against accidental corruption and second preimages.
 *
 * {@link StreamDigester} hashes the bytes of a contiguous run as they are written, cut at piece
 * boundaries, so the host that fetches a piece from the origin hashes it without reading it back.
 * It takes either that digest or the piece's CRC-32 ({@link pieceCrc}): the local check sum of a
 * host without peers, a third of the CPU, which only has to tell a piece on disk from damage.
 *
 * Pure (node:crypto computes, it does no I/O). Not responsible for where bytes come from.
 */
import { createHash, type Hash } from 'node:crypto';
import { pieceAt, pieceLength, pieceStart, type PieceGeometry } from '../pieces/piece-geometry.js';
import { PIECE_HASH_BYTES } from '../wire/codec.js';

export { PIECE_HASH_BYTES };

/** The hash algorithm of piece digests (before truncation). */
export const PIECE_HASH_ALGORITHM = 'sha256';

/** A fresh incremental hash for one piece. */
export function newPieceHash(): Hash {
  return createHash(PIECE_HASH_ALGORITHM);
}

/** The truncated digest of a finished piece hash. */
export function finishPieceHash(hash: Hash): Buffer {
  return hash.digest().subarray(0, PIECE_HASH_BYTES);
}

/** The digest of `bytes` (a whole piece). */
export function pieceDigest(bytes: Uint8Array): Buffer {
  return finishPieceHash(newPieceHash().update(bytes));
}

/** A CRC-32 function such as zlib's `crc32` (passed in: start-up does not load zlib). */
export type Crc32 = (bytes: Uint8Array, value: number) => number;

/** What a {@link StreamDigester} takes of each piece: the swarm digest, or a CRC-32 by that function. */
export type PieceSumKind = 'digest' | Crc32;

/** The CRC-32 of `bytes` (a whole piece), as stored: 4 bytes, big-endian. */
export function pieceCrc(bytes: Uint8Array, crc32: Crc32): Buffer {
  return crcRecord(crc32(bytes, 0));
}

function crcRecord(crc: number): Buffer {
  const record = Buffer.allocUnsafe(4);
  record.writeUInt32BE(crc >>> 0);
  return record;
}

/** An incremental piece sum of either kind. */
interface PieceSum {
  update(bytes: Uint8Array): void;
  finish(): Buffer;
}

function newPieceSum(kind: PieceSumKind): PieceSum {
  if (kind === 'digest') {
    const hash = newPieceHash();
    return { update: (bytes) => hash.update(bytes), finish: () => finishPieceHash(hash) };
  }
  let crc = 0;
  return {
    update: (bytes) => {
      crc = kind(bytes, crc);
    },
    finish: () => crcRecord(crc),
  };
}

/**
 * Hashes a run of bytes written contiguously from a piece boundary, and yields each piece's
 * digest when its last byte has been fed. Feeding at any other position than where the previous
 * feed ended restarts it there when that is a piece start; otherwise the digester stops (every
 * piece it has not finished gets no digest from it, and the caller hashes those from disk).
 * Not concurrent: one run, one digester.
 */
export class StreamDigester {
  readonly #geometry: PieceGeometry;
  readonly #kind: PieceSumKind;
  #at: number;
  #piece: number;
  #hash: PieceSum | null;

  /** Starts at byte `start`, which must be a piece start (else the digester starts stopped). */
  constructor(geometry: PieceGeometry, start: number, kind: PieceSumKind = 'digest') {
    this.#geometry = geometry;
    this.#kind = kind;
    this.#at = start;
    this.#piece = start < geometry.fileBytes ? pieceAt(geometry, start) : geometry.pieceCount;
    this.#hash = this.#piece < geometry.pieceCount && pieceStart(geometry, this.#piece) === start ? newPieceSum(kind) : null;
  }

  /** What it takes of each piece. */
  get kind(): 'digest' | 'crc32' {
    return this.#kind === 'digest' ? 'digest' : 'crc32';
  }

  /** Feeds `buffers`, written at `position`; returns the pieces finished with their sums (see `kind`). */
  feed(position: number, buffers: readonly Uint8Array[]): Array<{ piece: number; digest: Buffer }> {
    if (position !== this.#at) this.#restart(position);
    const done: Array<{ piece: number; digest: Buffer }> = [];
    for (const buffer of buffers) {
      let offset = 0;
      while (offset < buffer.length && this.#piece < this.#geometry.pieceCount) {
        const pieceEnd = pieceStart(this.#geometry, this.#piece) + pieceLength(this.#geometry, this.#piece);
        const take = Math.min(buffer.length - offset, pieceEnd - this.#at);
        this.#hash?.update(buffer.subarray(offset, offset + take));
        offset += take;
        this.#at += take;
        if (this.#at === pieceEnd) {
          if (this.#hash) done.push({ piece: this.#piece, digest: this.#hash.finish() });
          this.#piece += 1;
          this.#hash = newPieceSum(this.#kind);
        }
      }
      this.#at += buffer.length - offset;
    }
    return done;
  }

  #restart(position: number): void {
    this.#at = position;
    if (position >= this.#geometry.fileBytes) {
      this.#piece = this.#geometry.pieceCount;
      this.#hash = null;
      return;
    }
    this.#piece = pieceAt(this.#geometry, position);
    this.#hash = pieceStart(this.#geometry, this.#piece) === position ? newPieceSum(this.#kind) : null;
  }
}
