/**
 * A real LAN made of network namespaces (a bridge, one veth per host, tc shaping; created and
 * removed by src/testing/netns-lan.ts): 4 hosts and an origin in its own namespace, every host on
 * its DEFAULT broadcast address (no --broadcast-address), all verified, origin egress <= 1.1x.
 * Needs root and iproute2; skipped with that reason otherwise. CI runs as root and runs it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { namespaceLanUnavailable } from '../../src/testing/netns-lan.js';
import { runLan } from '../../src/testing/lan-run.js';

const unavailable = namespaceLanUnavailable();
const dirs: string[] = [];

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(unavailable !== null)(`swarm-download on a LAN of network namespaces${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  it('4 hosts fetch a 64 MiB file once from the origin, each verified, by default broadcast', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'swarm-netns-'));
    dirs.push(dir);
    const result = await runLan({
      clients: 4,
      rateMbit: 200,
      fileBytes: 64 * 2 ** 20,
      mode: 'swarm',
      workDir: dir,
      extraArgs: ['--seed-until-idle', '--idle-timeout', '3'],
      timeoutMs: 120_000,
    });
    expect(result.exitCodes).toEqual([0, 0, 0, 0]);
    expect(result.allVerified).toBe(true);
    expect(result.originEgressBytes).toBeGreaterThanOrEqual(result.fileBytes);
    expect(result.originEgressBytes).toBeLessThanOrEqual(1.1 * result.fileBytes);
  }, 150_000);
});
