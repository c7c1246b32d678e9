import { describe, expect, it } from 'vitest';
import { redactSecrets, redactUrl } from '../../../src/http-seed/redact.js';

describe('redactUrl', () => {
  it.each<[string, string]>([
    ['https://acct.blob.core.windows.net/c/b?sv=1&sig=SECRET', 'https://acct.blob.core.windows.net/c/b?…'],
    ['http://127.0.0.1:9000/bucket/key', 'http://127.0.0.1:9000/bucket/key'],
    ['not a url', '<invalid URL>'],
  ])('%s -> %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });
});

describe('redactSecrets', () => {
  const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

  it('removes query strings of URLs in free text', () => {
    expect(redactSecrets('GET https://a.test/b?X-Amz-Signature=abc failed; see http://c.test/d?e=f.'))
      .toBe('GET https://a.test/b?… failed; see http://c.test/d?…');
  });

  it('removes sig= values anywhere, encoded or not', () => {
    expect(redactSecrets('bad sig=abc%2Bdef and SIG%3Dxyz')).toBe('bad sig=… and sig=…');
  });

  it('removes each secret, plain and URL-encoded', () => {
    expect(redactSecrets(`key ${KEY} and ${encodeURIComponent(KEY)}`, [KEY])).toBe('key <redacted> and <redacted>');
  });

  it('ignores empty and very short secrets (they would shred the text)', () => {
    expect(redactSecrets('a b c', ['', 'a'])).toBe('a b c');
  });

  it('leaves text without secrets alone', () => {
    expect(redactSecrets('connect ECONNREFUSED 127.0.0.1:10000', [KEY])).toBe('connect ECONNREFUSED 127.0.0.1:10000');
  });
});
