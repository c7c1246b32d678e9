/**
 * Where the expected MD5 of a file came from, in words for messages: `--md5`, or the header (or
 * Azure blob property) the origin published it in. A failed whole-file check then says which
 * claim the bytes contradict, so the user knows whether to fix a flag or the origin's metadata.
 *
 * Pure: no I/O. Not responsible for choosing the MD5 (see `chooseMd5`) or for the `start`
 * event's `md5Source`, which stays the machine-readable {@link Md5Source}.
 */
import type { Md5Found, Md5Source } from './md5-header.js';
import type { OriginKind } from './origin-client.js';

/** How each header is spelt in messages (HTTP header names as their RFCs and vendors write them). */
const HEADER_NAMES: Readonly<Record<Exclude<Md5Source, 'flag'>, string>> = {
  'content-md5': 'Content-MD5',
  'x-ms-blob-content-md5': 'x-ms-blob-content-md5',
  'x-goog-hash': 'x-goog-hash',
  'repr-digest': 'Repr-Digest',
  digest: 'Digest',
  etag: 'ETag',
  'x-amz-meta-md5': 'x-amz-meta-md5',
  'x-amz-meta-content-md5': 'x-amz-meta-content-md5',
};

/**
 * `--md5`, `the origin's Content-MD5 header`, `the blob's Content-MD5 property` (Azure's SDK),
 * ...; with `flagAgreed` (an MD5 the origin published and `--md5` confirmed) `... and --md5`.
 * Throws `TypeError` on a source that is not an {@link Md5Source}.
 */
export function expectedMd5From(found: Pick<Md5Found, 'source'>, kind: OriginKind, flagAgreed: boolean): string {
  const { source } = found;
  if (source === 'flag') return '--md5';
  if (!Object.hasOwn(HEADER_NAMES, source)) throw new TypeError(`expectedMd5From: unknown MD5 source ${JSON.stringify(source)}`);
  const origin = kind === 'azure' && source === 'x-ms-blob-content-md5'
    ? "the blob's Content-MD5 property"
    : `the origin's ${HEADER_NAMES[source]} header`;
  return flagAgreed ? `${origin} and --md5` : origin;
}
