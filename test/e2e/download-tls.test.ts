/**
 * swarm-download end to end over HTTPS, against real TLS servers on 127.0.0.1 with certificates
 * made at run time: a trusted one, and one refused for each reason a real fleet meets (a URL
 * with a name the certificate does not hold, expired, not valid yet, an issuer not trusted).
 * Contract: a refused certificate is exit 3 at once (no GET), with the advice that fits it;
 * NODE_EXTRA_CA_CERTS is advised only when a CA is what is missing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeContent } from '../../src/testing/origin-server.js';
import type { OriginServer } from '../../src/testing/origin-server.js';
import { haveOpenssl, makeTestCertificates, type TestCertificate, type TestCertificates } from '../helpers/test-certificates.js';
import { MiB, download, expectDownloaded, expectFailed, startTestOrigin, useE2eCleanup } from './e2e-fixture.js';

useE2eCleanup();

const content = makeContent(2 * MiB, 91);
const FLAGS = ['--no-discovery'];
let certs: TestCertificates;
// Not a makeTempDir: the per-test cleanup would remove it after the first test.
let certDir = '';

beforeAll(async () => {
  certDir = await mkdtemp(join(tmpdir(), 'swarm-certs-'));
  if (haveOpenssl) certs = await makeTestCertificates(certDir);
});
afterAll(async () => {
  await rm(certDir, { recursive: true, force: true });
});

/** An HTTPS origin on 127.0.0.1 serving `certificate`. */
function httpsOrigin(certificate: TestCertificate): Promise<OriginServer> {
  return startTestOrigin({ content, tls: { key: certificate.key, cert: certificate.cert } });
}

/** How a test reaches the origin: `ip`, https://127.0.0.1:PORT/; `localhost`, the name the leaves hold. */
type Host = 'ip' | 'localhost';

function urlFor(origin: OriginServer, host: Host): string {
  const url = new URL(origin.url);
  if (host === 'localhost') url.hostname = 'localhost';
  return url.toString();
}

/** Runs one download with the test CA trusted (or not) and returns the exit-3 message. */
async function refused(origin: OriginServer, url: string, trustCa: boolean): Promise<string> {
  const env = trustCa ? { NODE_EXTRA_CA_CERTS: certs.ca.certPath } : {};
  const { result, paths } = await download(url, FLAGS, { env });
  const { message, code } = expectFailed(result, 3, paths.output);
  expect(code).toBe('ORIGIN_UNREACHABLE');
  expect(origin.stats.requests, 'no request reaches an origin whose certificate is refused').toBe(0);
  return message;
}

/** One refused certificate: which the origin serves, how it is reached, what the message says. */
interface RefusedCase {
  readonly name: string;
  readonly certificate: (all: TestCertificates) => TestCertificate;
  readonly host: Host;
  readonly trustCa: boolean;
  readonly says: readonly (string | RegExp)[];
  readonly caAdvice: boolean;
}

const REFUSED: readonly RefusedCase[] = [
  {
    name: 'name mismatch: says which name the certificate holds',
    certificate: (all) => all.localhost, host: 'ip', trustCa: true, caAdvice: false,
    says: [/the TLS certificate of https:\/\/127\.0\.0\.1:\d+\/file\.bin is for localhost, not 127\.0\.0\.1; use a URL with that name/, 'or get a certificate that names 127.0.0.1'],
  },
  {
    name: 'expired: says so, to renew it or check the clock',
    certificate: (all) => all.expired, host: 'localhost', trustCa: true, caAdvice: false,
    says: [/the TLS certificate of https:\/\/localhost:\d+\/file\.bin has expired \(this machine's clock reads \d{4}-\d\d-\d\d \d\d:\d\d UTC\)/, 'renew the certificate'],
  },
  {
    name: 'not valid yet: points at the clock',
    certificate: (all) => all.notYetValid, host: 'localhost', trustCa: true, caAdvice: false,
    says: ['is not valid yet', "set this machine's clock right"],
  },
  {
    name: 'unknown CA, a self-signed leaf: advises NODE_EXTRA_CA_CERTS',
    certificate: (all) => all.selfSigned, host: 'ip', trustCa: false, caAdvice: true,
    says: ['is not trusted (self-signed certificate): it is self-signed'],
  },
  {
    name: 'unknown CA, a leaf signed by a CA not trusted here: advises NODE_EXTRA_CA_CERTS or the intermediates',
    certificate: (all) => all.localhost, host: 'localhost', trustCa: false, caAdvice: true,
    says: ['is not trusted (unable to verify the first certificate)', 'add its CA with NODE_EXTRA_CA_CERTS=/path/ca.pem', 'intermediate certificates'],
  },
];

describe.skipIf(!haveOpenssl)('swarm-download over HTTPS (needs openssl to make the certificates)', () => {
  const trustedCases: ReadonlyArray<{ name: string; certificate: (all: TestCertificates) => TestCertificate; trusted: (all: TestCertificates) => TestCertificate; host: Host }> = [
    { name: 'https://localhost with a leaf signed by a CA', certificate: (all: TestCertificates) => all.localhost, trusted: (all: TestCertificates) => all.ca, host: 'localhost' },
    { name: 'https://127.0.0.1 with a self-signed certificate', certificate: (all: TestCertificates) => all.selfSigned, trusted: (all: TestCertificates) => all.selfSigned, host: 'ip' },
  ];
  for (const { name, certificate, trusted, host } of trustedCases) it(`downloads from ${name} trusted through NODE_EXTRA_CA_CERTS (exit 0)`, async () => {
    const origin = await httpsOrigin(certificate(certs));
    const { result, paths } = await download(urlFor(origin, host), FLAGS, { env: { NODE_EXTRA_CA_CERTS: trusted(certs).certPath } });
    await expectDownloaded(result, paths.output, content);
  });

  for (const { name, certificate, host, trustCa, says, caAdvice } of REFUSED) it(`${name} (exit 3)`, async () => {
    const origin = await httpsOrigin(certificate(certs));
    const message = await refused(origin, urlFor(origin, host), trustCa);
    for (const words of says) expect(message).toMatch(words);
    if (caAdvice) expect(message).toContain('NODE_EXTRA_CA_CERTS=');
    else expect(message, 'a CA would not help').not.toContain('NODE_EXTRA_CA_CERTS');
  });
});
