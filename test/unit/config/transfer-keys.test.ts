/**
 * The config keys of the port, the origin connections, discovery and seeding: each from the file,
 * the environment and the flag (flag > env > file > default), and each bad value named with its
 * key and where it came from.
 */
import { describe, expect, it } from 'vitest';
import { envVarName, resolveConfig, type ConfigKey, type ConfigLayers, type SwarmConfig } from '../../../src/config/resolve-config.js';
import { UsageError } from '../../../src/errors.js';

const FILE = '/etc/swarm/config.json';

function resolve(parts: Partial<ConfigLayers>): SwarmConfig {
  return resolveConfig({ flags: {}, env: {}, file: null, fileName: FILE, defaults: { storageDirectory: '/cache' }, ...parts });
}

/** key, field, default, [file JSON, its value], [env text, its value], [flag text, its value]. */
const KEYS: readonly [ConfigKey, keyof SwarmConfig, unknown, [unknown, unknown], [string, unknown], [string | boolean, unknown]][] = [
  ['port', 'port', 0, [41771, 41771], ['41772', 41772], ['41773', 41773]],
  ['discovery-port', 'discoveryPort', 41770, [41781, 41781], ['41782', 41782], ['41783', 41783]],
  ['broadcast-address', 'broadcastAddress', [], [['10.0.0.255'], ['10.0.0.255']], ['10.1.255.255 10.2.255.255', ['10.1.255.255', '10.2.255.255']], ['127.255.255.255', ['127.255.255.255']]],
  ['connections', 'connections', 4, [8, 8], ['16', 16], ['2', 2]],
  ['stall-timeout', 'stallTimeoutMs', 30_000, [45, 45_000], ['2m', 120_000], ['500ms', 500]],
  ['retry-max-time', 'retryMaxTimeMs', 300_000, ['1h', 3_600_000], ['0', 0], ['90', 90_000]],
  ['retries', 'retries', null, [5, 5], ['none', null], ['0', 0]],
  ['seed-until-idle', 'seedUntilIdle', false, [true, true], ['false', false], [true, true]],
  ['idle-timeout', 'idleTimeoutMs', 10_000, [60, 60_000], ['1m', 60_000], ['3s', 3000]],
];

describe.each(KEYS)('%s', (key, field, fallback, [fileRaw, fileValue], [envText, envValue], [flag, flagValue]) => {
  const env = { [envVarName(key)]: envText };
  const file = { [key]: fileRaw };
  const flags = { [key]: flag } as ConfigLayers['flags'];

  it('defaults, then the file, then the environment, then the flag', () => {
    expect(resolve({})[field]).toEqual(fallback);
    expect(resolve({ file })[field]).toEqual(fileValue);
    expect(resolve({ file, env })[field]).toEqual(envValue);
    expect(resolve({ file, env, flags })[field]).toEqual(flagValue);
  });

  it('reads its environment variable SWARM_<KEY>', () => {
    expect(envVarName(key)).toBe(`SWARM_${key.toUpperCase().replaceAll('-', '_')}`);
  });
});

describe('bad values', () => {
  it.each<[ConfigKey, unknown, string]>([
    ['port', 65536, 'must be a whole number from 0 to 65535'],
    ['port', '80a', 'must be a whole number from 0 to 65535'],
    ['discovery-port', 0, 'must be a whole number from 1 to 65535'],
    ['connections', 'abc', 'must be a whole number from 1 to 64'],
    ['connections', 4.5, 'must be a whole number from 1 to 64'],
    ['retries', -1, 'must be a whole number from 0 to 1000, or null'],
    ['retries', true, 'must be a whole number from 0 to 1000, or null, not a boolean'],
    ['stall-timeout', '0s', 'must be a duration such as 30s, 2m or 500ms, more than 0'],
    ['stall-timeout', 'soon', 'must be a duration such as 30s, 2m or 500ms'],
    ['retry-max-time', '169h', 'must be at most 168h'],
    ['idle-timeout', [], 'must be a duration such as 30s, 2m or 500ms, not an array'],
    ['broadcast-address', ['::1'], '"::1" is not an IPv4 address such as 192.168.1.255'],
    ['broadcast-address', 'example.com', '"example.com" is not an IPv4 address such as 192.168.1.255'],
    ['seed-until-idle', 'maybe', 'must be true or false'],
  ])('%s %j', (key, raw, reason) => {
    const show = JSON.stringify(raw);
    expect(() => resolve({ file: { [key]: raw } })).toThrow(new UsageError(`invalid ${key} ${show} (from ${FILE}): ${reason}`));
    if (typeof raw !== 'string') return;
    expect(() => resolve({ env: { [envVarName(key)]: raw } })).toThrow(new UsageError(`invalid ${key} ${show} (from env ${envVarName(key)}): ${reason}`));
    expect(() => resolve({ flags: { [key]: raw } as ConfigLayers['flags'] })).toThrow(new UsageError(`invalid ${key} ${show} (from flag --${key}): ${reason}`));
  });

  it('reports a bad file value even when a flag overrides it', () => {
    expect(() => resolve({ file: { port: 'x' }, flags: { port: '1' } })).toThrow(`invalid port "x" (from ${FILE})`);
  });
});
