import { describe, it, expect } from 'vitest';
import { largestGap, pickOriginRun, type OriginRunOptions } from '../../../src/piece-picker/origin-run-picker.js';
import { bits, checkRun } from '../../helpers/picker-fixtures.js';

const BEP19: OriginRunOptions = { policy: 'bep19', firstConnection: false, random01: 0, maxRunPieces: 100 };
const SEQUENTIAL: OriginRunOptions = { policy: 'sequential', firstConnection: false, random01: 0, maxRunPieces: 100 };

function pick(pattern: string, opts: Partial<OriginRunOptions> & { policy: OriginRunOptions['policy'] }): [number, number] | null {
  const taken = bits(pattern);
  const run = pickOriginRun(taken, { ...BEP19, ...opts });
  return run === null ? null : [checkRun(taken, run).startPiece, run.endPiece];
}

describe('pickOriginRun, bep19, later connection: start of the largest gap', () => {
  it.each([
    ['YYnnnnYnnY', [2, 6]], // BEP 19's own example: "YY#nnnYnnY"
    ['nnnnnnnnnn', [0, 10]],
    ['YnnYnnnnYY', [4, 8]],
    ['nnYnnYnnYY', [0, 2]], // ties: the lowest start
    ['YYYYYYYYYn', [9, 10]],
    ['nYYYYYYYYY', [0, 1]],
    ['YnYnnnnnnnnnnnnnnnnnY', [3, 20]], // a gap across byte boundaries
  ])('%j -> %j', (pattern, expected) => {
    expect(pick(pattern, { policy: 'bep19' })).toEqual(expected);
  });

  it('ignores random01 when it is not the first connection', () => {
    expect(pick('YYnnnnYnnY', { policy: 'bep19', random01: 0.99 })).toEqual([2, 6]);
  });
});

describe('pickOriginRun, sequential: the lowest untaken piece', () => {
  it.each([
    ['YYnnnnYnnY', [2, 6]],
    ['YnYnnnnnnn', [1, 2]],
    ['nnnnnnnnnn', [0, 10]],
    ['YYYYYYYYnn', [8, 10]],
  ])('%j -> %j', (pattern, expected) => {
    expect(pick(pattern, { ...SEQUENTIAL, random01: 0.7, firstConnection: true })).toEqual(expected);
  });
});

describe('pickOriginRun, bep19, first connection: a random untaken start', () => {
  it.each([
    [0, [2, 5]],
    [0.2, [3, 5]],
    [0.4, [4, 5]],
    [0.6, [6, 8]],
    [0.8, [7, 8]],
    [0.9999, [7, 8]],
  ])('YYnnnYnnYY with random01 %f -> %j (the run may begin inside a gap)', (random01, expected) => {
    expect(pick('YYnnnYnnYY', { policy: 'bep19', firstConnection: true, random01 })).toEqual(expected);
  });

  it('lands only on untaken pieces, and on each of them, over many random01 values', () => {
    const taken = bits('YnYYnnnYYnYYYYYYYnYn');
    const starts = new Set<number>();
    for (let k = 0; k < 1000; k++) {
      const run = pickOriginRun(taken, { ...BEP19, firstConnection: true, random01: k / 1000 });
      expect(run).not.toBeNull();
      if (run !== null) starts.add(checkRun(taken, run).startPiece);
    }
    expect([...starts].sort((a, b) => a - b)).toEqual([1, 4, 5, 6, 9, 17, 19]);
  });
});

describe('pickOriginRun, limits', () => {
  it.each([
    ['sequential', 'nnnnnnnnnn', 3, [0, 3]],
    ['bep19', 'YnnnnnnnnY', 4, [1, 5]],
    ['bep19', 'YnnnnnnnnY', 1, [1, 2]],
  ] as const)('%s %j with maxRunPieces %i -> %j', (policy, pattern, maxRunPieces, expected) => {
    expect(pick(pattern, { policy, maxRunPieces })).toEqual(expected);
  });

  it.each([['sequential'], ['bep19']] as const)('%s returns null when every piece is taken', (policy) => {
    for (const firstConnection of [false, true]) {
      expect(pickOriginRun(bits('YYYYYYYYYYY'), { ...BEP19, policy, firstConnection, random01: 0.5 })).toBeNull();
      expect(pickOriginRun(bits(''), { ...BEP19, policy, firstConnection })).toBeNull();
    }
  });

  it.each([
    [{ maxRunPieces: 0 }, /maxRunPieces/],
    [{ maxRunPieces: 1.5 }, /maxRunPieces/],
    [{ random01: 1 }, /random01/],
    [{ random01: -0.1 }, /random01/],
    [{ random01: Number.NaN }, /random01/],
    [{ policy: 'random' }, /policy/],
  ])('rejects %j with a TypeError', (bad, message) => {
    const opts = { ...BEP19, ...bad } as OriginRunOptions;
    expect(() => pickOriginRun(bits('nnnn'), opts)).toThrow(message);
  });
});

describe('largestGap', () => {
  it.each([
    ['YYnnnnYnnY', { startPiece: 2, endPiece: 6 }],
    ['nnYnn', { startPiece: 0, endPiece: 2 }],
    ['YYY', null],
  ])('%j -> %j', (pattern, expected) => {
    expect(largestGap(bits(pattern))).toEqual(expected);
  });
});

describe('checkRun', () => {
  it.each([
    [{ startPiece: 1, endPiece: 3 }, /taken piece 2/],
    [{ startPiece: 3, endPiece: 3 }, /empty/],
    [{ startPiece: 3, endPiece: 5 }, /outside/],
    [{ startPiece: -1, endPiece: 1 }, /outside/],
  ])('catches the broken run %j', (run, message) => {
    expect(() => checkRun(bits('nnYn'), run)).toThrow(message);
  });
});

describe('pickOriginRun with spreadInGap (several hosts picking at once)', () => {
  it('starts at a random piece of a long largest gap, leaving a whole run before its end', () => {
    const taken = bits('Y' + 'n'.repeat(40) + 'Y');
    const starts = new Set<number>();
    for (const random01 of [0, 0.25, 0.5, 0.75, 0.999]) {
      const run = pickOriginRun(taken, { policy: 'bep19', firstConnection: false, random01, maxRunPieces: 4, spreadInGap: true });
      expect(run).not.toBeNull();
      starts.add(run!.startPiece);
      expect(run!.startPiece).toBeGreaterThanOrEqual(1);
      expect(run!.endPiece - run!.startPiece).toBe(4);
      expect(run!.endPiece).toBeLessThanOrEqual(41);
    }
    expect(starts.size).toBe(5);
  });

  it('keeps the BEP 19 start of the largest gap when that gap is short and no other is close', () => {
    const run = pickOriginRun(bits('YYnnnnYnYY'), { policy: 'bep19', firstConnection: false, random01: 0.9, maxRunPieces: 2, spreadInGap: true });
    expect(run).toEqual({ startPiece: 2, endPiece: 4 });
  });

  it('chooses among the gaps at least half as long as the largest, at their starts', () => {
    const taken = bits('YnnnnYnnnYnYnnnnY');
    const starts = new Set<number>();
    for (let i = 0; i < 100; i++) {
      const run = pickOriginRun(taken, { policy: 'bep19', firstConnection: false, random01: i / 100, maxRunPieces: 4, spreadInGap: true });
      starts.add(run!.startPiece);
      checkRun(taken, run!);
    }
    expect([...starts].sort((a, b) => a - b)).toEqual([1, 6, 12]);
  });
});
