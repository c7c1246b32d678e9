import { describe, it, expect } from 'vitest';
import { RequestLedger } from '../../../src/piece-picker/request-ledger.js';
import { show } from '../../helpers/picker-fixtures.js';

function ledger(maxPerPeer = 3): RequestLedger {
  return new RequestLedger({ pieceCount: 8, maxPerPeer });
}

describe('RequestLedger', () => {
  it('records requests by peer and by piece', () => {
    const l = ledger();
    expect(l.add('a', 1, 100)).toBe(true);
    expect(l.add('a', 5, 200)).toBe(true);
    expect(l.add('b', 5, 300)).toBe(true);
    expect(l.countForPeer('a')).toBe(2);
    expect(l.countForPeer('zzz')).toBe(0);
    expect(l.countForPiece(5)).toBe(2);
    expect(l.size()).toBe(3);
    expect(l.isRequested(1)).toBe(true);
    expect(l.isRequested(2)).toBe(false);
    expect(l.isRequestedFrom('b', 5)).toBe(true);
    expect(l.isRequestedFrom('b', 1)).toBe(false);
    expect(show(l.requestedBitfield())).toBe('nYnnnYnn');
    expect(l.requestsForPiece(5)).toEqual([{ peerId: 'a', piece: 5, sinceMs: 200 }, { peerId: 'b', piece: 5, sinceMs: 300 }]);
  });

  it('caps outstanding requests per peer, with a per-call override', () => {
    const l = ledger(2);
    expect(l.add('a', 0, 0)).toBe(true);
    expect(l.add('a', 1, 0)).toBe(true);
    expect(l.hasCapacity('a')).toBe(false);
    expect(l.add('a', 2, 0)).toBe(false);
    expect(l.isRequested(2)).toBe(false);
    expect(l.add('origin:1', 2, 0, 5)).toBe(true);
    expect(l.add('a', 3, 0, 3)).toBe(true);
    expect(l.countForPeer('a')).toBe(3);
  });

  it('throws a TypeError on a duplicate (peer, piece) and on bad arguments', () => {
    const l = ledger();
    l.add('a', 1, 0);
    expect(() => l.add('a', 1, 5)).toThrow(/already requested/);
    expect(() => l.add('a', 8, 0)).toThrow(/\[0, 8\), got 8/);
    expect(() => l.add('', 2, 0)).toThrow(TypeError);
    expect(() => l.add('a', 2, Number.NaN)).toThrow(/sinceMs/);
    expect(() => l.add('a', 2, 0, 0)).toThrow(/maxOutstanding/);
    expect(() => new RequestLedger({ pieceCount: -1, maxPerPeer: 1 })).toThrow(TypeError);
    expect(() => new RequestLedger({ pieceCount: 1, maxPerPeer: 0 })).toThrow(TypeError);
  });

  it('remove frees the piece only when no peer still has it outstanding', () => {
    const l = ledger();
    l.add('a', 4, 0);
    l.add('b', 4, 0);
    expect(l.remove('a', 4)).toBe(true);
    expect(l.remove('a', 4)).toBe(false);
    expect(l.isRequested(4)).toBe(true);
    expect(l.remove('b', 4)).toBe(true);
    expect(l.isRequested(4)).toBe(false);
    expect(l.requestedBitfield().isEmpty()).toBe(true);
    expect(l.size()).toBe(0);
  });

  it('removePeer returns and forgets all requests of a peer, oldest first', () => {
    const l = ledger();
    l.add('a', 3, 30);
    l.add('a', 1, 10);
    l.add('b', 3, 20);
    expect(l.removePeer('a')).toEqual([{ peerId: 'a', piece: 1, sinceMs: 10 }, { peerId: 'a', piece: 3, sinceMs: 30 }]);
    expect(l.countForPeer('a')).toBe(0);
    expect(show(l.requestedBitfield())).toBe('nnnYnnnn');
    expect(l.removePeer('a')).toEqual([]);
  });

  it('removePiece returns every duplicate so the caller can cancel them', () => {
    const l = ledger();
    l.add('b', 6, 20);
    l.add('a', 6, 10);
    l.add('a', 2, 10);
    expect(l.removePiece(6).map((r) => r.peerId)).toEqual(['a', 'b']);
    expect(l.isRequested(6)).toBe(false);
    expect(l.countForPeer('a')).toBe(1);
    expect(l.countForPeer('b')).toBe(0);
  });

  it('expired reports requests at or past the timeout, oldest first, and removes nothing', () => {
    const l = ledger();
    l.add('a', 0, 1000);
    l.add('b', 1, 500);
    l.add('a', 2, 1500);
    expect(l.expired(1999, 1000)).toEqual([{ peerId: 'b', piece: 1, sinceMs: 500 }]);
    expect(l.expired(2000, 1000).map((r) => r.piece)).toEqual([1, 0]);
    expect(l.expired(400, 1000)).toEqual([]);
    expect(l.size()).toBe(3);
    expect(() => l.expired(Number.POSITIVE_INFINITY, 1)).toThrow(/nowMs/);
  });

  it('requestedBitfield is a copy', () => {
    const l = ledger();
    l.requestedBitfield().set(3);
    expect(l.isRequested(3)).toBe(false);
  });

  it('endgameExclusions: pieces outstanding from this peer or from maxPerPiece peers', () => {
    const l = ledger();
    l.add('a', 0, 0);
    l.add('b', 1, 0);
    l.add('c', 1, 0);
    l.add('b', 2, 0);
    expect(show(l.endgameExclusions('a', 2))).toBe('YYnnnnnn');
    expect(show(l.endgameExclusions('b', 2))).toBe('nYYnnnnn');
    expect(show(l.endgameExclusions('d', 1))).toBe('YYYnnnnn');
    expect(() => l.endgameExclusions('a', 0)).toThrow(TypeError);
  });
});
