import { describe, expect, it } from 'vitest';
import { pieceGeometry } from '../../../src/pieces/piece-geometry.js';
import { PeerRequests } from '../../../src/swarm/peer-requests.js';

const KiB = 1024;
// 4 pieces of 64 KiB, the last one 40 KiB; blocks of 16 KiB.
const geometry = pieceGeometry(3 * 64 * KiB + 40 * KiB, 64 * KiB);

describe('PeerRequests', () => {
  it('asks the blocks of an assigned piece in order and completes it when all arrived', () => {
    const requests = new PeerRequests(geometry, 16 * KiB);
    requests.assign(1, 'a');
    expect(requests.requested.has(1)).toBe(true);
    const begins = [0, 1, 2, 3].map(() => requests.nextBlockFor('a')?.begin);
    expect(begins).toEqual([0, 16 * KiB, 32 * KiB, 48 * KiB]);
    expect(requests.nextBlockFor('a')).toBeNull();
    expect(requests.received(1, 0)).toBe(false);
    expect(requests.received(1, 0)).toBe(false);
    expect(requests.received(1, 16 * KiB)).toBe(false);
    expect(requests.received(1, 32 * KiB)).toBe(false);
    expect(requests.received(1, 48 * KiB)).toBe(true);
    expect(requests.requested.has(1)).toBe(false);
  });

  it('sizes the last block of a short last piece', () => {
    const requests = new PeerRequests(geometry, 16 * KiB);
    requests.assign(3, 'a');
    const blocks = [requests.nextBlockFor('a'), requests.nextBlockFor('a'), requests.nextBlockFor('a')];
    expect(blocks.map((b) => b?.length)).toEqual([16 * KiB, 16 * KiB, 8 * KiB]);
  });

  it('refuses a second assignment, and unassigns only for the owner', () => {
    const requests = new PeerRequests(geometry, 16 * KiB);
    requests.assign(0, 'a');
    expect(() => requests.assign(0, 'b')).toThrow(TypeError);
    requests.unassign(0, 'b');
    expect(requests.requested.has(0)).toBe(true);
    requests.unassign(0, 'a');
    expect(requests.requested.has(0)).toBe(false);
  });

  it('drops every assignment of a peer that leaves', () => {
    const requests = new PeerRequests(geometry, 16 * KiB);
    requests.assign(0, 'a');
    requests.assign(2, 'a');
    requests.assign(1, 'b');
    requests.dropPeer('a');
    expect([0, 1, 2, 3].filter((piece) => requests.requested.has(piece))).toEqual([1]);
    expect(requests.countFor('a')).toBe(0);
  });

  it('endgame: offers the blocks still awaited of another peer’s piece that this peer has', () => {
    const requests = new PeerRequests(geometry, 16 * KiB);
    requests.assign(2, 'slow');
    requests.received(2, 0);
    requests.received(2, 32 * KiB);
    expect(requests.endgameBlocks('slow', () => true)).toEqual([]);
    expect(requests.endgameBlocks('fast', (piece) => piece !== 2)).toEqual([]);
    const blocks = requests.endgameBlocks('fast', () => true);
    expect(blocks.map((b) => [b.piece, b.begin, b.length])).toEqual([[2, 16 * KiB, 16 * KiB], [2, 48 * KiB, 16 * KiB]]);
    // The first copy of each block counts: the fast peer completes the piece.
    expect(requests.received(2, 16 * KiB)).toBe(false);
    expect(requests.received(2, 48 * KiB)).toBe(true);
    expect(requests.received(2, 48 * KiB)).toBe(false);
  });
});

describe('PeerRequests.isAwaited', () => {
  it('is true only for blocks of an assigned piece not yet received', () => {
    const requests = new PeerRequests(geometry, 16 * KiB);
    expect(requests.isAwaited(0, 0)).toBe(false);
    requests.assign(0, 'a');
    expect(requests.isAwaited(0, 0)).toBe(true);
    requests.received(0, 0);
    expect(requests.isAwaited(0, 0)).toBe(false);
    expect(requests.isAwaited(0, 16 * KiB)).toBe(true);
  });
});
