/**
 * swarm-download end to end over the transports users have: redirects (presigned URLs are often
 * reached through one). HTTPS, with certificates trusted or refused: download-tls.test.ts.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { makeContent } from '../../src/testing/origin-server.js';
import { MiB, download, expectDownloaded, startTestOrigin, useE2eCleanup } from './e2e-fixture.js';

useE2eCleanup();

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

/** A server on loopback that answers every request with a redirect to `target`. */
async function redirector(status: number, target: string): Promise<string> {
  const server = createServer((_req, res) => {
    res.writeHead(status, { location: target });
    res.end();
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/presigned/file.bin?X-Sig=abc`;
}

describe('swarm-download: transports', () => {
  const content = makeContent(4 * MiB, 77);

  it.each([301, 302, 307])('follows a %i redirect to the origin (exit 0)', async (status) => {
    const origin = await startTestOrigin({ content });
    const url = await redirector(status, origin.url);
    const { result, paths } = await download(url);
    await expectDownloaded(result, paths.output, content);
    expect(origin.stats.getRequests).toBeGreaterThan(0);
  });
});
