/**
 * The probe against a loopback origin that goes away (connections refused): it retries on the
 * time budget, reports `origin-retry` and then `origin-ok` when the origin is back, and gives up
 * naming the time once the budget is spent.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { OriginError } from '../../src/errors.js';
import { DEFAULT_RETRY } from '../../src/http-seed/retry-delay.js';
import { probeEntry, type DownloadEvent, type ProbeOptions } from '../../src/session/download.js';
import { makeContent, startOrigin, type OriginServer } from '../../src/testing/origin-server.js';

const origins: OriginServer[] = [];
afterEach(async () => {
  await Promise.all(origins.splice(0).map((origin) => origin.close()));
});

async function downOrigin(durationMs: number): Promise<OriginServer> {
  const origin = await startOrigin({ content: makeContent(100_000, 3) });
  origins.push(origin);
  await origin.goDown(durationMs);
  return origin;
}

function probeOptions(url: string, maxElapsedMs: number, events: DownloadEvent[]): ProbeOptions {
  return {
    url, md5: null, preferredPieceBytes: 'auto', connections: 1, stallTimeoutMs: 5000, signal: new AbortController().signal,
    retry: { ...DEFAULT_RETRY, baseDelayMs: 20, maxDelayMs: 100, maxElapsedMs },
    onEvent: (event) => events.push(event),
  };
}

describe('probeEntry while the origin is down', () => {
  it('retries until the origin is back, with origin-retry events and one origin-ok', async () => {
    const origin = await downOrigin(600);
    const events: DownloadEvent[] = [];
    const probed = await probeEntry(probeOptions(origin.url, 60_000, events));
    await probed.origin.close();
    expect(probed.info.fileBytes).toBe(100_000);
    const retries = events.filter((event) => event.event === 'origin-retry');
    expect(retries.length).toBeGreaterThan(2);
    expect(retries.map((event) => event.attempt)).toEqual(retries.map((_, index) => index + 1));
    for (const event of retries) {
      expect(event).toMatchObject({ code: 'ORIGIN_UNREACHABLE', reason: expect.stringMatching(/^cannot reach http:\/\/127\.0\.0\.1:\d+\/file\.bin: .*ECONNREFUSED/) });
      expect(event.delayMs).toBeLessThanOrEqual(100);
    }
    expect(events.at(-1)).toMatchObject({ event: 'origin-ok', attempts: retries.length });
    expect((events.at(-1) as { failedForMs: number }).failedForMs).toBeGreaterThan(300);
  });

  it('gives up once the budget is spent, saying for how long and how often it tried', async () => {
    const origin = await downOrigin(Number.POSITIVE_INFINITY);
    const events: DownloadEvent[] = [];
    const startedMs = performance.now();
    const failure = await probeEntry(probeOptions(origin.url, 400, events)).then(() => null, (err: unknown) => err);
    const tookMs = performance.now() - startedMs;
    expect(failure).toBeInstanceOf(OriginError);
    expect((failure as OriginError).code).toBe('ORIGIN_UNREACHABLE');
    expect((failure as OriginError).message).toMatch(/^the origin failed for 0\.[45]s \(\d+ attempts\): cannot reach .*ECONNREFUSED.*; check that it is up, or raise --retry-max-time$/);
    expect(tookMs).toBeGreaterThanOrEqual(400);
    expect(tookMs).toBeLessThan(2000);
    expect(events.length).toBeGreaterThan(2);
    expect(events.every((event) => event.event === 'origin-retry')).toBe(true);
  });
});
