import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Bitfield } from '../../src/pieces/bitfield.js';
import { pickOriginRun, type OriginPolicy } from '../../src/piece-picker/origin-run-picker.js';
import { pickPeerPiece, type PeerPickInput } from '../../src/piece-picker/peer-piece-picker.js';
import { RequestLedger } from '../../src/piece-picker/request-ledger.js';
import { checkRun } from '../helpers/picker-fixtures.js';

function fromBools(values: readonly boolean[]): Bitfield {
  const field = new Bitfield(values.length);
  values.forEach((value, i) => { if (value) field.set(i); });
  return field;
}

/** Booleans with long runs as well as noise, so gaps and whole 0x00/0xff bytes occur. */
const boolsArb = fc.oneof(
  fc.array(fc.boolean(), { maxLength: 90 }),
  fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 20 })), { maxLength: 8 })
    .map((runs) => runs.flatMap(([value, n]) => Array<boolean>(n).fill(value))),
);
const random01Arb = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

function naiveGaps(values: readonly boolean[]): Array<[number, number]> {
  const gaps: Array<[number, number]> = [];
  for (let i = 0; i < values.length; i++) {
    if (values[i] === true || (i > 0 && values[i - 1] === false)) continue;
    let end = i;
    while (end < values.length && values[end] === false) end++;
    gaps.push([i, end]);
  }
  return gaps;
}

describe('Bitfield properties', () => {
  it('toBytes/fromBytes round-trips and count matches a naive count', () => {
    fc.assert(fc.property(boolsArb, (values) => {
      const field = fromBools(values);
      const back = Bitfield.fromBytes(values.length, field.toBytes());
      expect(back).not.toBeNull();
      expect(back?.equals(field)).toBe(true);
      expect(field.count()).toBe(values.filter(Boolean).length);
      expect(back?.count()).toBe(field.count());
      values.forEach((value, i) => expect(back?.has(i)).toBe(value));
    }));
  });

  it('count stays right through any sequence of set and clear', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(39))), (ops) => {
      const field = new Bitfield(40);
      const model = new Set<number>();
      for (const [set, index] of ops) {
        if (set) { field.set(index); model.add(index); } else { field.clear(index); model.delete(index); }
      }
      expect(field.count()).toBe(model.size);
    }));
  });

  it('firstClear, firstSet, lastSet and nthClear match naive scans', () => {
    fc.assert(fc.property(boolsArb, fc.nat(100), (values, from) => {
      const field = fromBools(values);
      const find = (want: boolean): number => values.findIndex((v, i) => i >= from && v === want);
      expect(field.firstClear(from)).toBe(find(false));
      expect(field.firstSet(from)).toBe(find(true));
      const last = values.slice(0, from + 1).lastIndexOf(true);
      expect(field.lastSet(from)).toBe(last);
      const clears = values.flatMap((v, i) => (v ? [] : [i]));
      expect(field.nthClear(from)).toBe(clears[from] ?? -1);
    }));
  });

  it('or, and, andNot match naive boolean operations', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.boolean(), fc.boolean()), { maxLength: 70 }), (pairs) => {
      const a = fromBools(pairs.map(([x]) => x));
      const b = fromBools(pairs.map(([, y]) => y));
      expect(a.or(b).equals(fromBools(pairs.map(([x, y]) => x || y)))).toBe(true);
      expect(a.and(b).equals(fromBools(pairs.map(([x, y]) => x && y)))).toBe(true);
      expect(a.andNot(b).equals(fromBools(pairs.map(([x, y]) => x && !y)))).toBe(true);
    }));
  });

  it('fromBytes rejects any wrong byte length', () => {
    fc.assert(fc.property(fc.nat(80), fc.uint8Array({ maxLength: 12 }), (length, bytes) => {
      fc.pre(bytes.length !== Math.ceil(length / 8));
      expect(Bitfield.fromBytes(length, bytes)).toBeNull();
    }));
  });
});

describe('pickOriginRun properties', () => {
  const optsArb = fc.record({
    policy: fc.constantFrom<OriginPolicy>('sequential', 'bep19'),
    firstConnection: fc.boolean(),
    random01: random01Arb,
    maxRunPieces: fc.integer({ min: 1, max: 30 }),
  });

  it('never returns a run containing a taken piece, and returns null iff all are taken', () => {
    fc.assert(fc.property(boolsArb, optsArb, (values, opts) => {
      const taken = fromBools(values);
      const run = pickOriginRun(taken, opts);
      expect(run === null).toBe(values.every(Boolean));
      if (run === null) return;
      checkRun(taken, run);
      const gapEnd = values.indexOf(true, run.startPiece);
      expect(run.endPiece).toBe(Math.min(gapEnd === -1 ? values.length : gapEnd, run.startPiece + opts.maxRunPieces));
    }));
  });

  it('starts where its policy says', () => {
    fc.assert(fc.property(boolsArb, optsArb, (values, opts) => {
      fc.pre(!values.every(Boolean));
      const run = pickOriginRun(fromBools(values), opts);
      if (opts.policy === 'sequential') {
        expect(run?.startPiece).toBe(values.indexOf(false));
      } else if (!opts.firstConnection) {
        const longest = Math.max(...naiveGaps(values).map(([s, e]) => e - s));
        const first = naiveGaps(values).find(([s, e]) => e - s === longest);
        expect(run?.startPiece).toBe(first?.[0]);
      }
    }));
  });
});

interface PeerCase { input: PeerPickInput; have: boolean[]; peer: boolean[]; requested: boolean[]; exclude: boolean[] }

const peerCaseArb: fc.Arbitrary<PeerCase> = fc.integer({ min: 0, max: 60 }).chain((n) => {
  const boolsN = fc.array(fc.boolean(), { minLength: n, maxLength: n });
  return fc.record({
    have: boolsN, peer: boolsN, requested: boolsN, exclude: boolsN,
    availability: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: n, maxLength: n }),
    random01: random01Arb, endgame: fc.boolean(), useExclude: fc.boolean(),
  });
}).map((r) => ({
  have: r.have, peer: r.peer, requested: r.requested,
  exclude: r.useExclude ? r.exclude : r.exclude.map(() => false),
  input: {
    have: fromBools(r.have), peerHas: fromBools(r.peer), requested: fromBools(r.requested),
    availability: Uint16Array.from(r.availability), random01: r.random01, endgame: r.endgame,
    exclude: r.useExclude ? fromBools(r.exclude) : undefined,
  },
}));

/** The candidates by the rule's words, computed the slow way. */
function naiveCandidates(c: PeerCase): number[] {
  const base = c.have.flatMap((h, i) => (!h && c.peer[i] === true && c.exclude[i] !== true ? [i] : []));
  const fresh = base.filter((i) => c.requested[i] !== true);
  return fresh.length === 0 && c.input.endgame ? base : fresh;
}

describe('pickPeerPiece properties', () => {
  it('returns only a piece the peer has, we lack, not excluded, and not requested unless endgame', () => {
    fc.assert(fc.property(peerCaseArb, (c) => {
      const piece = pickPeerPiece(c.input);
      const candidates = naiveCandidates(c);
      expect(piece === -1).toBe(candidates.length === 0);
      if (piece === -1) return;
      expect(c.peer[piece]).toBe(true);
      expect(c.have[piece]).toBe(false);
      expect(c.exclude[piece]).toBe(false);
      if (!c.input.endgame) expect(c.requested[piece]).toBe(false);
    }));
  });

  it('picks a pretty rare piece, the highest in the longest gap that has one', () => {
    fc.assert(fc.property(peerCaseArb, (c) => {
      const piece = pickPeerPiece(c.input);
      const candidates = naiveCandidates(c);
      fc.pre(piece !== -1);
      const availOf = (i: number): number => c.input.availability[i] ?? 0;
      const min = Math.min(...candidates.map(availOf));
      const rare = candidates.filter((i) => availOf(i) <= min + 1);
      expect(rare).toContain(piece);
      const gaps = naiveGaps(c.have);
      const gapOf = (i: number): [number, number] => gaps.find(([s, e]) => s <= i && i < e) ?? [0, 0];
      const [start, end] = gapOf(piece);
      expect(Math.max(...rare.map((i) => gapOf(i)[1] - gapOf(i)[0]))).toBe(end - start);
      expect(Math.max(...rare.filter((i) => i >= start && i < end))).toBe(piece);
    }));
  });
});

describe('RequestLedger properties', () => {
  it('agrees with a naive model through any sequence of add and remove', () => {
    const opArb = fc.tuple(fc.constantFrom('add', 'remove', 'removePeer', 'removePiece'), fc.constantFrom('a', 'b', 'c'), fc.nat(9));
    fc.assert(fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
      const ledger = new RequestLedger({ pieceCount: 10, maxPerPeer: 4 });
      const model = new Set<string>();
      for (const [op, peer, piece] of ops) {
        const key = `${peer}:${piece}`;
        if (op === 'add' && !model.has(key)) {
          const room = [...model].filter((k) => k.startsWith(`${peer}:`)).length < 4;
          expect(ledger.add(peer, piece, 0)).toBe(room);
          if (room) model.add(key);
        } else if (op === 'remove') {
          expect(ledger.remove(peer, piece)).toBe(model.delete(key));
        } else if (op === 'removePeer') {
          ledger.removePeer(peer);
          for (const k of [...model]) if (k.startsWith(`${peer}:`)) model.delete(k);
        } else if (op === 'removePiece') {
          ledger.removePiece(piece);
          for (const k of [...model]) if (k.endsWith(`:${piece}`)) model.delete(k);
        }
      }
      expect(ledger.size()).toBe(model.size);
      const requested = new Set([...model].map((k) => Number(k.split(':')[1])));
      for (let i = 0; i < 10; i++) expect(ledger.isRequested(i)).toBe(requested.has(i));
      expect(ledger.requestedBitfield().count()).toBe(requested.size);
    }));
  });
});
