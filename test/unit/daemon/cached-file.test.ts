import { describe, expect, it } from 'vitest';
import { CachedFile } from '../../../src/daemon/cached-file.js';
import { VerifyError } from '../../../src/errors.js';

const KEY = { md5Hex: 'ab'.repeat(16), fileBytes: 60_000, pieceBytes: 16_384 };
const META = { version: 1 as const, urls: ['https://h/f?sig=secret'], lastUsedMs: 5, pinned: false };

function file(state: 'downloading' | 'complete' | 'partial' | 'failed' = 'complete'): CachedFile {
  return new CachedFile('/cache', KEY, state, META, 0);
}

describe('CachedFile', () => {
  it('is evictable only when not downloading, read or pinned', () => {
    expect(file('complete').evictable).toBe(true);
    expect(file('partial').evictable).toBe(true);
    expect(file('failed').evictable).toBe(true);
    expect(file('downloading').evictable).toBe(false);
    const read = file();
    read.readers = 1;
    expect(read.evictable).toBe(false);
    const pinned = file();
    pinned.touch(10, null, true);
    expect(pinned.evictable).toBe(false);
  });

  it('touch records the newest use and URL, and a pin sticks', () => {
    const cached = file();
    cached.touch(3, 'https://h/g', true);
    expect(cached.meta).toEqual({ version: 1, urls: ['https://h/f?sig=secret', 'https://h/g'], lastUsedMs: 5, pinned: true });
    cached.touch(9, 'https://h/f?sig=secret', false);
    expect(cached.meta).toEqual({ version: 1, urls: ['https://h/g', 'https://h/f?sig=secret'], lastUsedMs: 9, pinned: true });
  });

  it('reports its status with redacted URLs and no store open', () => {
    const status = file('complete').status();
    expect(status).toMatchObject({ id: `${KEY.md5Hex}-60000`, size: 60_000, pieceBytes: 16_384, pieceCount: 4, piecesHeld: 4, bytesHeld: 60_000, state: 'complete', path: `/cache/files/${KEY.md5Hex}-60000/data`, etaSeconds: 0, error: null });
    expect(status.urls.join(' ')).not.toContain('secret');
    const partial = file('partial');
    partial.idlePiecesHeld = 4;
    expect(partial.status().bytesHeld).toBe(60_000);
    partial.idlePiecesHeld = 1;
    expect(partial.status().bytesHeld).toBe(16_384);
  });

  it('an attempt settles every waiter: success resolves, failure rejects and records the error', async () => {
    const cached = file('partial');
    cached.beginAttempt(new AbortController());
    const waiting = cached.settled();
    cached.fail(new VerifyError('bad md5'), 'failed');
    await expect(waiting).rejects.toThrow('bad md5');
    expect(cached.status().error).toEqual({ code: 'SWARM_VERIFY', exitCode: 4, message: 'bad md5' });
    cached.beginAttempt(new AbortController());
    const again = cached.settled();
    cached.succeed();
    await expect(again).resolves.toBeUndefined();
    expect(cached.state).toBe('complete');
    await expect(cached.settled()).resolves.toBeUndefined();
  });

  it('takes its ETA from the download rate it shows, from the first sample on', () => {
    const cached = file('downloading');
    expect(cached.status().etaSeconds).toBeNull();
    cached.originBytes = 15_000;
    cached.sample(500);
    // 30 000 B/s over the first half second; 60 000 bytes left (no piece stored yet).
    expect(cached.status()).toMatchObject({ downloadRateBytesPerSec: 30_000, etaSeconds: 2 });
    cached.sample(1500);
    expect(cached.status()).toMatchObject({ downloadRateBytesPerSec: 10_000, etaSeconds: 6 });
    cached.succeed();
    cached.sample(2500);
    expect(cached.status().etaSeconds).toBe(0);
  });
});
