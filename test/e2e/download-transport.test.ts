/**
 * swarm-download end to end over the transports users have: redirects (presigned URLs are often
 * reached through one) and HTTPS with a certificate the process trusts, or does not.
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeContent } from '../../src/testing/origin-server.js';
import { makeTempDir } from '../helpers/run-cli.js';
import { MiB, download, expectDownloaded, expectFailed, startTestOrigin, useE2eCleanup } from './e2e-fixture.js';

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

async function selfSignedCertificate(): Promise<{ key: Buffer; cert: Buffer; certPath: string }> {
  const dir = await makeTempDir();
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath,
    '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  return { key: await readFile(keyPath), cert: await readFile(certPath), certPath };
}

const haveOpenssl = ['/usr/bin/openssl', '/bin/openssl', '/usr/local/bin/openssl'].some((path) => existsSync(path));

describe('swarm-download: transports', () => {
  const content = makeContent(4 * MiB, 77);

  it.each([301, 302, 307])('follows a %i redirect to the origin (exit 0)', async (status) => {
    const origin = await startTestOrigin({ content });
    const url = await redirector(status, origin.url);
    const { result, paths } = await download(url);
    await expectDownloaded(result, paths.output, content);
    expect(origin.stats.getRequests).toBeGreaterThan(0);
  });

  it.skipIf(!haveOpenssl)('downloads over HTTPS from an origin whose certificate it trusts (exit 0; needs openssl to make one)', async () => {
    const { key, cert, certPath } = await selfSignedCertificate();
    const origin = await startTestOrigin({ content, tls: { key, cert } });
    expect(origin.url.startsWith('https://')).toBe(true);
    const { result, paths } = await download(origin.url, [], { env: { NODE_EXTRA_CA_CERTS: certPath } });
    await expectDownloaded(result, paths.output, content);
  });

  it.skipIf(!haveOpenssl)('refuses an HTTPS origin whose certificate it does not trust (exit 3; needs openssl to make one)', async () => {
    const { key, cert } = await selfSignedCertificate();
    const origin = await startTestOrigin({ content, tls: { key, cert } });
    const { result, paths } = await download(origin.url);
    const { message } = expectFailed(result, 3, paths.output);
    expect(message).toMatch(/certificate/i);
    expect(message).toContain('NODE_EXTRA_CA_CERTS');
    expect(origin.stats.getRequests).toBe(0);
  });
});
