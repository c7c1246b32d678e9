import { describe, it, expect } from 'vitest';
import { DEFAULT_DISCOVERY_PORT, Discovery } from '../../../src/discovery/discovery.js';
import type { DiscoveryOptions } from '../../../src/discovery/discovery.js';

const GOOD: DiscoveryOptions = { peerId: Buffer.alloc(20, 1), tcpPort: 6881, swarmIds: () => [] };

describe('Discovery construction (no sockets)', () => {
  it('the default port is 41770', () => {
    expect(DEFAULT_DISCOVERY_PORT).toBe(41770);
  });

  it('constructs without side effects; announceNow and stop before start are harmless', async () => {
    const discovery = new Discovery(GOOD);
    discovery.announceNow();
    await discovery.stop();
    expect(discovery.stats).toEqual({ packetsSent: 0, sendErrors: 0, packetsReceived: 0, packetsMalformed: 0, packetsIgnored: 0, peersKnown: 0 });
    await expect(discovery.start()).rejects.toThrow(TypeError);
  });

  const invalid: Array<[string, Partial<Record<keyof DiscoveryOptions, unknown>>, string]> = [
    ['19-byte peerId', { peerId: Buffer.alloc(19) }, 'peerId'],
    ['tcpPort 0', { tcpPort: 0 }, 'tcpPort must be an integer in 1..65535, got 0'],
    ['discoveryPort 70000', { discoveryPort: 70000 }, '70000'],
    ['swarmIds not a function', { swarmIds: [] }, 'swarmIds must be a function'],
    ['broadcast to a host name', { broadcastAddresses: ['localhost'] }, '"localhost"'],
    ['broadcast to IPv6', { broadcastAddresses: ['ff02::1'] }, '"ff02::1"'],
    ['bind to a host name', { bindAddress: 'lan0' }, '"lan0"'],
    ['intervalMs 0', { intervalMs: 0 }, 'intervalMs must be a positive number, got 0'],
    ['peerTtlMs NaN', { peerTtlMs: Number.NaN }, 'peerTtlMs must be a positive number, got NaN'],
    ['random not a function', { random: 0.5 }, 'random must be a function'],
  ];
  it.each(invalid)('%s throws TypeError quoting it', (_name, override, quoted) => {
    const options = { ...GOOD, ...override } as DiscoveryOptions;
    expect(() => new Discovery(options)).toThrow(TypeError);
    expect(() => new Discovery(options)).toThrow(quoted);
  });
});
