/**
 * Incremental splitting of a byte stream into wire frames (BEP 3: `u32` big-endian length, then
 * the payload), each decoded with {@link decodePayload}.
 *
 * Pure: no I/O. Not responsible for: the handshake that precedes the frames (the shell strips it),
 * reading the socket, or acting on messages.
 */

import { LENGTH_PREFIX_BYTES, decodePayload, readU32 } from './codec.js';
import type { WireMessage } from './codec.js';
import { WireError } from './wire-error.js';

/** Options of {@link FrameDecoder}. */
export interface FrameDecoderOptions {
  /**
   * Largest payload accepted (bytes after the length prefix). An integer in [13, 2^32 - 1]: at
   * least a `request` frame. Pass `MAX_FRAME_BYTES`, or more when a bitfield needs it.
   */
  maxFrameBytes: number;
  /**
   * Allocates the buffer of a frame split across chunks (`bytes` at most `maxFrameBytes`), e.g.
   * from a pool the consumer of the message gives it back to. @default `Buffer.allocUnsafe`
   */
  allocate?: (bytes: number) => Uint8Array;
}

/** Smallest `maxFrameBytes`: the payload of a `request`, `cancel` or `reject`. */
export const MIN_MAX_FRAME_BYTES = 13;

const EMPTY = new Uint8Array(0);

/**
 * Splits pushed chunks into frames and decodes them: `push(chunk)`, then call `next()` until it
 * returns `null`, then push the next chunk. Frames may be split across chunks at any byte, and a
 * chunk may hold many frames.
 *
 * Memory: it holds at most one partial frame plus the current chunk. A length prefix above
 * `maxFrameBytes` throws `FRAME_TOO_LARGE` before anything is allocated for it. A frame that lies
 * inside one chunk is decoded in place (its `block`/`bytes` are views of the chunk); a frame
 * split across chunks is copied once into a buffer of its exact size. Callers must not mutate
 * a chunk after pushing it.
 *
 * After a `WireError` the decoder is dead: `push` and `next` throw the same error again.
 * Single-threaded, synchronous; not re-entrant.
 */
export class FrameDecoder {
  private readonly maxFrameBytes: number;
  private readonly allocate: (bytes: number) => Uint8Array;
  private chunk: Uint8Array = EMPTY;
  private chunkOffset = 0;
  private readonly prefix = new Uint8Array(LENGTH_PREFIX_BYTES);
  private prefixFilled = 0;
  private frame: Uint8Array | null = null;
  private frameFilled = 0;
  private failure: WireError | null = null;

  /** Throws a `TypeError` when `maxFrameBytes` is not an integer in [13, 2^32 - 1]. */
  constructor(opts: FrameDecoderOptions) {
    const max = opts?.maxFrameBytes;
    if (!Number.isInteger(max) || max < MIN_MAX_FRAME_BYTES || max > 0xffffffff) {
      throw new TypeError(`FrameDecoder: maxFrameBytes must be an integer in [${MIN_MAX_FRAME_BYTES}, 2^32 - 1], got ${String(max)} (${typeof max})`);
    }
    this.maxFrameBytes = max;
    this.allocate = opts.allocate ?? ((bytes) => Buffer.allocUnsafe(bytes));
  }

  /**
   * Bytes pushed and not yet returned as messages (the length prefix of the frame in progress is
   * not counted once read). At most `maxFrameBytes - 1` after `next()` returned `null`, plus the
   * size of the chunk pushed since.
   */
  get bufferedBytes(): number {
    return this.prefixFilled + this.frameFilled + (this.chunk.length - this.chunkOffset);
  }

  /**
   * Adds a chunk of the stream. Throws a `TypeError` when `chunk` is not a Uint8Array or the
   * previous chunk is not used up yet (call `next()` until it returns `null` first), and the
   * stored `WireError` when the decoder has failed.
   */
  push(chunk: Uint8Array): void {
    if (this.failure !== null) throw this.failure;
    if (!(chunk instanceof Uint8Array)) {
      throw new TypeError(`FrameDecoder.push: chunk must be a Uint8Array, got ${String(chunk)} (${typeof chunk})`);
    }
    if (this.chunkOffset < this.chunk.length) {
      throw new TypeError(`FrameDecoder.push: ${this.chunk.length - this.chunkOffset} bytes of the previous chunk are unread; call next() until it returns null first`);
    }
    this.chunk = chunk;
    this.chunkOffset = 0;
  }

  /**
   * The next complete message, or `null` when more bytes are needed. Throws a `WireError` when the
   * peer broke the protocol (`FRAME_TOO_LARGE`, `BAD_LENGTH`, `BAD_FIELD`); never throws anything
   * else for any bytes.
   */
  next(): WireMessage | null {
    if (this.failure !== null) throw this.failure;
    if (this.frame === null) {
      const payloadBytes = this.readLengthPrefix();
      if (payloadBytes === null) return null;
      if (payloadBytes > this.maxFrameBytes) {
        return this.fail(new WireError('FRAME_TOO_LARGE', `frame of ${payloadBytes} bytes exceeds the cap of ${this.maxFrameBytes}`));
      }
      if (payloadBytes === 0) return { type: 'keep-alive' };
      if (this.chunk.length - this.chunkOffset >= payloadBytes) {
        const payload = this.chunk.subarray(this.chunkOffset, this.chunkOffset + payloadBytes);
        this.consume(payloadBytes);
        return this.decode(payload);
      }
      this.frame = this.allocate(payloadBytes);
      if (this.frame.length !== payloadBytes) throw new TypeError(`FrameDecoder: allocate(${payloadBytes}) returned ${this.frame.length} bytes`);
      this.frameFilled = 0;
    }
    return this.continueFrame(this.frame);
  }

  /** Copies what the chunk has of the frame in progress; decodes it once complete. */
  private continueFrame(frame: Uint8Array): WireMessage | null {
    const copyBytes = Math.min(frame.length - this.frameFilled, this.chunk.length - this.chunkOffset);
    frame.set(this.chunk.subarray(this.chunkOffset, this.chunkOffset + copyBytes), this.frameFilled);
    this.frameFilled += copyBytes;
    this.consume(copyBytes);
    if (this.frameFilled < frame.length) return null;
    this.frame = null;
    this.frameFilled = 0;
    return this.decode(frame);
  }

  /** The payload length once all four prefix bytes are here, else `null` (partial prefix kept). */
  private readLengthPrefix(): number | null {
    const available = this.chunk.length - this.chunkOffset;
    if (this.prefixFilled === 0 && available >= LENGTH_PREFIX_BYTES) {
      const payloadBytes = readU32(this.chunk, this.chunkOffset);
      this.consume(LENGTH_PREFIX_BYTES);
      return payloadBytes;
    }
    const copyBytes = Math.min(LENGTH_PREFIX_BYTES - this.prefixFilled, available);
    this.prefix.set(this.chunk.subarray(this.chunkOffset, this.chunkOffset + copyBytes), this.prefixFilled);
    this.prefixFilled += copyBytes;
    this.consume(copyBytes);
    if (this.prefixFilled < LENGTH_PREFIX_BYTES) return null;
    this.prefixFilled = 0;
    return readU32(this.prefix, 0);
  }

  /** Advances past `bytes` of the chunk and lets go of the chunk once it is used up. */
  private consume(bytes: number): void {
    this.chunkOffset += bytes;
    if (this.chunkOffset >= this.chunk.length) {
      this.chunk = EMPTY;
      this.chunkOffset = 0;
    }
  }

  private decode(payload: Uint8Array): WireMessage {
    const message = decodePayload(payload);
    return message instanceof WireError ? this.fail(message) : message;
  }

  private fail(error: WireError): never {
    this.failure = error;
    this.chunk = EMPTY;
    this.chunkOffset = 0;
    this.frame = null;
    this.frameFilled = 0;
    this.prefixFilled = 0;
    throw error;
  }
}

