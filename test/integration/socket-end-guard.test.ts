/**
 * An origin that closes its connection right after the body (`Connection: close`, as HTTP/1.0
 * servers such as Python's http.server do) read by a slow reader (a rate limit, a slow disk):
 * undici 7 would throw an uncatchable AssertionError from the socket's 'end' (nodejs/undici#5360)
 * and kill the process; guarded, the body arrives whole. A real TCP server on loopback.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpOrigin } from '../../src/http-seed/http-origin.js';
import { heldEnds } from '../../src/http-seed/socket-end-guard.js';
import { makeContent } from '../../src/testing/origin-server.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

/** Answers every request with the whole body and `Connection: close`, then closes (FIN). */
async function closingOrigin(body: Buffer): Promise<{ url: string; ends: number[] }> {
  const ends: number[] = [];
  const server = createServer((socket: Socket) => {
    socket.once('data', () => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
      socket.end(body, () => ends.push(Date.now()));
    });
    socket.on('error', () => undefined);
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/file.bin`, ends };
}

describe('an origin that closes after the body, read slowly', () => {
  it('delivers the whole body and ends the read, without undici asserting on the paused parser', async () => {
    const body = makeContent(4 * 2 ** 20, 31);
    const { url, ends } = await closingOrigin(body);
    const origin = new HttpOrigin(url, { connections: 1, stallTimeoutMs: 10_000 });
    const heldBefore = heldEnds.count;
    const hash = createHash('md5');
    let received = 0;
    try {
      const reached = await origin.fetchRange({
        start: 0,
        endExclusive: body.length,
        etag: null,
        lastModified: null,
        fileBytes: body.length,
        signal: new AbortController().signal,
        // A slow reader: each chunk waits, so the body's stream fills and undici pauses its parser.
        onData: async (chunk, offset) => {
          await sleep(2);
          hash.update(chunk);
          received += chunk.length;
          return offset + chunk.length;
        },
      });
      expect(reached).toBe(body.length);
    } finally {
      await origin.close();
    }
    expect(received).toBe(body.length);
    expect(hash.digest('hex')).toBe(createHash('md5').update(body).digest('hex'));
    // The origin sent the body and its FIN at once: the case the guard is for.
    expect(ends).toHaveLength(1);
    // ... and the guard held its 'end' back (undici's parser and its paused flag were found).
    expect(heldEnds.count).toBeGreaterThan(heldBefore);
  });
});
