/**
 * feedBody: how a response body reaches a range read. Real node:stream Readables stand in for
 * the bodies undici and the Azure SDK hand over (both are Readables).
 */
import { PassThrough, Readable } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { feedBody } from '../../../src/http-seed/origin-client.js';

const chunks = (...sizes: number[]): Buffer[] => sizes.map((size, i) => Buffer.alloc(size, i + 1));

describe('feedBody', () => {
  it('feeds every chunk at its file offset and resolves with the end, taking chunks at once', async () => {
    const seen: Array<[number, number]> = [];
    const reached = await feedBody(Readable.from(chunks(3, 5, 7)), 100, (chunk, offset) => {
      seen.push([offset, chunk.length]);
      return offset + chunk.length;
    });
    expect(seen).toEqual([[100, 3], [103, 5], [108, 7]]);
    expect(reached).toBe(115);
  });

  it('skips empty chunks', async () => {
    const seen: number[] = [];
    const reached = await feedBody(Readable.from(chunks(2, 0, 2)), 0, (chunk, offset) => {
      seen.push(chunk.length);
      return offset + chunk.length;
    });
    expect(seen).toEqual([2, 2]);
    expect(reached).toBe(4);
  });

  it('pauses the body while onData is pending, and feeds in order afterwards', async () => {
    const body = new PassThrough();
    let pending = 0;
    let maxPending = 0;
    const order: number[] = [];
    const done = feedBody(body, 0, async (chunk, offset) => {
      pending += 1;
      maxPending = Math.max(maxPending, pending);
      await tick();
      order.push(offset);
      pending -= 1;
      return offset + chunk.length;
    });
    for (const chunk of chunks(4, 4, 4, 4)) body.write(chunk);
    body.end();
    expect(await done).toBe(16);
    expect(order).toEqual([0, 4, 8, 12]);
    expect(maxPending).toBe(1);
  });

  it('stops when onData takes less than it was offered, resolving with what it took', async () => {
    const body = Readable.from(chunks(4, 4, 4));
    let calls = 0;
    const reached = await feedBody(body, 10, (chunk, offset) => {
      calls += 1;
      return calls === 2 ? offset + 1 : offset + chunk.length;
    });
    expect(reached).toBe(15);
    expect(calls).toBe(2);
  });

  it('rejects with the body error, but only after a pending onData settled', async () => {
    const body = new PassThrough();
    let settledWrite = false;
    const done = feedBody(body, 0, async (chunk, offset) => {
      await tick();
      await tick();
      settledWrite = true;
      return offset + chunk.length;
    });
    body.write(Buffer.alloc(8));
    await tick();
    body.destroy(Object.assign(new Error('socket reset'), { code: 'ECONNRESET' }));
    await expect(done).rejects.toThrow('socket reset');
    expect(settledWrite).toBe(true);
  });

  it('rejects when the body closes before its end', async () => {
    const body = new PassThrough();
    const done = feedBody(body, 0, (chunk, offset) => offset + chunk.length);
    body.write(Buffer.alloc(8));
    await tick();
    body.destroy();
    await expect(done).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
  });

  it('rejects with what onData throws or rejects with', async () => {
    await expect(feedBody(Readable.from(chunks(1)), 0, () => {
      throw new Error('disk full');
    })).rejects.toThrow('disk full');
    await expect(feedBody(Readable.from(chunks(1)), 0, () => Promise.reject(new Error('no space')))).rejects.toThrow('no space');
  });

  it('calls the hooks: arrived for each chunk, fed once it was taken', async () => {
    const log: string[] = [];
    await feedBody(Readable.from(chunks(1, 1)), 0, async (chunk, offset) => {
      log.push('data');
      await tick();
      return offset + chunk.length;
    }, { arrived: () => log.push('arrived'), fed: () => log.push('fed') });
    expect(log).toEqual(['arrived', 'data', 'fed', 'arrived', 'data', 'fed']);
  });
});
