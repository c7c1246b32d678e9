/**
 * How a file of `fileBytes` is cut into pieces: the piece size, the piece count, and the byte
 * offsets of each piece. Every host of a swarm must derive the same geometry from the same file
 * size, so the default piece size depends on nothing else.
 *
 * Pure: no I/O.
 */

/** How a file is cut into pieces. All pieces are `pieceBytes` long except perhaps the last. */
export interface PieceGeometry {
  readonly fileBytes: number;
  readonly pieceBytes: number;
  readonly pieceCount: number;
}

/** The smallest piece size accepted (one BitTorrent block). */
export const MIN_PIECE_BYTES = 16 * 1024;
/** The largest piece size accepted. */
export const MAX_PIECE_BYTES = 1024 ** 3;

const AUTO_MIN_PIECE_BYTES = 256 * 1024;
const AUTO_MAX_PIECE_BYTES = 64 * 1024 * 1024;
const AUTO_TARGET_PIECES = 2048;

function assertFileBytes(fileBytes: unknown): asserts fileBytes is number {
  if (typeof fileBytes !== 'number' || !Number.isSafeInteger(fileBytes) || fileBytes < 0) {
    throw new TypeError(`fileBytes must be a non-negative integer, got ${String(fileBytes)} (${typeof fileBytes})`);
  }
}

/**
 * The default piece size, a function of the file size alone so that every host of a swarm agrees:
 * a power of two, the smallest >= fileBytes/2048, clamped to [256 KiB, 64 MiB].
 * Throws a TypeError when `fileBytes` is not a non-negative safe integer.
 */
export function autoPieceBytes(fileBytes: number): number {
  assertFileBytes(fileBytes);
  let pieceBytes = AUTO_MIN_PIECE_BYTES;
  while (pieceBytes < AUTO_MAX_PIECE_BYTES && pieceBytes * AUTO_TARGET_PIECES < fileBytes) {
    pieceBytes *= 2;
  }
  return pieceBytes;
}

/**
 * The geometry of a file of `fileBytes` cut into pieces of `preferred` bytes (any integer in
 * [MIN_PIECE_BYTES, MAX_PIECE_BYTES], not necessarily a power of two) or of
 * {@link autoPieceBytes}. An empty file has no pieces. Throws a TypeError on bad numbers.
 * It does not decide whether two hosts use the same geometry: that is the caller's agreement.
 */
export function pieceGeometry(fileBytes: number, preferred: number | 'auto'): PieceGeometry {
  assertFileBytes(fileBytes);
  if (preferred !== 'auto') {
    const valid = typeof preferred === 'number' && Number.isSafeInteger(preferred);
    if (!valid || preferred < MIN_PIECE_BYTES || preferred > MAX_PIECE_BYTES) {
      throw new TypeError(
        `piece size must be 'auto' or an integer in [${MIN_PIECE_BYTES}, ${MAX_PIECE_BYTES}], got ${String(preferred)} (${typeof preferred})`,
      );
    }
  }
  const pieceBytes = preferred === 'auto' ? autoPieceBytes(fileBytes) : preferred;
  return { fileBytes, pieceBytes, pieceCount: Math.ceil(fileBytes / pieceBytes) };
}

function assertPiece(g: PieceGeometry, index: number, endInclusive: boolean): void {
  const limit = endInclusive ? g.pieceCount : g.pieceCount - 1;
  if (!Number.isSafeInteger(index) || index < 0 || index > limit) {
    throw new TypeError(`piece index must be an integer in [0, ${limit}], got ${String(index)} (${typeof index})`);
  }
}

/**
 * Byte offset of the first byte of piece `index`. `index` may equal `pieceCount`, which gives
 * `fileBytes`: so `[pieceStart(g, run.startPiece), pieceStart(g, run.endPiece))` is a run's byte
 * range. TypeError when `index` is outside [0, pieceCount].
 */
export function pieceStart(g: PieceGeometry, index: number): number {
  assertPiece(g, index, true);
  return Math.min(index * g.pieceBytes, g.fileBytes);
}

/** Length in bytes of piece `index`; the last piece may be short. TypeError when out of range. */
export function pieceLength(g: PieceGeometry, index: number): number {
  assertPiece(g, index, false);
  return Math.min(g.pieceBytes, g.fileBytes - index * g.pieceBytes);
}

/** Index of the piece containing byte `offset`. TypeError when `offset` is outside [0, fileBytes). */
export function pieceAt(g: PieceGeometry, offset: number): number {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset >= g.fileBytes) {
    throw new TypeError(`byte offset must be an integer in [0, ${g.fileBytes}), got ${String(offset)} (${typeof offset})`);
  }
  return Math.floor(offset / g.pieceBytes);
}
