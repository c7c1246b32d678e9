/**
 * The message codec of the swarm wire protocol: BEP 3 framing (`u32` big-endian length, then
 * `u8 id` + body) with BEP 3 ids 0-8 and our own ids 20 (`fetching`), 21 (`reject`), 22
 * (`piece-hash`), for peer exchange (after BEP 11's `ut_pex`, without BEP 10's bencoded
 * extension frames) 23 (`listen`: the TCP port the sender accepts peers on) and 24 (`peers`:
 * listen addresses of peers the sender has; its body in `codec-peers.ts`), and 25 (`claims`: origin
 * runs of other hosts relayed, see `swarm/claim-gossip.ts`; run lists in `codec-runs.ts`). A peer
 * that does not know an id ignores it.
 *
 * Pure: no I/O. Free functions on bytes. Not responsible for: splitting a byte stream into frames
 * (see `frame-decoder.ts`), the handshake (see `handshake.ts`), or whether a piece index fits the
 * file (the session checks that; the codec does not know the piece count).
 */

import { assertPort, decodePeersBody, encodePeersBody } from './codec-peers.js';
import type { PexAddress } from './codec-peers.js';
import { decodeRuns, encodeRuns, type PieceRun } from './codec-runs.js';
import { WireError } from './wire-error.js';

export { MAX_PEERS_PAYLOAD_BYTES, MAX_PEX_PEERS } from './codec-peers.js';
export type { PexAddress } from './codec-peers.js';
export { MAX_FETCHING_RUNS } from './codec-runs.js';
export type { PieceRun } from './codec-runs.js';

/** Largest block a `request` may ask for and a `piece` may carry: 1 MiB. */
export const MAX_BLOCK_BYTES = 1024 * 1024;

/** Bytes of a `piece` payload before its block: id, piece, begin. */
export const PIECE_PAYLOAD_HEADER_BYTES = 9;

/** Default frame cap (payload bytes, not counting the length prefix): a full `piece` frame. */
export const MAX_FRAME_BYTES = MAX_BLOCK_BYTES + PIECE_PAYLOAD_HEADER_BYTES;

/** Bytes of the digest a `piece-hash` message carries (a truncated SHA-256 of the piece). */
export const PIECE_HASH_BYTES = 16;

/** Bytes of the length prefix of every frame. */
export const LENGTH_PREFIX_BYTES = 4;

/** Message ids on the wire: BEP 3 for 0-8, ours from 20. */
export const MessageId = {
  choke: 0,
  unchoke: 1,
  interested: 2,
  notInterested: 3,
  have: 4,
  bitfield: 5,
  request: 6,
  piece: 7,
  cancel: 8,
  fetching: 20,
  reject: 21,
  pieceHash: 22,
  listen: 23,
  peers: 24,
  claims: 25,
} as const;

/** A block of a piece: `length` bytes at byte `begin` of piece `piece`. */
export interface BlockRef {
  piece: number;
  begin: number;
  length: number;
}

/**
 * One decoded frame. `bitfield.bytes` and `piece.block` are views into the frame's bytes, not
 * copies, and so is `piece-hash.hash`. `unknown` is any id we do not know; its body is dropped (forward compatibility).
 * `peers.added` addresses decode to canonical text (see `ip-address.ts`: `1.2.3.4`, `2001:db8::1`,
 * an IPv4-mapped IPv6 address as `::ffff:1.2.3.4`).
 */
export type WireMessage =
  | { type: 'keep-alive' }
  | { type: 'choke' }
  | { type: 'unchoke' }
  | { type: 'interested' }
  | { type: 'not-interested' }
  | { type: 'have'; piece: number }
  | { type: 'bitfield'; bytes: Uint8Array }
  | ({ type: 'request' } & BlockRef)
  | { type: 'piece'; piece: number; begin: number; block: Uint8Array }
  | ({ type: 'cancel' } & BlockRef)
  | { type: 'fetching'; runs: ReadonlyArray<PieceRun> }
  | ({ type: 'reject' } & BlockRef)
  | { type: 'piece-hash'; piece: number; hash: Uint8Array }
  | { type: 'listen'; port: number }
  | { type: 'peers'; added: ReadonlyArray<PexAddress> }
  /** Origin runs of other hosts, relayed; `hops`: how many more times the receiver may relay them. */
  | { type: 'claims'; hops: number; runs: ReadonlyArray<PieceRun> }
  | { type: 'unknown'; id: number };

/** The `type` of a {@link WireMessage}. */
export type WireMessageType = WireMessage['type'];

const U32_MAX = 0xffffffff;
const BLOCK_REF_BYTES = 12;
const EMPTY_BODY_TYPES: ReadonlyMap<number, WireMessageType> = new Map([
  [MessageId.choke, 'choke'],
  [MessageId.unchoke, 'unchoke'],
  [MessageId.interested, 'interested'],
  [MessageId.notInterested, 'not-interested'],
]);
const KNOWN_IDS: ReadonlySet<number> = new Set(Object.values(MessageId));

// ---------------------------------------------------------------------------------------------
// Encoding

/**
 * The whole frame of `m`, length prefix included. Throws a `TypeError` quoting the bad value when
 * a field is out of range: indexes and offsets must be integers in [0, 2^32), block lengths in
 * [1, {@link MAX_BLOCK_BYTES}], `fetching` runs at most {@link MAX_FETCHING_RUNS} with
 * start < end, a `listen` port in [1, 65535], `peers` at most {@link MAX_PEX_PEERS} entries of an
 * IP literal (no names, no zone ids) and a port in [1, 65535], an `unknown` id an integer in
 * [0, 255] that is not a known id.
 */
export function encodeMessage(m: WireMessage): Buffer {
  switch (m.type) {
    case 'keep-alive':
      return Buffer.alloc(LENGTH_PREFIX_BYTES);
    case 'choke':
      return frameWithBody(MessageId.choke, 0);
    case 'unchoke':
      return frameWithBody(MessageId.unchoke, 0);
    case 'interested':
      return frameWithBody(MessageId.interested, 0);
    case 'not-interested':
      return frameWithBody(MessageId.notInterested, 0);
    case 'have': {
      const frame = frameWithBody(MessageId.have, 4);
      frame.writeUInt32BE(assertU32('have.piece', m.piece), 5);
      return frame;
    }
    case 'bitfield':
      return encodeBitfield(m.bytes);
    case 'request':
      return encodeBlockRef(MessageId.request, m);
    case 'cancel':
      return encodeBlockRef(MessageId.cancel, m);
    case 'reject':
      return encodeBlockRef(MessageId.reject, m);
    case 'piece':
      return encodePiece(m.piece, m.begin, m.block);
    case 'fetching':
      return frameOf(MessageId.fetching, encodeRuns('fetching', m.runs));
    case 'claims':
      return encodeClaims(m.hops, m.runs);
    case 'piece-hash':
      return encodePieceHash(m.piece, m.hash);
    case 'listen': {
      const frame = frameWithBody(MessageId.listen, 2);
      frame.writeUInt16BE(assertPort('listen.port', m.port), 5);
      return frame;
    }
    case 'peers': {
      const body = encodePeersBody(m.added);
      const frame = frameWithBody(MessageId.peers, body.length);
      frame.set(body, 5);
      return frame;
    }
    case 'unknown':
      return encodeUnknown(m.id);
    default:
      throw new TypeError(`encodeMessage: unknown message type ${JSON.stringify((m as { type?: unknown }).type)}`);
  }
}

/**
 * The 13-byte head of a `piece` frame (length prefix, id, piece, begin) for a block of
 * `blockBytes`, so a shell can write the header and then the block itself without copying it.
 * Throws a `TypeError` on fields out of range, as {@link encodeMessage}.
 */
export function encodePieceHeader(piece: number, begin: number, blockBytes: number): Buffer {
  assertBlockLength('piece block length', blockBytes);
  const header = Buffer.allocUnsafe(LENGTH_PREFIX_BYTES + PIECE_PAYLOAD_HEADER_BYTES);
  header.writeUInt32BE(PIECE_PAYLOAD_HEADER_BYTES + blockBytes, 0);
  header[4] = MessageId.piece;
  header.writeUInt32BE(assertU32('piece.piece', piece), 5);
  header.writeUInt32BE(assertU32('piece.begin', begin), 9);
  return header;
}

/** A frame of `id` with a zeroed body of `bodyBytes`; the caller fills the body from offset 5. */
function frameWithBody(id: number, bodyBytes: number): Buffer {
  const frame = Buffer.alloc(LENGTH_PREFIX_BYTES + 1 + bodyBytes);
  frame.writeUInt32BE(1 + bodyBytes, 0);
  frame[4] = id;
  return frame;
}

function encodeBitfield(bytes: Uint8Array): Buffer {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`encodeMessage: bitfield.bytes must be a Uint8Array, got ${String(bytes)} (${typeof bytes})`);
  }
  if (bytes.length + 1 > U32_MAX) {
    throw new TypeError(`encodeMessage: bitfield of ${bytes.length} bytes does not fit a frame`);
  }
  const frame = frameWithBody(MessageId.bitfield, bytes.length);
  frame.set(bytes, 5);
  return frame;
}

function encodeBlockRef(id: number, ref: BlockRef): Buffer {
  const frame = frameWithBody(id, BLOCK_REF_BYTES);
  frame.writeUInt32BE(assertU32('piece', ref.piece), 5);
  frame.writeUInt32BE(assertU32('begin', ref.begin), 9);
  frame.writeUInt32BE(assertBlockLength('length', ref.length), 13);
  return frame;
}

function encodePiece(piece: number, begin: number, block: Uint8Array): Buffer {
  if (!(block instanceof Uint8Array)) {
    throw new TypeError(`encodeMessage: piece.block must be a Uint8Array, got ${String(block)} (${typeof block})`);
  }
  const header = encodePieceHeader(piece, begin, block.length);
  const frame = Buffer.allocUnsafe(header.length + block.length);
  frame.set(header, 0);
  frame.set(block, header.length);
  return frame;
}

function frameOf(id: number, body: Uint8Array): Buffer {
  const frame = frameWithBody(id, body.length);
  frame.set(body, 5);
  return frame;
}

function encodeClaims(hops: number, runs: ReadonlyArray<PieceRun>): Buffer {
  if (!Number.isInteger(hops) || hops < 0 || hops > 255) {
    throw new TypeError(`encodeMessage: claims.hops must be an integer in [0, 255], got ${String(hops)} (${typeof hops})`);
  }
  const runsBody = encodeRuns('claims', runs);
  const frame = frameWithBody(MessageId.claims, 1 + runsBody.length);
  frame[5] = hops;
  frame.set(runsBody, 6);
  return frame;
}

function encodePieceHash(piece: number, hash: Uint8Array): Buffer {
  if (!(hash instanceof Uint8Array) || hash.length !== PIECE_HASH_BYTES) {
    const got = hash instanceof Uint8Array ? `${hash.length} bytes` : `${String(hash)} (${typeof hash})`;
    throw new TypeError(`encodeMessage: piece-hash.hash must be a Uint8Array of ${PIECE_HASH_BYTES} bytes, got ${got}`);
  }
  const frame = frameWithBody(MessageId.pieceHash, 4 + PIECE_HASH_BYTES);
  frame.writeUInt32BE(assertU32('piece-hash.piece', piece), 5);
  frame.set(hash, 9);
  return frame;
}

function encodeUnknown(id: number): Buffer {
  if (!Number.isInteger(id) || id < 0 || id > 255 || KNOWN_IDS.has(id)) {
    throw new TypeError(`encodeMessage: unknown.id must be an integer in [0, 255] that is not a known id, got ${String(id)} (${typeof id})`);
  }
  return frameWithBody(id, 0);
}

function assertU32(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > U32_MAX) {
    throw new TypeError(`encodeMessage: ${name} must be an integer in [0, 2^32), got ${String(value)} (${typeof value})`);
  }
  return value;
}

function assertBlockLength(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_BLOCK_BYTES) {
    throw new TypeError(`encodeMessage: ${name} must be an integer in [1, ${MAX_BLOCK_BYTES}], got ${String(value)} (${typeof value})`);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Decoding

/**
 * Decodes one frame's payload (the bytes after the length prefix; empty means keep-alive).
 * Returns a `WireError` (never throws one) when the body size is wrong for the id (`BAD_LENGTH`)
 * or a field is out of range (`BAD_FIELD`: also a `peers` message of more than
 * {@link MAX_PEX_PEERS} entries, a truncated entry, a family other than 4 or 6, or port 0, and a
 * `listen` port 0). Unknown ids decode as `{ type: 'unknown', id }`.
 * `bitfield.bytes` and `piece.block` are views into `payload`. Throws a `TypeError` only when
 * `payload` is not a Uint8Array.
 */
export function decodePayload(payload: Uint8Array): WireMessage | WireError {
  if (!(payload instanceof Uint8Array)) {
    throw new TypeError(`decodePayload: payload must be a Uint8Array, got ${String(payload)} (${typeof payload})`);
  }
  const id = payload[0];
  if (id === undefined) return { type: 'keep-alive' };
  const bodyBytes = payload.length - 1;
  const emptyType = EMPTY_BODY_TYPES.get(id);
  if (emptyType !== undefined) {
    return bodyBytes === 0 ? ({ type: emptyType } as WireMessage) : badLength(emptyType, bodyBytes, 'exactly 0');
  }
  switch (id) {
    case MessageId.have:
      return bodyBytes === 4 ? { type: 'have', piece: readU32(payload, 1) } : badLength('have', bodyBytes, 'exactly 4');
    case MessageId.bitfield:
      return { type: 'bitfield', bytes: payload.subarray(1) };
    case MessageId.request:
      return decodeBlockRef('request', payload);
    case MessageId.cancel:
      return decodeBlockRef('cancel', payload);
    case MessageId.reject:
      return decodeBlockRef('reject', payload);
    case MessageId.piece:
      return decodePiece(payload);
    case MessageId.fetching: {
      const runs = decodeRuns('fetching', payload.subarray(1));
      return runs instanceof WireError ? runs : { type: 'fetching', runs };
    }
    case MessageId.claims: {
      if (bodyBytes < 1) return badLength('claims', bodyBytes, 'at least 3');
      const runs = decodeRuns('claims', payload.subarray(2));
      return runs instanceof WireError ? runs : { type: 'claims', hops: payload[1] ?? 0, runs };
    }
    case MessageId.pieceHash:
      return bodyBytes === 4 + PIECE_HASH_BYTES
        ? { type: 'piece-hash', piece: readU32(payload, 1), hash: payload.subarray(5) }
        : badLength('piece-hash', bodyBytes, `exactly ${4 + PIECE_HASH_BYTES}`);
    case MessageId.listen:
      return decodeListen(payload);
    case MessageId.peers: {
      const added = decodePeersBody(payload.subarray(1));
      return added instanceof WireError ? added : { type: 'peers', added };
    }
    default:
      return { type: 'unknown', id };
  }
}

function decodeBlockRef(type: 'request' | 'cancel' | 'reject', payload: Uint8Array): WireMessage | WireError {
  const bodyBytes = payload.length - 1;
  if (bodyBytes !== BLOCK_REF_BYTES) return badLength(type, bodyBytes, `exactly ${BLOCK_REF_BYTES}`);
  const length = readU32(payload, 9);
  if (length < 1 || length > MAX_BLOCK_BYTES) {
    return new WireError('BAD_FIELD', `${type} length ${length} is outside [1, ${MAX_BLOCK_BYTES}]`);
  }
  return { type, piece: readU32(payload, 1), begin: readU32(payload, 5), length };
}

function decodePiece(payload: Uint8Array): WireMessage | WireError {
  if (payload.length < PIECE_PAYLOAD_HEADER_BYTES) {
    return badLength('piece', payload.length - 1, `at least ${PIECE_PAYLOAD_HEADER_BYTES - 1}`);
  }
  const blockBytes = payload.length - PIECE_PAYLOAD_HEADER_BYTES;
  if (blockBytes < 1 || blockBytes > MAX_BLOCK_BYTES) {
    return new WireError('BAD_FIELD', `piece block of ${blockBytes} bytes is outside [1, ${MAX_BLOCK_BYTES}]`);
  }
  return {
    type: 'piece',
    piece: readU32(payload, 1),
    begin: readU32(payload, 5),
    block: payload.subarray(PIECE_PAYLOAD_HEADER_BYTES),
  };
}

function decodeListen(payload: Uint8Array): WireMessage | WireError {
  if (payload.length - 1 !== 2) return badLength('listen', payload.length - 1, 'exactly 2');
  const port = readU16(payload, 1);
  return port === 0 ? new WireError('BAD_FIELD', 'listen port 0') : { type: 'listen', port };
}

function badLength(type: string, bodyBytes: number, expected: string): WireError {
  return new WireError('BAD_LENGTH', `${type} body of ${bodyBytes} bytes, expected ${expected}`);
}

function readU16(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] ?? 0) << 8) | (bytes[offset + 1] ?? 0);
}

/** The big-endian u32 at `offset`; the caller has checked that four bytes are there. */
export function readU32(bytes: Uint8Array, offset: number): number {
  return (
    (bytes[offset] ?? 0) * 0x1000000 +
    (((bytes[offset + 1] ?? 0) << 16) | ((bytes[offset + 2] ?? 0) << 8) | (bytes[offset + 3] ?? 0))
  );
}
