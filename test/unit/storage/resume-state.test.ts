import { describe, it, expect } from 'vitest';
import { decodeResumeState, encodeResumeState, type ResumeState } from '../../../src/storage/resume-state.js';

const MD5 = '0123456789abcdef0123456789abcdef';

/** 40 KiB in 16 KiB pieces: 3 pieces, one bitfield byte. */
const SAMPLE: ResumeState = {
  version: 1,
  md5Hex: MD5,
  fileBytes: 40 * 1024,
  pieceBytes: 16 * 1024,
  etag: '"abc"',
  have: Uint8Array.of(0b1010_0000),
  durable: Uint8Array.of(0b1000_0000),
  bootId: 'e74aef71-56f1-4744-bfd2-8bacd1963c89',
  complete: false,
};

/** Encodes a value that breaks the type, as a buggy or hostile writer could (the checksum is valid). */
function encodeUnchecked(fields: Record<string, unknown>): string {
  return encodeResumeState({ ...SAMPLE, ...fields } as unknown as ResumeState);
}

describe('encodeResumeState / decodeResumeState', () => {
  it('round-trips the sample, keeping have, durable and bootId apart', () => {
    const decoded = decodeResumeState(encodeResumeState(SAMPLE));
    expect(decoded).toEqual(SAMPLE);
    expect(decoded?.have).toBeInstanceOf(Uint8Array);
    expect(decoded?.durable).toEqual(Uint8Array.of(0b1000_0000));
  });

  it('writes exactly one line', () => {
    const text = encodeResumeState(SAMPLE);
    expect(text.endsWith('\n')).toBe(true);
    expect(text.indexOf('\n')).toBe(text.length - 1);
  });

  it('flips of the stored bits of one piece are caught by the checksum', () => {
    const text = encodeResumeState(SAMPLE);
    const edited = text.replace(`"have":"${Buffer.from(SAMPLE.have).toString('base64')}"`, `"have":"${Buffer.of(0b1110_0000).toString('base64')}"`);
    expect(edited).not.toBe(text);
    expect(decodeResumeState(edited)).toBeNull();
  });

  it.each([
    ['have one byte too long', { have: Uint8Array.of(0, 0) }],
    ['have one byte too short', { have: new Uint8Array(0) }],
    ['durable one byte too long', { durable: Uint8Array.of(0, 0) }],
    ['durable one byte too short', { durable: new Uint8Array(0) }],
    ['bitfields for another piece size', { pieceBytes: 1024, have: Uint8Array.of(0), durable: Uint8Array.of(0) }],
  ])('rejects %s even with a valid checksum', (_name, fields) => {
    expect(decodeResumeState(encodeUnchecked(fields))).toBeNull();
  });

  it.each([
    ['version 2', { version: 2 }],
    ['upper-case md5', { md5Hex: MD5.toUpperCase() }],
    ['short md5', { md5Hex: MD5.slice(1) }],
    ['negative fileBytes', { fileBytes: -1 }],
    ['fractional fileBytes', { fileBytes: 1.5 }],
    ['fileBytes as a string', { fileBytes: '40960' }],
    ['unsafe fileBytes', { fileBytes: 2 ** 53 }],
    ['zero pieceBytes', { pieceBytes: 0 }],
    ['NaN pieceBytes', { pieceBytes: Number.NaN }],
    ['numeric etag', { etag: 5 }],
    ['numeric bootId', { bootId: 7 }],
    ['string complete', { complete: 'yes' }],
  ])('rejects a %s even with a valid checksum', (_name, fields) => {
    expect(decodeResumeState(encodeUnchecked(fields))).toBeNull();
  });

  it('rejects a missing checksum', () => {
    const { sha256: _sha256, ...unsigned } = JSON.parse(encodeResumeState(SAMPLE)) as Record<string, unknown>;
    expect(decodeResumeState(JSON.stringify(unsigned))).toBeNull();
  });

  it('rejects a missing etag or bootId even where the checksum cannot tell it from null', () => {
    const body = JSON.parse(encodeResumeState({ ...SAMPLE, etag: null, bootId: null })) as Record<string, unknown>;
    const { bootId: _bootId, ...noBootId } = body;
    expect(decodeResumeState(JSON.stringify(noBootId))).toBeNull();
    const { etag: _etag, ...noEtag } = body;
    expect(decodeResumeState(JSON.stringify(noEtag))).toBeNull();
  });

  it('round-trips a null etag and a null bootId, and an empty file', () => {
    const empty: ResumeState = { ...SAMPLE, fileBytes: 0, etag: null, bootId: null, have: new Uint8Array(0), durable: new Uint8Array(0), complete: true };
    expect(decodeResumeState(encodeResumeState(empty))).toEqual(empty);
  });

  it.each([[''], ['garbage'], ['null'], ['[]'], ['42'], ['"text"'], ['{}'], ['{"version":1,"sha256":"00"}']])('rejects %j', (text) => {
    expect(decodeResumeState(text)).toBeNull();
  });
});
