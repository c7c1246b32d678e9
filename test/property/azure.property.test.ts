/**
 * Properties of the Azure pure core: connection strings round-trip, secrets never survive
 * redaction, the origin kind follows the host, and a changed blob is never retried.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chooseOriginKind, isAzureBlobHost, parseConnectionString } from '../../src/http-seed/azure-auth.js';
import { classifyAzureFailure } from '../../src/http-seed/azure-failure.js';
import { redactSecrets } from '../../src/http-seed/redact.js';

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/='.split('');
const base64Text = (minLength: number) => fc.array(fc.constantFrom(...BASE64), { minLength, maxLength: 88 }).map((chars) => chars.join(''));
const keyName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,15}$/);
const label = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/);

describe('Azure properties', () => {
  it('parseConnectionString reads back what was written (keys lower-cased, values with "=" kept)', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.tuple(keyName, base64Text(0)), { selector: ([key]) => key.toLowerCase(), maxLength: 8 }), (pairs) => {
      const text = pairs.map(([key, value]) => `${key}=${value}`).join(';');
      const parsed = parseConnectionString(text);
      expect(parsed).not.toBeNull();
      expect([...(parsed ?? [])]).toEqual(pairs.map(([key, value]) => [key.toLowerCase(), value.trim()]));
    }));
  });

  it('redactSecrets leaves no secret in any text, wherever the secret was put', () => {
    fc.assert(fc.property(fc.array(fc.string(), { minLength: 1, maxLength: 5 }), base64Text(16), (pieces, secret) => {
      const text = pieces.join(secret) + encodeURIComponent(secret);
      const out = redactSecrets(text, [secret]);
      expect(out.includes(secret)).toBe(false);
      expect(out.includes(encodeURIComponent(secret))).toBe(false);
    }));
  });

  it('redactSecrets leaves no query string after an http(s) URL', () => {
    fc.assert(fc.property(fc.string(), label, fc.stringMatching(/^[a-zA-Z0-9=&%._-]{1,40}$/), fc.string(), (before, host, query, after) => {
      const out = redactSecrets(`${before} https://${host}.test/path?${query} ${after}`);
      expect(out).toContain(`https://${host}.test/path?…`);
      expect(out.includes(`?${query}`) && !`${before} ${after}`.includes(`?${query}`)).toBe(false);
    }));
  });

  it('auto chooses Azure exactly for <account>.blob.core.windows.net; a forced type always wins', () => {
    fc.assert(fc.property(fc.array(label, { minLength: 1, maxLength: 4 }), fc.boolean(), fc.constantFrom('http', 'azure') as fc.Arbitrary<'http' | 'azure'>, (labels, azure, forced) => {
      const host = azure ? `${labels.join('.')}.blob.core.windows.net` : `${labels.join('.')}.test`;
      const url = new URL(`https://${host}/c/b`);
      expect(isAzureBlobHost(host)).toBe(azure);
      expect(chooseOriginKind(url, 'auto')).toBe(azure ? 'azure' : 'http');
      expect(chooseOriginKind(url, forced)).toBe(forced);
    }));
  });

  it('a 412 or ConditionNotMet is always "changed", never retried', () => {
    fc.assert(fc.property(fc.option(fc.integer({ min: 100, max: 599 }), { nil: undefined }), fc.constantFrom('ConditionNotMet', 'ServerBusy', undefined), (status, code) => {
      const verdict = classifyAzureFailure({ statusCode: status, errorCode: code });
      if (status === 412 || status === 416 || code === 'ConditionNotMet') expect(verdict).toBe('changed');
      else if (code === 'ServerBusy' || (status !== undefined && (status >= 500 || status === 408 || status === 429))) expect(verdict).toBe('retry');
      else expect(verdict).toBe('final');
    }));
  });
});
