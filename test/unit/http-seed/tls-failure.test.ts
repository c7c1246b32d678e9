import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { OriginError } from '../../../src/errors.js';
import { certificateNames, isTlsCertificateCode, tlsFailureError, tlsFailureMessage, type TlsFailureDetails } from '../../../src/http-seed/tls-failure.js';

const NOW_MS = Date.UTC(2026, 11, 2, 15, 22, 44);
const base: TlsFailureDetails = { url: 'https://127.0.0.1:8443/file.bin', host: '127.0.0.1', reason: 'the reason', nowMs: NOW_MS };

describe('tlsFailureMessage', () => {
  const cases: Array<{ name: string; code: string; details?: Partial<TlsFailureDetails>; message: string }> = [
    {
      name: 'a name mismatch with one name',
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      details: { certificateNames: ['localhost'] },
      message: 'the TLS certificate of https://127.0.0.1:8443/file.bin is for localhost, not 127.0.0.1; use a URL with that name instead of 127.0.0.1, or get a certificate that names 127.0.0.1',
    },
    {
      name: 'a name mismatch with several names',
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      details: { host: 'files.example', url: 'https://files.example/f', certificateNames: ['cdn.example', '*.cdn.example'] },
      message: 'the TLS certificate of https://files.example/f is for cdn.example, *.cdn.example, not files.example; use a URL with one of those names instead of files.example, or get a certificate that names files.example',
    },
    {
      name: 'a name mismatch with more names than are listed',
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      details: { certificateNames: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'] },
      message: 'the TLS certificate of https://127.0.0.1:8443/file.bin is for a, b, c, d, e, f and 2 more, not 127.0.0.1; use a URL with one of those names instead of 127.0.0.1, or get a certificate that names 127.0.0.1',
    },
    {
      name: 'a name mismatch without the names',
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      message: 'the TLS certificate of https://127.0.0.1:8443/file.bin does not name 127.0.0.1 (the reason); use a URL with a name the certificate holds, or get a certificate that names 127.0.0.1',
    },
    {
      name: 'an expired certificate, date known',
      code: 'CERT_HAS_EXPIRED',
      details: { validToMs: Date.UTC(2020, 0, 2) },
      message: "the TLS certificate of https://127.0.0.1:8443/file.bin expired on 2020-01-02 00:00 UTC (this machine's clock reads 2026-12-02 15:22 UTC); renew the certificate on the server, or set this machine's clock right if it is wrong",
    },
    {
      name: 'an expired certificate, date unknown',
      code: 'CERT_HAS_EXPIRED',
      message: "the TLS certificate of https://127.0.0.1:8443/file.bin has expired (this machine's clock reads 2026-12-02 15:22 UTC); renew the certificate on the server, or set this machine's clock right if it is wrong",
    },
    {
      name: 'a certificate not valid yet, date known',
      code: 'CERT_NOT_YET_VALID',
      details: { validFromMs: Date.UTC(2099, 0, 1) },
      message: "the TLS certificate of https://127.0.0.1:8443/file.bin is not valid yet (valid from 2099-01-01 00:00 UTC), and this machine's clock reads 2026-12-02 15:22 UTC; set this machine's clock right if it is behind, or have the server use a certificate valid now",
    },
    {
      name: 'a self-signed certificate',
      code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
      details: { reason: 'self-signed certificate' },
      message: 'the TLS certificate of https://127.0.0.1:8443/file.bin is not trusted (self-signed certificate): it is self-signed; trust it with NODE_EXTRA_CA_CERTS=/path/cert.pem',
    },
    {
      name: 'an untrusted root in the chain',
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
      message: 'the TLS certificate of https://127.0.0.1:8443/file.bin is not trusted (the reason): its chain ends in a root CA this machine does not trust (a private CA, or a proxy that inspects TLS); add its CA with NODE_EXTRA_CA_CERTS=/path/ca.pem',
    },
  ];

  it.each(cases)('$name', ({ code, details, message }) => {
    expect(tlsFailureMessage(code, { ...base, ...details })).toBe(message);
  });

  it.each(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT'])('%s: an unknown issuer gets the NODE_EXTRA_CA_CERTS advice, and the intermediate one', (code) => {
    const message = tlsFailureMessage(code, base);
    expect(message).toContain('is not trusted (the reason): no CA this machine trusts issued it; add its CA with NODE_EXTRA_CA_CERTS=/path/ca.pem');
    expect(message).toContain('have the server send its intermediate certificates');
  });

  it.each(['ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID'])('%s: no NODE_EXTRA_CA_CERTS advice (a CA would not help)', (code) => {
    expect(tlsFailureMessage(code, { ...base, certificateNames: ['localhost'] })).not.toContain('NODE_EXTRA_CA_CERTS');
  });

  it.each(['ECONNRESET', 'CERT_REVOKED', 'EPROTO', ''])('has no message for %j', (code) => {
    expect(tlsFailureMessage(code, base)).toBeNull();
    expect(isTlsCertificateCode(code)).toBe(false);
  });

  it('keeps a name from the certificate on one line and bounded', () => {
    const message = tlsFailureMessage('ERR_TLS_CERT_ALTNAME_INVALID', { ...base, certificateNames: [`evil\nname${'x'.repeat(1000)}`] }) ?? '';
    expect(message).not.toContain('\n');
    expect(message.length).toBeLessThan(500);
    expect(message).toContain('evil name');
  });

  it('says "an unknown time" for a time a Date cannot hold', () => {
    expect(tlsFailureMessage('CERT_HAS_EXPIRED', { ...base, nowMs: Number.NaN, validToMs: 1e20 })).toContain('expired on an unknown time (this machine\'s clock reads an unknown time)');
  });
});

describe('certificateNames', () => {
  it.each([
    ['DNS:localhost', ['localhost']],
    ['DNS:a.example, DNS:*.b.example, IP Address:127.0.0.1, IP Address:::1', ['a.example', '*.b.example', '127.0.0.1', '::1']],
    ['URI:https://x.example/, email:a@b.example, DNS:c.example', ['c.example']],
    ['DNS:"we,ird.example", DNS:plain.example', ['we,ird.example', 'plain.example']],
    ['DNS:"broken', []], // an unreadable quoted name is left out
    ['', []],
  ])('%j holds %j', (text, names) => {
    expect(certificateNames(text)).toEqual(names);
  });
});

/** An error as Node's tls makes it for a name mismatch (checkServerIdentity is what tls calls). */
function altnameError(host: string, cert: Partial<PeerCertificate>): Error {
  const err = checkServerIdentity(host, cert as PeerCertificate);
  if (err === undefined) throw new Error(`${host} matches the certificate`);
  return err;
}

describe('tlsFailureError', () => {
  it('reads the names and dates from the certificate on a name mismatch error', () => {
    const err = altnameError('127.0.0.1', { subjectaltname: 'DNS:localhost', valid_to: 'Dec  4 15:22:44 2026 GMT' });
    const failure = tlsFailureError('https://127.0.0.1:8443/file.bin?sig=secret', err, NOW_MS);
    expect(failure).toBeInstanceOf(OriginError);
    expect(failure?.code).toBe('ORIGIN_UNREACHABLE');
    expect(failure?.retryable).toBe(false);
    expect(failure?.cause).toBe(err);
    expect(failure?.message).toBe('the TLS certificate of https://127.0.0.1:8443/file.bin?… is for localhost, not 127.0.0.1; use a URL with that name instead of 127.0.0.1, or get a certificate that names 127.0.0.1');
  });

  it('falls back to the certificate\'s CN when it has no DNS names', () => {
    const err = altnameError('a.example', { subject: { CN: 'b.example' } as PeerCertificate['subject'] });
    expect(tlsFailureError('https://a.example/f', err, NOW_MS)?.message).toContain('is for b.example, not a.example');
  });

  it('reads the names from the words of an error that lost its certificate (an SDK rewrapped it)', () => {
    const original = altnameError('a.example', { subjectaltname: 'DNS:b.example, DNS:c.example' });
    const rewrapped = Object.assign(new Error(original.message), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(tlsFailureError('https://a.example/f', rewrapped, NOW_MS)?.message).toContain('is for b.example, c.example, not a.example');
  });

  it('finds the TLS error under a wrapper\'s cause', () => {
    const cause = Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' });
    const wrapped = new TypeError('fetch failed', { cause });
    expect(tlsFailureError('https://[::1]:8443/f', wrapped, NOW_MS)?.message).toMatch(/^the TLS certificate of https:\/\/\[::1\]:8443\/f has expired/);
  });

  it('is null for errors that are not a refused certificate', () => {
    expect(tlsFailureError('https://a.example/f', Object.assign(new Error('reset'), { code: 'ECONNRESET' }), NOW_MS)).toBeNull();
    expect(tlsFailureError('https://a.example/f', 'CERT_HAS_EXPIRED', NOW_MS)).toBeNull();
    expect(tlsFailureError('https://a.example/f', null, NOW_MS)).toBeNull();
  });

  it('leaves signatures out of the error\'s words', () => {
    const err = Object.assign(new Error('unable to verify https://x.example/f?sig=abc'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    expect(tlsFailureError('https://x.example/f', err, NOW_MS)?.message).not.toContain('abc');
  });
});
