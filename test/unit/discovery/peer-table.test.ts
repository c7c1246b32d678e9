import { describe, it, expect } from 'vitest';
import type { Announce } from '../../../src/discovery/announce-codec.js';
import { PeerTable } from '../../../src/discovery/peer-table.js';

const OWN = peerId(0);
const SHARED = Buffer.alloc(32, 0x51);
const OTHER = Buffer.alloc(32, 0x0f);

function peerId(n: number): Buffer {
  const id = Buffer.alloc(20);
  id.writeUInt32BE(n, 16);
  return id;
}

function announce(n: number, swarmIds: Buffer[] = [SHARED], tcpPort = 7000 + n): Announce {
  return { peerId: peerId(n), tcpPort, swarmIds };
}

function hexes(ids: Buffer[]): string[] {
  return ids.map((id) => id.toString('hex'));
}

describe('PeerTable.observe', () => {
  it('reports new, then refresh, and keeps first and last seen', () => {
    const table = new PeerTable({ ownPeerId: OWN });
    expect(table.observe(announce(1), '10.0.0.1', 1000)).toBe('new');
    expect(table.observe(announce(1), '10.0.0.1', 3000)).toBe('refresh');
    expect(table.size).toBe(1);
    const [entry] = table.peersFor(SHARED);
    expect(entry).toMatchObject({ address: '10.0.0.1', tcpPort: 7001, firstSeenMs: 1000, lastSeenMs: 3000 });
    expect(entry?.peerId.equals(peerId(1))).toBe(true);
  });

  it('ignores our own peer id from any address', () => {
    const table = new PeerTable({ ownPeerId: OWN });
    expect(table.observe(announce(0), '127.0.0.1', 0)).toBe('ignored');
    expect(table.observe(announce(0), '10.0.0.9', 0)).toBe('ignored');
    expect(table.size).toBe(0);
  });

  it('uses the source address: the same peer from two addresses is two entries', () => {
    const table = new PeerTable({ ownPeerId: OWN });
    expect(table.observe(announce(1), '10.0.0.1', 0)).toBe('new');
    expect(table.observe(announce(1), '192.168.1.1', 0)).toBe('new');
    expect(table.peersFor(SHARED).map((entry) => entry.address)).toEqual(['10.0.0.1', '192.168.1.1']);
  });

  it('a new peer id on a known address and port replaces the old one (restart)', () => {
    const table = new PeerTable({ ownPeerId: OWN });
    table.observe(announce(1, [SHARED], 7000), '10.0.0.1', 0);
    expect(table.observe(announce(2, [SHARED], 7000), '10.0.0.1', 10)).toBe('new');
    expect(table.peers().map((entry) => entry.peerId.readUInt32BE(16))).toEqual([2]);
  });

  it('accumulates swarm ids over packets and finds peers by swarm id', () => {
    const table = new PeerTable({ ownPeerId: OWN });
    table.observe(announce(1, [SHARED]), '10.0.0.1', 0);
    table.observe(announce(1, [OTHER]), '10.0.0.1', 10);
    table.observe(announce(2, [OTHER]), '10.0.0.2', 10);
    expect(table.peersFor(SHARED).map((entry) => entry.address)).toEqual(['10.0.0.1']);
    expect(table.peersFor(OTHER).map((entry) => entry.address)).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(hexes(table.peers()[0]?.swarmIds ?? [])).toEqual(hexes([SHARED, OTHER]));
  });

  it('returns snapshots that do not change the table', () => {
    const table = new PeerTable({ ownPeerId: OWN });
    table.observe(announce(1), '10.0.0.1', 0);
    const [entry] = table.peers();
    entry?.swarmIds[0]?.fill(0);
    entry?.peerId.fill(0xff);
    expect(table.peersFor(SHARED)).toHaveLength(1);
    expect(table.peers()[0]?.peerId.equals(peerId(1))).toBe(true);
  });
});

describe('PeerTable rate limit', () => {
  it('takes at most maxPacketsPerSecond per source address in any second', () => {
    const table = new PeerTable({ ownPeerId: OWN, maxPacketsPerSecond: 3 });
    const results = [0, 100, 200, 300, 999].map((nowMs) => table.observe(announce(1), '10.0.0.1', nowMs));
    expect(results).toEqual(['new', 'refresh', 'refresh', 'ignored', 'ignored']);
    expect(table.observe(announce(1), '10.0.0.1', 1000)).toBe('refresh');
    expect(table.observe(announce(1), '10.0.0.1', 1001)).toBe('ignored');
  });

  it('counts per source address, not per peer', () => {
    const table = new PeerTable({ ownPeerId: OWN, maxPacketsPerSecond: 2 });
    expect(table.observe(announce(1), '10.0.0.1', 0)).toBe('new');
    expect(table.observe(announce(2), '10.0.0.1', 0)).toBe('new');
    expect(table.observe(announce(3), '10.0.0.1', 0)).toBe('ignored');
    expect(table.observe(announce(3), '10.0.0.2', 0)).toBe('new');
  });

  it('defaults to 20 per second', () => {
    const table = new PeerTable({ ownPeerId: OWN });
    const results = Array.from({ length: 25 }, (_, i) => table.observe(announce(1), '10.0.0.1', i));
    expect(results.filter((result) => result !== 'ignored')).toHaveLength(20);
  });

  it('does not count our own packets against the source', () => {
    const table = new PeerTable({ ownPeerId: OWN, maxPacketsPerSecond: 1 });
    table.observe(announce(0), '10.0.0.1', 0);
    expect(table.observe(announce(1), '10.0.0.1', 0)).toBe('new');
  });
});

describe('PeerTable cap', () => {
  it('keeps at most maxPeers, evicting the least recently heard', () => {
    const table = new PeerTable({ ownPeerId: OWN, maxPeers: 3 });
    table.observe(announce(1), '10.0.0.1', 0);
    table.observe(announce(2), '10.0.0.2', 10);
    table.observe(announce(3), '10.0.0.3', 20);
    table.observe(announce(1), '10.0.0.1', 30); // refresh: 2 is now the stalest
    expect(table.observe(announce(4), '10.0.0.4', 40)).toBe('new');
    expect(table.size).toBe(3);
    expect(table.peers().map((entry) => entry.address)).toEqual(['10.0.0.3', '10.0.0.1', '10.0.0.4']);
  });

  it('defaults to 256 peers', () => {
    const table = new PeerTable({ ownPeerId: OWN });
    for (let n = 1; n <= 300; n++) table.observe(announce(n), `10.0.${n >> 8}.${n & 0xff}`, n);
    expect(table.size).toBe(256);
  });

  it('keeps at most maxSwarmIdsPerPeer swarm ids, the most recently heard', () => {
    const table = new PeerTable({ ownPeerId: OWN, maxSwarmIdsPerPeer: 2 });
    const ids = [1, 2, 3].map((n) => Buffer.alloc(32, n));
    table.observe(announce(1, ids), '10.0.0.1', 0);
    expect(hexes(table.peers()[0]?.swarmIds ?? [])).toEqual(hexes(ids.slice(1)));
  });
});

describe('PeerTable.expire', () => {
  it('drops peers not heard from for ttlMs', () => {
    const table = new PeerTable({ ownPeerId: OWN });
    table.observe(announce(1), '10.0.0.1', 0);
    table.observe(announce(2), '10.0.0.2', 5000);
    expect(table.expire(5999, 6000)).toBe(0);
    expect(table.expire(6000, 6000)).toBe(1);
    expect(table.peers().map((entry) => entry.address)).toEqual(['10.0.0.2']);
  });

  it('drops swarm ids not announced for ttlMs from a peer still heard', () => {
    const table = new PeerTable({ ownPeerId: OWN });
    table.observe(announce(1, [SHARED]), '10.0.0.1', 0);
    table.observe(announce(1, [OTHER]), '10.0.0.1', 5000);
    table.expire(6000, 6000);
    expect(table.peersFor(SHARED)).toEqual([]);
    expect(table.peersFor(OTHER)).toHaveLength(1);
  });

  it('rejects a non-positive ttl', () => {
    const table = new PeerTable({ ownPeerId: OWN });
    expect(() => table.expire(0, 0)).toThrow(TypeError);
  });
});

describe('PeerTable options', () => {
  const invalid: Array<[string, unknown, string]> = [
    ['short ownPeerId', { ownPeerId: Buffer.alloc(19) }, 'ownPeerId'],
    ['maxPeers 0', { ownPeerId: OWN, maxPeers: 0 }, 'maxPeers must be a positive integer, got 0'],
    ['maxPacketsPerSecond 1.5', { ownPeerId: OWN, maxPacketsPerSecond: 1.5 }, 'got 1.5'],
    ['maxSwarmIdsPerPeer -1', { ownPeerId: OWN, maxSwarmIdsPerPeer: -1 }, 'got -1'],
  ];
  it.each(invalid)('%s throws TypeError quoting it', (_name, options, quoted) => {
    expect(() => new PeerTable(options as never)).toThrow(TypeError);
    expect(() => new PeerTable(options as never)).toThrow(quoted);
  });

  it('an empty source address is a TypeError', () => {
    expect(() => new PeerTable({ ownPeerId: OWN }).observe(announce(1), '', 0)).toThrow(TypeError);
  });
});
