/**
 * fast-check arbitraries and helpers for the wire codec, frame decoder and handshake: valid
 * messages, streams of frames with their cut points, "frame soup" (frames whose length prefix, id
 * and body are each sometimes wrong), and handshakes and hellos with bytes flipped. Shared by the
 * property and fuzz tests and by `scripts/fuzz-wire.js` (through dist/testing/).
 *
 * Test support, never loaded by the programs (fast-check is a devDependency). Pure: fast-check
 * draws the randomness from its own seed.
 */
import fc from 'fast-check';
import { MAX_BLOCK_BYTES, MAX_FETCHING_RUNS, MAX_PEX_PEERS, MessageId, PIECE_HASH_BYTES, encodeMessage } from '../wire/codec.js';
import type { PexAddress, PieceRun, WireMessage } from '../wire/codec.js';
import { formatIpAddress } from '../wire/ip-address.js';
import { FrameDecoder } from '../wire/frame-decoder.js';
import { encodeHandshake, encodeHello } from '../wire/handshake.js';
import { WireError } from '../wire/wire-error.js';

/** The ids of the messages the codec knows. */
export const KNOWN_IDS: ReadonlySet<number> = new Set(Object.values(MessageId));

const u32 = fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(0, 1, 0xfffffffe, 0xffffffff));
const blockLength = fc.oneof(fc.integer({ min: 1, max: MAX_BLOCK_BYTES }), fc.constantFrom(1, MAX_BLOCK_BYTES));
const blockRef = fc.record({ piece: u32, begin: u32, length: blockLength });
const run: fc.Arbitrary<PieceRun> = fc
  .tuple(u32, u32)
  .filter(([a, b]) => a !== b)
  .map(([a, b]) => ({ startPiece: Math.min(a, b), endPiece: Math.max(a, b) }));

/** A TCP port, 1..65535, often at the ends. */
export const tcpPort: fc.Arbitrary<number> = fc.oneof(fc.integer({ min: 1, max: 0xffff }), fc.constantFrom(1, 0xffff));

/** 16 bytes rich in zero runs and `ffff` words, so IPv6 text compression and mapped forms get drawn. */
export const ipv6Bytes: fc.Arbitrary<Uint8Array> = fc
  .array(fc.oneof(fc.constantFrom(0, 0, 0xffff, 1), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 })
  .map((words) => {
    const bytes = new Uint8Array(16);
    words.forEach((word, i) => { bytes[i * 2] = word >> 8; bytes[i * 2 + 1] = word & 0xff; });
    return bytes;
  });

/** An IPv4 or IPv6 address in canonical text (as `peers` decodes it). */
export const ipAddressText: fc.Arbitrary<string> = fc
  .oneof(fc.uint8Array({ minLength: 4, maxLength: 4 }), ipv6Bytes)
  .map((bytes) => formatIpAddress(bytes));

/** A listen address as a `peers` entry carries it: canonical address text and a port. */
export const pexAddress: fc.Arbitrary<PexAddress> = fc.record({ address: ipAddressText, port: tcpPort });

/** Any valid message, with small bitfields and blocks. */
export const wireMessage: fc.Arbitrary<WireMessage> = fc.oneof(
  fc.constantFrom<WireMessage>(
    { type: 'keep-alive' }, { type: 'choke' }, { type: 'unchoke' }, { type: 'interested' }, { type: 'not-interested' },
  ),
  u32.map((piece): WireMessage => ({ type: 'have', piece })),
  fc.uint8Array({ maxLength: 40 }).map((bytes): WireMessage => ({ type: 'bitfield', bytes })),
  blockRef.map((ref): WireMessage => ({ type: 'request', ...ref })),
  blockRef.map((ref): WireMessage => ({ type: 'cancel', ...ref })),
  blockRef.map((ref): WireMessage => ({ type: 'reject', ...ref })),
  fc.record({ piece: u32, begin: u32, block: fc.uint8Array({ minLength: 1, maxLength: 40 }) })
    .map((m): WireMessage => ({ type: 'piece', ...m })),
  fc.oneof(fc.array(run, { maxLength: 8 }), fc.array(run, { minLength: MAX_FETCHING_RUNS, maxLength: MAX_FETCHING_RUNS }))
    .map((runs): WireMessage => ({ type: 'fetching', runs })),
  fc.record({ hops: fc.integer({ min: 0, max: 255 }), runs: fc.array(run, { maxLength: 8 }) })
    .map((m): WireMessage => ({ type: 'claims', ...m })),
  fc.record({ piece: u32, hash: fc.uint8Array({ minLength: PIECE_HASH_BYTES, maxLength: PIECE_HASH_BYTES }) })
    .map((m): WireMessage => ({ type: 'piece-hash', ...m })),
  tcpPort.map((port): WireMessage => ({ type: 'listen', port })),
  fc.oneof(fc.array(pexAddress, { maxLength: 8 }), fc.array(pexAddress, { minLength: MAX_PEX_PEERS, maxLength: MAX_PEX_PEERS }))
    .map((added): WireMessage => ({ type: 'peers', added })),
  fc.integer({ min: 0, max: 255 }).filter((id) => !KNOWN_IDS.has(id)).map((id): WireMessage => ({ type: 'unknown', id })),
);

/** The concatenated frames of `messages`. */
export function encodeStream(messages: readonly WireMessage[]): Buffer {
  return Buffer.concat(messages.map((m) => encodeMessage(m)));
}

/** Up to 16 cut points for {@link splitAt}. */
export const cuts: fc.Arbitrary<number[]> = fc.array(fc.nat(), { maxLength: 16 });

/** `bytes` cut at `cutPoints` (any naturals; taken modulo the length, sorted, deduplicated). */
export function splitAt(bytes: Uint8Array, cutPoints: readonly number[]): Uint8Array[] {
  const points = [...new Set(cutPoints.map((cut) => (bytes.length === 0 ? 0 : cut % bytes.length)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  return chunks;
}

/** Up to `count` changes `[offset, byte]` with offsets up to `maxOffset`, for {@link flipped}. */
export function byteFlips(maxOffset: number, count: number): fc.Arbitrary<Array<[number, number]>> {
  return fc.array(fc.tuple(fc.nat({ max: maxOffset }), fc.nat({ max: 255 })), { maxLength: count });
}

/** A copy of `bytes` with each change `[offset, byte]` applied (offsets taken modulo the length). */
export function flipped(bytes: Uint8Array, changes: ReadonlyArray<readonly [number, number]>): Buffer {
  const out = Buffer.from(bytes);
  for (const [at, value] of changes) if (out.length > 0) out[at % out.length] = value;
  return out;
}

/** Gives a body a plausible `fetching` run count, so run decoding gets exercised. */
function withRunCount(body: Uint8Array): Uint8Array {
  const out = Buffer.from(body);
  out.writeUInt16BE(Math.floor((body.length - 2) / 8), 0);
  return out;
}

/** One `peers`-like entry, and whether it is a well-formed one. */
interface SoupPeersEntry {
  readonly bytes: Uint8Array;
  readonly wellFormed: boolean;
}

/** One `peers`-like entry: a family that is usually 4 or 6, address bytes, a port, maybe cut short. */
const soupPeersEntry: fc.Arbitrary<SoupPeersEntry> = fc
  .record({
    family: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(4, 6) }, { weight: 1, arbitrary: fc.nat({ max: 255 }) }),
    bytes: fc.uint8Array({ minLength: 18, maxLength: 18 }),
    port: fc.oneof(fc.constant(0), fc.nat({ max: 0xffff })),
    cutBytes: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 18 }) }),
  })
  .map(({ family, bytes, port, cutBytes }) => {
    const entry = Buffer.alloc(1 + (family === 4 ? 4 : 16) + 2);
    entry[0] = family;
    entry.set(bytes.subarray(0, entry.length - 3), 1);
    entry.writeUInt16BE(port, entry.length - 2);
    const wellFormed = (family === 4 || family === 6) && port !== 0 && cutBytes === 0;
    return { bytes: entry.subarray(0, Math.max(1, entry.length - cutBytes)), wellFormed };
  });

/** A body of a few `peers`-like entries, so entry decoding gets exercised. */
const soupPeersBody: fc.Arbitrary<Uint8Array> = fc
  .array(soupPeersEntry, { maxLength: 4 })
  .map((entries) => Buffer.concat(entries.map((entry) => entry.bytes)));

/**
 * A `peers` payload (id included) of up to {@link MAX_PEX_PEERS} + 1 entries, most well formed,
 * and whether the codec must accept it: every entry well formed and at most the cap.
 */
export const hostilePeersPayload: fc.Arbitrary<{ payload: Uint8Array; mustAccept: boolean }> = fc
  .oneof(
    fc.array(soupPeersEntry, { maxLength: 6 }),
    fc.array(soupPeersEntry.filter((entry) => entry.wellFormed), { minLength: MAX_PEX_PEERS - 1, maxLength: MAX_PEX_PEERS + 1 }),
  )
  .map((entries) => ({
    payload: Buffer.concat([Uint8Array.of(MessageId.peers), ...entries.map((entry) => entry.bytes)]),
    mustAccept: entries.length <= MAX_PEX_PEERS && entries.every((entry) => entry.wellFormed),
  }));

/** One frame of soup: a length prefix that is often but not always right, an id, a body. */
const soupFrame: fc.Arbitrary<Uint8Array> = fc
  .record({
    id: fc.oneof(fc.constantFrom(...KNOWN_IDS), fc.integer({ min: 0, max: 255 }), fc.constant(MessageId.peers)),
    body: fc.oneof(fc.uint8Array({ maxLength: 24 }), fc.uint8Array({ minLength: 2, maxLength: 40 }).map(withRunCount), soupPeersBody),
    prefix: fc.oneof(
      { weight: 6, arbitrary: fc.constant(-1) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 64 }) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffffffff }) },
    ),
    truncate: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  })
  .map(({ id, body, prefix, truncate }) => {
    const frame = Buffer.alloc(5 + body.length);
    frame.writeUInt32BE(prefix === -1 ? 1 + body.length : prefix, 0);
    frame[4] = id;
    frame.set(body, 5);
    return truncate ? frame.subarray(0, 4) : frame;
  });

/** Byte streams likely to reach every decoder branch: frame soup, mutated valid streams, noise. */
export const hostileStream: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.array(soupFrame, { maxLength: 8 }).map((frames) => Buffer.concat(frames)),
  fc
    .tuple(fc.array(wireMessage, { minLength: 1, maxLength: 6 }), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 4 }))
    .map(([messages, changes]) => flipped(encodeStream(messages), changes)),
  fc.uint8Array({ maxLength: 200 }),
);

/** A frame cap, from the minimum up to small enough that soup frames hit it. */
export const smallMaxFrameBytes: fc.Arbitrary<number> = fc.integer({ min: 13, max: 300 });

/** Handshakes with a few bytes flipped, and noise of handshake-like lengths. */
export const hostileHandshake: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.tuple(fc.uint8Array({ minLength: 52, maxLength: 52 }), byteFlips(79, 3))
    .map(([ids, changes]) => flipped(encodeHandshake({ swarmId: ids.subarray(0, 32), peerId: ids.subarray(32) }), changes)),
  fc.uint8Array({ minLength: 78, maxLength: 82 }),
);

/** Hellos with a few bytes flipped, and noise of hello-like lengths. */
export const hostileHello: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.tuple(fc.uint8Array({ minLength: 84, maxLength: 84 }), byteFlips(111, 3))
    .map(([ids, changes]) => flipped(
      encodeHello({ swarmId: ids.subarray(0, 32), peerId: ids.subarray(32, 52), nonce: ids.subarray(52) }),
      changes,
    )),
  fc.uint8Array({ minLength: 78, maxLength: 114 }),
);

/**
 * Feeds `chunks` to a fresh decoder, draining after each push, and checks the memory bound
 * (throws a plain Error when it is broken). Returns the messages and the WireError that stopped
 * it, if any; anything else thrown propagates.
 */
export function feed(maxFrameBytes: number, chunks: readonly Uint8Array[]): { messages: WireMessage[]; error: WireError | null } {
  const decoder = new FrameDecoder({ maxFrameBytes });
  const messages: WireMessage[] = [];
  for (const chunk of chunks) {
    decoder.push(chunk);
    if (decoder.bufferedBytes > maxFrameBytes + chunk.length) {
      throw new Error(`bufferedBytes ${decoder.bufferedBytes} > ${maxFrameBytes} + ${chunk.length}`);
    }
    try {
      for (let m = decoder.next(); m !== null; m = decoder.next()) messages.push(m);
    } catch (err) {
      if (err instanceof WireError) return { messages, error: err };
      throw err;
    }
    if (decoder.bufferedBytes >= Math.max(maxFrameBytes, 4)) {
      throw new Error(`bufferedBytes ${decoder.bufferedBytes} after draining, cap ${maxFrameBytes}`);
    }
  }
  return { messages, error: null };
}
