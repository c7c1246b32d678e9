/**
 * HttpOrigin's probe against scripted loopback servers: what it learns of Range support (HEAD's
 * `Accept-Ranges`, else a GET of `bytes=0-0`), and that no answer is read beyond what was asked.
 * The big bodies are paced (16 KiB every 2 ms) so that what the server sends before the client
 * hangs up measures the client, not the kernel's loopback socket buffers (several MiB).
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
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
  const state: Scripted = { url: '', requests: [], flushedBytes: 0, cutShort: 0 };
  const server = createServer((req, res) => {
    state.requests.push(`${req.method ?? ''} ${req.headers.range ?? ''}`.trim());
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

function probeOf(url: string): Promise<{ origin: HttpOrigin; info: Awaited<ReturnType<HttpOrigin['probe']>> }> {
  const origin = new HttpOrigin(url, { connections: 2, stallTimeoutMs: 5000 });
  origins.push(origin);
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
    const reached = await origin.fetchRange({ start: 0, endExclusive: 1, etag: null, fileBytes: 1000, signal: new AbortController().signal, onData: (chunk, offset) => offset + chunk.length });
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

  it('a 206 of the whole 64 MiB is refused unread, naming what was asked and what came', async () => {
    const server = await scripted(refuseHeadThen((_req, res) => {
      res.statusCode = 206;
      res.setHeader('content-range', `bytes 0-${BIG - 1}/${BIG}`);
      res.setHeader('content-length', BIG);
      void pacedBody(res, BIG, server);
    }));
    const err = await probeError(server.url);
    expect(err).toMatchObject({ code: 'ORIGIN_BAD_RESPONSE', retryable: true });
    expect(err.message).toContain('bytes=0-0');
    expect(err.message).toContain(`"bytes 0-${BIG - 1}/${BIG}"`);
    await expect.poll(() => server.cutShort).toBe(1);
    expect(server.flushedBytes).toBeLessThan(MiB);
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
    ['a longer range', 'bytes 0-1/1000'],
    ['an unknown total', 'bytes 0-0/*'],
    ['a malformed range', 'bytes 0-0'],
  ];
  it.each(shapes)('a 206 of %s is refused', async (_name, contentRange) => {
    const server = await scripted(refuseHeadThen((_req, res) => {
      res.statusCode = 206;
      res.setHeader('content-range', contentRange);
      res.end('ab');
    }));
    const err = await probeError(server.url);
    expect(err).toMatchObject({ code: 'ORIGIN_BAD_RESPONSE', retryable: true });
    expect(err.message).toContain(JSON.stringify(contentRange));
  });
});
