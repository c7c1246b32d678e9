/**
 * swarm-download end to end: the command line itself. Usage errors (exit 2) are found before the
 * origin is contacted; flags beat the environment; default output path; --quiet; empty files.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeContent } from '../../src/testing/origin-server.js';
import type { OriginServer } from '../../src/testing/origin-server.js';
import { runCli } from '../helpers/run-cli.js';
import type { CliResult } from '../helpers/run-cli.js';
import type { DownloadPaths } from './e2e-fixture.js';
import {
  MiB, describeRun, download, expectDownloaded, expectFailed, newPaths, startEvent, startTestOrigin, useE2eCleanup,
} from './e2e-fixture.js';

useE2eCleanup();

const content = makeContent(4 * MiB, 61);

/** Runs without `--json` with the arguments `args` builds; the origin must not have been contacted. */
async function runUsage(origin: OriginServer, args: (paths: DownloadPaths) => string[] | Promise<string[]>): Promise<{ result: CliResult; output: string }> {
  const paths = await newPaths();
  const result = await runCli(await args(paths));
  expect(origin.stats.requests, 'usage errors are found before any request').toBe(0);
  return { result, output: paths.output };
}

describe('swarm-download: usage errors (exit 2)', () => {
  const badFlags: Array<[string, string[], string[]]> = [
    ['a size that is not one', ['--preferred-chunk-size', 'banana'], ['preferred-chunk-size', 'banana']],
    ['an ambiguous rate (bits or bytes?)', ['--speed-limit-down', '10Gb'], ['speed-limit-down', '10Gb']],
    ['an unknown flag', ['--nope'], ['nope']],
  ];
  it.each(badFlags)('rejects %s, naming the flag and value', async (_what, flags, named) => {
    const origin = await startTestOrigin({ content });
    const { result, output } = await runUsage(origin, (p) => [origin.url, '-o', p.output, '--storage-directory', p.storage, ...flags]);
    const { message } = expectFailed(result, 2, output);
    for (const text of named) expect(message).toContain(text);
  });

  it('rejects a missing URL', async () => {
    const origin = await startTestOrigin({ content });
    const { result, output } = await runUsage(origin, (p) => ['-o', p.output, '--storage-directory', p.storage]);
    expect(expectFailed(result, 2, output).message).toMatch(/url/i);
  });

  it('rejects a URL that is not http(s), naming it', async () => {
    const origin = await startTestOrigin({ content });
    const { result, output } = await runUsage(origin, (p) => ['ftp://x', '-o', p.output, '--storage-directory', p.storage]);
    expect(expectFailed(result, 2, output).message).toContain('ftp://x');
  });

  it('rejects a config file that is not JSON, naming the file', async () => {
    const origin = await startTestOrigin({ content });
    const { result, output } = await runUsage(origin, async (p) => {
      const config = join(p.dir, 'broken.json');
      await writeFile(config, '{ "preferred-chunk-size": ');
      return [origin.url, '-o', p.output, '--storage-directory', p.storage, '--config', config];
    });
    expect(expectFailed(result, 2, output).message).toContain('broken.json');
  });

  it('rejects a config file with an unknown key, naming the key', async () => {
    const origin = await startTestOrigin({ content });
    const paths = await newPaths();
    const config = join(paths.dir, 'config.json');
    await writeFile(config, '{ "nope-key": 1 }\n');
    const result = await runCli([origin.url, '-o', paths.output, '--storage-directory', paths.storage, '--config', config]);
    expect(expectFailed(result, 2, paths.output).message).toContain('nope-key');
    expect(origin.stats.requests).toBe(0);
  });
});

describe('swarm-download: configuration', () => {
  it("accepts the design note's config file (comments, nulls)", async () => {
    const origin = await startTestOrigin({ content });
    const paths = await newPaths();
    const config = join(paths.dir, 'swarm.jsonc');
    await writeFile(config, [
      '{',
      `  "storage-directory": ${JSON.stringify(paths.storage)},`,
      '  "max-storage-size": "400Gb",',
      '  "speed-limit-up":  "10Gbit",',
      '  "speed-limit-down": null,',
      '  "bind-address": null, // all interfaces',
      '  "preferred-chunk-size": "100mb" // this should be auto somehow',
      '}',
      '',
    ].join('\n'));
    const { result } = await download(origin.url, ['--config', config], { paths });
    await expectDownloaded(result, paths.output, content);
  });

  it('lets a flag beat the environment, and uses the environment without the flag', async () => {
    const big = makeContent(8 * MiB, 62);
    const origin = await startTestOrigin({ content: big });
    const env = { SWARM_PREFERRED_CHUNK_SIZE: '1MiB' };
    const withFlag = await download(origin.url, ['--preferred-chunk-size', '512KiB'], { env });
    await expectDownloaded(withFlag.result, withFlag.paths.output, big);
    expect(startEvent(withFlag.result).pieceBytes).toBe(524_288);
    const envOnly = await download(origin.url, [], { env });
    await expectDownloaded(envOnly.result, envOnly.paths.output, big);
    expect(startEvent(envOnly.result).pieceBytes).toBe(1_048_576);
  });
});

describe('swarm-download: output', () => {
  it('names the file after the last URL path segment when -o is not given', async () => {
    const origin = await startTestOrigin({ content });
    const paths = await newPaths();
    const result = await runCli([`${origin.url}?version=3`, '--storage-directory', paths.storage, '--json'], { cwd: paths.dir });
    await expectDownloaded(result, join(paths.dir, 'file.bin'), content, paths.dir);
  });

  it('prints nothing with --quiet on success', async () => {
    const origin = await startTestOrigin({ content });
    const paths = await newPaths();
    const result = await runCli([origin.url, '-o', paths.output, '--storage-directory', paths.storage, '--quiet']);
    expect(result.code, describeRun(result)).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('');
    expect((await readFile(paths.output)).equals(content)).toBe(true);
  });

  it('downloads a zero-byte file', async () => {
    const empty = Buffer.alloc(0);
    const origin = await startTestOrigin({ content: empty });
    const { result, paths } = await download(origin.url);
    await expectDownloaded(result, paths.output, empty);
  });
});
