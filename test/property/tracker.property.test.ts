/**
 * Properties of the tracker answer decoder: any well-formed answer, bencoded by the `bencode`
 * package, parses back to the peers it lists (dialable ones only, each once, at most maxPeers);
 * any bytes at all parse without throwing to at most maxPeers peers.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_INTERVAL_SECONDS, parseAnnounceResponse } from '../../src/peer-sources/tracker-codec.js';
import { answerCase, type RawPeer } from '../../src/testing/tracker-arbitraries.js';
import { encodeTrackerAnswer, ipBytes } from '../../src/testing/tracker-answers.js';

/** An IPv4-mapped IPv6 address as its 4 IPv4 bytes; anything else unchanged. */
function unmapped(ip: Uint8Array): Uint8Array {
  const mapped = ip.length === 16 && ip.subarray(0, 10).every((b) => b === 0) && ip[10] === 0xff && ip[11] === 0xff;
  return mapped ? ip.subarray(12) : ip;
}

/** Independent of peer-address.ts: decided on the bytes (IPv4-mapped ones unmapped first). */
function dialable({ ip, port }: RawPeer): boolean {
  if (port === 0) return false;
  if (ip.length === 4) return ip[0] !== 0 && !((ip[0] ?? 0) >= 224 && (ip[0] ?? 0) <= 239) && !ip.every((b) => b === 255);
  return !ip.every((b) => b === 0) && ip[0] !== 0xff;
}

const key = ({ ip, port }: RawPeer): string => `${Buffer.from(unmapped(ip)).toString('hex')}|${port}`;

function expectedKeys(peers: readonly RawPeer[], maxPeers: number): string[] {
  const keys = peers.filter(({ ip, port }) => dialable({ ip: unmapped(ip), port })).map(key);
  return [...new Set(keys)].slice(0, maxPeers);
}

describe('tracker answers', () => {
  it('parse back to the peers they list: dialable, deduplicated, capped', () => {
    fc.assert(fc.property(answerCase, ({ fields, peers, peers6, maxPeers }) => {
      const answer = parseAnnounceResponse(encodeTrackerAnswer(fields), maxPeers);
      if (answer.kind !== 'peers') throw new Error(`not peers: ${JSON.stringify(answer)}`);
      const got = answer.peers.map(({ address, port }) => key({ ip: ipBytes(address), port }));
      expect(got).toEqual(expectedKeys([...peers, ...peers6], maxPeers));
      const interval = typeof fields.interval === 'number' && fields.interval > 0 ? Math.min(86_400, Math.max(10, fields.interval)) : DEFAULT_INTERVAL_SECONDS;
      expect(answer.intervalSeconds).toBe(interval);
    }), { numRuns: 500 });
  });

  it('any bytes parse without throwing to at most maxPeers peers', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), fc.integer({ min: 0, max: 20 }), (body, maxPeers) => {
      const answer = parseAnnounceResponse(body, maxPeers);
      expect(['peers', 'failure', 'invalid']).toContain(answer.kind);
      if (answer.kind === 'peers') expect(answer.peers.length).toBeLessThanOrEqual(maxPeers);
    }), { numRuns: 2000 });
  });

  it('random bytes behind a valid prefix parse without throwing to at most maxPeers peers', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), fc.integer({ min: 0, max: 20 }), (tail, maxPeers) => {
      const body = Buffer.concat([Buffer.from(`d8:intervali60e5:peers${tail.length}:`, 'latin1'), tail, Buffer.from('e', 'latin1')]);
      const answer = parseAnnounceResponse(body, maxPeers);
      expect(answer.kind).toBe('peers');
      if (answer.kind === 'peers') expect(answer.peers.length).toBeLessThanOrEqual(Math.min(maxPeers, Math.floor(tail.length / 6)));
    }), { numRuns: 1000 });
  });
});
