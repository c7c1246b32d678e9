import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BLOCK_BYTES, INITIAL_ASKED_PER_PEER, MAX_ASKED_PER_PEER, MIN_ASKED_PER_PEER, MAX_FETCHING_PEERS, activeOriginRuns, pipelineDepth, runPieces, swarmRunPieces } from '../../../src/swarm/swarm-parameters.js';
import { pieceGeometry } from '../../../src/pieces/piece-geometry.js';

describe('activeOriginRuns', () => {
  it('the fleet shares about `connections` runs, at least one per host', () => {
    const table: [number, number][] = [[0, 4], [1, 2], [3, 1], [7, 1], [63, 1]];
    for (const [peerCount, runs] of table) expect(activeOriginRuns(4, peerCount)).toBe(runs);
    expect(activeOriginRuns(8, 1)).toBe(4);
  });

  it('none while MAX_FETCHING_PEERS peers or more fetch from the origin (never alone)', () => {
    const table: [number, number, number][] = [[7, 7, 1], [15, 15, 1], [48, MAX_FETCHING_PEERS - 1, 1], [48, MAX_FETCHING_PEERS, 0], [0, 99, 4]];
    for (const [peerCount, fetching, runs] of table) expect(activeOriginRuns(4, peerCount, fetching)).toBe(runs);
    expect(activeOriginRuns(4, 10, 4, 4)).toBe(0);
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

describe('pipelineDepth', () => {
  const MiB = 2 ** 20;
  it('keeps about a second of a peer\'s rate asked, from 2 to 16 blocks; 4 before it is measured', () => {
    const table: [number | null, number][] = [
      [null, INITIAL_ASKED_PER_PEER],
      [Number.NaN, INITIAL_ASKED_PER_PEER],
      [0, MIN_ASKED_PER_PEER],
      [100_000, MIN_ASKED_PER_PEER],
      [MiB, 4],
      [1.5 * MiB, 6],
      [3 * MiB, 12],
      [100 * MiB, MAX_ASKED_PER_PEER],
      [Number.POSITIVE_INFINITY, MAX_ASKED_PER_PEER],
    ];
    for (const [rate, blocks] of table) expect(pipelineDepth(rate), String(rate)).toBe(blocks);
  });

  it('never leaves the bounds and never shrinks as the rate grows', () => {
    fc.assert(fc.property(fc.double({ min: 0, max: 1e10, noNaN: true }), fc.double({ min: 0, max: 1e10, noNaN: true }), (a, b) => {
      const [low, high] = a <= b ? [a, b] : [b, a];
      const [dLow, dHigh] = [pipelineDepth(low), pipelineDepth(high)];
      expect(dLow).toBeGreaterThanOrEqual(MIN_ASKED_PER_PEER);
      expect(dHigh).toBeLessThanOrEqual(MAX_ASKED_PER_PEER);
      expect(dLow).toBeLessThanOrEqual(dHigh);
      expect(dHigh * BLOCK_BYTES).toBeGreaterThanOrEqual(Math.min(high, MAX_ASKED_PER_PEER * BLOCK_BYTES));
    }));
  });
});
