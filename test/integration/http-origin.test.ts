/**
 * HttpOrigin against scripted loopback servers: what its probe learns of Range support (HEAD's
 * `Accept-Ranges`, else a GET of `bytes=0-0`), and that no answer, the probe's or a range read's,
 * is read beyond what was asked.
 * The big bodies are paced (16 KiB every 2 ms) so that what the server sends before the client
 * hangs up measures the client, not the kernel's loopback socket buffers (several MiB).
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { OriginError } from '../../src/errors.js';
import { HttpOrigin } from '../../src/http-seed/http-origin.js';

const MiB = 1024 * 1024;
const BIG = 64 * MiB;
const MD5_B64 = 'XrY7u+Ae7tCTyyK7j1rNww==';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface Scripted {
  readonly url: string;
  /** `METHOD range` of each request, in order. */
  readonly requests: string[];
  /** The headers of each request, in order. */
  readonly requestHeaders: IncomingHttpHeaders[];
  /** Body bytes the kernel took from the server (write callbacks), over all responses. */
  flushedBytes: number;
  /** Responses whose connection closed before their body ended. */
  cutShort: number;
}

const servers: Server[] = [];
const origins: HttpOrigin[] = [];

afterEach(async () => {
  await Promise.all(origins.splice(0).map((o) => o.close()));
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

async function scripted(handle: Handler): Promise<Scripted> {
  const state: Scripted = { url: '', requests: [], requestHeaders: [], flushedBytes: 0, cutShort: 0 };
  const server = createServer((req, res) => {
    state.requests.push(`${req.method ?? ''} ${req.headers.range ?? ''}`.trim());
    state.requestHeaders.push(req.headers);
    res.on('close', () => {
      if (!res.writableFinished) state.cutShort++;
    });
    handle(req, res);
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return Object.assign(state, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/f.bin` });
}

/** Writes `bytes` of body, 16 KiB every 2 ms, until done or the connection closes. */
async function pacedBody(res: ServerResponse, bytes: number, state: Scripted): Promise<void> {
  const chunk = Buffer.alloc(16 * 1024, 0x61);
  for (let sent = 0; sent < bytes && !res.destroyed; sent += chunk.length) {
    res.write(chunk, () => (state.flushedBytes += chunk.length));
    await sleep(2);
  }
  if (!res.destroyed) res.end();
}

function originAt(url: string): HttpOrigin {
  const origin = new HttpOrigin(url, { connections: 2, stallTimeoutMs: 5000 });
  origins.push(origin);
  return origin;
}

function probeOf(url: string): Promise<{ origin: HttpOrigin; info: Awaited<ReturnType<HttpOrigin['probe']>> }> {
  const origin = originAt(url);
  return origin.probe(AbortSignal.timeout(10_000)).then((info) => ({ origin, info }));
}

async function probeError(url: string): Promise<OriginError> {
  const err: unknown = await probeOf(url).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(OriginError);
  return err as OriginError;
}

/** HEAD: 200 with size and MD5, and `acceptRanges` unless null; GET: `get`. */
function headThen(acceptRanges: string | null, get: Handler, size = 1000): Handler {
  return (req, res) => {
    if (req.method !== 'HEAD') return get(req, res);
    res.setHeader('content-length', size);
    res.setHeader('content-md5', MD5_B64);
    if (acceptRanges !== null) res.setHeader('accept-ranges', acceptRanges);
    res.end();
  };
}

function refuseHeadThen(get: Handler): Handler {
  return (req, res) => {
    if (req.method !== 'HEAD') return get(req, res);
    res.statusCode = 405;
    res.end();
  };
}

function firstByte(size: number): Handler {
  return (_req, res) => {
    res.statusCode = 206;
    res.setHeader('content-range', `bytes 0-0/${size}`);
    res.setHeader('content-length', 1);
    res.setHeader('x-ms-blob-content-md5', MD5_B64);
    res.end('a');
  };
}

describe('HttpOrigin.probe: is Range honoured?', () => {
  const table: Array<[string, string | null, boolean]> = [
    ['Accept-Ranges: bytes', 'bytes', true],
    ['Accept-Ranges: none', 'none', false],
    ['Accept-Ranges: items (no bytes)', 'items', false],
    ['Accept-Ranges: none, bytes', 'none, bytes', true],
  ];
  it.each(table)('%s on HEAD decides without a GET', async (_name, header, supported) => {
    const server = await scripted(headThen(header, firstByte(1000)));
    const { origin, info } = await probeOf(server.url);
    expect(info).toMatchObject({ fileBytes: 1000, rangesSupported: supported, md5: { kind: 'found' } });
    expect(origin.rangesIgnored).toBe(!supported);
    expect(server.requests).toEqual(['HEAD']);
  });

  it('without Accept-Ranges, HEAD alone says no: no GET is sent to find out (it could bring the whole body)', async () => {
    const server = await scripted(headThen(null, firstByte(1000)));
    const { origin, info } = await probeOf(server.url);
    expect(info).toMatchObject({ fileBytes: 1000, rangesSupported: false });
    expect(origin.rangesIgnored).toBe(true);
    expect(server.requests).toEqual(['HEAD']);
  });

  it('without Accept-Ranges, a 206 to a later ranged GET corrects the "no"', async () => {
    const server = await scripted(headThen(null, firstByte(1000)));
    const { origin } = await probeOf(server.url);
    expect(origin.rangesIgnored).toBe(true);
    const reached = await origin.fetchRange({ start: 0, endExclusive: 1, etag: null, lastModified: null, fileBytes: 1000, signal: new AbortController().signal, onData: (chunk, offset) => offset + chunk.length });
    expect(reached).toBe(1);
    expect(origin.rangesIgnored).toBe(false);
  });
});

describe('HttpOrigin.probe: HEAD refused, every answer bounded by what was asked', () => {
  it('a 206 of bytes 0-0 gives size, MD5 and Range support', async () => {
    const server = await scripted(refuseHeadThen(firstByte(5000)));
    const { info } = await probeOf(server.url);
    expect(info).toMatchObject({ fileBytes: 5000, rangesSupported: true, md5: { kind: 'found', found: { source: 'x-ms-blob-content-md5' } } });
    expect(server.requests).toEqual(['HEAD', 'GET bytes=0-0']);
  });

  it('a 206 of the whole 64 MiB (as s3rver answers) is not read: size and MD5 from its headers', async () => {
    const server = await scripted(refuseHeadThen((_req, res) => {
      res.statusCode = 206;
      res.setHeader('content-range', `bytes 0-${BIG - 1}/${BIG}`);
      res.setHeader('content-length', BIG);
      res.setHeader('content-md5', MD5_B64);
      void pacedBody(res, BIG, server);
    }));
    const { origin, info } = await probeOf(server.url);
    // The range is the whole file, so its body-scoped Content-MD5 is the file's.
    expect(info).toMatchObject({ fileBytes: BIG, rangesSupported: true, md5: { kind: 'found', found: { source: 'content-md5' } } });
    expect(origin.rangesIgnored).toBe(false);
    await expect.poll(() => server.cutShort).toBe(1);
    expect(server.flushedBytes).toBeLessThan(MiB);
  });

  it('a 206 of a part from byte 0 is not read, and its body-scoped Content-MD5 is not taken for the file', async () => {
    const server = await scripted(refuseHeadThen((_req, res) => {
      res.statusCode = 206;
      res.setHeader('content-range', `bytes 0-${MiB - 1}/${BIG}`);
      res.setHeader('content-md5', MD5_B64);
      void pacedBody(res, MiB, server);
    }));
    const { info } = await probeOf(server.url);
    expect(info).toMatchObject({ fileBytes: BIG, rangesSupported: true, md5: { kind: 'none' } });
    await expect.poll(() => server.cutShort).toBe(1);
  });

  it('a 200 of 64 MiB is not read: size and MD5 from its headers, no Range support', async () => {
    const server = await scripted(refuseHeadThen((_req, res) => {
      res.setHeader('content-length', BIG);
      res.setHeader('content-md5', MD5_B64);
      res.setHeader('etag', '"v1"');
      void pacedBody(res, BIG, server);
    }));
    const { origin, info } = await probeOf(server.url);
    expect(info).toMatchObject({ fileBytes: BIG, rangesSupported: false, etag: '"v1"', md5: { kind: 'found', found: { source: 'content-md5' } } });
    expect(origin.rangesIgnored).toBe(true);
    await expect.poll(() => server.cutShort).toBe(1);
    expect(server.flushedBytes).toBeLessThan(MiB);
  });

  it('a 206 that says bytes 0-0 and sends more (no Content-Length) is refused after one byte', async () => {
    const server = await scripted(refuseHeadThen((_req, res) => {
      res.statusCode = 206;
      res.setHeader('content-range', `bytes 0-0/${BIG}`);
      void pacedBody(res, BIG, server);
    }));
    const err = await probeError(server.url);
    expect(err).toMatchObject({ code: 'ORIGIN_BAD_RESPONSE', retryable: true });
    expect(err.message).toMatch(/more than the one byte/);
    await expect.poll(() => server.cutShort).toBe(1);
    expect(server.flushedBytes).toBeLessThan(MiB);
  });

  const shapes: Array<[string, string]> = [
    ['another start', 'bytes 1-1/1000'],
    ['the end of the file', 'bytes 999-999/1000'],
    ['an unknown total', 'bytes 0-0/*'],
    ['a malformed range', 'bytes 0-0'],
  ];
  it.each(shapes)('a 206 of %s is refused, naming what was asked and what came', async (_name, contentRange) => {
    const server = await scripted(refuseHeadThen((_req, res) => {
      res.statusCode = 206;
      res.setHeader('content-range', contentRange);
      res.end('ab');
    }));
    const err = await probeError(server.url);
    expect(err).toMatchObject({ code: 'ORIGIN_BAD_RESPONSE', retryable: true });
    expect(err.message).toContain(`asked for bytes 0-0, got Content-Range ${JSON.stringify(contentRange)}`);
  });
});

describe('HttpOrigin.fetchRange: every answer bounded by what was asked', () => {
  /** Reads [start, endExclusive) of a BIG file; resolves with what arrived and the outcome. */
  async function read(url: string, start: number, endExclusive: number): Promise<{ bytes: number; result: number | OriginError }> {
    let bytes = 0;
    const result = await originAt(url).fetchRange({
      start, endExclusive, etag: null, lastModified: null, fileBytes: BIG, signal: AbortSignal.timeout(10_000),
      onData: (chunk, offset) => {
        bytes += chunk.length;
        return offset + chunk.length;
      },
    }).catch((err: unknown) => {
      expect(err).toBeInstanceOf(OriginError);
      return err as OriginError;
    });
    return { bytes, result };
  }

  /** Answers every GET with status 206 (or 200), `contentRange`, and a paced body of `bodyBytes`. */
  function answering(state: { current: Scripted | null }, status: number, contentRange: string | null, bodyBytes: number, length = true): Handler {
    return (_req, res) => {
      res.statusCode = status;
      if (contentRange !== null) res.setHeader('content-range', contentRange);
      if (length) res.setHeader('content-length', bodyBytes);
      void pacedBody(res, bodyBytes, state.current as Scripted);
    };
  }

  async function server(status: number, contentRange: string | null, bodyBytes: number, length = true): Promise<Scripted> {
    const state: { current: Scripted | null } = { current: null };
    state.current = await scripted(answering(state, status, contentRange, bodyBytes, length));
    return state.current;
  }

  it('a 206 of the whole file for a 1 MiB range is refused unread (retryable, naming both ranges)', async () => {
    const s = await server(206, `bytes 0-${BIG - 1}/${BIG}`, BIG);
    const { bytes, result } = await read(s.url, MiB, 2 * MiB);
    expect(bytes).toBe(0);
    expect(result).toMatchObject({ code: 'ORIGIN_BAD_RESPONSE', retryable: true });
    expect((result as OriginError).message).toContain(`asked for bytes ${MiB}-${2 * MiB - 1}, got bytes 0-${BIG - 1}/${BIG}`);
    await expect.poll(() => s.cutShort).toBe(1);
    expect(s.flushedBytes).toBeLessThan(MiB);
  });

  it('a 206 of another total size is ORIGIN_CHANGED, final, unread', async () => {
    const s = await server(206, `bytes ${MiB}-${2 * MiB - 1}/${2 * BIG}`, MiB);
    const { bytes, result } = await read(s.url, MiB, 2 * MiB);
    expect(bytes).toBe(0);
    expect(result).toMatchObject({ code: 'ORIGIN_CHANGED', retryable: false });
    await expect.poll(() => s.cutShort).toBe(1);
  });

  it('a 200 of another size is ORIGIN_CHANGED, unread', async () => {
    const s = await server(200, null, BIG + 1);
    const { bytes, result } = await read(s.url, 0, MiB);
    expect(bytes).toBe(0);
    expect(result).toMatchObject({ code: 'ORIGIN_CHANGED' });
    await expect.poll(() => s.cutShort).toBe(1);
    expect(s.flushedBytes).toBeLessThan(MiB);
  });

  it('a body longer than its Content-Range (no Content-Length) is read to the range end only', async () => {
    const s = await server(206, `bytes 0-${64 * 1024 - 1}/${BIG}`, BIG, false);
    const { bytes, result } = await read(s.url, 0, MiB);
    expect(result).toBe(64 * 1024);
    expect(bytes).toBe(64 * 1024);
    await expect.poll(() => s.cutShort).toBe(1);
    expect(s.flushedBytes).toBeLessThan(MiB);
  });
});

describe('HttpOrigin without an ETag: reads conditioned on Last-Modified', () => {
  const LM = 'Mon, 01 Jan 2024 00:00:00 GMT';
  const SIZE = 100_000;

  /** HEAD: size, Last-Modified, Accept-Ranges: bytes, no ETag; GET: `get`. */
  async function datedOrigin(get: Handler): Promise<{ server: Scripted; origin: HttpOrigin }> {
    const server = await scripted((req, res) => {
      if (req.method !== 'HEAD') return get(req, res);
      res.setHeader('content-length', SIZE);
      res.setHeader('last-modified', LM);
      res.setHeader('accept-ranges', 'bytes');
      res.end();
    });
    const { origin, info } = await probeOf(server.url);
    expect(info).toMatchObject({ etag: null, lastModified: LM, rangesSupported: true });
    return { server, origin };
  }

  function readOf(origin: HttpOrigin): Promise<number> {
    return origin.fetchRange({
      start: 10, endExclusive: 20, etag: null, lastModified: LM, fileBytes: SIZE, signal: AbortSignal.timeout(10_000),
      onData: (chunk, offset) => offset + chunk.length,
    });
  }

  it('sends If-Unmodified-Since and If-Range with the date, and takes a 206 of that date', async () => {
    const { server, origin } = await datedOrigin((_req, res) => {
      res.statusCode = 206;
      res.setHeader('content-range', `bytes 10-19/${SIZE}`);
      res.setHeader('last-modified', LM);
      res.end('0123456789');
    });
    await expect(readOf(origin)).resolves.toBe(20);
    expect(server.requestHeaders[1]).toMatchObject({ range: 'bytes=10-19', 'if-unmodified-since': LM, 'if-range': LM });
    expect(server.requestHeaders[1]?.['if-match']).toBeUndefined();
  });

  const changes: Array<[string, Handler]> = [
    ['a 412', (_req, res) => {
      res.statusCode = 412;
      res.end();
    }],
    ['a 200 of the new file (If-Range said changed)', (_req, res) => {
      res.setHeader('content-length', SIZE);
      res.setHeader('last-modified', 'Tue, 02 Jan 2024 00:00:00 GMT');
      res.end(Buffer.alloc(SIZE));
    }],
    ['a 200 without a date', (_req, res) => {
      res.setHeader('content-length', SIZE);
      res.end(Buffer.alloc(SIZE));
    }],
    ['a 206 of another date', (_req, res) => {
      res.statusCode = 206;
      res.setHeader('content-range', `bytes 10-19/${SIZE}`);
      res.setHeader('last-modified', 'Tue, 02 Jan 2024 00:00:00 GMT');
      res.end('0123456789');
    }],
  ];
  it.each(changes)('%s is ORIGIN_CHANGED (final)', async (_name, answer) => {
    const { origin } = await datedOrigin(answer);
    await expect(readOf(origin)).rejects.toMatchObject({ code: 'ORIGIN_CHANGED', retryable: false });
  });
});
