/**
 * The messages of the command line, end to end (the real bins): a flag given twice, a number
 * that is not one, an unknown flag (plain and `--json`), `swarm info --md5`, and the config keys
 * of the network (`port` from the file, the environment and the flag).
 */
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeContent } from '../../src/testing/origin-server.js';
import { freeTcpPort } from '../helpers/opentracker.js';
import { SERVER_PATH, SWARM_PATH, newServerPlace, runSwarm, startServer } from '../helpers/run-server.js';
import { makeTempDir, runCli } from '../helpers/run-cli.js';
import { newSwarmPort } from '../helpers/swarm-fixture.js';
import { MiB, describeRun, expectFailed, md5Hex, newPaths, startTestOrigin, useE2eCleanup } from './e2e-fixture.js';

useE2eCleanup();

const TEST_TIMEOUT_MS = 60_000;
const REPEAT_TAIL = 'pass it once; only the flags marked "repeatable" in --help may repeat';

describe('a flag given twice', () => {
  it.each<[string, string[], string]>([
    ['--speed-limit-down', ['--speed-limit-down', '1MB/s', '--speed-limit-down', '1MB/s'], '--speed-limit-down is given more than once (--speed-limit-down, --speed-limit-down)'],
    ['-o', ['-o', 'a', '-o', 'b'], '-o/--output is given more than once (-o, -o)'],
    ['--storage-directory', ['--storage-directory', 'A', '--storage-directory=B'], '--storage-directory is given more than once (--storage-directory, --storage-directory=B)'],
  ])('swarm-download %s: exit 2 naming the flag, before the origin is asked', async (_flag, flags, message) => {
    const origin = await startTestOrigin({ content: makeContent(MiB, 5) });
    const dir = await makeTempDir();
    const result = await runCli([origin.url, ...flags], { cwd: dir });
    expect(expectFailed(result, 2).message).toBe(`swarm-download: error: ${message}: ${REPEAT_TAIL}`);
    expect(origin.stats.requests).toBe(0);
  });

  it('swarm-server --port and swarm --json: the same rule', async () => {
    const server = await runCli(['--port', '41771', '--port', '41772'], { bin: SERVER_PATH, loopback: false });
    expect(server.code, describeRun(server)).toBe(2);
    expect(server.stderr).toBe(`swarm-server: error: --port is given more than once (--port, --port): ${REPEAT_TAIL}\n`);
    const swarm = await runCli(['files', '--json', '--json'], { bin: SWARM_PATH, loopback: false });
    expect(swarm.code, describeRun(swarm)).toBe(2);
    expect(JSON.parse(swarm.stdout)).toEqual({ error: { code: 'SWARM_USAGE', exitCode: 2, message: `--json is given more than once (--json, --json): ${REPEAT_TAIL}` } });
  });
});

describe('messages of bad flags', () => {
  it('--connections abc names the flag and the value, not null', async () => {
    const paths = await newPaths();
    const result = await runCli(['http://127.0.0.1:9/f', '-o', paths.output, '--storage-directory', paths.storage, '--connections', 'abc']);
    expect(expectFailed(result, 2, paths.output).message)
      .toBe('swarm-download: error: invalid connections "abc" (from flag --connections): must be a whole number from 1 to 64');
  });

  it('an unknown flag is named once with the closest known flag, and is a SWARM_USAGE event with --json', async () => {
    const paths = await newPaths();
    const args = ['http://127.0.0.1:9/f', '-o', paths.output, '--storage-directory', paths.storage, '--speed-limt-up', '1MB/s'];
    const message = 'unknown flag --speed-limt-up; did you mean --speed-limit-up? (see --help)';
    const plain = await runCli(args);
    expect(expectFailed(plain, 2, paths.output).message).toBe(`swarm-download: error: ${message}`);
    const json = await runCli([...args, '--json']);
    expect(json.events).toEqual([expect.objectContaining({ event: 'error', code: 'SWARM_USAGE', exitCode: 2, message })]);
    expect(expectFailed(json, 2, paths.output).code).toBe('SWARM_USAGE');
    const server = await runCli(['--json', '--metrics-adress', '9464'], { bin: SERVER_PATH, loopback: false });
    expect(server.code, describeRun(server)).toBe(2);
    expect(server.events).toEqual([expect.objectContaining({
      event: 'error', code: 'SWARM_USAGE', message: 'unknown flag --metrics-adress; did you mean --metrics-address? (see --help)',
    })]);
  });
});

describe('an unknown swarm command', () => {
  it('is named with the closest command, before any daemon is asked', async () => {
    const result = await runCli(['--control-socket', '/nonexistent/control.sock', 'donwload', 'http://127.0.0.1:9/f'], { bin: SWARM_PATH, loopback: false });
    expect(result.code, describeRun(result)).toBe(2);
    expect(result.stderr).toBe('swarm: error: unknown command "donwload"; did you mean download? (see --help)\n');
  });
});

describe('swarm info --md5', () => {
  it('probes an origin that publishes no MD5 with the given one, as download does', async () => {
    const content = makeContent(2 * MiB, 77);
    const origin = await startTestOrigin({ content, md5Header: 'none' });
    const server = await startServer(newSwarmPort());
    const without = await runSwarm(server.socket, ['info', origin.url]);
    expect(without.code, describeRun(without)).toBe(3);
    expect(without.stderr).toContain('--md5');
    const withMd5 = await runSwarm(server.socket, ['info', origin.url, '--md5', md5Hex(content)]);
    expect(withMd5.code, describeRun(withMd5)).toBe(7);
    expect(withMd5.stderr).toContain(`does not hold ${origin.url} (MD5 ${md5Hex(content)}, 2 MiB;`);
    const bad = await runSwarm(server.socket, ['info', origin.url, '--md5', 'xyz', '--json']);
    expect(bad.code, describeRun(bad)).toBe(2);
    expect(bad.json).toEqual({ error: { code: 'SWARM_USAGE', exitCode: 2, message: 'invalid md5 "xyz": expected 32 hex digits or 24 base64 characters' } });
  }, TEST_TIMEOUT_MS);
});

describe('network settings in the config file', () => {
  it('port: the file, then SWARM_PORT over it, then --port over both', async () => {
    const [filePort, envPort, flagPort] = [await freeTcpPort(), await freeTcpPort(), await freeTcpPort()];
    const place = await newServerPlace();
    const config = join(await makeTempDir(), 'config.json');
    await writeFile(config, JSON.stringify({ port: filePort, connections: 2, 'stall-timeout': '10s', retries: 3 }));
    const fromFile = await startServer(newSwarmPort(), place, ['--config', config]);
    expect(fromFile.ready['tcpPort']).toBe(filePort);
    fromFile.cli.kill('SIGTERM');
    expect((await fromFile.cli.result).code).toBe(0);
    const fromEnv = await startServer(newSwarmPort(), place, ['--config', config], { SWARM_PORT: String(envPort) });
    expect(fromEnv.ready['tcpPort']).toBe(envPort);
    fromEnv.cli.kill('SIGTERM');
    expect((await fromEnv.cli.result).code).toBe(0);
    const fromFlag = await startServer(newSwarmPort(), place, ['--config', config, '--port', String(flagPort)], { SWARM_PORT: String(envPort) });
    expect(fromFlag.ready['tcpPort']).toBe(flagPort);
  }, TEST_TIMEOUT_MS);

  it('a port from the file that is in use (a daemon holds it) gives way to a free one; --port insists (exit 2)', async () => {
    const held = createServer();
    held.listen(await freeTcpPort());
    await once(held, 'listening');
    try {
      const port = (held.address() as AddressInfo).port;
      const config = join(await makeTempDir(), 'config.json');
      await writeFile(config, JSON.stringify({ port }));
      const origin = await startTestOrigin({ content: makeContent(MiB, 41) });
      const fromFile = await newPaths();
      const result = await runCli([origin.url, '-o', fromFile.output, '--storage-directory', fromFile.storage, '--config', config, '--json']);
      expect(result.code, describeRun(result)).toBe(0);
      const fallback = result.events.find((event) => event.event === 'peer-port-fallback');
      expect(fallback, describeRun(result)).toMatchObject({ configuredPort: port });
      expect(fallback?.['port']).not.toBe(port);
      expect(md5Hex(await readFile(fromFile.output))).toBe(md5Hex(makeContent(MiB, 41)));
      const fromFlag = await newPaths();
      const insisted = await runCli([origin.url, '-o', fromFlag.output, '--storage-directory', fromFlag.storage, '--port', String(port)]);
      expect(insisted.code, describeRun(insisted)).toBe(2);
      expect(insisted.stderr).toContain(`swarm-download: error: cannot listen for peers on all interfaces port ${port} (EADDRINUSE)`);
      expect(existsSync(fromFlag.output)).toBe(false);
    } finally {
      held.close();
    }
  }, TEST_TIMEOUT_MS);

  it('a bad value in the file names the key and the file', async () => {
    const config = join(await makeTempDir(), 'config.json');
    await writeFile(config, '{ "discovery-port": 70000 }');
    const result = await runCli(['--config', config], { bin: SERVER_PATH, loopback: false });
    expect(result.code, describeRun(result)).toBe(2);
    expect(result.stderr).toBe(`swarm-server: error: invalid discovery-port 70000 (from ${config}): must be a whole number from 1 to 65535\n`);
  });
});
