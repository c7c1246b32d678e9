/**
 * swarm-server's GET /healthz on a real small file system (a 96 MiB tmpfs, so root): 200 while
 * the storage has room; 503 with the reason once the files held and others leave fewer than
 * 64 MiB free, 200 again once space is freed (every request measures again); 503 with EROFS once
 * the file system is remounted read-only.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_MIN_FREE_BYTES } from '../../src/metrics/health.js';
import { makeContent } from '../../src/testing/origin-server.js';
import { makeTempDir } from '../helpers/run-cli.js';
import { startServer, swarmJson, type ServerHandle } from '../helpers/run-server.js';
import { newSwarmPort } from '../helpers/swarm-fixture.js';
import { MiB, startTestOrigin, useE2eCleanup } from './e2e-fixture.js';

useE2eCleanup();

const isRoot = process.getuid?.() === 0;
/** The tmpfs, mounted by the test (not a temp dir of the fixture: that one is removed after each test, while mounted). */
let mountPoint: string | null = null;

afterAll(async () => {
  if (mountPoint === null) return;
  execFileSync('umount', [mountPoint]);
  await rm(mountPoint, { recursive: true });
});

async function health(server: ServerHandle): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://${String(server.ready['metricsAddress'])}/healthz`);
  return { status: response.status, body: await response.text() };
}

/** Starts a daemon storing in `storage` with metrics on loopback (its socket outside the tmpfs). */
async function startOn(storage: string): Promise<ServerHandle> {
  const socket = join(await makeTempDir(), 'control.sock');
  return startServer(newSwarmPort(), { storage, socket }, ['--metrics-address', '127.0.0.1:0']);
}

/** Stops a daemon with SIGTERM and waits for it to exit (it holds files open on the tmpfs). */
async function stop(server: ServerHandle): Promise<void> {
  server.cli.kill('SIGTERM');
  await server.cli.result;
}

describe('swarm-server GET /healthz on a real small file system', () => {
  it.skipIf(!isRoot)('503 with the reason when the storage fills up, 200 once freed, 503 when it turns read-only (needs root to mount tmpfs)', async () => {
    mountPoint = await mkdtemp(join(tmpdir(), 'swarm-health-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=96m', 'tmpfs', mountPoint]);
    const content = makeContent(24 * MiB, 161);
    const origin = await startTestOrigin({ content });

    const server = await startOn(join(mountPoint, 'store'));
    expect(await health(server)).toEqual({ status: 200, body: 'ok\n' });
    // The daemon's own file: 72 MiB left, still healthy.
    await swarmJson(server.socket, ['download', origin.url]);
    expect(await health(server)).toEqual({ status: 200, body: 'ok\n' });
    const filler = join(mountPoint, 'filler');
    await writeFile(filler, Buffer.alloc(16 * MiB, 1));
    const full = await health(server);
    expect(full.status).toBe(503);
    expect(full.body).toMatch(new RegExp(`^storage is full: \\d+ bytes free, fewer than ${DEFAULT_MIN_FREE_BYTES}\\n$`));
    expect(Number(/(\d+) bytes free/.exec(full.body)?.[1])).toBeLessThan(DEFAULT_MIN_FREE_BYTES);
    await rm(filler);
    expect(await health(server)).toEqual({ status: 200, body: 'ok\n' });
    await stop(server);

    // A daemon holding no file (one that holds a file open for writing keeps a remount from
    // turning the file system read-only).
    const empty = await startOn(join(mountPoint, 'empty-store'));
    expect(await health(empty)).toEqual({ status: 200, body: 'ok\n' });
    execFileSync('mount', ['-o', 'remount,ro', mountPoint]);
    expect(await health(empty)).toEqual({ status: 503, body: 'storage is not writable (EROFS)\n' });
    await stop(empty);
  }, 60_000);
});
