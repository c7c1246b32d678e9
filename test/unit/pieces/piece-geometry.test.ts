import { describe, it, expect } from 'vitest';
import {
  autoPieceBytes, MAX_PIECE_BYTES, MIN_PIECE_BYTES, pieceAt, pieceGeometry, pieceLength, pieceStart,
} from '../../../src/pieces/piece-geometry.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

describe('autoPieceBytes', () => {
  it.each([
    [0, 256 * KiB],
    [1, 256 * KiB],
    [512 * MiB, 256 * KiB],
    [512 * MiB + 1, 512 * KiB],
    [1 * GiB, 512 * KiB],
    [4 * GiB, 2 * MiB],
    [5 * GiB, 4 * MiB],
    [128 * GiB, 64 * MiB],
    [1024 * GiB, 64 * MiB],
  ])('%i bytes -> %i', (fileBytes, expected) => {
    expect(autoPieceBytes(fileBytes)).toBe(expected);
  });

  it.each([[-1], [1.5], [Number.NaN], [2 ** 53]])('rejects %j', (fileBytes) => {
    expect(() => autoPieceBytes(fileBytes)).toThrow(TypeError);
  });
});

describe('pieceGeometry', () => {
  it('cuts a file into full pieces and a short last piece', () => {
    const g = pieceGeometry(40 * KiB, MIN_PIECE_BYTES);
    expect(g).toEqual({ fileBytes: 40 * KiB, pieceBytes: 16 * KiB, pieceCount: 3 });
    expect([0, 1, 2].map((i) => pieceStart(g, i))).toEqual([0, 16 * KiB, 32 * KiB]);
    expect([0, 1, 2].map((i) => pieceLength(g, i))).toEqual([16 * KiB, 16 * KiB, 8 * KiB]);
    expect(pieceStart(g, 3)).toBe(40 * KiB);
  });

  it('has no short piece when the size divides evenly', () => {
    const g = pieceGeometry(32 * KiB, MIN_PIECE_BYTES);
    expect(g.pieceCount).toBe(2);
    expect(pieceLength(g, 1)).toBe(16 * KiB);
  });

  it('gives an empty file no pieces', () => {
    expect(pieceGeometry(0, 'auto').pieceCount).toBe(0);
    expect(pieceStart(pieceGeometry(0, 'auto'), 0)).toBe(0);
  });

  it('uses autoPieceBytes for auto', () => {
    const g = pieceGeometry(5 * GiB, 'auto');
    expect(g.pieceBytes).toBe(4 * MiB);
    expect(g.pieceCount).toBe(1280);
  });

  it('accepts a size that is not a power of two', () => {
    expect(pieceGeometry(250 * MiB, 100 * MiB).pieceCount).toBe(3);
  });

  it.each([
    [MIN_PIECE_BYTES - 1], [MAX_PIECE_BYTES + 1], [MIN_PIECE_BYTES + 0.5], [Number.NaN], ['1mb'],
  ])('rejects preferred %j', (preferred) => {
    expect(() => pieceGeometry(GiB, preferred as number)).toThrow(TypeError);
  });

  it('rejects a bad fileBytes', () => {
    expect(() => pieceGeometry(-1, 'auto')).toThrow(/fileBytes/);
  });

  it('pieceAt maps byte offsets to pieces and rejects offsets outside the file', () => {
    const g = pieceGeometry(40 * KiB, MIN_PIECE_BYTES);
    expect(pieceAt(g, 0)).toBe(0);
    expect(pieceAt(g, 16 * KiB - 1)).toBe(0);
    expect(pieceAt(g, 16 * KiB)).toBe(1);
    expect(pieceAt(g, 40 * KiB - 1)).toBe(2);
    expect(() => pieceAt(g, 40 * KiB)).toThrow(TypeError);
    expect(() => pieceAt(g, -1)).toThrow(TypeError);
  });

  it('pieceStart and pieceLength reject indexes out of range', () => {
    const g = pieceGeometry(40 * KiB, MIN_PIECE_BYTES);
    expect(() => pieceStart(g, 4)).toThrow(TypeError);
    expect(() => pieceLength(g, 3)).toThrow(/\[0, 2\], got 3/);
    expect(() => pieceLength(g, 0.5)).toThrow(TypeError);
  });
});
