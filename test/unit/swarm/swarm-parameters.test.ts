import { describe, expect, it } from 'vitest';
import { activeOriginRuns, runPieces, swarmRunPieces } from '../../../src/swarm/swarm-parameters.js';
import { pieceGeometry } from '../../../src/pieces/piece-geometry.js';

describe('activeOriginRuns', () => {
  it('full view: the fleet shares about `connections` runs, at least one per host', () => {
    const table: [number, number][] = [[0, 4], [1, 2], [3, 1], [7, 1], [63, 1]];
    for (const [peerCount, runs] of table) expect(activeOriginRuns({ connections: 4, peerCount })).toBe(runs);
    expect(activeOriginRuns({ connections: 8, peerCount: 1 })).toBe(4);
    // A partial view is moot without peers, and the lowest id alone changes nothing in a full view.
    expect(activeOriginRuns({ connections: 4, peerCount: 0, partialView: true })).toBe(4);
    expect(activeOriginRuns({ connections: 4, peerCount: 7, lowestId: true })).toBe(1);
  });

  it('partial view: only the lowest id of a neighbourhood fetches, with every connection; others only while starving', () => {
    expect(activeOriginRuns({ connections: 4, peerCount: 64, partialView: true, lowestId: true })).toBe(4);
    expect(activeOriginRuns({ connections: 4, peerCount: 64, partialView: true, lowestId: true, starving: true })).toBe(4);
    expect(activeOriginRuns({ connections: 4, peerCount: 64, partialView: true })).toBe(0);
    expect(activeOriginRuns({ connections: 4, peerCount: 64, partialView: true, starving: true })).toBe(1);
  });
});

describe('run lengths', () => {
  it('alone: 2 to 16 MiB by file size; with peers: about 1 MiB, at least one piece', () => {
    expect(runPieces(pieceGeometry(128 * 2 ** 20, 'auto'), 4)).toBe(16);
    expect(runPieces(pieceGeometry(10 * 2 ** 30, 'auto'), 4)).toBe(2);
    expect(swarmRunPieces(pieceGeometry(128 * 2 ** 20, 'auto'))).toBe(4);
    expect(swarmRunPieces(pieceGeometry(10 * 2 ** 30, 'auto'))).toBe(1);
  });
});
