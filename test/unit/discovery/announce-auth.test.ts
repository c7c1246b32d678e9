import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AUTH_TRAILER_BYTES, REPLAY_WINDOW_MS, ReplayGuard, openAnnounce, sealAnnounce } from '../../../src/discovery/announce-auth.js';
import { decodeAnnounce, encodeAnnounce } from '../../../src/discovery/announce-codec.js';
import { secretFromText, secretKeys } from '../../../src/discovery/swarm-secret.js';

const KEY = secretKeys(Buffer.from('s3cret')).discoveryKey;
const OTHER = secretKeys(Buffer.from('other')).discoveryKey;
const PLAIN = encodeAnnounce({ peerId: Buffer.alloc(20, 1), tcpPort: 4242, swarmIds: [Buffer.alloc(32, 2), Buffer.alloc(32, 3)] });
const NOW = 1_700_000_000_000;
const NONCE = Buffer.from('01234567');

describe('sealAnnounce / openAnnounce', () => {
  it('round-trips: the announce, its timestamp, and an id per packet', () => {
    const sealed = sealAnnounce(PLAIN, KEY, NOW, NONCE);
    expect(sealed.length).toBe(PLAIN.length + AUTH_TRAILER_BYTES);
    const opened = openAnnounce(sealed, KEY);
    expect(opened?.announce).toEqual(decodeAnnounce(PLAIN));
    expect(opened?.timestampMs).toBe(NOW);
    expect(opened?.packetId).not.toBe(openAnnounce(sealAnnounce(PLAIN, KEY, NOW, Buffer.from('76543210')), KEY)?.packetId);
  });

  it('is dropped by a host without the secret, and plain packets by a host with one', () => {
    expect(decodeAnnounce(sealAnnounce(PLAIN, KEY, NOW, NONCE))).toBeNull();
    expect(openAnnounce(PLAIN, KEY)).toBeNull();
  });

  it('rejects another secret and every single flipped bit', () => {
    const sealed = sealAnnounce(PLAIN, KEY, NOW, NONCE);
    expect(openAnnounce(sealed, OTHER)).toBeNull();
    fc.assert(fc.property(fc.nat({ max: sealed.length * 8 - 1 }), (bit) => {
      const flipped = Buffer.from(sealed);
      flipped[bit >> 3] = (flipped[bit >> 3] ?? 0) ^ (1 << (bit & 7));
      return openAnnounce(flipped, KEY) === null;
    }));
  });

  it('never throws on arbitrary bytes or sealed packets cut anywhere', () => {
    const sealed = sealAnnounce(PLAIN, KEY, NOW, NONCE);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 1300 }), fc.nat({ max: sealed.length }), (noise, cut) => {
      expect(openAnnounce(noise, KEY)).toBeNull();
      if (cut < sealed.length) expect(openAnnounce(sealed.subarray(0, cut), KEY)).toBeNull();
    }), { numRuns: 2000 });
  });
});

describe('ReplayGuard', () => {
  it('takes a packet once, refuses it again, and refuses packets outside the window', () => {
    const guard = new ReplayGuard();
    expect(guard.admit('a', NOW, NOW)).toBe('fresh');
    expect(guard.admit('a', NOW, NOW + 1000)).toBe('replay');
    expect(guard.admit('b', NOW - REPLAY_WINDOW_MS - 1, NOW)).toBe('stale');
    expect(guard.admit('c', NOW + REPLAY_WINDOW_MS + 1, NOW)).toBe('stale');
    expect(guard.admit('a', NOW, NOW + REPLAY_WINDOW_MS + 1)).toBe('stale');
  });

  it('stays within its bound: full refuses new ids until old ones leave the window', () => {
    const guard = new ReplayGuard(3);
    for (const id of ['a', 'b', 'c']) expect(guard.admit(id, NOW, NOW)).toBe('fresh');
    expect(guard.admit('d', NOW, NOW)).toBe('full');
    expect(guard.size).toBe(3);
    expect(guard.admit('d', NOW + REPLAY_WINDOW_MS + 10, NOW + REPLAY_WINDOW_MS + 10)).toBe('fresh');
    expect(guard.size).toBe(1);
  });

  it('never holds more than its bound and never admits an id twice within the window', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), fc.integer({ min: -40_000, max: 40_000 }), fc.nat({ max: 5000 })), { maxLength: 60 }), (events) => {
      const guard = new ReplayGuard(4);
      let now = NOW;
      const admitted = new Map<string, number>();
      for (const [id, skew, step] of events) {
        now += step;
        const verdict = guard.admit(id, now + skew, now);
        if (verdict === 'fresh') {
          const before = admitted.get(id);
          if (before !== undefined) expect(now + skew - before).toBeGreaterThan(0);
          admitted.set(id, now + skew);
        }
        expect(guard.size).toBeLessThanOrEqual(4);
      }
    }));
  });
});

describe('swarm secret', () => {
  it('derives two distinct 32-byte keys, and different secrets differ', () => {
    const keys = secretKeys(Buffer.from('x'));
    expect(keys.discoveryKey).toHaveLength(32);
    expect(keys.discoveryKey.equals(keys.handshakeKey)).toBe(false);
    expect(secretKeys(Buffer.from('y')).discoveryKey.equals(keys.discoveryKey)).toBe(false);
    expect(() => secretKeys(new Uint8Array(0))).toThrow(TypeError);
  });

  it('reads a secret from text without its trailing newline; blank text is no secret', () => {
    expect(secretFromText(Buffer.from('hunter2\n'))?.toString()).toBe('hunter2');
    expect(secretFromText(Buffer.from(' a b \r\n\t'))?.toString()).toBe(' a b');
    expect(secretFromText(Buffer.from(' \n'))).toBeNull();
  });
});
