/**
 * A fixed-length set of piece indexes in BEP 3 bit order.
 *
 * Pure: no I/O. Not thread-safe in any sense beyond JavaScript's single thread: callers that share
 * one instance between components must not mutate it while another component scans it.
 */

/** Set bits in each byte value, so counts and rank queries run a byte at a time. */
const POPCOUNT: Uint8Array = buildPopcountTable();

function buildPopcountTable(): Uint8Array {
  const table = new Uint8Array(256);
  for (let value = 1; value < 256; value++) {
    table[value] = (value & 1) + (table[value >> 1] ?? 0);
  }
  return table;
}

function popcount(bytes: Uint8Array): number {
  let total = 0;
  for (const byte of bytes) total += POPCOUNT[byte] ?? 0;
  return total;
}

const OR = 0;
const AND = 1;
const AND_NOT = 2;

/** Position (0 = high bit) of the highest set bit of a non-zero byte. */
function highBit(byte: number): number {
  return Math.clz32(byte) - 24;
}

/** Position (0 = high bit) of the lowest set bit of a non-zero byte. */
function lowBit(byte: number): number {
  return highBit(byte & -byte);
}

function assertLength(length: unknown): asserts length is number {
  if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0) {
    throw new TypeError(`bitfield length must be a non-negative integer, got ${String(length)} (${typeof length})`);
  }
}

/**
 * A fixed-length set of piece indexes, BEP 3 bit order (piece 0 is the high bit of byte 0).
 * Maintains its count in O(1).
 *
 * The spare bits of the last byte are always zero. It knows nothing about what the pieces mean:
 * "have", "peer has", "requested" and "taken" are all plain bitfields.
 */
export class Bitfield {
  /** Number of pieces (bits) in the set. */
  readonly length: number;
  private readonly bytes: Uint8Array;
  private setCount: number;

  /** An empty bitfield of `length` pieces. Throws a TypeError on a non-integer or negative length. */
  constructor(length: number) {
    assertLength(length);
    this.length = length;
    this.bytes = new Uint8Array(Math.ceil(length / 8));
    this.setCount = 0;
  }

  /**
   * A bitfield read from wire or disk bytes (BEP 3 bit order). Returns `null` when the byte length
   * is not `ceil(length / 8)` or a spare bit of the last byte is set: that is bad input, not misuse.
   * Throws a TypeError only for a bad `length` or a non-Uint8Array `bytes`.
   */
  static fromBytes(length: number, bytes: Uint8Array): Bitfield | null {
    assertLength(length);
    if (!(bytes instanceof Uint8Array)) {
      throw new TypeError(`bitfield bytes must be a Uint8Array, got ${String(bytes)} (${typeof bytes})`);
    }
    const result = new Bitfield(length);
    if (bytes.length !== result.bytes.length) return null;
    const spareBits = result.bytes.length * 8 - length;
    const last = bytes[bytes.length - 1] ?? 0;
    if (spareBits > 0 && (last & ((1 << spareBits) - 1)) !== 0) return null;
    result.bytes.set(bytes);
    result.setCount = popcount(result.bytes);
    return result;
  }

  /** A bitfield of `length` pieces with every bit set. */
  static full(length: number): Bitfield {
    const result = new Bitfield(length);
    result.bytes.fill(0xff);
    const spareBits = result.bytes.length * 8 - length;
    if (spareBits > 0) result.bytes[result.bytes.length - 1] = (0xff << spareBits) & 0xff;
    result.setCount = length;
    return result;
  }

  /** Whether piece `index` is in the set. TypeError when `index` is out of range. */
  has(index: number): boolean {
    this.assertIndex(index);
    return ((this.bytes[Math.floor(index / 8)] ?? 0) & (0x80 >> index % 8)) !== 0;
  }

  /** Adds piece `index`. TypeError when `index` is out of range. */
  set(index: number): void {
    if (this.has(index)) return;
    const byte = Math.floor(index / 8);
    this.bytes[byte] = (this.bytes[byte] ?? 0) | (0x80 >> index % 8);
    this.setCount++;
  }

  /** Removes piece `index`. TypeError when `index` is out of range. */
  clear(index: number): void {
    if (!this.has(index)) return;
    const byte = Math.floor(index / 8);
    this.bytes[byte] = (this.bytes[byte] ?? 0) & ~(0x80 >> index % 8);
    this.setCount--;
  }

  /** Number of pieces in the set, O(1). */
  count(): number {
    return this.setCount;
  }

  /** Whether every piece is in the set (true for length 0). */
  isComplete(): boolean {
    return this.setCount === this.length;
  }

  /** Whether no piece is in the set. */
  isEmpty(): boolean {
    return this.setCount === 0;
  }

  /** Index of the first clear bit at or after `from`, or -1. Skips whole 0xff bytes. */
  firstClear(from = 0): number {
    this.assertFrom(from);
    if (from >= this.length) return -1;
    let byte = Math.floor(from / 8);
    let bits = ~(this.bytes[byte] ?? 0) & (0xff >> from % 8) & 0xff;
    while (bits === 0) {
      byte++;
      if (byte >= this.bytes.length) return -1;
      bits = ~(this.bytes[byte] ?? 0) & 0xff;
    }
    const index = byte * 8 + highBit(bits);
    return index < this.length ? index : -1;
  }

  /** Index of the first set bit at or after `from`, or -1. Skips whole 0x00 bytes. */
  firstSet(from = 0): number {
    this.assertFrom(from);
    if (from >= this.length) return -1;
    let byte = Math.floor(from / 8);
    let bits = (this.bytes[byte] ?? 0) & (0xff >> from % 8);
    while (bits === 0) {
      byte++;
      if (byte >= this.bytes.length) return -1;
      bits = this.bytes[byte] ?? 0;
    }
    return byte * 8 + highBit(bits);
  }

  /**
   * Index of the last set bit at or before `from`, or -1. `from` may be -1 (answer -1) or beyond
   * the end (scans from the last piece). Skips whole 0x00 bytes.
   */
  lastSet(from: number = this.length - 1): number {
    if (!Number.isSafeInteger(from) || from < -1) {
      throw new TypeError(`bitfield lastSet from must be an integer >= -1, got ${String(from)} (${typeof from})`);
    }
    const start = Math.min(from, this.length - 1);
    if (start < 0) return -1;
    let byte = Math.floor(start / 8);
    let bits = (this.bytes[byte] ?? 0) & ((0xff << (7 - (start % 8))) & 0xff);
    while (bits === 0) {
      byte--;
      if (byte < 0) return -1;
      bits = this.bytes[byte] ?? 0;
    }
    return byte * 8 + lowBit(bits);
  }

  /** Index of the clear bit of rank `rank` (0 = the first clear bit), or -1 when there are fewer. */
  nthClear(rank: number): number {
    if (!Number.isSafeInteger(rank) || rank < 0) {
      throw new TypeError(`bitfield nthClear rank must be a non-negative integer, got ${String(rank)} (${typeof rank})`);
    }
    if (rank >= this.length - this.setCount) return -1;
    let remaining = rank;
    let byte = 0;
    for (; byte < this.bytes.length; byte++) {
      const bitsInByte = Math.min(8, this.length - byte * 8);
      const clearInByte = bitsInByte - (POPCOUNT[this.bytes[byte] ?? 0] ?? 0);
      if (remaining < clearInByte) break;
      remaining -= clearInByte;
    }
    let index = this.firstClear(byte * 8);
    for (; remaining > 0; remaining--) index = this.firstClear(index + 1);
    return index;
  }

  /** The bytes, BEP 3 bit order, spare bits zero: a copy. */
  toBytes(): Uint8Array {
    return this.bytes.slice();
  }

  /** An independent copy. */
  clone(): Bitfield {
    return this.combine(this, OR);
  }

  /** Whether both have the same length and the same pieces. */
  equals(other: Bitfield): boolean {
    if (other.length !== this.length || other.setCount !== this.setCount) return false;
    return this.bytes.every((byte, i) => byte === other.bytes[i]);
  }

  /** New bitfield: this OR other (same length, else TypeError). */
  or(other: Bitfield): Bitfield {
    return this.combine(other, OR);
  }

  /** New bitfield: this AND other (same length, else TypeError). */
  and(other: Bitfield): Bitfield {
    return this.combine(other, AND);
  }

  /** New bitfield: the pieces of this that are not in other (same length, else TypeError). */
  andNot(other: Bitfield): Bitfield {
    return this.combine(other, AND_NOT);
  }

  /**
   * Whether every piece is in this or in one of `others` (each of the same length, else
   * TypeError): `this.or(a).or(b).isComplete()` without building the unions.
   */
  unionIsComplete(...others: readonly Bitfield[]): boolean {
    for (const other of others) this.assertSameLength(other);
    if (this.isComplete() || others.some((other) => other.isComplete())) return true;
    const full = this.length >> 3;
    for (let i = 0; i < this.bytes.length; i++) {
      let byte = this.bytes[i] ?? 0;
      for (const other of others) byte |= other.bytes[i] ?? 0;
      const want = i < full ? 0xff : (0xff << (8 - (this.length & 7))) & 0xff;
      if ((byte & want) !== want) return false;
    }
    return true;
  }

  // One loop per operation, not a callback: the picker combines bitfields for every block asked.
  private combine(other: Bitfield, op: typeof OR | typeof AND | typeof AND_NOT): Bitfield {
    this.assertSameLength(other);
    const result = new Bitfield(this.length);
    const a = this.bytes;
    const b = other.bytes;
    const out = result.bytes;
    let count = 0;
    for (let i = 0; i < a.length; i++) {
      const x = a[i] ?? 0;
      const y = b[i] ?? 0;
      const byte = op === OR ? x | y : op === AND ? x & y : x & ~y & 0xff;
      out[i] = byte;
      count += POPCOUNT[byte] ?? 0;
    }
    result.setCount = count;
    return result;
  }

  private assertSameLength(other: Bitfield): void {
    if (!(other instanceof Bitfield) || other.length !== this.length) {
      const got = other instanceof Bitfield ? `length ${other.length}` : String(other);
      throw new TypeError(`bitfields must have the same length ${this.length}, got ${got}`);
    }
  }

  private assertIndex(index: number): void {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.length) {
      throw new TypeError(`piece index must be an integer in [0, ${this.length}), got ${String(index)} (${typeof index})`);
    }
  }

  private assertFrom(from: number): void {
    if (!Number.isSafeInteger(from) || from < 0) {
      throw new TypeError(`bitfield scan start must be a non-negative integer, got ${String(from)} (${typeof from})`);
    }
  }
}
