/**
 * String fixtures for piece-picker tests, after libtorrent's test_piece_picker.cpp: one character
 * per piece. `bits("YYnnY")`, `bits("** * ")`, `avail("2223333")`. Plus the invariant checker
 * `checkRun`, run on every origin run a test sees, and `indexesOf`, a bitfield as a list.
 */
import { Bitfield } from '../../src/pieces/bitfield.js';
import type { OriginRun } from '../../src/piece-picker/origin-run-picker.js';

const SET_CHARS = new Set(['Y', 'y', '*', 'x', 'X', '1']);
const CLEAR_CHARS = new Set(['n', 'N', ' ', '.', '-', '0']);

/** A Bitfield from a string: `Y y * x X 1` set a piece; `n N space . - 0` leave it clear. */
export function bits(pattern: string): Bitfield {
  const result = new Bitfield(pattern.length);
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern.charAt(i);
    if (SET_CHARS.has(char)) result.set(i);
    else if (!CLEAR_CHARS.has(char)) throw new Error(`bits(): unknown character ${JSON.stringify(char)} in ${JSON.stringify(pattern)}`);
  }
  return result;
}

/** The inverse of {@link bits}: "Y" for a set piece, "n" for a clear one. */
export function show(field: Bitfield): string {
  let out = '';
  for (let i = 0; i < field.length; i++) out += field.has(i) ? 'Y' : 'n';
  return out;
}

/** The indexes of the set pieces of `field`, in order. */
export function indexesOf(field: Bitfield): number[] {
  const out: number[] = [];
  for (let i = field.firstSet(0); i !== -1; i = field.firstSet(i + 1)) out.push(i);
  return out;
}

/** Availability from a string: one digit (or a-z for 10-35) per piece, `avail("2223333")`. */
export function avail(pattern: string): Uint16Array {
  const result = new Uint16Array(pattern.length);
  for (let i = 0; i < pattern.length; i++) {
    const value = Number.parseInt(pattern.charAt(i), 36);
    if (Number.isNaN(value)) throw new Error(`avail(): bad character at ${i} in ${JSON.stringify(pattern)}`);
    result[i] = value;
  }
  return result;
}

/**
 * The invariant of an origin run: non-empty, within `[0, taken.length]`, no taken piece inside.
 * Throws an Error naming the broken rule; returns the run so calls can be chained.
 */
export function checkRun(taken: Bitfield, run: OriginRun): OriginRun {
  const { startPiece, endPiece } = run;
  if (!Number.isInteger(startPiece) || !Number.isInteger(endPiece)) {
    throw new Error(`run bounds are not integers: ${JSON.stringify(run)}`);
  }
  if (startPiece < 0 || endPiece > taken.length) {
    throw new Error(`run ${JSON.stringify(run)} is outside [0, ${taken.length})`);
  }
  if (endPiece <= startPiece) throw new Error(`run ${JSON.stringify(run)} is empty`);
  for (let i = startPiece; i < endPiece; i++) {
    if (taken.has(i)) throw new Error(`run ${JSON.stringify(run)} contains taken piece ${i} of ${show(taken)}`);
  }
  return run;
}
