import { describe, it, expect } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import {
  CONFIG_KEYS,
  closestConfigKey,
  envVarName,
  isIpLiteral,
  parseConfigText,
  resolveConfig,
  xdgCacheDefault,
} from '../../../src/config/resolve-config.js';
import type { ConfigKey, ConfigLayers, SwarmConfig } from '../../../src/config/resolve-config.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const DEFAULT_DIR = '/home/u/.cache/swarm';
const FILE = '/etc/swarm/config.json';

/** The design note's example, verbatim. */
const DESIGN_NOTE_CONFIG = `{
  "storage-directory": "/data/",
  "max-storage-size": "400Gb",
  "speed-limit-up":  "10Gbit",
  "speed-limit-down": null,
  "bind-address": null, // all interfaces
  "preferred-chunk-size": "100mb" // this should be auto somehow
}
`;

const DEFAULTS: SwarmConfig = {
  storageDirectory: DEFAULT_DIR,
  maxStorageSize: null,
  speedLimitUp: null,
  speedLimitDown: null,
  bindAddress: null,
  port: 0,
  preferredChunkSize: 'auto',
  originType: 'auto',
  connections: 4,
  stallTimeoutMs: 30_000,
  retryMaxTimeMs: 300_000,
  retries: null,
  swarmSecretFile: null,
  broadcast: true,
  discoveryPort: 41770,
  broadcastAddress: [],
  peers: [],
  peersDns: [],
  dnsServer: [],
  trackers: [],
  seedUntilIdle: false,
  idleTimeoutMs: 10_000,
  metricsAddress: null,
};

function layers(parts: Partial<ConfigLayers>): ConfigLayers {
  return { flags: {}, env: {}, file: null, fileName: FILE, defaults: { storageDirectory: DEFAULT_DIR }, ...parts };
}

function usageMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    return (error as UsageError).message;
  }
  throw new Error('expected a UsageError, nothing was thrown');
}

describe('CONFIG_KEYS and envVarName', () => {
  it.each<[ConfigKey, string]>([
    ['storage-directory', 'SWARM_STORAGE_DIRECTORY'],
    ['max-storage-size', 'SWARM_MAX_STORAGE_SIZE'],
    ['speed-limit-up', 'SWARM_SPEED_LIMIT_UP'],
    ['speed-limit-down', 'SWARM_SPEED_LIMIT_DOWN'],
    ['bind-address', 'SWARM_BIND_ADDRESS'],
    ['preferred-chunk-size', 'SWARM_PREFERRED_CHUNK_SIZE'],
    ['origin-type', 'SWARM_ORIGIN_TYPE'],
  ])('%s reads %s', (key, name) => {
    expect(CONFIG_KEYS).toContain(key);
    expect(envVarName(key)).toBe(name);
  });

  it('has the six keys of the design note, then the port, the origin, the peer sources and the seeding', () => {
    expect(CONFIG_KEYS).toEqual([
      'storage-directory', 'max-storage-size', 'speed-limit-up', 'speed-limit-down', 'bind-address', 'port',
      'preferred-chunk-size', 'origin-type', 'connections', 'stall-timeout', 'retry-max-time', 'retries',
      'swarm-secret-file', 'broadcast', 'discovery-port', 'broadcast-address', 'peers', 'peers-dns', 'dns-server', 'trackers',
      'seed-until-idle', 'idle-timeout', 'metrics-address',
    ]);
  });

  it('throws TypeError quoting an unknown key', () => {
    expect(() => envVarName('speed-limit' as ConfigKey)).toThrow(TypeError);
    expect(() => envVarName('speed-limit' as ConfigKey)).toThrow('"speed-limit"');
  });
});

describe('xdgCacheDefault', () => {
  it.each<[Record<string, string | undefined>, string, string]>([
    [{ XDG_CACHE_HOME: '/var/cache/u' }, '/home/u', '/var/cache/u/swarm'],
    [{ XDG_CACHE_HOME: '/var/cache/u/' }, '/home/u', '/var/cache/u/swarm'],
    [{ XDG_CACHE_HOME: 'relative/cache' }, '/home/u', '/home/u/.cache/swarm'],
    [{ XDG_CACHE_HOME: '' }, '/home/u', '/home/u/.cache/swarm'],
    [{}, '/home/u', '/home/u/.cache/swarm'],
    [{}, '/home/u/', '/home/u/.cache/swarm'],
    [{}, '/', '/.cache/swarm'],
  ])('%j with home %j is %j', (env, home, expected) => {
    expect(xdgCacheDefault(env, home)).toBe(expected);
  });

  it('throws TypeError for a relative home directory', () => {
    expect(() => xdgCacheDefault({}, 'home/u')).toThrow(TypeError);
  });
});

describe('parseConfigText', () => {
  it('reads the design note example, comments and all', () => {
    expect(parseConfigText(DESIGN_NOTE_CONFIG, FILE)).toEqual({
      'storage-directory': '/data/',
      'max-storage-size': '400Gb',
      'speed-limit-up': '10Gbit',
      'speed-limit-down': null,
      'bind-address': null,
      'preferred-chunk-size': '100mb',
    });
  });

  it('accepts block comments, trailing commas, a BOM and JSON numbers', () => {
    const text = '\uFEFF/* swarm */ {\n  "max-storage-size": 1048576,\n  "speed-limit-up": "10Gbit",\n}\n';
    expect(parseConfigText(text, FILE)).toEqual({ 'max-storage-size': 1048576, 'speed-limit-up': '10Gbit' });
  });

  it('reads an empty object', () => {
    expect(parseConfigText('{}', FILE)).toEqual({});
  });

  it.each<[string, string]>([
    ['{\n  "speed-limit-up": "10Gbit"\n  "bind-address": null\n}', 'cfg.json:3:3: invalid JSON: expected ","'],
    ['{\n  "storage-directory": "abc\n}', 'cfg.json:2:24: invalid JSON: unterminated string'],
    ['{ "bind-address": null } /* x', 'cfg.json:1:26: invalid JSON: unterminated comment'],
    ["{'bind-address': null}", 'cfg.json:1:2: invalid JSON: unexpected character; strings and keys need "double quotes"'],
    ['{\n\t"speed-limit-up": 10Gbit\n}', 'cfg.json:2:22: invalid JSON: unexpected character'],
    ['{"speed-limit-up": "10Gbit"} {}', 'cfg.json:1:30: invalid JSON: expected the end of the file'],
    ['{"speed-limit-up": 1,,}', 'cfg.json:1:22: invalid JSON: expected a quoted key'],
    ['{"speed-limit-up" "1"}', 'cfg.json:1:19: invalid JSON: expected ":"'],
    ['{"speed-limit-up": }', 'cfg.json:1:20: invalid JSON: expected a value'],
    ['{\r\n  "a": 1\r\n  "b": 2\r\n}', 'cfg.json:3:3: invalid JSON: expected ","'],
    ['{', 'cfg.json:1:2: invalid JSON: expected "}"'],
  ])('reports broken JSON %j with line:column', (text, expected) => {
    expect(usageMessage(() => parseConfigText(text, 'cfg.json'))).toContain(expected);
  });

  it.each<[string, string]>([
    ['', 'found nothing'],
    ['  // only a comment\n', 'found nothing'],
    ['[]', 'found an array'],
    ['"10Gbit"', 'found a string'],
    ['null', 'found a null'],
    ['42', 'found a number'],
  ])('rejects %j: not an object', (text, found) => {
    const message = usageMessage(() => parseConfigText(text, FILE));
    expect(message).toContain(FILE);
    expect(message).toContain('expected a JSON object');
    expect(message).toContain(found);
  });

  it('rejects a repeated key with its position', () => {
    const message = usageMessage(() => parseConfigText('{"max-storage-size": "1", "max-storage-size": "2"}', FILE));
    expect(message).toBe(`${FILE}:1:27: duplicate key "max-storage-size"`);
  });

  it('names an unknown key and suggests the closest one', () => {
    const message = usageMessage(() => parseConfigText('{"speed-limit": "10Gbit"}', FILE));
    expect(message).toBe(`unknown key "speed-limit" in ${FILE}; did you mean "speed-limit-up"?`);
  });

  it('lists the known keys when nothing is close', () => {
    const message = usageMessage(() => parseConfigText('{"colour": "blue"}', FILE));
    expect(message).toBe(`unknown key "colour" in ${FILE}; known keys are ${CONFIG_KEYS.join(', ')}`);
  });

  it('names every unknown key', () => {
    const message = usageMessage(() => parseConfigText('{"speedLimitDown": 1, "colour": 2, "bind-address": null}', FILE));
    expect(message).toBe(
      `unknown keys in ${FILE}: "speedLimitDown" (did you mean "speed-limit-down"?), "colour"; known keys are ${CONFIG_KEYS.join(', ')}`,
    );
  });

  it('rejects __proto__ as an unknown key instead of changing the prototype', () => {
    expect(usageMessage(() => parseConfigText('{"__proto__": {"speed-limit-up": 1}}', FILE))).toContain('"__proto__"');
  });
});

describe('closestConfigKey', () => {
  it.each<[string, ConfigKey | null]>([
    ['speed-limit', 'speed-limit-up'],
    ['speedLimitDown', 'speed-limit-down'],
    ['speed_limit_up', 'speed-limit-up'],
    ['SPEED_LIMIT_DOWN', 'speed-limit-down'],
    ['bind-adress', 'bind-address'],
    ['bindaddress', 'bind-address'],
    ['storage-dir', 'storage-directory'],
    ['max-storage', 'max-storage-size'],
    ['max-storage-sise', 'max-storage-size'],
    ['chunk-size', 'preferred-chunk-size'],
    ['colour', null],
    ['size', 'max-storage-size'],
    ['prt', 'port'],
    ['conections', 'connections'],
    ['retry', 'retry-max-time'],
    ['broadcast-addresses', 'broadcast-address'],
    ['peer', 'peers'],
    ['tracker', 'trackers'],
    ['peers_dns', 'peers-dns'],
    ['up', null],
    ['x'.repeat(100), null],
  ])('%j suggests %j', (unknown, expected) => {
    expect(closestConfigKey(unknown)).toBe(expected);
  });
});

describe('isIpLiteral', () => {
  // Address strings checked for syntax only: nothing is sent to any of them.
  it.each(['0.0.0.0', '127.0.0.1', '192.168.1.5', '255.255.255.255', '::', '::1', 'fe80::1', 'fe80::1%eth0',
    '2001:db8::8a2e:370:7334', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8', '::ffff:192.0.2.1',
    '1:2:3:4:5:6:1.2.3.4', 'ABCD::ef'])('accepts %j', (text) => {
    expect(isIpLiteral(text)).toBe(true);
  });

  it.each(['', 'localhost', 'example.com', '256.0.0.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.-4', '[::1]', ':::',
    '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '12345::', 'g::1', '::1%', '::1%a b', '1:2:3:4:5:6:7:1.2.3.4',
    '1.2.3.4::', ' ::1', '::1 '])('rejects %j', (text) => {
    expect(isIpLiteral(text)).toBe(false);
  });
});

describe('resolveConfig', () => {
  it('returns the defaults when no layer sets anything', () => {
    expect(resolveConfig(layers({}))).toEqual(DEFAULTS);
  });

  it('resolves the design note example', () => {
    const file = parseConfigText(DESIGN_NOTE_CONFIG, FILE);
    expect(resolveConfig(layers({ file }))).toEqual({
      ...DEFAULTS,
      storageDirectory: '/data/',
      maxStorageSize: 400 * GiB,
      speedLimitUp: 1_250_000_000,
      speedLimitDown: null,
      bindAddress: null,
      preferredChunkSize: 100 * MiB,
    });
  });

  it.each([
    ['9464', { host: '127.0.0.1', port: 9464 }],
    [':9464', { host: '127.0.0.1', port: 9464 }],
    ['0.0.0.0:9100', { host: '0.0.0.0', port: 9100 }],
    ['[::1]:0', { host: '::1', port: 0 }],
    ['off', null],
  ])('takes metrics-address %j', (text, expected) => {
    expect(resolveConfig(layers({ flags: { 'metrics-address': text } })).metricsAddress).toEqual(expected);
  });

  it.each([
    ['localhost:9464', 'hostnames are not accepted'],
    ['::1:9464', 'IPv6 in brackets'],
    ['127.0.0.1:70000', 'not between 0 and 65535'],
    ['127.0.0.1', 'HOST:PORT'],
  ])('rejects metrics-address %j, naming it', (text, reason) => {
    const message = usageMessage(() => resolveConfig(layers({ flags: { 'metrics-address': text } })));
    expect(message).toContain(`invalid metrics-address ${JSON.stringify(text)}`);
    expect(message).toContain(reason);
  });

  it('takes swarm-secret-file as a path, and "none" or null as no secret file', () => {
    expect(resolveConfig(layers({ file: { 'swarm-secret-file': 'secrets/lan' } })).swarmSecretFile).toBe('secrets/lan');
    expect(resolveConfig(layers({ env: { SWARM_SWARM_SECRET_FILE: '/etc/s' } })).swarmSecretFile).toBe('/etc/s');
    expect(resolveConfig(layers({ file: { 'swarm-secret-file': null } })).swarmSecretFile).toBeNull();
    expect(resolveConfig(layers({ flags: { 'swarm-secret-file': 'none' } })).swarmSecretFile).toBeNull();
    expect(() => resolveConfig(layers({ file: { 'swarm-secret-file': 42 } }))).toThrow(/invalid swarm-secret-file 42 .*must be a file path/);
  });

  it('resolves the design note command line', () => {
    const flags = { 'bind-address': '0.0.0.0', 'speed-limit-up': '10Gbit', 'speed-limit-down': '10Gbit' } as const;
    expect(resolveConfig(layers({ flags }))).toEqual({
      ...DEFAULTS, bindAddress: '0.0.0.0', speedLimitUp: 1_250_000_000, speedLimitDown: 1_250_000_000,
    });
  });

  /** Per key: three valid texts for flag, env and file, and what each resolves to. */
  const PRECEDENCE: [ConfigKey, keyof SwarmConfig, [string, unknown][]][] = [
    ['storage-directory', 'storageDirectory', [['/flag', '/flag'], ['/env', '/env'], ['/file', '/file']]],
    ['max-storage-size', 'maxStorageSize', [['1GB', GiB], ['2GiB', 2 * GiB], ['400Gb', 400 * GiB]]],
    ['speed-limit-up', 'speedLimitUp', [['10Gbit', 1_250_000_000], ['100Mbps', 12_500_000], ['100MB/s', 100 * MiB]]],
    ['speed-limit-down', 'speedLimitDown', [['8bit', 1], ['1KiB/s', 1024], ['1Gbit', 125_000_000]]],
    ['bind-address', 'bindAddress', [['::1', '::1'], ['127.0.0.1', '127.0.0.1'], ['0.0.0.0', '0.0.0.0']]],
    ['preferred-chunk-size', 'preferredChunkSize', [['4MiB', 4 * MiB], ['auto', 'auto'], ['100mb', 100 * MiB]]],
    ['origin-type', 'originType', [['azure', 'azure'], ['http', 'http'], ['Auto', 'auto']]],
  ];
  const LAYER_SETS: [string, ('flag' | 'env' | 'file')[], 'flag' | 'env' | 'file' | 'default'][] = [
    ['flag over env', ['flag', 'env'], 'flag'],
    ['flag over file', ['flag', 'file'], 'flag'],
    ['env over file', ['env', 'file'], 'env'],
    ['flag over env and file', ['flag', 'env', 'file'], 'flag'],
    ['flag over default', ['flag'], 'flag'],
    ['env over default', ['env'], 'env'],
    ['file over default', ['file'], 'file'],
  ];
  const cases = PRECEDENCE.flatMap(([key, field, values]) =>
    LAYER_SETS.map(([name, present, winner]) => [key, name, field, values, present, winner] as const));

  it.each(cases)('%s: %s', (key, _name, field, values, present, winner) => {
    const [flagValue, envValue, fileValue] = values;
    const input = layers({
      flags: present.includes('flag') ? { [key]: flagValue?.[0] } : {},
      env: present.includes('env') ? { [envVarName(key)]: String(envValue?.[0]) } : {},
      file: present.includes('file') ? { [key]: fileValue?.[0] } : null,
    });
    const expected = { flag: flagValue?.[1], env: envValue?.[1], file: fileValue?.[1], default: DEFAULTS[field] }[winner];
    expect(resolveConfig(input)[field]).toEqual(expected);
  });

  it('treats an empty or blank env var as unset', () => {
    const file = { 'speed-limit-up': '10Gbit', 'storage-directory': '/file' };
    const env = { SWARM_SPEED_LIMIT_UP: '', SWARM_STORAGE_DIRECTORY: '  ' };
    expect(resolveConfig(layers({ env, file }))).toEqual({ ...DEFAULTS, speedLimitUp: 1_250_000_000, storageDirectory: '/file' });
  });

  it('ignores unrelated and unknown SWARM_ variables', () => {
    const env = { PATH: '/usr/bin', SWARM_SPEED_LIMIT: 'garbage', HOME: '/home/u' };
    expect(resolveConfig(layers({ env }))).toEqual(DEFAULTS);
  });

  it.each<[string, Partial<ConfigLayers>, keyof SwarmConfig]>([
    ['flag null', { flags: { 'speed-limit-up': null }, env: { SWARM_SPEED_LIMIT_UP: '10Gbit' } }, 'speedLimitUp'],
    ['flag "unlimited"', { flags: { 'speed-limit-down': 'unlimited' }, file: { 'speed-limit-down': '1Gbit' } }, 'speedLimitDown'],
    ['flag "none"', { flags: { 'bind-address': 'none' }, env: { SWARM_BIND_ADDRESS: '::1' } }, 'bindAddress'],
    ['flag "NULL"', { flags: { 'max-storage-size': 'NULL' }, file: { 'max-storage-size': '1GB' } }, 'maxStorageSize'],
    ['env "none"', { env: { SWARM_MAX_STORAGE_SIZE: 'none' }, file: { 'max-storage-size': '1GB' } }, 'maxStorageSize'],
    ['env "null"', { env: { SWARM_BIND_ADDRESS: 'null' }, file: { 'bind-address': '::1' } }, 'bindAddress'],
    ['env " Unlimited "', { env: { SWARM_SPEED_LIMIT_UP: ' Unlimited ' } }, 'speedLimitUp'],
    ['file null', { file: { 'speed-limit-up': null } }, 'speedLimitUp'],
    ['file "unlimited"', { file: { 'max-storage-size': 'unlimited' } }, 'maxStorageSize'],
  ])('%s means unlimited / all interfaces, overriding lower layers', (_name, parts, field) => {
    expect(resolveConfig(layers(parts))[field]).toBeNull();
  });

  it.each<[string, unknown, unknown]>([
    ['"azure"', 'azure', 'azure'],
    ['" HTTP "', ' HTTP ', 'http'],
    ['"auto"', 'auto', 'auto'],
  ])('origin-type %s', (_name, value, expected) => {
    expect(resolveConfig(layers({ file: { 'origin-type': value } })).originType).toBe(expected);
  });

  it.each<[string, Partial<ConfigLayers>, string]>([
    ['flag "s3"', { flags: { 'origin-type': 's3' } }, 'invalid origin-type "s3" (from flag --origin-type): must be one of "auto", "http", "azure"'],
    ['env "blob"', { env: { SWARM_ORIGIN_TYPE: 'blob' } }, 'invalid origin-type "blob" (from env SWARM_ORIGIN_TYPE): must be one of "auto", "http", "azure"'],
    ['file true', { file: { 'origin-type': true } }, `invalid origin-type true (from ${FILE}): must be one of "auto", "http", "azure"`],
    ['file null', { file: { 'origin-type': null } }, `invalid origin-type null (from ${FILE}): must be one of "auto", "http", "azure"`],
  ])('origin-type rejects %s with a usage error naming the values', (_name, parts, message) => {
    expect(usageMessage(() => resolveConfig(layers(parts)))).toBe(message);
  });

  it.each<[string, unknown, unknown]>([
    ['"AUTO"', 'AUTO', 'auto'],
    ['"16KiB" (lower bound)', '16KiB', 16 * 1024],
    ['"1GiB" (upper bound)', '1GiB', GiB],
    ['65536 as a JSON number', 65536, 65536],
  ])('preferred-chunk-size %s', (_name, value, expected) => {
    expect(resolveConfig(layers({ file: { 'preferred-chunk-size': value } })).preferredChunkSize).toBe(expected);
  });

  it.each<[ConfigKey, unknown, keyof SwarmConfig, unknown]>([
    ['max-storage-size', 1048576, 'maxStorageSize', 1048576],
    ['speed-limit-up', 125000, 'speedLimitUp', 125000],
    ['storage-directory', 'relative/dir', 'storageDirectory', 'relative/dir'],
    ['storage-directory', '/with space/', 'storageDirectory', '/with space/'],
  ])('file %s %j resolves to %s %j', (key, value, field, expected) => {
    expect(resolveConfig(layers({ file: { [key]: value } }))[field]).toBe(expected);
  });

  it('takes a numeric flag as bytes, and a numeric storage-directory flag as a path', () => {
    const flags = { 'max-storage-size': 4096, 'storage-directory': 2024 };
    expect(resolveConfig(layers({ flags }))).toEqual({ ...DEFAULTS, maxStorageSize: 4096, storageDirectory: '2024' });
  });

  /** [key, bad value, reason fragment] */
  const BAD_VALUES: [ConfigKey, string, string][] = [
    ['storage-directory', '', 'must not be empty'],
    ['storage-directory', 'a\0b', 'NUL'],
    ['max-storage-size', '400Gbx', 'unknown unit "Gbx"'],
    ['max-storage-size', '-1GB', 'negative size'],
    ['max-storage-size', '0', 'at least 1 byte; use "unlimited"'],
    ['max-storage-size', '1.1KB', 'not a whole number of bytes'],
    ['speed-limit-up', '10Gb', 'ambiguous unit "Gb": write 10Gbit for bits or 10GB/s for bytes'],
    ['speed-limit-down', 'fast', 'not a rate: expected e.g. 10Gbit, 100Mbps or 100MB/s'],
    ['speed-limit-down', '0', 'below 1 byte/s'],
    ['bind-address', 'localhost', 'not an IP address literal'],
    ['bind-address', '[::1]', 'without brackets'],
    ['preferred-chunk-size', '16383', 'between 16 KiB and 1 GiB'],
    ['preferred-chunk-size', '1025MiB', 'between 16 KiB and 1 GiB'],
    ['preferred-chunk-size', 'none', 'not a size'],
  ];
  const SOURCES = ['flag', 'env', 'file'] as const;
  const badCases = BAD_VALUES.flatMap(([key, value, reason]) => SOURCES.map((source) => [key, value, source, reason] as const));

  it.each(badCases)('%s %j from %s: the message names key, source, value and reason', (key, value, source, reason) => {
    const input = layers({
      flags: source === 'flag' ? { [key]: value } : {},
      env: source === 'env' ? { [envVarName(key)]: value } : {},
      file: source === 'file' ? { [key]: value } : null,
    });
    // An empty env var is unset, so '' from env is not an error.
    if (source === 'env' && value === '') {
      expect(resolveConfig(input)).toEqual(DEFAULTS);
      return;
    }
    const message = usageMessage(() => resolveConfig(input));
    const where = { flag: `flag --${key}`, env: `env ${envVarName(key)}`, file: FILE }[source];
    expect(message).toBe(`invalid ${key} ${JSON.stringify(value)} (from ${where}): ${message.split('): ')[1]}`);
    expect(message).toContain(reason);
  });

  it.each<[ConfigKey, unknown, string]>([
    ['storage-directory', 42, 'must be a directory path (a string), not a number'],
    ['storage-directory', null, 'not null'],
    ['max-storage-size', 1.5, 'must be a whole number'],
    ['max-storage-size', -1, 'must not be negative'],
    ['max-storage-size', 0, 'at least 1'],
    ['max-storage-size', 2 ** 53, 'must be a whole number'],
    ['speed-limit-up', true, 'must be a string or a number, not a boolean'],
    ['speed-limit-up', ['10Gbit'], 'not an array'],
    ['bind-address', 0, 'must be an IP address (a string) or null, not a number'],
    ['preferred-chunk-size', null, 'must be a size such as "4MiB", or "auto"'],
    ['preferred-chunk-size', 1024, 'between 16 KiB and 1 GiB'],
  ])('file %s %j is rejected: %s', (key, value, reason) => {
    const message = usageMessage(() => resolveConfig(layers({ file: { [key]: value } })));
    expect(message).toContain(`invalid ${key} ${JSON.stringify(value)} (from ${FILE}): `);
    expect(message).toContain(reason);
  });

  it('names the file "config file" when no file name is given', () => {
    const input: ConfigLayers = { flags: {}, env: {}, file: { 'speed-limit-up': '10Gb' }, defaults: { storageDirectory: DEFAULT_DIR } };
    expect(usageMessage(() => resolveConfig(input))).toContain('(from config file)');
  });

  it('validates values a higher layer overrides', () => {
    const input = layers({ flags: { 'speed-limit-up': '10Gbit' }, env: { SWARM_SPEED_LIMIT_UP: '10Gb' }, file: { 'speed-limit-up': 'x' } });
    expect(usageMessage(() => resolveConfig(input))).toContain('(from env SWARM_SPEED_LIMIT_UP)');
  });

  it('reports the highest layer first when several are bad', () => {
    const input = layers({ flags: { 'speed-limit-up': '10Gb' }, file: { 'speed-limit-up': 'x' } });
    expect(usageMessage(() => resolveConfig(input))).toContain('(from flag --speed-limit-up)');
  });

  it('rejects unknown keys in a file object it did not parse', () => {
    expect(usageMessage(() => resolveConfig(layers({ file: { 'speed-limit': '1Gbit' } }))))
      .toBe(`unknown key "speed-limit" in ${FILE}; did you mean "speed-limit-up"?`);
  });

  it('throws TypeError for a flag that is not a config key', () => {
    const flags = { 'control-socket': '/run/x.sock' } as unknown as ConfigLayers['flags'];
    expect(() => resolveConfig(layers({ flags }))).toThrow(TypeError);
    expect(() => resolveConfig(layers({ flags }))).toThrow('"control-socket"');
  });
});
