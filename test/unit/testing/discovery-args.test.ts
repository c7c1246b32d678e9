import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { swarmIdForPieces } from '../../../src/discovery/swarm-id.js';
import { autoPieceBytes } from '../../../src/pieces/piece-geometry.js';
import { discoveryArgs, peerAcross, trackerInfoHashCandidates, type DiscoveryContext, type DiscoveryKind } from '../../../src/testing/discovery-args.js';

/** Clients as lan-run lays them out on two subnets: client k on subnet (k + 1) % 2. */
const clients = [
  { address: '10.77.6.2', subnet: 1 },
  { address: '10.77.5.3', subnet: 0 },
  { address: '10.77.6.4', subnet: 1 },
  { address: '10.77.5.5', subnet: 0 },
];
const ctx = (index: number, more: Partial<DiscoveryContext> = {}): DiscoveryContext => ({ index, clients, tracker: null, dnsServer: null, ...more });

describe('discoveryArgs', () => {
  const cases: [DiscoveryKind, DiscoveryContext, string[]][] = [
    ['broadcast', ctx(0), []],
    ['tracker', ctx(1, { tracker: 'http://10.77.5.254:6969/announce' }), ['--tracker', 'http://10.77.5.254:6969/announce']],
    ['peer-exchange', ctx(0), ['--port', '41771', '--peer', '10.77.5.3:41771']],
    ['peer-exchange', ctx(3), ['--port', '41771', '--peer', '10.77.6.2:41771']],
    ['dns', ctx(2, { dnsServer: '10.77.5.254' }), ['--port', '41771', '--peers-dns', 'swarm.lan.test:41771', '--dns-server', '10.77.5.254']],
  ];
  it.each(cases)('%s for client %#', (kind, context, expected) => {
    expect(discoveryArgs(kind, context)).toEqual(expected);
  });

  it('throws a TypeError quoting what is missing', () => {
    expect(() => discoveryArgs('tracker', ctx(0))).toThrow(/tracker.*null/);
    expect(() => discoveryArgs('dns', ctx(0))).toThrow(/DNS server.*null/);
    expect(() => discoveryArgs('multicast' as DiscoveryKind, ctx(0))).toThrow(/"multicast"/);
  });
});

describe('peerAcross', () => {
  it('names a host on the other subnet for every client, and the next client with one subnet', () => {
    for (const index of clients.keys()) {
      const peer = clients.find((c) => c.address === peerAcross(ctx(index)))!;
      expect(peer.subnet).not.toBe(clients[index]!.subnet);
    }
    const flat = clients.map((c) => ({ ...c, subnet: 0 }));
    expect(peerAcross({ ...ctx(3), clients: flat })).toBe('10.77.6.2');
  });

  it('throws with fewer than two clients', () => {
    expect(() => peerAcross({ ...ctx(0), clients: clients.slice(0, 1) })).toThrow(TypeError);
  });
});

describe('trackerInfoHashCandidates', () => {
  it("is the tracker source's tagged SHA-1 of the piece-size swarm id, 40 hex digits", () => {
    const md5 = Buffer.alloc(16, 7);
    const fileBytes = 64 * 2 ** 20;
    const id = swarmIdForPieces(md5, fileBytes, autoPieceBytes(fileBytes));
    const hashes = trackerInfoHashCandidates(md5, fileBytes);
    expect(hashes).toEqual([createHash('sha1').update('swarm-tracker/1').update(id).digest('hex')]);
  });
});
