/**
 * Many peers at once: one seeding `swarm-download` with `--speed-limit-up` and 30 lightweight
 * clients (written from src/wire: they authenticate, say `interested`, and keep 4 block requests
 * outstanding whenever unchoked, storing nothing) asking at the same time. The upload slots must
 * serve every client a fair share, the cap must hold, and the seeder's peak RSS stay bounded.
 *
 * Loopback only.
 */
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { startListenedSeeder } from '../helpers/seeder-fixture.js';
import { WireClient } from '../helpers/wire-client.js';
import { MiB, useE2eCleanup } from './e2e-fixture.js';

useE2eCleanup();

const CLIENTS = 30;
const LIMIT_BYTES_PER_SEC = 4 * MiB; // --speed-limit-up 4MB/s
const WINDOW_MS = 24_000;
const WARM_UP_MS = 2000;
/**
 * The seeder's peak RSS bound (README, Trust and hostile input): the Node baseline and the piece
 * store (~60-80 MiB) plus, per unchoked peer, a block being read and 2 MiB queued, plus small
 * per-connection buffers. Measured ~120 MiB; a leak per connection or per request would break it.
 */
const MAX_SEEDER_RSS_BYTES = 200 * MiB;
/** Over the window, the client served least gets at least this fraction of the one served most. */
const MIN_FAIR_SHARE = 0.25;

async function peakRssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(kib) * 1024;
}

describe('swarm-download: one seeder, many peers', () => {
  it(`serves ${CLIENTS} clients asking at once fairly, within --speed-limit-up, in bounded memory`, async () => {
    const { ear, seeder, key, port } = await startListenedSeeder(16 * MiB, 801, ['--speed-limit-up', '4MB/s']);
    ear.close();
    const clients = await Promise.all(Array.from({ length: CLIENTS }, () => WireClient.connect(key, { port })));
    await Promise.all(clients.map((client) => client.opened));
    const startMs = Date.now();
    await sleep(WINDOW_MS);
    const endMs = Date.now();
    for (const client of clients) client.close();

    const shares = clients.map((client) => client.arrivals.filter((a) => a.atMs <= endMs).reduce((sum, a) => sum + a.bytes, 0));
    const why = `bytes per client: ${shares.join(' ')}`;
    expect(Math.min(...shares), `every client was served; ${why}`).toBeGreaterThan(0);
    expect(Math.min(...shares) / Math.max(...shares), `fair shares; ${why}`).toBeGreaterThanOrEqual(MIN_FAIR_SHARE);
    expect(clients.every((client) => client.unchokes >= 1), 'every client was unchoked').toBe(true);

    const steady = clients.flatMap((client) => client.arrivals).filter((a) => a.atMs > startMs + WARM_UP_MS && a.atMs <= endMs);
    const rate = steady.reduce((sum, a) => sum + a.bytes, 0) / ((endMs - startMs - WARM_UP_MS) / 1000);
    const rateWhy = `served ${Math.round(rate)} B/s against a cap of ${LIMIT_BYTES_PER_SEC} B/s`;
    expect(rate / LIMIT_BYTES_PER_SEC, rateWhy).toBeGreaterThanOrEqual(0.85);
    expect(rate / LIMIT_BYTES_PER_SEC, rateWhy).toBeLessThanOrEqual(1.15);

    const rss = await peakRssBytes(seeder.cli.child.pid ?? 0);
    console.log(`fan-out: ${CLIENTS} clients, ${rateWhy}, min/max share ${(Math.min(...shares) / Math.max(...shares)).toFixed(2)}, seeder VmHWM ${(rss / MiB).toFixed(1)} MiB`);
    expect(rss, `seeder peak RSS ${(rss / MiB).toFixed(1)} MiB`).toBeLessThanOrEqual(MAX_SEEDER_RSS_BYTES);
    expect(seeder.exitedAtMs, 'the seeder is still running').toBeNull();
    expect(seeder.cli.kill('SIGTERM')).toBe(true);
    expect((await seeder.result).code).toBe(143);
  }, 90_000);
});
