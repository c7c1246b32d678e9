import { describe, expect, it } from 'vitest';
import type { Md5Source } from '../../../src/http-seed/md5-header.js';
import { expectedMd5From } from '../../../src/http-seed/md5-source-label.js';
import type { OriginKind } from '../../../src/http-seed/origin-client.js';

describe('expectedMd5From', () => {
  const cases: Array<[Md5Source, OriginKind, boolean, string]> = [
    ['flag', 'http', true, '--md5'],
    ['flag', 'azure', false, '--md5'],
    ['content-md5', 'http', false, "the origin's Content-MD5 header"],
    ['content-md5', 'http', true, "the origin's Content-MD5 header and --md5"],
    ['x-ms-blob-content-md5', 'http', false, "the origin's x-ms-blob-content-md5 header"],
    ['x-ms-blob-content-md5', 'azure', false, "the blob's Content-MD5 property"],
    ['x-ms-blob-content-md5', 'azure', true, "the blob's Content-MD5 property and --md5"],
    ['x-goog-hash', 'http', false, "the origin's x-goog-hash header"],
    ['repr-digest', 'http', false, "the origin's Repr-Digest header"],
    ['digest', 'http', false, "the origin's Digest header"],
    ['etag', 'http', false, "the origin's ETag header"],
    ['x-amz-meta-md5', 'http', false, "the origin's x-amz-meta-md5 header"],
    ['x-amz-meta-content-md5', 'http', false, "the origin's x-amz-meta-content-md5 header"],
  ];

  it.each(cases)('%s from %s (flag agreed: %s) is %j', (source, kind, flagAgreed, label) => {
    expect(expectedMd5From({ source }, kind, flagAgreed)).toBe(label);
  });

  it.each(['toString', 'Content-MD5', ''])('throws a TypeError quoting the unknown source %j', (source) => {
    expect(() => expectedMd5From({ source: source as Md5Source }, 'http', false)).toThrow(new TypeError(`expectedMd5From: unknown MD5 source ${JSON.stringify(source)}`));
  });
});
