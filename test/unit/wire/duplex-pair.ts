/**
 * An in-memory pair of connected Duplex streams for wire tests: what one end writes, the other
 * reads. Ending or destroying one end ends the other's readable side, like a TCP FIN. An end can
 * hold its write callbacks, to play a peer that reads slowly (backpressure).
 */
import { Duplex } from 'node:stream';

/** One end of a {@link duplexPair}. */
export class PipeEnd extends Duplex {
  other: PipeEnd | null = null;
  /** Every chunk `_write` received, in order (the same objects, not copies). */
  readonly written: Uint8Array[] = [];
  private held: Array<() => void> | null = null;

  /** From now on, write callbacks wait for {@link PipeEnd.release}. */
  hold(): void {
    this.held = [];
  }

  /** Completes held writes, including those the stream issues meanwhile, and stops holding. */
  release(): void {
    const held = this.held ?? [];
    this.held = null;
    for (let callback = held.shift(); callback !== undefined; callback = held.shift()) callback();
  }

  /** All bytes written so far, concatenated. */
  writtenBytes(): Buffer {
    return Buffer.concat(this.written);
  }

  override _read(): void {}

  override _write(chunk: Uint8Array, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.written.push(chunk);
    this.other?.push(chunk);
    if (this.held !== null) this.held.push(callback);
    else callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.endOther();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.endOther();
    callback(error);
  }

  private endOther(): void {
    if (this.other !== null && !this.other.destroyed && !this.other.readableEnded) this.other.push(null);
  }
}

/** Two connected ends. */
export function duplexPair(): [PipeEnd, PipeEnd] {
  const a = new PipeEnd();
  const b = new PipeEnd();
  a.other = b;
  b.other = a;
  return [a, b];
}
