import { isIP } from 'node:net';
import bytes from 'bytes';
import fc from 'fast-check';
import { describe, it, expect } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { CONFIG_KEYS, envVarName, isIpLiteral, parseConfigText, resolveConfig } from '../../src/config/resolve-config.js';
import type { ConfigKey, SwarmConfig } from '../../src/config/resolve-config.js';
import { formatBytes, parseRate, parseSize } from '../../src/config/size.js';

const SIZE_UNITS = ['kb', 'KB', 'Mb', 'MB', 'gb', 'GB', 'tb', 'TB', 'pb'] as const;
const BINARY_LABELS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

describe('parseSize properties', () => {
  it('reads back any safe integer written in decimal', () => {
    fc.assert(fc.property(fc.maxSafeNat(), (n) => parseSize(String(n)) === n));
  });

  it('agrees with the bytes package whenever it accepts', () => {
    const text = fc.tuple(fc.nat({ max: 100_000 }), fc.stringMatching(/^(\.\d{1,3})?$/), fc.constantFrom(...SIZE_UNITS))
      .map(([whole, fraction, unit]) => `${whole}${fraction}${unit}`);
    fc.assert(fc.property(text, (input) => {
      const ours = parseSize(input);
      return ours === null || ours === bytes.parse(input);
    }));
  });

  it('never returns a fraction, a negative or an unsafe integer', () => {
    fc.assert(fc.property(fc.string({ maxLength: 24 }), (input) => {
      const value = parseSize(input);
      return value === null || (Number.isSafeInteger(value) && value >= 0);
    }));
  });
});

describe('parseRate properties', () => {
  it('reads n bits per second as floor(n / 8) bytes per second', () => {
    fc.assert(fc.property(fc.integer({ min: 8, max: Number.MAX_SAFE_INTEGER }), (n) => parseRate(`${n}bit`) === Math.floor(n / 8)));
  });

  it('reads SI prefixes on bits as powers of 1000', () => {
    const prefixes = [['k', 1e3], ['M', 1e6], ['G', 1e9]] as const;
    fc.assert(fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.constantFrom(...prefixes), (n, [prefix, scale]) =>
      parseRate(`${n}${prefix}bps`) === Math.floor((n * scale) / 8)));
  });

  it('reads bytes per second as parseSize reads bytes', () => {
    const units = ['B', 'KB', 'KiB', 'MB', 'MiB', 'GB', 'GiB'] as const;
    fc.assert(fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.constantFrom(...units), (n, unit) =>
      parseRate(`${n}${unit}/s`) === parseSize(`${n}${unit}`)));
  });

  it('returns whole bytes per second of at least 1, or null', () => {
    fc.assert(fc.property(fc.string({ maxLength: 24 }), (input) => {
      const value = parseRate(input);
      return value === null || (Number.isSafeInteger(value) && value >= 1);
    }));
  });
});

describe('formatBytes properties', () => {
  it('never throws and always ends in a unit', () => {
    fc.assert(fc.property(fc.double(), (n) => {
      const text = formatBytes(n);
      return BINARY_LABELS.some((label) => text.endsWith(` ${label}`));
    }));
  });

  it('is within 5% of the value it formats', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (n) => {
      const [number = '', label = ''] = formatBytes(n).split(' ');
      const shown = Number(number) * 1024 ** BINARY_LABELS.indexOf(label);
      return Math.abs(shown - n) <= n * 0.05;
    }));
  });
});

describe('isIpLiteral properties', () => {
  it('accepts every IPv4 and IPv6 address', () => {
    fc.assert(fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (address) => isIpLiteral(address)));
  });

  it('agrees with node:net isIP on strings over the address alphabet', () => {
    const text = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF:.%z'), maxLength: 20 });
    fc.assert(fc.property(fc.oneof(text, fc.ipV4Extended(), fc.ipV6()), (input) => isIpLiteral(input) === (isIP(input) !== 0)));
  });
});

describe('config key properties', () => {
  it('rejects any unknown key in a config file and names it', () => {
    const unknownKey = fc.string({ minLength: 1, maxLength: 20 }).filter((key) => !(CONFIG_KEYS as readonly string[]).includes(key));
    fc.assert(fc.property(unknownKey, (key) => {
      const text = JSON.stringify({ [key]: 1 });
      try {
        parseConfigText(text, 'cfg.json');
        return false;
      } catch (error) {
        return error instanceof UsageError && error.message.includes(JSON.stringify(key));
      }
    }));
  });
});

type Layer = 'flag' | 'env' | 'file';

/** Per key: the field it fills, its default, and valid values as [flag/env text, file JSON, resolved]. */
const VALUE_POOLS: Record<ConfigKey, { field: keyof SwarmConfig; fallback: unknown; values: [string, unknown, unknown][] }> = {
  'storage-directory': { field: 'storageDirectory', fallback: '/default', values: [['/a', '/a', '/a'], ['rel/b', 'rel/b', 'rel/b'], ['/c d/', '/c d/', '/c d/']] },
  'max-storage-size': { field: 'maxStorageSize', fallback: null, values: [['400Gb', '400Gb', 400 * 1024 ** 3], ['4096', 4096, 4096], ['none', null, null]] },
  'speed-limit-up': { field: 'speedLimitUp', fallback: null, values: [['10Gbit', '10Gbit', 1.25e9], ['100MB/s', 104857600, 104857600], ['unlimited', null, null]] },
  'speed-limit-down': { field: 'speedLimitDown', fallback: null, values: [['100Mbps', '100Mbps', 12.5e6], ['1KiB/s', 1024, 1024], ['null', null, null]] },
  'bind-address': { field: 'bindAddress', fallback: null, values: [['0.0.0.0', '0.0.0.0', '0.0.0.0'], ['::1', '::1', '::1'], ['none', null, null]] },
  'preferred-chunk-size': { field: 'preferredChunkSize', fallback: 'auto', values: [['auto', 'auto', 'auto'], ['4MiB', 4194304, 4194304], ['100mb', '100mb', 104857600]] },
  'origin-type': { field: 'originType', fallback: 'auto', values: [['azure', 'azure', 'azure'], ['HTTP', 'http', 'http'], ['auto', 'Auto', 'auto']] },
  'swarm-secret-file': { field: 'swarmSecretFile', fallback: null, values: [['/etc/swarm/secret', '/etc/swarm/secret', '/etc/swarm/secret'], ['rel/s', 'rel/s', 'rel/s'], ['none', null, null]] },
  broadcast: { field: 'broadcast', fallback: true, values: [['false', false, false], ['true', 'yes', true], ['0', '0', false]] },
  peers: { field: 'peers', fallback: [], values: [['10.0.0.5:41771', ['10.0.0.5:41771'], ['10.0.0.5:41771']], ['a.svc:1, [fd00::1]:2', ['a.svc:1', '[fd00::1]:2'], ['a.svc:1', '[fd00::1]:2']], ['null', null, []]] },
  'peers-dns': { field: 'peersDns', fallback: [], values: [['swarm.svc:41771', ['swarm.svc:41771'], ['swarm.svc:41771']], ['a.b c.d:9', ['a.b', 'c.d:9'], ['a.b', 'c.d:9']], ['null', null, []]] },
  'dns-server': { field: 'dnsServer', fallback: [], values: [['10.0.0.53', ['10.0.0.53'], ['10.0.0.53']], ['127.0.0.1:5353', ['127.0.0.1:5353'], ['127.0.0.1:5353']], ['null', null, []]] },
  trackers: { field: 'trackers', fallback: [], values: [['http://t:6969/announce', ['http://t:6969/announce'], ['http://t:6969/announce']], ['https://t/a,http://u/b', ['https://t/a', 'http://u/b'], ['https://t/a', 'http://u/b']], ['null', null, []]] },
  port: { field: 'port', fallback: 0, values: [['41771', 41771, 41771], ['0', '0', 0], ['65535', 65535, 65535]] },
  connections: { field: 'connections', fallback: 4, values: [['1', 1, 1], ['64', '64', 64], ['8', 8, 8]] },
  'stall-timeout': { field: 'stallTimeoutMs', fallback: 30_000, values: [['2m', '2m', 120_000], ['45', 45, 45_000], ['500ms', '500ms', 500]] },
  'retry-max-time': { field: 'retryMaxTimeMs', fallback: 300_000, values: [['0', 0, 0], ['168h', '168h', 604_800_000], ['90', 90, 90_000]] },
  retries: { field: 'retries', fallback: null, values: [['3', 3, 3], ['0', '0', 0], ['none', null, null]] },
  'discovery-port': { field: 'discoveryPort', fallback: 41770, values: [['41771', 41771, 41771], ['1', '1', 1], ['65535', 65535, 65535]] },
  'broadcast-address': { field: 'broadcastAddress', fallback: [], values: [['127.255.255.255', ['127.255.255.255'], ['127.255.255.255']], ['10.0.0.255,10.1.255.255', ['10.0.0.255', '10.1.255.255'], ['10.0.0.255', '10.1.255.255']], ['null', null, []]] },
  'seed-until-idle': { field: 'seedUntilIdle', fallback: false, values: [['true', true, true], ['no', 'no', false], ['1', '1', true]] },
  'idle-timeout': { field: 'idleTimeoutMs', fallback: 10_000, values: [['60', 60, 60_000], ['0', '0', 0], ['1.5m', '1.5m', 90_000]] },
  'metrics-address': { field: 'metricsAddress', fallback: null, values: [['9464', 9464, { host: '127.0.0.1', port: 9464 }], ['[::1]:9100', '[::1]:9100', { host: '::1', port: 9100 }], ['off', null, null]] },
};

const choice = fc.option(fc.nat({ max: 2 }), { nil: undefined });
const keyChoices = fc.record({ flag: choice, env: choice, file: choice, blankEnv: fc.boolean() });
const allChoices = fc.tuple(...CONFIG_KEYS.map(() => keyChoices));

describe('resolveConfig properties', () => {
  it('always takes the highest layer that sets a key: flag > env > file > default', () => {
    fc.assert(fc.property(allChoices, fc.boolean(), (choices, hasFile) => {
      const flags: Record<string, unknown> = {};
      const env: Record<string, string> = {};
      const file: Record<string, unknown> = {};
      const expected: Record<string, unknown> = {};
      CONFIG_KEYS.forEach((key, index) => {
        const pool = VALUE_POOLS[key];
        const picked = choices[index] ?? { flag: undefined, env: undefined, file: undefined, blankEnv: false };
        const winners: [Layer, number][] = [];
        for (const layer of ['flag', 'env', 'file'] as const) {
          const slot = picked[layer];
          if (slot === undefined || (layer === 'file' && !hasFile)) continue;
          const [text, json] = pool.values[slot] ?? ['', null];
          if (layer === 'flag') flags[key] = text;
          if (layer === 'env') env[envVarName(key)] = text;
          if (layer === 'file') file[key] = json;
          winners.push([layer, slot]);
        }
        if (picked.env === undefined && picked.blankEnv) env[envVarName(key)] = '';
        const winner = winners[0];
        expected[pool.field] = winner === undefined ? pool.fallback : pool.values[winner[1]]?.[2];
      });
      const config = resolveConfig({
        flags: flags as Partial<Record<ConfigKey, string>>, env, file: hasFile ? file : null, fileName: 'cfg.json',
        defaults: { storageDirectory: '/default' },
      });
      expect(config).toEqual(expected);
    }));
  });
});
