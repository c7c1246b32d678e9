import { describe, it, expect } from 'vitest';
import { pickPeerPiece, type PeerPickInput } from '../../../src/piece-picker/peer-piece-picker.js';
import { RequestLedger } from '../../../src/piece-picker/request-ledger.js';
import { avail, bits } from '../../helpers/picker-fixtures.js';

interface Case {
  have: string;
  peer?: string;
  requested?: string;
  availability?: string;
  random01?: number;
  endgame?: boolean;
  exclude?: string;
}

/** One pick from string fixtures; the peer has everything and availability is 1 unless given. */
function pick(c: Case): number {
  const n = c.have.length;
  const input: PeerPickInput = {
    have: bits(c.have),
    peerHas: bits(c.peer ?? 'Y'.repeat(n)),
    requested: bits(c.requested ?? 'n'.repeat(n)),
    availability: avail(c.availability ?? '1'.repeat(n)),
    random01: c.random01 ?? 0,
    endgame: c.endgame ?? false,
    exclude: c.exclude === undefined ? undefined : bits(c.exclude),
  };
  return pickPeerPiece(input);
}

describe('pickPeerPiece: candidates', () => {
  it.each<[string, Case, number]>([
    ['only pieces the peer has', { have: 'nnnnnn', peer: 'YYnnnn' }, 1],
    ['only pieces we lack', { have: 'nnnnYY', peer: 'nnnnYY' }, -1],
    ['not pieces already requested', { have: 'Ynnnnn', requested: 'nnnnnY' }, 4],
    ['nothing when everything is requested and not endgame', { have: 'Ynnn', requested: 'nYYY' }, -1],
    ['nothing when we are complete', { have: 'YYYY' }, -1],
    ['nothing from an empty peer', { have: 'nnnn', peer: 'nnnn' }, -1],
    ['nothing in an empty file', { have: '' }, -1],
    ['not excluded pieces', { have: 'nnnn', exclude: 'nnnY' }, 2],
  ])('%s', (_name, c, expected) => {
    expect(pick(c)).toBe(expected);
  });
});

describe('pickPeerPiece: pretty rare', () => {
  it.each<[string, Case, number]>([
    ['the rarest piece wins over common ones', { have: 'nnnn', availability: '3133' }, 1],
    ['within +1 of the minimum counts as rare: fill from the end', { have: 'nnnn', availability: '2323' }, 3],
    ['+2 above the minimum is not rare', { have: 'nnnn', availability: '2424' }, 2],
    ['rarity beats gap length', { have: 'nnYnnnnnnn', availability: '1133333333' }, 1],
    ['the minimum is taken among candidates only', { have: 'nnYnnn', peer: 'nnnYYY', availability: '113335' }, 4],
    ['rarity ignores requested pieces', { have: 'nnnn', requested: 'nYnn', availability: '3133' }, 3],
  ])('%s', (_name, c, expected) => {
    expect(pick(c)).toBe(expected);
  });
});

describe('pickPeerPiece: biggest distance from a piece we hold, fill each gap from its end (BEP 19)', () => {
  it.each<[string, Case, number]>([
    ['the end of the longest gap', { have: 'YnnYnnnnYn' }, 7],
    ['a gap runs to the end of the file', { have: 'YYnnnnnnnn' }, 9],
    ['a gap starts at the beginning of the file', { have: 'nnnnnYnnYn' }, 4],
    ['the highest piece of the gap the peer has', { have: 'nnnnnnnnnn', peer: 'YYYYYnnnnn' }, 4],
    ['gap length counts pieces we lack that are not candidates', { have: 'YnnnnYnnY', peer: 'nYnnnnYnn' }, 1],
    ['gap length counts requested pieces', { have: 'nnnnnYnnnn', requested: 'nnnnnnYYYY' }, 4],
    ['gaps longer than a byte', { have: 'YnnnnnnnnnnnnnnnnnnnnYnnY' }, 20],
  ])('%s', (_name, c, expected) => {
    expect(pick(c)).toBe(expected);
  });

  it.each([
    [0, 1],
    [0.33, 1],
    [0.34, 4],
    [0.66, 4],
    [0.67, 7],
    [0.999, 7],
  ])('ties between equally long gaps are broken by random01 %f -> %i', (random01, expected) => {
    expect(pick({ have: 'nnYnnYnn', random01 })).toBe(expected);
  });

  it('alone with one peer, fills the file from its end', () => {
    const have = bits('nnnnnnnnnn');
    const ledger = new RequestLedger({ pieceCount: 10, maxPerPeer: 100 });
    const picks: number[] = [];
    for (;;) {
      const piece = pickPeerPiece({
        have, peerHas: bits('YYYYYYYYYY'), requested: ledger.requestedBitfield(),
        availability: avail('1111111111'), random01: 0.5, endgame: false,
      });
      if (piece === -1) break;
      ledger.add('peer', piece, 0);
      picks.push(piece);
    }
    expect(picks).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
  });
});

describe('pickPeerPiece: endgame', () => {
  it('re-requests a piece requested elsewhere only in endgame', () => {
    const c: Case = { have: 'YnYn', requested: 'nYnY' };
    expect(pick(c)).toBe(-1);
    expect(pick({ ...c, endgame: true })).toBe(1);
  });

  it('prefers unrequested pieces even in endgame', () => {
    expect(pick({ have: 'nnnn', requested: 'nYYY', endgame: true })).toBe(0);
  });

  it('respects exclude, which bounds duplicates', () => {
    expect(pick({ have: 'YnYn', requested: 'nYnY', endgame: true, exclude: 'nYnn' })).toBe(3);
    expect(pick({ have: 'YnYn', requested: 'nYnY', endgame: true, exclude: 'nYnY' })).toBe(-1);
  });

  it('with a ledger: no piece twice from the same peer, at most maxPerPiece peers per piece', () => {
    const ledger = new RequestLedger({ pieceCount: 3, maxPerPeer: 10 });
    ledger.add('a', 0, 0);
    ledger.add('a', 1, 0);
    ledger.add('b', 2, 0);
    ledger.add('b', 1, 0);
    const input = (peerId: string): PeerPickInput => ({
      have: bits('nnn'), peerHas: bits('YYY'), requested: ledger.requestedBitfield(),
      availability: avail('222'), random01: 0, endgame: true, exclude: ledger.endgameExclusions(peerId, 2),
    });
    expect(pickPeerPiece(input('a'))).toBe(2);
    expect(pickPeerPiece(input('b'))).toBe(0);
    expect(pickPeerPiece(input('c'))).toBe(2);
  });
});

describe('pickPeerPiece: misuse', () => {
  const ok: PeerPickInput = {
    have: bits('nnn'), peerHas: bits('YYY'), requested: bits('nnn'), availability: avail('111'), random01: 0, endgame: false,
  };
  it.each<[string, Partial<PeerPickInput>, RegExp]>([
    ['peerHas length', { peerHas: bits('YY') }, /peerHas has length 2/],
    ['requested length', { requested: bits('nnnn') }, /requested/],
    ['exclude length', { exclude: bits('n') }, /exclude/],
    ['availability length', { availability: avail('11') }, /availability/],
    ['random01 = 1', { random01: 1 }, /random01/],
    ['random01 NaN', { random01: Number.NaN }, /random01/],
  ])('throws a TypeError on a bad %s', (_name, bad, message) => {
    expect(() => pickPeerPiece({ ...ok, ...bad })).toThrow(message);
    expect(() => pickPeerPiece({ ...ok, ...bad })).toThrow(TypeError);
  });
});
