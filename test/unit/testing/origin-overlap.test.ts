/**
 * originOverlap: the origin's egress taken apart into distinct and repeated bytes, by time and
 * by place in the file; checked on tables and against a byte-by-byte count.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { originOverlap } from '../../../src/testing/origin-overlap.js';
import type { OriginBodyLog } from '../../../src/testing/origin-server.js';

const body = (startMs: number, offset: number, sentBytes: number, client = '10.0.0.2', endMs = startMs + 1): OriginBodyLog => ({ startMs, endMs, client, offset, sentBytes });

describe('originOverlap', () => {
  it('counts nothing repeated when the bodies tile the file', () => {
    const result = originOverlap([body(0, 0, 50), body(1, 50, 50, '10.0.0.3')], 100);
    expect(result).toMatchObject({ sentBytes: 100, distinctBytes: 100, repeatedBytes: 0, repeatedByThird: [0, 0, 0] });
    expect(result.clients).toEqual({ '10.0.0.2': { bodies: 1, sentBytes: 50 }, '10.0.0.3': { bodies: 1, sentBytes: 50 } });
  });

  it('puts a repeat in the third of the run its body started in and the tenth of the file it covers', () => {
    const result = originOverlap([body(0, 0, 100, 'a', 10), body(29, 90, 10, 'b', 30)], 100);
    expect(result.repeatedBytes).toBe(10);
    expect(result.repeatedByThird).toEqual([0, 0, 10]);
    expect(result.repeatedByTenth).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 10]);
  });

  it('ignores empty bodies and counts partial overlaps once each', () => {
    const result = originOverlap([body(0, 0, 60), body(1, 40, 40), body(2, 0, 0), body(3, 30, 50)], 100);
    expect(result.distinctBytes).toBe(80);
    expect(result.repeatedBytes).toBe(70);
  });

  it('agrees with a byte-by-byte count (property)', () => {
    const fileBytes = 64;
    const bodies = fc.array(fc.record({ startMs: fc.nat(1000), offset: fc.nat(fileBytes - 1), sentBytes: fc.nat(fileBytes) }), { maxLength: 12 });
    fc.assert(fc.property(bodies, (drawn) => {
      const logs = drawn.map((b) => body(b.startMs, b.offset, Math.min(b.sentBytes, fileBytes - b.offset)));
      const times = new Array<number>(fileBytes).fill(0);
      for (const b of logs) for (let at = b.offset; at < b.offset + b.sentBytes; at++) times[at]!++;
      const result = originOverlap(logs, fileBytes);
      const distinct = times.filter((t) => t > 0).length;
      expect(result.distinctBytes).toBe(distinct);
      expect(result.repeatedBytes).toBe(times.reduce((a, b) => a + b, 0) - distinct);
      expect(result.repeatedByThird.reduce((a, b) => a + b, 0)).toBe(result.repeatedBytes);
      expect(result.repeatedByTenth.reduce((a, b) => a + b, 0)).toBe(result.repeatedBytes);
    }));
  });
});
