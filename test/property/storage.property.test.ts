import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Bitfield } from '../../src/pieces/bitfield.js';
import { pieceGeometry, type PieceGeometry } from '../../src/pieces/piece-geometry.js';
import { decodeResumeState, encodeResumeState, type ResumeState } from '../../src/storage/resume-state.js';
import { translateHave } from '../../src/storage/translate-have.js';

const KiB = 1024;
const MiB = 1024 * KiB;

// ---------------------------------------------------------------------------------------------
// resume-state

/** Any valid state: bitfields of exactly ceil(ceil(fileBytes / pieceBytes) / 8) bytes. */
const stateArb: fc.Arbitrary<ResumeState> = fc
  .record({
    pieceCount: fc.integer({ min: 0, max: 3000 }),
    pieceBytes: fc.integer({ min: 1, max: 2 ** 30 }),
    shortBy: fc.nat(),
  })
  .chain(({ pieceCount, pieceBytes, shortBy }) => {
    const fileBytes = pieceCount === 0 ? 0 : pieceCount * pieceBytes - (shortBy % pieceBytes);
    const byteLength = Math.ceil(pieceCount / 8);
    return fc.record({
      version: fc.constant(1 as const),
      md5Hex: fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('hex')),
      fileBytes: fc.constant(fileBytes),
      pieceBytes: fc.constant(pieceBytes),
      etag: fc.option(fc.string({ maxLength: 40 }), { nil: null }),
      have: fc.uint8Array({ minLength: byteLength, maxLength: byteLength }),
      durable: fc.uint8Array({ minLength: byteLength, maxLength: byteLength }),
      bootId: fc.option(fc.string({ maxLength: 40 }), { nil: null }),
      complete: fc.boolean(),
    });
  });

/** Characters a changed byte may become: JSON syntax, digits, hex, base64 and whitespace. */
const CHARSET = [...'{}[]":,\\ \t\n0123456789abcdefABCDEF+/=-.etrunlsxyzQ'];

describe('resume state properties', () => {
  it('round-trips any state', () => {
    fc.assert(
      fc.property(stateArb, (state) => {
        expect(decodeResumeState(encodeResumeState(state))).toEqual(state);
      }),
    );
  });

  it('changing any one character but the final newline gives null', () => {
    fc.assert(
      fc.property(stateArb, fc.nat(), fc.nat(), (state, at, pick) => {
        const text = encodeResumeState(state);
        const index = at % text.length;
        const others = CHARSET.filter((c) => c !== text[index]);
        const changed = `${text.slice(0, index)}${others[pick % others.length] ?? 'x'}${text.slice(index + 1)}`;
        const decoded = decodeResumeState(changed);
        if (index < text.length - 1) expect(decoded).toBeNull();
        else if (decoded !== null) expect(decoded).toEqual(state);
      }),
      { numRuns: 500 },
    );
  });

  it('inserting or deleting one character gives null or the very same state', () => {
    fc.assert(
      fc.property(stateArb, fc.nat(), fc.constantFrom(...CHARSET), fc.boolean(), (state, at, char, insert) => {
        const text = encodeResumeState(state);
        const index = at % text.length;
        const changed = insert ? `${text.slice(0, index)}${char}${text.slice(index)}` : `${text.slice(0, index)}${text.slice(index + 1)}`;
        const decoded = decodeResumeState(changed);
        if (decoded !== null) expect(decoded).toEqual(state);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects every truncation that cuts into the JSON', () => {
    fc.assert(
      fc.property(stateArb, fc.nat(), (state, at) => {
        const text = encodeResumeState(state);
        expect(decodeResumeState(text.slice(0, at % (text.length - 1)))).toBeNull();
      }),
    );
  });

  it('rejects bitfields of any wrong length, although the checksum is valid', () => {
    fc.assert(
      fc.property(stateArb, fc.integer({ min: -3, max: 3 }).filter((d) => d !== 0), fc.boolean(), (state, delta, inHave) => {
        const length = Math.max(0, state.have.length + delta);
        fc.pre(length !== state.have.length);
        const wrong = new Uint8Array(length);
        const text = encodeResumeState(inHave ? { ...state, have: wrong } : { ...state, durable: wrong });
        expect(decodeResumeState(text)).toBeNull();
      }),
    );
  });

  it('never throws on arbitrary text or JSON, and accepts none of it', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        expect(decodeResumeState(text)).toBeNull();
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// translate-have

function fromBools(values: readonly boolean[]): Bitfield {
  const field = new Bitfield(values.length);
  values.forEach((value, i) => { if (value) field.set(i); });
  return field;
}

function show(field: Bitfield): string {
  let text = '';
  for (let i = 0; i < field.length; i++) text += field.has(i) ? '1' : '0';
  return text;
}

/** The naive model: mark every byte of every complete old piece; a new piece is complete iff all its bytes are. */
function naiveTranslate(from: PieceGeometry, have: readonly boolean[], to: PieceGeometry): string {
  const byteDone = new Uint8Array(from.fileBytes);
  have.forEach((done, i) => {
    if (done) byteDone.fill(1, i * from.pieceBytes, Math.min((i + 1) * from.pieceBytes, from.fileBytes));
  });
  let text = '';
  for (let i = 0; i < to.pieceCount; i++) {
    const piece = byteDone.subarray(i * to.pieceBytes, Math.min((i + 1) * to.pieceBytes, to.fileBytes));
    text += piece.indexOf(0) === -1 ? '1' : '0';
  }
  return text;
}

/** `length` booleans: noise, long runs (so whole coarse pieces are sometimes covered), or all set. */
function haveArb(length: number): fc.Arbitrary<boolean[]> {
  return fc.oneof(
    fc.array(fc.boolean(), { minLength: length, maxLength: length }),
    fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 40 })), { minLength: 1, maxLength: 10 })
      .map((runs) => runs.flatMap(([value, n]) => Array<boolean>(n).fill(value)))
      .map((values) => Array.from({ length }, (_, i) => values[i % values.length] ?? false)),
    fc.constant(Array<boolean>(length).fill(true)),
  );
}

/** Piece sizes are multiples of the 16 KiB minimum: small ones often, up to 4 MiB. */
const pieceBytesArb = fc.oneof(
  fc.integer({ min: 1, max: 16 }).map((n) => n * 16 * KiB),
  fc.integer({ min: 1, max: 256 }).map((n) => n * 16 * KiB),
);

const translateCaseArb = fc
  .record({ fileBytes: fc.integer({ min: 0, max: 4 * MiB }), fromBytes: pieceBytesArb, toBytes: pieceBytesArb })
  .chain(({ fileBytes, fromBytes, toBytes }) => {
    const from = pieceGeometry(fileBytes, fromBytes);
    const to = pieceGeometry(fileBytes, toBytes);
    return haveArb(from.pieceCount).map((have) => ({ from, to, have }));
  });

describe('translateHave properties', () => {
  it('a new piece is set iff every byte of it was in a complete old piece (naive byte model)', () => {
    fc.assert(
      fc.property(translateCaseArb, ({ from, to, have }) => {
        const out = translateHave(from, fromBools(have), to);
        expect(out.length).toBe(to.pieceCount);
        expect(show(out)).toBe(naiveTranslate(from, have, to));
      }),
      { numRuns: 150 },
    );
  });

  it('never gains data: translating there and back gives a subset of the original', () => {
    fc.assert(
      fc.property(translateCaseArb, ({ from, to, have }) => {
        const original = fromBools(have);
        const back = translateHave(to, translateHave(from, original, to), from);
        expect(back.andNot(original).isEmpty()).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('loses nothing going to a piece size that divides the old one and back', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4 * MiB }),
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 1, max: 8 }),
        fc.nat(),
        (fileBytes, fineUnits, factor, seed) => {
          const fine = pieceGeometry(fileBytes, fineUnits * 16 * KiB);
          const coarse = pieceGeometry(fileBytes, fineUnits * factor * 16 * KiB);
          const original = fromBools(Array.from({ length: coarse.pieceCount }, (_, i) => ((seed >> (i % 30)) & 1) === 1));
          expect(translateHave(fine, translateHave(coarse, original, fine), coarse).equals(original)).toBe(true);
        },
      ),
    );
  });
});
