/**
 * Reusable buffers of one size for hot paths that would otherwise allocate one per block or per
 * piece (serving blocks to peers, hashing pieces on disk). Each fresh large Buffer is memory
 * outside V8's heap, and enough of it makes V8 run a full mark-compact: in a swarm that was
 * dozens per 256 MiB, about a tenth of a host's CPU.
 *
 * Not responsible for knowing when a buffer is free again: whoever took it gives it back once
 * nothing reads it any more (after the write that sends it completed, after the read and hash).
 * A buffer that is never given back is only garbage, never a hazard. Bounded: at most `maxFree`
 * idle buffers are kept. Single-threaded; no I/O.
 */

/** A pool of buffers of `bufferBytes` bytes each. */
export class BufferPool {
  readonly bufferBytes: number;
  readonly #maxFree: number;
  readonly #free: Buffer[] = [];

  /** TypeError unless both are positive safe integers. */
  constructor(bufferBytes: number, maxFree: number) {
    if (!Number.isSafeInteger(bufferBytes) || bufferBytes <= 0) throw new TypeError(`bufferBytes must be a positive integer, got ${String(bufferBytes)}`);
    if (!Number.isSafeInteger(maxFree) || maxFree <= 0) throw new TypeError(`maxFree must be a positive integer, got ${String(maxFree)}`);
    this.bufferBytes = bufferBytes;
    this.#maxFree = maxFree;
  }

  /** Idle buffers kept now. */
  get freeCount(): number {
    return this.#free.length;
  }

  /**
   * A buffer of exactly `bytes` bytes (contents unspecified): a view of a pooled buffer when
   * `bytes` fits in one, else a fresh one. Give back the view itself with {@link give}.
   */
  take(bytes: number): Buffer {
    if (bytes > this.bufferBytes) return Buffer.allocUnsafeSlow(bytes);
    const whole = this.#free.pop() ?? Buffer.allocUnsafeSlow(this.bufferBytes);
    return bytes === this.bufferBytes ? whole : whole.subarray(0, bytes);
  }

  /**
   * Returns a buffer from {@link take}; the caller must not touch it afterwards. A buffer given
   * twice is kept once (two takers must never share one).
   */
  give(buffer: Buffer): void {
    if (this.#free.length >= this.#maxFree || buffer.byteOffset !== 0 || buffer.buffer.byteLength !== this.bufferBytes) return;
    if (this.#free.some((free) => free.buffer === buffer.buffer)) return;
    this.#free.push(buffer.length === this.bufferBytes ? buffer : Buffer.from(buffer.buffer, 0, this.bufferBytes));
  }
}
