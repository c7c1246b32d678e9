import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { wrongRange } from '../../../src/testing/origin-content.js';
import { makeContent, parseRangeHeader, startOrigin } from '../../../src/testing/origin-server.js';
import type { ByteRange, Md5HeaderKind, OriginOptions, OriginServer } from '../../../src/testing/origin-server.js';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** False when the body ended early (socket reset or closed). */
  complete: boolean;
}

/** One request on a fresh connection; resolves with what arrived even if the body is cut. */
function send(url: string, method = 'GET', headers: Record<string, string> = {}, onBytes?: (received: number) => void): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.length;
        onBytes?.(received);
      });
      res.on('error', () => undefined);
      res.on('close', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), complete: res.complete }));
    });
    req.on('error', reject);
    req.end();
  });
}

const md5 = (bytes: Buffer): Buffer => createHash('md5').update(bytes).digest();

const origins: OriginServer[] = [];
const dirs: string[] = [];

async function origin(opts: OriginOptions): Promise<OriginServer> {
  const server = await startOrigin(opts);
  origins.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(origins.splice(0).map((o) => o.close()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('makeContent', () => {
  it('is deterministic in the seed and differs between seeds', () => {
    expect(makeContent(1001, 5).equals(makeContent(1001, 5))).toBe(true);
    expect(makeContent(1001, 5).equals(makeContent(1001, 6))).toBe(false);
    expect(makeContent(0, 0)).toHaveLength(0);
  });

  it('has exact sizes, a prefix property and no long runs of one byte', () => {
    const big = makeContent(4099, 0);
    expect(big).toHaveLength(4099);
    expect(makeContent(17, 0).equals(big.subarray(0, 17))).toBe(true);
    expect(new Set(big).size).toBeGreaterThan(200);
  });

  it('rejects bad sizes with a TypeError', () => {
    expect(() => makeContent(-1, 1)).toThrow(TypeError);
    expect(() => makeContent(1.5, 1)).toThrow(TypeError);
  });
});

describe('parseRangeHeader', () => {
  const table: Array<[string, number, ByteRange | 'unsatisfiable' | null]> = [
    ['bytes=0-0', 10, { start: 0, end: 1 }],
    ['bytes=2-5', 10, { start: 2, end: 6 }],
    ['bytes=2-', 10, { start: 2, end: 10 }],
    ['bytes=5-100', 10, { start: 5, end: 10 }],
    ['bytes=-3', 10, { start: 7, end: 10 }],
    ['bytes=-30', 10, { start: 0, end: 10 }],
    ['BYTES=1-1', 10, { start: 1, end: 2 }],
    ['bytes=10-', 10, 'unsatisfiable'],
    ['bytes=10-20', 10, 'unsatisfiable'],
    ['bytes=-0', 10, 'unsatisfiable'],
    ['bytes=0-0', 0, 'unsatisfiable'],
    ['bytes=-5', 0, 'unsatisfiable'],
    ['bytes=5-2', 10, null],
    ['bytes=0-1,3-4', 10, null],
    ['bytes=-', 10, null],
    ['items=0-1', 10, null],
    ['bytes=a-b', 10, null],
  ];
  it.each(table)('%s of %i bytes -> %j', (header, size, expected) => {
    expect(parseRangeHeader(header, size)).toEqual(expected);
  });
});

describe('startOrigin: HTTP semantics', () => {
  const content = makeContent(100_000, 3);
  const digest = md5(content);

  const kinds: Array<[Md5HeaderKind, string, string | undefined]> = [
    ['content-md5', 'content-md5', digest.toString('base64')],
    ['x-ms-blob-content-md5', 'x-ms-blob-content-md5', digest.toString('base64')],
    ['x-goog-hash', 'x-goog-hash', `crc32c=AAAAAA==,md5=${digest.toString('base64')}`],
    ['repr-digest', 'repr-digest', `md5=:${digest.toString('base64')}:`],
    ['digest', 'digest', `MD5=${digest.toString('base64')}`],
    ['x-amz-meta-md5', 'x-amz-meta-md5', digest.toString('hex')],
    ['etag', 'etag', `"${digest.toString('hex')}"`],
  ];
  it.each(kinds)('md5Header %s sends %s on HEAD and on the whole-body GET', async (kind, name, value) => {
    const o = await origin({ content, md5Header: kind });
    const head = await send(o.url, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers[name]).toBe(value);
    expect(head.headers['content-length']).toBe('100000');
    expect(head.headers['accept-ranges']).toBe('bytes');
    expect(head.headers['last-modified']).toMatch(/GMT$/);
    const get = await send(o.url);
    expect(get.headers[name]).toBe(value);
    expect(get.body.equals(content)).toBe(true);
  });

  it('keeps body-scoped MD5 headers off 206 responses and whole-object ones on', async () => {
    for (const [kind, name, present] of [['content-md5', 'content-md5', false], ['digest', 'digest', false], ['repr-digest', 'repr-digest', true], ['x-ms-blob-content-md5', 'x-ms-blob-content-md5', true]] as const) {
      const o = await origin({ content, md5Header: kind });
      const part = await send(o.url, 'GET', { range: 'bytes=0-9' });
      expect(part.status).toBe(206);
      expect(part.headers[name] !== undefined, kind).toBe(present);
    }
  });

  it('uses a non-MD5 strong ETag unless md5Header is etag, and none of the MD5 headers for none', async () => {
    const o = await origin({ content, md5Header: 'none', seed: 9 });
    const head = await send(o.url, 'HEAD');
    expect(head.headers.etag).toBe('"v1-9"');
    expect(head.headers.etag).not.toMatch(/[0-9a-f]{32}/);
    for (const name of ['content-md5', 'digest', 'repr-digest', 'x-goog-hash', 'x-ms-blob-content-md5', 'x-amz-meta-md5']) {
      expect(head.headers[name]).toBeUndefined();
    }
  });

  it('answers ranges with 206 and Content-Range, and counts every body byte', async () => {
    const o = await origin({ content });
    const cases: Array<[string, number, number]> = [['bytes=0-0', 0, 1], ['bytes=99990-', 99_990, 100_000], ['bytes=-5', 99_995, 100_000], ['bytes=50-149', 50, 150]];
    let expectedBytes = 0;
    for (const [range, start, end] of cases) {
      const reply = await send(o.url, 'GET', { range });
      expect(reply.status).toBe(206);
      expect(reply.headers['content-range']).toBe(`bytes ${start}-${end - 1}/100000`);
      expect(reply.body.equals(content.subarray(start, end))).toBe(true);
      expectedBytes += end - start;
    }
    expect(o.stats.bodyBytes).toBe(expectedBytes);
    expect(o.stats.ranges).toEqual(cases.map(([range]) => range));
    expect(o.stats.getRequests).toBe(4);
    expect(o.stats.requests).toBe(4);
  });

  it('answers 416 with bytes */size to unsatisfiable ranges and 200 to multi-ranges', async () => {
    const o = await origin({ content });
    const bad = await send(o.url, 'GET', { range: 'bytes=100000-' });
    expect(bad.status).toBe(416);
    expect(bad.headers['content-range']).toBe('bytes */100000');
    const multi = await send(o.url, 'GET', { range: 'bytes=0-1,5-6' });
    expect(multi.status).toBe(200);
    expect(multi.body.equals(content)).toBe(true);
  });

  it('answers If-Match mismatches with 412 and If-Range mismatches with the whole body', async () => {
    const o = await origin({ content, seed: 4 });
    expect((await send(o.url, 'GET', { range: 'bytes=0-9', 'if-match': '"v1-4"' })).status).toBe(206);
    expect((await send(o.url, 'GET', { range: 'bytes=0-9', 'if-match': '"other", "v1-4"' })).status).toBe(206);
    expect((await send(o.url, 'GET', { range: 'bytes=0-9', 'if-match': '*' })).status).toBe(206);
    expect((await send(o.url, 'GET', { range: 'bytes=0-9', 'if-match': 'W/"v1-4"' })).status).toBe(412);
    expect((await send(o.url, 'HEAD', { 'if-match': '"nope"' })).status).toBe(412);
    expect((await send(o.url, 'GET', { range: 'bytes=0-9', 'if-range': '"v1-4"' })).status).toBe(206);
    const stale = await send(o.url, 'GET', { range: 'bytes=0-9', 'if-range': '"v0-4"' });
    expect(stale.status).toBe(200);
    expect(stale.body).toHaveLength(100_000);
  });

  it('answers 404 to other paths and 405 to other methods', async () => {
    const o = await origin({ content, urlPath: '/a/b.iso' });
    expect(o.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/a\/b\.iso$/);
    expect((await send(`${o.url}?v=3`, 'GET', { range: 'bytes=0-0' })).status).toBe(206);
    expect((await send(o.url.replace('b.iso', 'c.iso'))).status).toBe(404);
    const post = await send(o.url, 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('serves a file from disk with ranges', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'swarm-test-'));
    dirs.push(dir);
    const path = join(dir, 'content.bin');
    await writeFile(path, content);
    const o = await origin({ content: { path } });
    expect((await send(o.url, 'HEAD')).headers['content-md5']).toBe(digest.toString('base64'));
    expect((await send(o.url)).body.equals(content)).toBe(true);
    expect((await send(o.url, 'GET', { range: 'bytes=70000-70009' })).body.equals(content.subarray(70_000, 70_010))).toBe(true);
    expect(o.stats.bodyBytes).toBe(100_010);
  });

  it('serves a zero-byte file', async () => {
    const o = await origin({ content: Buffer.alloc(0) });
    const whole = await send(o.url);
    expect(whole.status).toBe(200);
    expect(whole.headers['content-md5']).toBe(md5(Buffer.alloc(0)).toString('base64'));
    expect(whole.body).toHaveLength(0);
    expect((await send(o.url, 'GET', { range: 'bytes=0-0' })).status).toBe(416);
  });
});

describe('startOrigin: faults', () => {
  const content = makeContent(300_000, 8);

  it('ignoreRange answers 200 with the whole body; refuseHead answers HEAD only', async () => {
    const o = await origin({ content, faults: { ignoreRange: true, refuseHead: 403 } });
    const reply = await send(o.url, 'GET', { range: 'bytes=0-9' });
    expect(reply.status).toBe(200);
    expect(reply.body.equals(content)).toBe(true);
    expect((await send(o.url, 'HEAD')).status).toBe(403);
    expect(o.stats.headRequests).toBe(1);
  });

  it('status answers everything; failFirstRequests fails the first N GETs only', async () => {
    const o = await origin({ content, faults: { status: 500 } });
    expect((await send(o.url, 'HEAD')).status).toBe(500);
    expect((await send(o.url)).status).toBe(500);
    o.setFaults({ failFirstRequests: { count: 2, status: 503 } });
    expect((await send(o.url, 'HEAD')).status).toBe(200);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await send(o.url, 'GET', { range: 'bytes=0-0' })).status);
    expect(statuses).toEqual([503, 503, 206, 206]);
  });

  it('wrongMd5 advertises an MD5 that is not the content', async () => {
    const o = await origin({ content, faults: { wrongMd5: true }, md5Header: 'x-amz-meta-md5' });
    const head = await send(o.url, 'HEAD');
    expect(head.headers['x-amz-meta-md5']).toMatch(/^[0-9a-f]{32}$/);
    expect(head.headers['x-amz-meta-md5']).not.toBe(md5(content).toString('hex'));
  });

  it('multipartEtag looks like an S3 multipart ETag', async () => {
    const o = await origin({ content, md5Header: 'none', faults: { multipartEtag: true } });
    expect((await send(o.url, 'HEAD')).headers.etag).toMatch(/^"[0-9a-f]{32}-3"$/);
  });

  it('changeAfterBodyBytes swaps the content and the ETag after that many bytes', async () => {
    const o = await origin({ content, md5Header: 'etag', faults: { changeAfterBodyBytes: 150_000 } });
    const before = await send(o.url, 'GET', { range: 'bytes=0-149999' });
    const etag = before.headers.etag ?? '';
    expect(etag).toBe(`"${md5(content).toString('hex')}"`);
    expect((await send(o.url, 'GET', { range: 'bytes=0-9', 'if-match': etag })).status).toBe(412);
    expect((await send(o.url, 'GET', { range: 'bytes=0-9', 'if-range': etag })).status).toBe(200);
    const after = await send(o.url);
    expect(after.headers.etag).not.toBe(etag);
    expect(after.body).toHaveLength(content.length);
    expect(after.body.equals(content)).toBe(false);
    expect(after.headers.etag).toBe(`"${md5(after.body).toString('hex')}"`);
  });

  it('cutBodyFraction 1 resets every body midway, counting only the bytes written', async () => {
    const o = await origin({ content, faults: { cutBodyFraction: 1 } });
    const reply = await send(o.url);
    expect(reply.status).toBe(200);
    expect(reply.complete).toBe(false);
    expect(reply.body.length).toBeLessThan(content.length);
    expect(reply.body.equals(content.subarray(0, reply.body.length))).toBe(true);
    expect(o.stats.cuts).toBe(1);
    expect(o.stats.bodyBytes).toBeGreaterThanOrEqual(reply.body.length);
    expect(o.stats.bodyBytes).toBeLessThan(content.length);
  });

  it('cutBodyFraction is deterministic from the seed and cuts about that fraction', async () => {
    const outcomes: boolean[][] = [];
    for (const seed of [11, 11, 12]) {
      const o = await origin({ content, seed, faults: { cutBodyFraction: 0.5 } });
      const run: boolean[] = [];
      for (let i = 0; i < 24; i++) run.push((await send(o.url, 'GET', { range: 'bytes=0-999' })).complete);
      outcomes.push(run);
      expect(o.stats.cuts).toBe(run.filter((complete) => !complete).length);
    }
    expect(outcomes[0]).toEqual(outcomes[1]);
    expect(outcomes[0]).not.toEqual(outcomes[2]);
    const cut = outcomes[0]?.filter((complete) => !complete).length ?? 0;
    expect(cut).toBeGreaterThan(3);
    expect(cut).toBeLessThan(21);
  });

  it('stallAfterBodyBytes stops one body after that many bytes and keeps its socket open', async () => {
    const o = await origin({ content, faults: { stallAfterBodyBytes: 1000 } });
    let reachedStall!: () => void;
    const stalled = new Promise<void>((resolve) => (reachedStall = resolve));
    const pending = send(o.url, 'GET', {}, (received) => received >= 1000 && reachedStall());
    await stalled;
    const second = await send(o.url);
    expect(second.body.equals(content)).toBe(true);
    expect(o.stats.stalls).toBe(1);
    await o.close();
    const first = await pending;
    expect(first.complete).toBe(false);
    expect(first.body.equals(content.subarray(0, 1000))).toBe(true);
  });

  it('burstMs bounds how far a throttled body runs ahead of the rate', async () => {
    const o = await origin({ content, faults: { rateBytesPerSec: 10_000_000, burstMs: 0 } });
    const startedMs = performance.now();
    expect((await send(o.url)).body.equals(content)).toBe(true);
    // 300 kB at 10 MB/s with no burst allowance takes 30 ms; the default 50 ms would let it all go at once.
    expect(performance.now() - startedMs).toBeGreaterThan(20);
  });

  it('rateBytesPerSec throttles bodies', async () => {
    const o = await origin({ content, faults: { rateBytesPerSec: 1_000_000 } });
    const startedMs = performance.now();
    const reply = await send(o.url);
    const elapsedMs = performance.now() - startedMs;
    expect(reply.body.equals(content)).toBe(true);
    // 300 kB at 1 MB/s less the 50 ms burst allowance takes at least 250 ms.
    expect(elapsedMs).toBeGreaterThan(240);
  });

  it('noRanges answers ranged GETs with 200 and the whole body, and sends no Accept-Ranges', async () => {
    const o = await origin({ content, faults: { noRanges: true } });
    const head = await send(o.url, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['accept-ranges']).toBeUndefined();
    const reply = await send(o.url, 'GET', { range: 'bytes=0-0' });
    expect(reply.status).toBe(200);
    expect(reply.headers['accept-ranges']).toBeUndefined();
    expect(reply.headers['content-range']).toBeUndefined();
    expect(reply.body.equals(content)).toBe(true);
  });

  it('wrongContentRange whole answers the first count ranged GETs with the whole file as a 206', async () => {
    const o = await origin({ content, faults: { wrongContentRange: { shape: 'whole', count: 1 } } });
    const first = await send(o.url, 'GET', { range: 'bytes=0-0' });
    expect(first.status).toBe(206);
    expect(first.headers['content-range']).toBe(`bytes 0-${content.length - 1}/${content.length}`);
    expect(first.body.equals(content)).toBe(true);
    const second = await send(o.url, 'GET', { range: 'bytes=0-0' });
    expect(second.headers['content-range']).toBe(`bytes 0-0/${content.length}`);
    expect(second.body).toHaveLength(1);
    o.setFaults({ wrongContentRange: { shape: 'whole', count: 1 } });
    expect((await send(o.url, 'GET', { range: 'bytes=5-9' })).body).toHaveLength(content.length);
  });

  it('wrongContentRange shifted answers every ranged GET with the range moved by a byte, and its bytes', async () => {
    const o = await origin({ content, faults: { wrongContentRange: { shape: 'shifted' } } });
    for (let i = 0; i < 3; i++) {
      const reply = await send(o.url, 'GET', { range: 'bytes=10-19' });
      expect(reply.status).toBe(206);
      expect(reply.headers['content-range']).toBe(`bytes 11-20/${content.length}`);
      expect(reply.body.equals(content.subarray(11, 21))).toBe(true);
    }
    expect((await send(o.url)).body.equals(content)).toBe(true);
  });

  it('rejects nonsensical faults with a TypeError', async () => {
    const o = await origin({ content });
    expect(() => o.setFaults({ wrongContentRange: { shape: 'sideways' as 'whole' } })).toThrow(TypeError);
    expect(() => o.setFaults({ wrongContentRange: { shape: 'whole', count: -1 } })).toThrow(TypeError);
    expect(() => o.setFaults({ rateBytesPerSec: 1000, burstMs: -1 })).toThrow(TypeError);
    expect(() => o.setFaults({ cutBodyFraction: 2 })).toThrow(TypeError);
    expect(() => o.setFaults({ rateBytesPerSec: 0 })).toThrow(TypeError);
    await expect(startOrigin({ content, md5Header: 'sha1' as Md5HeaderKind })).rejects.toThrow(TypeError);
  });
});

describe('startOrigin: down for a while, then back', () => {
  const content = makeContent(300_000, 9);

  it('goDown refuses connections for that long, then serves again at the same URL', async () => {
    const o = await origin({ content });
    expect((await send(o.url)).body.equals(content)).toBe(true);
    await o.whenUp();
    const downAtMs = performance.now();
    await o.goDown(300);
    await expect(send(o.url)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await o.whenUp();
    expect(performance.now() - downAtMs).toBeGreaterThanOrEqual(290);
    const again = await send(o.url);
    expect(again.status).toBe(200);
    expect(again.body.equals(content)).toBe(true);
  });

  it('closes the connections open when it goes down, mid-body too', async () => {
    const o = await origin({ content, faults: { rateBytesPerSec: 200_000 } });
    let reached!: () => void;
    const started = new Promise<void>((resolve) => (reached = resolve));
    const pending = send(o.url, 'GET', {}, (received) => received >= 10_000 && reached());
    await started;
    await o.goDown(50);
    const cut = await pending;
    expect(cut.complete).toBe(false);
    expect(cut.body.length).toBeLessThan(content.length);
    await o.whenUp();
    expect((await send(o.url, 'HEAD')).status).toBe(200);
  });

  it('goDown(Infinity) stays down until close, and whenUp then rejects', async () => {
    const o = await origin({ content });
    await o.goDown(Number.POSITIVE_INFINITY);
    await expect(send(o.url)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    const up = o.whenUp();
    await o.close();
    await expect(up).rejects.toThrow(/closed while down/);
  });

  it('rejects a bad duration, a second goDown while down, and goDown after close with a TypeError', async () => {
    const o = await origin({ content });
    await expect(o.goDown(-1)).rejects.toThrow(TypeError);
    await expect(o.goDown(Number.NaN)).rejects.toThrow(TypeError);
    await o.goDown(10_000);
    await expect(o.goDown(10)).rejects.toThrow(/down already/);
    await o.close();
    await expect(o.goDown(10)).rejects.toThrow(TypeError);
  });
});

describe('startOrigin: etag: false and Last-Modified', () => {
  const content = makeContent(300_000, 9);

  it('etag: false sends no ETag: If-Match with a tag fails, * passes, If-Range with a tag sends the whole body', async () => {
    const o = await origin({ content, etag: false });
    const head = await send(o.url, 'HEAD');
    expect(head.headers.etag).toBeUndefined();
    expect(head.headers['last-modified']).toBe('Mon, 01 Jan 2024 00:00:00 GMT');
    expect((await send(o.url, 'GET', { range: 'bytes=0-9', 'if-match': '"v1-1"' })).status).toBe(412);
    expect((await send(o.url, 'GET', { range: 'bytes=0-9', 'if-match': '*' })).status).toBe(206);
    expect((await send(o.url, 'GET', { range: 'bytes=0-9', 'if-range': '"v1-1"' })).status).toBe(200);
    await expect(startOrigin({ content, etag: false, md5Header: 'etag' })).rejects.toThrow(TypeError);
  });

  it('Last-Modified moves on when the content changes; If-Unmodified-Since and If-Range with the old date then fail', async () => {
    const o = await origin({ content, etag: false, faults: { changeAfterBodyBytes: 100_000 } });
    const before = await send(o.url, 'GET', { range: 'bytes=0-99999' });
    const date = before.headers['last-modified'] ?? '';
    expect(date).toMatch(/GMT$/);
    expect((await send(o.url, 'GET', { range: 'bytes=0-9', 'if-unmodified-since': date, 'if-range': date })).status).toBe(412);
    const stale = await send(o.url, 'GET', { range: 'bytes=0-9', 'if-range': date });
    expect(stale.status).toBe(200);
    expect(stale.headers['last-modified']).not.toBe(date);
    expect(Date.parse(stale.headers['last-modified'] ?? '')).toBeGreaterThan(Date.parse(date));
    expect(stale.body.equals(content)).toBe(false);
    const fresh = stale.headers['last-modified'] ?? '';
    const current = await send(o.url, 'GET', { range: 'bytes=0-9', 'if-unmodified-since': fresh, 'if-range': fresh });
    expect(current.status).toBe(206);
    expect(current.body.equals(stale.body.subarray(0, 10))).toBe(true);
  });

  it('before a change, If-Unmodified-Since and If-Range with the date get the range', async () => {
    const o = await origin({ content, etag: false });
    const date = (await send(o.url, 'HEAD')).headers['last-modified'] ?? '';
    const reply = await send(o.url, 'GET', { range: 'bytes=5-9', 'if-unmodified-since': date, 'if-range': date });
    expect(reply.status).toBe(206);
    expect(reply.body.equals(content.subarray(5, 10))).toBe(true);
  });

  it('lastModified: false sends no date and ignores If-Unmodified-Since', async () => {
    const o = await origin({ content, lastModified: false, faults: { changeAfterBodyBytes: 0 } });
    const reply = await send(o.url, 'GET', { range: 'bytes=0-9', 'if-unmodified-since': 'Mon, 01 Jan 2024 00:00:00 GMT' });
    expect(reply.status).toBe(206);
    expect(reply.headers['last-modified']).toBeUndefined();
  });
});

describe('wrongRange', () => {
  const table: Array<[ByteRange, number, 'whole' | 'shifted', ByteRange]> = [
    [{ start: 10, end: 20 }, 100, 'whole', { start: 0, end: 100 }],
    [{ start: 10, end: 20 }, 100, 'shifted', { start: 11, end: 21 }],
    [{ start: 0, end: 1 }, 100, 'shifted', { start: 1, end: 2 }],
    [{ start: 90, end: 100 }, 100, 'shifted', { start: 89, end: 99 }],
    [{ start: 0, end: 100 }, 100, 'shifted', { start: 1, end: 100 }],
  ];
  it.each(table)('%j of %i bytes, %s -> %j', (asked, size, shape, expected) => {
    expect(wrongRange(asked, size, shape)).toEqual(expected);
  });
});
