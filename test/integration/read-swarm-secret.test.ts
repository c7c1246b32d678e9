import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSwarmSecret } from '../../src/cli/read-swarm-secret.js';
import { UsageError } from '../../src/errors.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'swarm-secret-'));
  await writeFile(join(dir, 'secret'), 'from the file\n');
  await writeFile(join(dir, 'empty'), '\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('readSwarmSecret', () => {
  it('takes the flag file first, then SWARM_SECRET, then the configured file; none is null', async () => {
    const env = { SWARM_SECRET: 'from env' };
    expect(String(await readSwarmSecret({ flagFile: 'secret', configFile: null, env, cwd: dir }))).toBe('from the file');
    expect(String(await readSwarmSecret({ flagFile: undefined, configFile: 'secret', env, cwd: dir }))).toBe('from env');
    expect(String(await readSwarmSecret({ flagFile: undefined, configFile: join(dir, 'secret'), env: {}, cwd: '/' }))).toBe('from the file');
    expect(await readSwarmSecret({ flagFile: undefined, configFile: null, env: { SWARM_SECRET: '' }, cwd: dir })).toBeNull();
  });

  it('says what to do about a missing or empty file and a blank SWARM_SECRET', async () => {
    await expect(readSwarmSecret({ flagFile: 'missing', configFile: null, env: {}, cwd: dir })).rejects.toThrow(/cannot read the swarm secret file .*missing \(ENOENT\)/);
    await expect(readSwarmSecret({ flagFile: 'empty', configFile: null, env: {}, cwd: dir })).rejects.toThrow(/swarm secret file .*empty is empty/);
    await expect(readSwarmSecret({ flagFile: undefined, configFile: null, env: { SWARM_SECRET: ' \n' }, cwd: dir })).rejects.toBeInstanceOf(UsageError);
  });
});
