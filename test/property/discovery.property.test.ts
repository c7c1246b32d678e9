import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { decodeAnnounce, encodeAnnounce, MAX_SWARM_IDS_PER_PACKET } from '../../src/discovery/announce-codec.js';
import type { Announce } from '../../src/discovery/announce-codec.js';
import { announceBatches, MAX_PACKETS_PER_ROUND } from '../../src/discovery/announce-plan.js';
import { defaultBroadcastAddresses } from '../../src/discovery/broadcast-addresses.js';
import { PeerTable } from '../../src/discovery/peer-table.js';

const bytes = (length: number): fc.Arbitrary<Buffer> =>
  fc.uint8Array({ minLength: length, maxLength: length }).map((array) => Buffer.from(array));
const peerId = bytes(20);
const swarmId = bytes(32);
const fields = fc.record({
  peerId,
  tcpPort: fc.integer({ min: 1, max: 65535 }),
  swarmIds: fc.array(swarmId, { maxLength: MAX_SWARM_IDS_PER_PACKET }),
});

describe('announce codec', () => {
  it('decode(encode(x)) is x', () => {
    fc.assert(fc.property(fields, (announce) => {
      const decoded = decodeAnnounce(encodeAnnounce(announce));
      expect(decoded?.peerId.equals(announce.peerId)).toBe(true);
      expect(decoded?.tcpPort).toBe(announce.tcpPort);
      expect(decoded?.swarmIds.map((id) => id.toString('hex'))).toEqual(announce.swarmIds.map((id) => id.toString('hex')));
    }));
  });

  it('the encoding is canonical: whatever decodes re-encodes to the same bytes', () => {
    const mutated = fc.tuple(fields, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([announce, at, value]) => {
      const packet = encodeAnnounce(announce);
      packet[at % packet.length] = value;
      return packet;
    });
    fc.assert(fc.property(mutated, (packet) => {
      const decoded = decodeAnnounce(packet);
      if (decoded !== null) expect(encodeAnnounce(decoded).equals(packet)).toBe(true);
    }), { numRuns: 1000 });
  });

  it('any cut of a packet other than the whole is rejected', () => {
    fc.assert(fc.property(fields, fc.nat(), (announce, cut) => {
      const packet = encodeAnnounce(announce);
      expect(decodeAnnounce(packet.subarray(0, cut % packet.length))).toBeNull();
    }));
  });
});

describe('PeerTable invariants', () => {
  const OWN = Buffer.alloc(20, 0xee);
  const event = fc.record({
    peer: fc.integer({ min: 0, max: 12 }),
    source: fc.constantFrom('10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'),
    advanceMs: fc.integer({ min: 0, max: 400 }),
    expire: fc.boolean(),
  });

  it('bounded size, rate per source, own id never kept, addresses only from sources', () => {
    fc.assert(fc.property(fc.array(event, { maxLength: 200 }), (events) => {
      const table = new PeerTable({ ownPeerId: OWN, maxPeers: 5, maxPacketsPerSecond: 3 });
      const accepted: Array<{ source: string; nowMs: number }> = [];
      let nowMs = 0;
      for (const { peer, source, advanceMs, expire } of events) {
        nowMs += advanceMs;
        const announce: Announce = { peerId: peer === 0 ? OWN : Buffer.alloc(20, peer), tcpPort: 7000, swarmIds: [Buffer.alloc(32, 1)] };
        const result = table.observe(announce, source, nowMs);
        if (peer === 0) expect(result).toBe('ignored');
        if (result !== 'ignored') accepted.push({ source, nowMs });
        if (expire) table.expire(nowMs, 1000);
        expect(table.size).toBeLessThanOrEqual(5);
        const recent = accepted.filter((packet) => packet.source === source && packet.nowMs > nowMs - 1000);
        expect(recent.length).toBeLessThanOrEqual(3);
      }
      for (const entry of table.peers()) {
        expect(entry.peerId.equals(OWN)).toBe(false);
        expect(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4']).toContain(entry.address);
        expect(entry.lastSeenMs).toBeLessThanOrEqual(nowMs);
      }
    }));
  });
});

describe('announceBatches', () => {
  it('packets of at most 32 ids, at most 8 packets, and every id within ceil(n / 256) rounds', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 700 }), (numbers) => {
      const ids = numbers.map((n) => Buffer.alloc(32, 0).fill(n % 256, 0, 1).fill(n >> 8, 1, 2));
      const unique = new Set(ids.map((id) => id.toString('hex')));
      const rounds = Math.max(1, Math.ceil(unique.size / 256));
      const seen = new Set<string>();
      for (let round = 0; round < rounds; round++) {
        const batches = announceBatches(ids, round);
        expect(batches.length).toBeLessThanOrEqual(MAX_PACKETS_PER_ROUND);
        for (const batch of batches) {
          expect(batch.length).toBeLessThanOrEqual(MAX_SWARM_IDS_PER_PACKET);
          for (const id of batch) seen.add(id.toString('hex'));
        }
      }
      expect(seen).toEqual(unique);
    }));
  });
});

describe('defaultBroadcastAddresses', () => {
  it('is the highest address of the subnet, which contains the interface address', () => {
    const iface = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 30 }));
    fc.assert(fc.property(iface, ([address, prefix]) => {
      const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
      const dotted = (value: number): string => [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join('.');
      const [broadcast] = defaultBroadcastAddresses({
        eth0: [{ address: dotted(address), netmask: dotted(mask), family: 'IPv4', internal: false, cidr: `${dotted(address)}/${prefix}` }],
      });
      const expected = Number(BigInt(address) | (BigInt(~mask >>> 0)));
      expect(broadcast).toBe(dotted(expected));
      expect((expected & mask) >>> 0).toBe((address & mask) >>> 0);
    }));
  });
});
