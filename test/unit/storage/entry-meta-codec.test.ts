import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_URLS, decodeEntryMeta, encodeEntryMeta, withUrl, type EntryMeta } from '../../../src/storage/entry-meta-codec.js';

const metaArb: fc.Arbitrary<EntryMeta> = fc.record({
  version: fc.constant(1 as const),
  urls: fc.array(fc.webUrl(), { maxLength: MAX_URLS }),
  lastUsedMs: fc.integer({ min: 0, max: 2 ** 45 }),
  pinned: fc.boolean(),
});

describe('entry meta codec', () => {
  it('round-trips every valid value', () => {
    fc.assert(fc.property(metaArb, (meta) => {
      expect(decodeEntryMeta(encodeEntryMeta(meta))).toEqual(meta);
    }));
  });

  it('never throws on arbitrary text, and rejects what it would not write', () => {
    fc.assert(fc.property(fc.string(), (text) => {
      expect(() => decodeEntryMeta(text)).not.toThrow();
    }));
    for (const bad of ['', 'null', '[]', '{"version":2,"urls":[],"lastUsedMs":0,"pinned":false}', '{"version":1,"urls":[1],"lastUsedMs":0,"pinned":false}',
      '{"version":1,"urls":[],"lastUsedMs":-1,"pinned":false}', '{"version":1,"urls":[],"lastUsedMs":0,"pinned":"no"}',
      JSON.stringify({ version: 1, urls: Array.from({ length: MAX_URLS + 1 }, () => 'http://x/'), lastUsedMs: 0, pinned: false })]) {
      expect(decodeEntryMeta(bad), bad).toBeNull();
    }
  });

  it('withUrl keeps the most recent URLs, each once, newest last', () => {
    let meta: EntryMeta = { version: 1, urls: [], lastUsedMs: 0, pinned: false };
    for (let index = 0; index < MAX_URLS + 3; index++) meta = withUrl(meta, `http://h/${index}`);
    meta = withUrl(meta, `http://h/${MAX_URLS}`);
    expect(meta.urls).toHaveLength(MAX_URLS);
    expect(meta.urls.at(-1)).toBe(`http://h/${MAX_URLS}`);
    expect(new Set(meta.urls).size).toBe(MAX_URLS);
    expect(meta.urls).not.toContain('http://h/0');
  });
});
