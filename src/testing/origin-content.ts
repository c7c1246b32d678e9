/**
 * Pure helpers of the test origin: deterministic content and Range header parsing.
 */

/** A byte range [start, end). */
export interface ByteRange {
  start: number;
  end: number;
}

/** Deterministic pseudo-random content of `size` bytes from `seed` (xorshift32; little-endian hosts). */
export function makeContent(size: number, seed: number): Buffer {
  if (!Number.isSafeInteger(size) || size < 0) throw new TypeError(`makeContent: bad size ${String(size)}`);
  if (!Number.isSafeInteger(seed)) throw new TypeError(`makeContent: bad seed ${String(seed)}`);
  const words = Math.ceil(size / 4);
  const buffer = Buffer.allocUnsafeSlow(words * 4);
  const view = new Int32Array(buffer.buffer, buffer.byteOffset, words);
  let x = initialState(seed);
  for (let i = 0; i < words; i++) view[i] = x = xorshift32(x);
  return buffer.subarray(0, size);
}

/** One step of Marsaglia's xorshift32 on an int32 state. */
export function xorshift32(state: number): number {
  let x = state ^ (state << 13);
  x ^= x >>> 17;
  return x ^ (x << 5);
}

/** A non-zero xorshift32 state from any seed. */
export function initialState(seed: number): number {
  const mixed = Math.imul((seed | 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.floor(seed / 2 ** 32);
  return mixed === 0 ? 0x2545f491 : mixed;
}

/**
 * Parses a Range header against a file of `size` bytes: one `bytes=a-b`, `bytes=a-` or
 * `bytes=-n`. Returns `'unsatisfiable'` (answer 416) or `null` (ignore it: malformed or several ranges).
 */
export function parseRangeHeader(header: string, size: number): ByteRange | 'unsatisfiable' | null {
  const match = /^bytes=(\d*)-(\d*)$/i.exec(header.trim());
  if (match === null) return null;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return null;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return null;
  if (start >= size) return 'unsatisfiable';
  return { start, end: last === '' ? size : Math.min(size, Number(last) + 1) };
}


/**
 * Another range than `asked` of a file of `size` bytes: `'whole'`, the whole file; `'shifted'`,
 * `asked` moved one byte later (earlier at the end of the file; [1, size) when it is the whole).
 */
export function wrongRange(asked: ByteRange, size: number, shape: 'whole' | 'shifted'): ByteRange {
  if (shape === 'whole') return { start: 0, end: size };
  if (asked.end < size) return { start: asked.start + 1, end: asked.end + 1 };
  return asked.start > 0 ? { start: asked.start - 1, end: asked.end - 1 } : { start: 1, end: size };
}
