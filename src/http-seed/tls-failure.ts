/**
 * What a refused TLS certificate means for the user, one message per kind of failure: a
 * certificate that names another host, one that expired or is not valid yet, or one whose issuer
 * this machine does not trust (the only case where `NODE_EXTRA_CA_CERTS` helps).
 *
 * Pure: reads the properties Node's `tls` puts on its errors (`code`; for a name mismatch also
 * `host` and `cert`) and the time it is given; no I/O, no clock.
 *
 * Not responsible for: deciding to retry (a refused certificate is final), reaching the origin
 * again to learn more about its certificate, or TLS failures that are not about the certificate
 * (a reset handshake stays a network error).
 */
import { OriginError } from '../errors.js';
import { redactSecrets, redactUrl } from './redact.js';

/** What is known about a refused certificate, for {@link tlsFailureMessage}. */
export interface TlsFailureDetails {
  /** The URL as the message shows it (without its query string: see `redactUrl`). */
  readonly url: string;
  /** The host name or IP address the URL asked for, without brackets. */
  readonly host: string;
  /** The error's own words, e.g. `certificate has expired`. */
  readonly reason: string;
  /** The DNS names and IP addresses the certificate holds, when the error carries it. */
  readonly certificateNames?: readonly string[] | undefined;
  /** The certificate's `notBefore`, when the error carries it. */
  readonly validFromMs?: number | undefined;
  /** The certificate's `notAfter`, when the error carries it. */
  readonly validToMs?: number | undefined;
  /** This machine's clock when the handshake failed. */
  readonly nowMs: number;
}

/** OpenSSL verify codes (as Node names them) that mean "no CA trusted here vouches for it". */
const UNKNOWN_CA_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT',
]);
const NAME_CODE = 'ERR_TLS_CERT_ALTNAME_INVALID';
const EXPIRED_CODE = 'CERT_HAS_EXPIRED';
const NOT_YET_VALID_CODE = 'CERT_NOT_YET_VALID';

/** At most this many certificate names are listed; the rest are counted. */
const MAX_NAMES_SHOWN = 6;
/** Longest name, reason or subjectAltName text read from an error (a DNS name is at most 253). */
const MAX_NAME_CHARS = 253;
const MAX_REASON_CHARS = 200;
const MAX_SAN_CHARS = 16 * 1024;
/** Depth of `cause` followed to find the TLS error under a wrapper. */
const MAX_CAUSE_DEPTH = 3;
const CA_ADVICE = 'add its CA with NODE_EXTRA_CA_CERTS=/path/ca.pem';

/** Whether `code` is a certificate failure that {@link tlsFailureMessage} has a message for. */
export function isTlsCertificateCode(code: string): boolean {
  return code === NAME_CODE || code === EXPIRED_CODE || code === NOT_YET_VALID_CODE || UNKNOWN_CA_CODES.has(code);
}

/**
 * The one-line message for a refused certificate, with the advice that fits `code`, or `null`
 * when `code` is not one of {@link isTlsCertificateCode}'s. Never throws on what `details` holds.
 */
export function tlsFailureMessage(code: string, details: TlsFailureDetails): string | null {
  const subject = `the TLS certificate of ${details.url}`;
  if (code === NAME_CODE) return nameMismatchMessage(subject, details);
  if (code === EXPIRED_CODE) {
    const when = details.validToMs === undefined ? 'has expired' : `expired on ${formatUtc(details.validToMs)}`;
    return `${subject} ${when} (this machine's clock reads ${formatUtc(details.nowMs)}); renew the certificate on the server, or set this machine's clock right if it is wrong`;
  }
  if (code === NOT_YET_VALID_CODE) {
    const from = details.validFromMs === undefined ? '' : ` (valid from ${formatUtc(details.validFromMs)})`;
    return `${subject} is not valid yet${from}, and this machine's clock reads ${formatUtc(details.nowMs)}; set this machine's clock right if it is behind, or have the server use a certificate valid now`;
  }
  if (!UNKNOWN_CA_CODES.has(code)) return null;
  const untrusted = `${subject} is not trusted (${details.reason})`;
  if (code === 'DEPTH_ZERO_SELF_SIGNED_CERT') return `${untrusted}: it is self-signed; trust it with NODE_EXTRA_CA_CERTS=/path/cert.pem`;
  if (code === 'SELF_SIGNED_CERT_IN_CHAIN') {
    return `${untrusted}: its chain ends in a root CA this machine does not trust (a private CA, or a proxy that inspects TLS); ${CA_ADVICE}`;
  }
  return `${untrusted}: no CA this machine trusts issued it; ${CA_ADVICE}, or, if a public CA issued it, have the server send its intermediate certificates`;
}

function nameMismatchMessage(subject: string, details: TlsFailureDetails): string {
  const host = clean(details.host, MAX_NAME_CHARS);
  const names = (details.certificateNames ?? []).map((name) => clean(name, MAX_NAME_CHARS)).filter((name) => name !== '');
  const fix = `or get a certificate that names ${host}`;
  if (names.length === 0) return `${subject} does not name ${host} (${details.reason}); use a URL with a name the certificate holds, ${fix}`;
  const shown = names.slice(0, MAX_NAMES_SHOWN).join(', ');
  const more = names.length > MAX_NAMES_SHOWN ? ` and ${names.length - MAX_NAMES_SHOWN} more` : '';
  const which = names.length === 1 ? 'that name' : 'one of those names';
  return `${subject} is for ${shown}${more}, not ${host}; use a URL with ${which} instead of ${host}, ${fix}`;
}

/** `2020-01-02 00:00 UTC`, or `an unknown time` for a time a Date cannot hold. */
function formatUtc(ms: number): string {
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) return 'an unknown time';
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** One line of at most `maxChars`: control characters become spaces. */
function clean(text: string, maxChars: number): string {
  // eslint-disable-next-line no-control-regex
  const line = String(text).replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return line.length > maxChars ? `${line.slice(0, maxChars)}…` : line;
}

/**
 * The names a Node `subjectaltname` string holds (`DNS:a.example, IP Address:127.0.0.1`; Node
 * writes a name holding a comma or a quote as a JSON string). Other kinds (URI, email) are left
 * out: only DNS names and IP addresses can match a URL's host.
 */
export function certificateNames(subjectAltName: string): string[] {
  const names: string[] = [];
  const entry = /(DNS|IP Address):("(?:[^"\\]|\\.)*"|[^,]*)/g;
  for (const match of String(subjectAltName).slice(0, MAX_SAN_CHARS).matchAll(entry)) {
    const raw = (match[2] ?? '').trim();
    names.push(raw.startsWith('"') ? parseJsonString(raw) : raw);
  }
  return names.filter((name) => name !== '');
}

function parseJsonString(text: string): string {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'string' ? value : '';
  } catch {
    return '';
  }
}

/** The fields of a Node peer certificate this module reads. */
interface PeerCertificateFields {
  readonly subjectaltname?: unknown;
  readonly subject?: { readonly CN?: unknown } | null;
  readonly valid_from?: unknown;
  readonly valid_to?: unknown;
}

/** The first error in `err`'s `cause` chain whose `code` is a certificate failure, or `null`. */
function findTlsError(err: unknown): { code: string; error: Record<string, unknown> } | null {
  let current = err;
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH && current !== null && typeof current === 'object'; depth += 1) {
    const error = current as Record<string, unknown>;
    if (typeof error.code === 'string' && isTlsCertificateCode(error.code)) return { code: error.code, error };
    current = error.cause;
  }
  return null;
}

function certificateDetails(cert: unknown): Pick<TlsFailureDetails, 'certificateNames' | 'validFromMs' | 'validToMs'> {
  if (cert === null || typeof cert !== 'object') return {};
  const fields = cert as PeerCertificateFields;
  let names = typeof fields.subjectaltname === 'string' ? certificateNames(fields.subjectaltname) : [];
  const commonName = fields.subject?.CN;
  if (names.length === 0 && typeof commonName === 'string') names = [commonName];
  return { certificateNames: names, validFromMs: parseCertificateTime(fields.valid_from), validToMs: parseCertificateTime(fields.valid_to) };
}

/** Node writes certificate times as `Jan  2 00:00:00 2020 GMT`. */
function parseCertificateTime(value: unknown): number | undefined {
  if (typeof value !== 'string' || value.length > 64) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * The final `ORIGIN_UNREACHABLE` error (exit 3) for a request to `url` that failed because its
 * TLS certificate was refused, or `null` when `err` is not such a failure. `nowMs` is the time
 * of the failure. Secrets in the URL's query string and in the error's text are left out.
 */
export function tlsFailureError(url: string, err: unknown, nowMs: number): OriginError | null {
  const found = findTlsError(err);
  if (found === null) return null;
  const { code, error } = found;
  const words = typeof error.message === 'string' ? error.message.slice(0, MAX_SAN_CHARS) : code;
  const reason = clean(redactSecrets(words), MAX_REASON_CHARS);
  const host = typeof error.host === 'string' ? error.host : hostOf(url);
  const certificate = certificateDetails(error.cert);
  // Without `cert` (an SDK that rewraps the error) Node's words still list the DNS names.
  const listed = /altnames: (.*)$/.exec(words)?.[1];
  const names = certificate.certificateNames ?? (listed === undefined ? undefined : certificateNames(listed));
  const message = tlsFailureMessage(code, { url: redactUrl(url), host, reason, nowMs, ...certificate, certificateNames: names });
  return message === null ? null : new OriginError('ORIGIN_UNREACHABLE', message, { cause: err });
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return '<invalid URL>';
  }
}
