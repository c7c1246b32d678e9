/**
 * The run lists of the `fetching` (id 20) and `claims` (id 25) messages (see `codec.ts`): a `u16`
 * big-endian count, then that many runs of two `u32` big-endian piece indexes [start, end), end
 * exclusive. A `claims` body is one byte of hops (how many more times its receiver may relay it)
 * and then such a list.
 *
 * Pure: no I/O. Not responsible for: framing (`codec.ts`), or whether a run fits the file (the
 * swarm checks that; the codec does not know the piece count).
 */
import { WireError } from './wire-error.js';

/** Most runs a `fetching` or `claims` message may list. */
export const MAX_FETCHING_RUNS = 256;

/** A run of pieces [startPiece, endPiece), end exclusive. */
export interface PieceRun {
  startPiece: number;
  endPiece: number;
}

const U32_MAX = 0xffffffff;
const RUN_BYTES = 8;

/**
 * The run list of a `type` message (`fetching`, `claims`). Throws a `TypeError` quoting the bad
 * value when `runs` is not an array of at most {@link MAX_FETCHING_RUNS} runs of integer indexes
 * in [0, 2^32) with start < end.
 */
export function encodeRuns(type: string, runs: ReadonlyArray<PieceRun>): Buffer {
  if (!Array.isArray(runs) || runs.length > MAX_FETCHING_RUNS) {
    const got = Array.isArray(runs) ? `${runs.length} runs` : `${String(runs)} (${typeof runs})`;
    throw new TypeError(`encodeMessage: ${type}.runs must be an array of at most ${MAX_FETCHING_RUNS} runs, got ${got}`);
  }
  const body = Buffer.alloc(2 + runs.length * RUN_BYTES);
  body.writeUInt16BE(runs.length, 0);
  runs.forEach((run, i) => {
    const startPiece = assertIndex(`${type}.runs[${i}].startPiece`, run.startPiece);
    const endPiece = assertIndex(`${type}.runs[${i}].endPiece`, run.endPiece);
    if (endPiece <= startPiece) {
      throw new TypeError(`encodeMessage: ${type}.runs[${i}] must have startPiece < endPiece, got [${startPiece}, ${endPiece})`);
    }
    body.writeUInt32BE(startPiece, 2 + i * RUN_BYTES);
    body.writeUInt32BE(endPiece, 6 + i * RUN_BYTES);
  });
  return body;
}

/**
 * The runs of a `type` message's run list `body` (which must fill it), or a `WireError`:
 * `BAD_LENGTH` when the body is shorter than its count or not exactly as long as it says,
 * `BAD_FIELD` for more than {@link MAX_FETCHING_RUNS} runs or an empty or reversed run.
 */
export function decodeRuns(type: string, body: Uint8Array): PieceRun[] | WireError {
  if (body.length < 2) return badLength(type, body.length, 'at least 2');
  const count = ((body[0] ?? 0) << 8) | (body[1] ?? 0);
  if (count > MAX_FETCHING_RUNS) return new WireError('BAD_FIELD', `${type} lists ${count} runs, more than ${MAX_FETCHING_RUNS}`);
  if (body.length !== 2 + count * RUN_BYTES) return badLength(type, body.length, `exactly ${2 + count * RUN_BYTES} for ${count} runs`);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const runs: PieceRun[] = [];
  for (let i = 0; i < count; i++) {
    const startPiece = view.getUint32(2 + i * RUN_BYTES);
    const endPiece = view.getUint32(6 + i * RUN_BYTES);
    if (endPiece <= startPiece) return new WireError('BAD_FIELD', `${type} run ${i} [${startPiece}, ${endPiece}) is empty or reversed`);
    runs.push({ startPiece, endPiece });
  }
  return runs;
}

function assertIndex(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > U32_MAX) {
    throw new TypeError(`encodeMessage: ${name} must be an integer in [0, 2^32), got ${String(value)} (${typeof value})`);
  }
  return value;
}

function badLength(type: string, bodyBytes: number, expected: string): WireError {
  return new WireError('BAD_LENGTH', `${type} body of ${bodyBytes} bytes, expected ${expected}`);
}
