/**
 * MetricsServer on a loopback port: /metrics with the content type given, /healthz 200 or 503
 * with the reason, 404 and 405 otherwise; measureHealth on a real directory; the verdict table.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { unhealthyReason } from '../../src/metrics/health.js';
import { MetricsServer, measureHealth } from '../../src/metrics/metrics-server.js';

const servers: MetricsServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop();
});

async function start(health: () => Promise<string | null>): Promise<string> {
  const server = new MetricsServer({ address: { host: '127.0.0.1', port: 0 }, metrics: async () => ({ text: 'a_total 1\n', contentType: 'text/plain; version=0.0.4' }), health });
  servers.push(server);
  return `http://127.0.0.1:${await server.start()}`;
}

describe('MetricsServer', () => {
  it('serves /metrics and a healthy /healthz', async () => {
    const base = await start(async () => null);
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.headers.get('content-type')).toBe('text/plain; version=0.0.4');
    expect(await metrics.text()).toBe('a_total 1\n');
    const health = await fetch(`${base}/healthz`);
    expect([health.status, await health.text()]).toEqual([200, 'ok\n']);
  });

  it('answers 503 with the reason, 404 elsewhere, 405 for POST', async () => {
    const base = await start(async () => 'storage is full: 10 bytes free, fewer than 64');
    const health = await fetch(`${base}/healthz`);
    expect([health.status, await health.text()]).toEqual([503, 'storage is full: 10 bytes free, fewer than 64\n']);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST', body: 'x' })).status).toBe(405);
  });

  it('refuses a port in use with a UsageError naming the address', async () => {
    const port = new URL(await start(async () => null)).port;
    const second = new MetricsServer({ address: { host: '127.0.0.1', port: Number(port) }, metrics: async () => ({ text: '', contentType: '' }), health: async () => null });
    await expect(second.start()).rejects.toMatchObject({ exitCode: 2, message: `cannot serve metrics on 127.0.0.1:${port}: address in use (another process listens there; choose another port)` });
  });
});

describe('health', () => {
  it('measureHealth: a writable directory with room is healthy; more room asked than free is "full"', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'health-'));
    try {
      expect(await measureHealth(dir, true, 1)).toBeNull();
      expect(await measureHealth(dir, true, Number.MAX_SAFE_INTEGER)).toMatch(/^storage is full: \d+ bytes free/);
      expect(await measureHealth(join(dir, 'missing'), true, 1)).toBe('storage is not writable (ENOENT)');
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it.each([
    [{ freeBytes: 100, writeError: null, peerPortListening: true, minFreeBytes: 10 }, null],
    [{ freeBytes: 100, writeError: 'EROFS', peerPortListening: true, minFreeBytes: 10 }, 'storage is not writable (EROFS)'],
    [{ freeBytes: 5, writeError: null, peerPortListening: true, minFreeBytes: 10 }, 'storage is full: 5 bytes free, fewer than 10'],
    [{ freeBytes: 100, writeError: null, peerPortListening: false, minFreeBytes: 10 }, 'the peer port is not listening'],
  ])('unhealthyReason(%j) is %j', (figures, reason) => {
    expect(unhealthyReason(figures)).toBe(reason);
  });
});
