import { describe, expect, it } from 'vitest';
import { activeOriginRuns, runPieces, swarmRunPieces } from '../../../src/swarm/swarm-parameters.js';
import { pieceGeometry } from '../../../src/pieces/piece-geometry.js';

describe('activeOriginRuns', () => {
  it('the fleet shares about `connections` runs, at least one per host', () => {
    const table: [number, number][] = [[0, 4], [1, 2], [3, 1], [7, 1], [63, 1]];
    for (const [peerCount, runs] of table) expect(activeOriginRuns(4, peerCount)).toBe(runs);
    expect(activeOriginRuns(8, 1)).toBe(4);
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
