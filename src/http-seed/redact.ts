/**
 * Keeps credentials out of messages: URLs without their query strings (which may hold a SAS or an
 * S3 signature), and any known secret (an account key) removed from free text such as an SDK or
 * socket error message.
 *
 * Pure: no I/O.
 */

/** Describes a URL for messages without its query string, which may hold a signature. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}${parsed.search ? '?…' : ''}`;
  } catch {
    return '<invalid URL>';
  }
}

/** A URL with a query string, inside free text. */
const URL_QUERY_RE = /(\bhttps?:\/\/[^\s?#"'<>]*)\?[^\s#"'<>]*/gi;
/** `sig=...` (a SAS signature) anywhere in free text, URL-encoded or not. */
const SIG_RE = /\bsig(=|%3D)[^\s&"'<>]*/gi;

/**
 * `text` with every URL's query string replaced by `?…`, every `sig=...` by `sig=…`, and every
 * occurrence of each of `secrets` (ignoring empty ones, and also in their URL-encoded form) by
 * `<redacted>`. Never throws on what it is given to redact.
 */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = String(text);
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < 4) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join('<redacted>');
  }
  return out.replace(URL_QUERY_RE, '$1?…').replace(SIG_RE, 'sig=…');
}
