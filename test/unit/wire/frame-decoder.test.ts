import { describe, it, expect, vi, afterEach } from 'vitest';
import { MAX_FRAME_BYTES, encodeMessage } from '../../../src/wire/codec.js';
import type { WireMessage } from '../../../src/wire/codec.js';
import { FrameDecoder } from '../../../src/wire/frame-decoder.js';
import { WireError } from '../../../src/wire/wire-error.js';
import { encodeStream } from '../../../src/testing/wire-arbitraries.js';
import { plain } from '../../helpers/plain-message.js';

/** One of every message type. */
const ALL: WireMessage[] = [
  { type: 'keep-alive' },
  { type: 'choke' },
  { type: 'unchoke' },
  { type: 'interested' },
  { type: 'not-interested' },
  { type: 'have', piece: 77 },
  { type: 'bitfield', bytes: Buffer.from('f0f0f0', 'hex') },
  { type: 'request', piece: 1, begin: 2, length: 3 },
  { type: 'piece', piece: 4, begin: 5, block: Buffer.from('some block bytes') },
  { type: 'cancel', piece: 6, begin: 7, length: 8 },
  { type: 'fetching', runs: [{ startPiece: 3, endPiece: 9 }] },
  { type: 'reject', piece: 10, begin: 11, length: 12 },
  { type: 'unknown', id: 99 },
  { type: 'keep-alive' },
];

function drain(decoder: FrameDecoder): WireMessage[] {
  const out: WireMessage[] = [];
  for (let m = decoder.next(); m !== null; m = decoder.next()) out.push(m);
  return out;
}

function catchWireError(fn: () => unknown): WireError {
  try {
    fn();
  } catch (err) {
    if (err instanceof WireError) return err;
    throw err;
  }
  throw new Error('expected a WireError');
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('FrameDecoder', () => {
  it('decodes many frames from one chunk', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: MAX_FRAME_BYTES });
    decoder.push(encodeStream(ALL));
    expect(drain(decoder).map(plain)).toEqual(ALL.map(plain));
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('decodes the same messages when the stream is split at any single byte', () => {
    const stream = encodeStream(ALL);
    for (let cut = 0; cut <= stream.length; cut++) {
      const decoder = new FrameDecoder({ maxFrameBytes: MAX_FRAME_BYTES });
      decoder.push(stream.subarray(0, cut));
      const messages = drain(decoder);
      decoder.push(stream.subarray(cut));
      messages.push(...drain(decoder));
      expect(messages.map(plain), `cut at ${cut}`).toEqual(ALL.map(plain));
    }
  });

  it('decodes the same messages when fed one byte at a time, holding only the partial frame', () => {
    const stream = encodeStream(ALL);
    const decoder = new FrameDecoder({ maxFrameBytes: 64 });
    const messages: WireMessage[] = [];
    for (let i = 0; i < stream.length; i++) {
      decoder.push(stream.subarray(i, i + 1));
      messages.push(...drain(decoder));
      expect(decoder.bufferedBytes).toBeLessThan(64);
    }
    expect(messages.map(plain)).toEqual(ALL.map(plain));
  });

  it('checks the cap before allocating: a 0xFFFFFFFF prefix fails at once', () => {
    const allocUnsafe = vi.spyOn(Buffer, 'allocUnsafe');
    const alloc = vi.spyOn(Buffer, 'alloc');
    const decoder = new FrameDecoder({ maxFrameBytes: MAX_FRAME_BYTES });
    decoder.push(Buffer.from('ffffffff', 'hex'));
    const error = catchWireError(() => decoder.next());
    expect(error.code).toBe('FRAME_TOO_LARGE');
    expect(decoder.bufferedBytes).toBe(0);
    expect(allocUnsafe).not.toHaveBeenCalled();
    expect(alloc).not.toHaveBeenCalled();
  });

  it('accepts a frame of exactly maxFrameBytes and rejects one byte more', () => {
    const ok = new FrameDecoder({ maxFrameBytes: 20 });
    ok.push(encodeMessage({ type: 'bitfield', bytes: new Uint8Array(19) }));
    expect(drain(ok)).toHaveLength(1);
    const tooBig = new FrameDecoder({ maxFrameBytes: 20 });
    tooBig.push(encodeMessage({ type: 'bitfield', bytes: new Uint8Array(20) }).subarray(0, 4));
    expect(catchWireError(() => tooBig.next()).code).toBe('FRAME_TOO_LARGE');
  });

  it('decodes a frame inside one chunk in place, and copies a split frame once into its exact size', () => {
    const block = Buffer.alloc(10_000, 7);
    const frame = encodeMessage({ type: 'piece', piece: 1, begin: 0, block });
    const whole = new FrameDecoder({ maxFrameBytes: MAX_FRAME_BYTES });
    whole.push(frame);
    const inPlace = whole.next();
    expect(inPlace?.type === 'piece' && inPlace.block.buffer).toBe(frame.buffer);

    const split = new FrameDecoder({ maxFrameBytes: MAX_FRAME_BYTES });
    split.push(frame.subarray(0, 5000));
    expect(split.next()).toBeNull();
    expect(split.bufferedBytes).toBe(4996);
    split.push(frame.subarray(5000));
    const copied = split.next();
    expect(copied?.type === 'piece' && copied.block.buffer.byteLength).toBe(9 + block.length);
    expect(copied?.type === 'piece' && Buffer.from(copied.block).equals(block)).toBe(true);
  });

  it('takes the buffer of a split frame from `allocate`, and only that one; a wrong-sized one is refused', () => {
    const block = Buffer.alloc(3000, 5);
    const frame = encodeMessage({ type: 'piece', piece: 2, begin: 0, block });
    const asked: number[] = [];
    const given: Buffer[] = [];
    const decoder = new FrameDecoder({
      maxFrameBytes: MAX_FRAME_BYTES,
      allocate: (bytes) => {
        asked.push(bytes);
        given.push(Buffer.alloc(bytes));
        return given.at(-1) as Buffer;
      },
    });
    decoder.push(encodeMessage({ type: 'have', piece: 9 }));
    expect(decoder.next()).toEqual({ type: 'have', piece: 9 });
    decoder.push(frame.subarray(0, 100));
    expect(decoder.next()).toBeNull();
    decoder.push(frame.subarray(100));
    const message = decoder.next();
    expect(asked).toEqual([9 + block.length]);
    expect(message?.type === 'piece' && message.block.buffer).toBe(given[0]?.buffer);
    expect(message?.type === 'piece' && Buffer.from(message.block).equals(block)).toBe(true);

    const bad = new FrameDecoder({ maxFrameBytes: MAX_FRAME_BYTES, allocate: (bytes) => Buffer.alloc(bytes - 1) });
    bad.push(frame.subarray(0, 100));
    expect(() => bad.next()).toThrow(TypeError);
  });

  it('refuses a push while the previous chunk is unread', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 100 });
    decoder.push(encodeStream([{ type: 'choke' }, { type: 'unchoke' }]));
    expect(decoder.next()).toEqual({ type: 'choke' });
    expect(() => decoder.push(new Uint8Array(1))).toThrow(/5 bytes of the previous chunk are unread/);
    expect(decoder.next()).toEqual({ type: 'unchoke' });
    expect(decoder.next()).toBeNull();
    expect(() => decoder.push(new Uint8Array(0))).not.toThrow();
  });

  it('throws the body error of a bad frame, and the same error on every later call', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 100 });
    decoder.push(Buffer.concat([encodeMessage({ type: 'choke' }), Buffer.from('00000002 04 00'.replace(/ /g, ''), 'hex')]));
    expect(decoder.next()).toEqual({ type: 'choke' });
    const error = catchWireError(() => decoder.next());
    expect(error.code).toBe('BAD_LENGTH');
    expect(catchWireError(() => decoder.next())).toBe(error);
    expect(catchWireError(() => decoder.push(new Uint8Array(1)))).toBe(error);
  });

  it.each([[12], [0], [-1], [1.5], [2 ** 32], ['100'], [undefined]])('rejects maxFrameBytes %j with a TypeError', (max) => {
    expect(() => new FrameDecoder({ maxFrameBytes: max as number })).toThrow(TypeError);
  });

  it('rejects a non-Uint8Array chunk with a TypeError', () => {
    expect(() => new FrameDecoder({ maxFrameBytes: 100 }).push('abc' as unknown as Uint8Array)).toThrow(TypeError);
  });
});
