import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Bitfield } from '../../../src/pieces/bitfield.js';
import { bits, show } from '../../helpers/picker-fixtures.js';

describe('Bitfield', () => {
  it('uses BEP 3 bit order: piece 0 is the high bit of byte 0', () => {
    const field = bits('Y      Y Y');
    expect([...field.toBytes()]).toEqual([0x81, 0x40]);
  });

  it('keeps its count through set and clear, ignoring repeats', () => {
    const field = new Bitfield(10);
    field.set(3);
    field.set(3);
    field.set(9);
    expect(field.count()).toBe(2);
    field.clear(3);
    field.clear(3);
    expect(field.count()).toBe(1);
    expect(show(field)).toBe('nnnnnnnnnY');
  });

  it.each([
    ['', true, true],
    ['nnn', false, true],
    ['YYY', true, false],
    ['YnY', false, false],
  ])('%j: isComplete %s, isEmpty %s', (pattern, complete, empty) => {
    expect(bits(pattern).isComplete()).toBe(complete);
    expect(bits(pattern).isEmpty()).toBe(empty);
  });

  it.each([
    [-1], [1.5], [Number.NaN], ['3'],
  ])('constructor rejects length %j with a TypeError', (length) => {
    expect(() => new Bitfield(length as number)).toThrow(TypeError);
  });

  it.each([[-1], [10], [2.5], [Number.NaN]])('has/set/clear reject index %j', (index) => {
    const field = new Bitfield(10);
    expect(() => field.has(index)).toThrow(/got/);
    expect(() => field.set(index)).toThrow(TypeError);
    expect(() => field.clear(index)).toThrow(TypeError);
  });

  it.each([
    // pattern, from, firstClear, firstSet
    ['YYnnY', 0, 2, 0],
    ['YYnnY', 3, 3, 4],
    ['YYnnY', 4, -1, 4],
    ['YYnnY', 5, -1, -1],
    ['YYnnY', 99, -1, -1],
    ['YYYYYYYYYYYYYYYYn', 0, 16, 0],
    ['nnnnnnnnnnnnnnnnnnnnY', 1, 1, 20],
    ['YYYYYYYYYYYYYYYYYYYYYYY', 0, -1, 0],
    ['', 0, -1, -1],
  ])('%j from %i: firstClear %i, firstSet %i', (pattern, from, clear, set) => {
    expect(bits(pattern).firstClear(from)).toBe(clear);
    expect(bits(pattern).firstSet(from)).toBe(set);
  });

  it('never reports a spare bit of the last byte as clear', () => {
    expect(bits('YYYYYYYYYY').firstClear(0)).toBe(-1);
  });

  it.each([
    ['nnYnnnnnnnnnnY', 13, 13],
    ['nnYnnnnnnnnnnY', 12, 2],
    ['nnYnnnnnnnnnnY', 1, -1],
    ['nnYnnnnnnnnnnY', -1, -1],
    ['nnYnnnnnnnnnnY', 100, 13],
    ['Ynnnnnnnnnnnnnnnnnn', 18, 0],
  ])('%j lastSet(%i) = %i', (pattern, from, expected) => {
    expect(bits(pattern).lastSet(from)).toBe(expected);
  });

  it('nthClear finds the clear bit of each rank across byte boundaries', () => {
    const field = bits('YnYYYYYYYnnYYYYYYYn');
    expect([0, 1, 2, 3, 4].map((rank) => field.nthClear(rank))).toEqual([1, 9, 10, 18, -1]);
  });

  it('fromBytes round-trips and rejects bad lengths and spare bits', () => {
    const field = bits('YnYnnnnnnY');
    expect(show(Bitfield.fromBytes(10, field.toBytes()) as Bitfield)).toBe('YnYnnnnnnY');
    expect(Bitfield.fromBytes(10, new Uint8Array([0xa0]))).toBeNull();
    expect(Bitfield.fromBytes(10, new Uint8Array([0xa0, 0x40, 0]))).toBeNull();
    expect(Bitfield.fromBytes(10, new Uint8Array([0xa0, 0x60]))).toBeNull();
    expect(Bitfield.fromBytes(10, new Uint8Array([0xa0, 0x20]))).toBeNull();
    expect(Bitfield.fromBytes(0, new Uint8Array(0))?.length).toBe(0);
    expect(Bitfield.fromBytes(16, new Uint8Array([0xff, 0xff]))?.count()).toBe(16);
  });

  it('toBytes returns a copy', () => {
    const field = bits('nnnn');
    field.toBytes()[0] = 0xff;
    expect(field.count()).toBe(0);
    expect(field.firstSet()).toBe(-1);
  });

  it('clone is independent', () => {
    const field = bits('YnY');
    const copy = field.clone();
    copy.set(1);
    expect(show(field)).toBe('YnY');
    expect(show(copy)).toBe('YYY');
  });

  it('or, and, andNot combine and count', () => {
    const a = bits('YYnnY');
    const b = bits('nYnYn');
    expect(show(a.or(b))).toBe('YYnYY');
    expect(a.or(b).count()).toBe(4);
    expect(show(a.and(b))).toBe('nYnnn');
    expect(show(a.andNot(b))).toBe('YnnnY');
    expect(a.andNot(b).count()).toBe(2);
    expect(() => a.or(bits('YY'))).toThrow(/same length 5, got length 2/);
  });

  it.each([
    ['YYnnY', ['nnYYn'], true],
    ['YYnnY', ['nnYnn'], false],
    ['nnnnnnnnnY', ['YYYYYYYYnn', 'nnnnnnnnYn'], true],
    ['nnnnnnnnnn', ['YYYYYYYYYn'], false],
    ['YYYYYYYY', [], true],
    ['YnYYYYYY', [], false],
    ['nnn', ['nnn', 'YYY'], true],
  ])('unionIsComplete: %s with %j is %s', (own, others, expected) => {
    expect(bits(own).unionIsComplete(...others.map((field) => bits(field)))).toBe(expected);
  });

  it('unionIsComplete throws on a length mismatch', () => {
    expect(() => bits('YYnnY').unionIsComplete(bits('YY'))).toThrow(/same length 5, got length 2/);
  });

  it('or, and, andNot, clone and unionIsComplete agree with sets of indexes, counts included', () => {
    const fields = (length: number) => fc.array(fc.array(fc.boolean(), { minLength: length, maxLength: length }), { minLength: 1, maxLength: 4 });
    fc.assert(fc.property(fc.integer({ min: 1, max: 70 }).chain((length) => fields(length).map((all) => ({ length, all }))), ({ length, all }) => {
      const made = all.map((flags) => {
        const field = new Bitfield(length);
        flags.forEach((on, index) => { if (on) field.set(index); });
        return field;
      });
      const [first, ...rest] = made as [Bitfield, ...Bitfield[]];
      const second = rest[0] ?? first;
      const flagsOf = (field: Bitfield) => Array.from({ length }, (_, index) => field.has(index));
      const a = all[0] as boolean[];
      const b = (all[1] ?? a) as boolean[];
      for (const [result, expected] of [
        [first.or(second), a.map((x, i) => x || (b[i] as boolean))],
        [first.and(second), a.map((x, i) => x && (b[i] as boolean))],
        [first.andNot(second), a.map((x, i) => x && !(b[i] as boolean))],
        [first.clone(), a],
      ] as const) {
        expect(flagsOf(result)).toEqual(expected);
        expect(result.count()).toBe(expected.filter(Boolean).length);
        expect(result.isComplete()).toBe(expected.every(Boolean));
      }
      const chained = rest.reduce((union, field) => union.or(field), first);
      expect(first.unionIsComplete(...rest)).toBe(chained.isComplete());
    }));
  });

  it('full sets every piece and no spare bit', () => {
    expect(show(Bitfield.full(10))).toBe('YYYYYYYYYY');
    expect([...Bitfield.full(10).toBytes()]).toEqual([0xff, 0xc0]);
    expect(Bitfield.full(10).isComplete()).toBe(true);
  });

  it('equals compares length and pieces', () => {
    expect(bits('YnY').equals(bits('YnY'))).toBe(true);
    expect(bits('YnY').equals(bits('YnYn'))).toBe(false);
    expect(bits('YnY').equals(bits('YYn'))).toBe(false);
  });

  it('scans 10^5 pieces quickly by skipping whole bytes', () => {
    const field = Bitfield.full(100_000);
    field.clear(99_999);
    const empty = new Bitfield(100_000);
    empty.set(99_998);
    for (let i = 0; i < 1000; i++) {
      expect(field.firstClear(0)).toBe(99_999);
      expect(empty.firstSet(0)).toBe(99_998);
    }
  });
});
