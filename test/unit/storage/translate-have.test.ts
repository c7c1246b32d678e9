import { describe, it, expect } from 'vitest';
import { Bitfield } from '../../../src/pieces/bitfield.js';
import { pieceGeometry } from '../../../src/pieces/piece-geometry.js';
import { translateHave } from '../../../src/storage/translate-have.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** A bitfield from a string, one character per piece: `1` set, `0` clear. */
function bits(text: string): Bitfield {
  const field = new Bitfield(text.length);
  [...text].forEach((c, i) => { if (c === '1') field.set(i); });
  return field;
}

function show(field: Bitfield): string {
  let text = '';
  for (let i = 0; i < field.length; i++) text += field.has(i) ? '1' : '0';
  return text;
}

describe('translateHave', () => {
  it.each([
    ['coarser, aligned', 64 * KiB, 16 * KiB, '1101', 32 * KiB, '10'],
    ['coarser, all done', 64 * KiB, 16 * KiB, '1111', 32 * KiB, '11'],
    ['finer, aligned', 64 * KiB, 32 * KiB, '01', 16 * KiB, '0011'],
    ['finer, unaligned: a new piece straddling two old ones needs both', 96 * KiB, 48 * KiB, '10', 32 * KiB, '100'],
    ['finer, unaligned, the other half', 96 * KiB, 48 * KiB, '01', 32 * KiB, '001'],
    ['coarser, with a short last piece', 40 * KiB, 16 * KiB, '001', 32 * KiB, '01'],
    ['coarser, short last piece missing', 40 * KiB, 16 * KiB, '110', 32 * KiB, '10'],
    ['one piece becomes the whole file', 100 * KiB + 7, 16 * KiB, '1111111', 1 * MiB, '1'],
    ['one missing old piece spoils the whole file', 100 * KiB + 7, 16 * KiB, '1111101', 1 * MiB, '0'],
    ['an empty file has no pieces', 0, 16 * KiB, '', 32 * KiB, ''],
  ])('%s', (_name, fileBytes, fromBytes, have, toBytes, expected) => {
    const from = pieceGeometry(fileBytes, fromBytes);
    const to = pieceGeometry(fileBytes, toBytes);
    expect(show(translateHave(from, bits(have), to))).toBe(expected);
  });

  it('returns an independent copy when the piece size is unchanged', () => {
    const g = pieceGeometry(64 * KiB, 16 * KiB);
    const have = bits('1010');
    const out = translateHave(g, have, g);
    expect(show(out)).toBe('1010');
    out.set(1);
    expect(show(have)).toBe('1010');
  });

  it('throws a TypeError quoting both sizes for geometries of different files', () => {
    const from = pieceGeometry(64 * KiB, 16 * KiB);
    const to = pieceGeometry(64 * KiB + 1, 16 * KiB);
    expect(() => translateHave(from, bits('1111'), to)).toThrow(TypeError);
    expect(() => translateHave(from, bits('1111'), to)).toThrow(String(64 * KiB + 1));
  });
});
