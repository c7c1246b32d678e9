/**
 * swarm-download --speed-limit-down holds from the first second: the origin bytes reported by
 * each `--json` progress event stay within the cap times the time since `start` plus one block
 * (the token bucket starts empty; it used to start full and let the first second run ~20% over).
 */
import { describe, expect, it } from 'vitest';
import { makeContent } from '../../src/testing/origin-server.js';
import { MiB, describeRun, download, expectDownloaded, startEvent, startTestOrigin, useE2eCleanup } from './e2e-fixture.js';

useE2eCleanup();

const CAP_BYTES_PER_SEC = 4 * MiB;
const BLOCK_BYTES = 64 * 1024;

describe('swarm-download --speed-limit-down', () => {
  it('keeps every second, the first one too, within the cap plus one block', async () => {
    const content = makeContent(12 * MiB, 61);
    const origin = await startTestOrigin({ content });
    const { result, paths } = await download(origin.url, ['--no-discovery', '--speed-limit-down', '4MiB/s'], { timeoutMs: 60_000 });
    await expectDownloaded(result, paths.output, content);
    const startMs = Date.parse(String(startEvent(result).ts));
    const progress = result.events.filter((event) => event.event === 'progress');
    expect(progress.length, describeRun(result)).toBeGreaterThanOrEqual(2);
    for (const event of progress) {
      // The bucket is made after the start event, so the cap times this span bounds what it allowed.
      const elapsedMs = Date.parse(event.ts) - startMs;
      const allowed = (CAP_BYTES_PER_SEC * elapsedMs) / 1000 + BLOCK_BYTES;
      expect(event.originBytes as number, `${JSON.stringify(event)} after ${elapsedMs} ms`).toBeLessThanOrEqual(allowed);
    }
  });
});
