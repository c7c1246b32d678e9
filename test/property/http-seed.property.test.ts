import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { formatRange, parseContentRange, checkRangeResponse } from '../../src/http-seed/content-range.js';
import { md5FromHeaders, md5Hex, parseMd5Text } from '../../src/http-seed/md5-header.js';
import { retryDelayMs } from '../../src/http-seed/retry-delay.js';
import type { RetryOptions } from '../../src/http-seed/retry-delay.js';

const md5Bytes = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((bytes) => Buffer.from(bytes));

/** Valid retry options with a count: base <= max, all non-negative safe integers (the time budget is retry-budget.property.test.ts's). */
const retryOptions: fc.Arbitrary<RetryOptions & { maxAttempts: number }> = fc
  .tuple(fc.nat({ max: 100_000 }), fc.nat({ max: 1_000_000 }), fc.nat({ max: 50 }))
  .map(([a, b, maxAttempts]) => ({ baseDelayMs: Math.min(a, b), maxDelayMs: Math.max(a, b), maxAttempts, maxElapsedMs: 0 }));

const random01 = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

/** [start, endExclusive) with 0 <= start < endExclusive <= MAX_SAFE_INTEGER. */
const byteRange = fc
  .tuple(fc.maxSafeNat(), fc.maxSafeNat())
  .filter(([a, b]) => a !== b)
  .map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const);

describe('md5 text', () => {
  it('parseMd5Text reads back hex (either case) and base64 (padded or not) of any 16 bytes', () => {
    fc.assert(fc.property(md5Bytes, (md5) => {
      const hex = md5.toString('hex');
      const b64 = md5.toString('base64');
      for (const text of [hex, hex.toUpperCase(), b64, b64.replace(/=+$/, '')]) {
        expect(parseMd5Text(text)?.equals(md5)).toBe(true);
      }
      expect(md5Hex(md5)).toBe(hex);
    }));
  });

  it('parseMd5Text returns null or 16 bytes for any string', () => {
    fc.assert(fc.property(fc.string({ maxLength: 40 }), (text) => {
      const md5 = parseMd5Text(text);
      expect(md5 === null || md5.length === 16).toBe(true);
    }));
  });

  it('md5FromHeaders finds the MD5 of every source form', () => {
    fc.assert(fc.property(md5Bytes, fc.boolean(), (md5, wholeBody) => {
      const b64 = md5.toString('base64');
      const hex = md5.toString('hex');
      const records = [
        { 'x-ms-blob-content-md5': b64 },
        { 'x-goog-hash': `crc32c=AAAAAA==,md5=${b64}` },
        { 'repr-digest': `sha-256=:AAAA:, md5=:${b64}:` },
        { 'x-amz-meta-md5': hex },
        { etag: `"${hex}"` },
      ];
      for (const headers of records) {
        const result = md5FromHeaders(headers, { wholeBody });
        expect(result.kind === 'found' && result.found.md5.equals(md5)).toBe(true);
      }
    }));
  });
});

describe('md5FromHeaders never throws', () => {
  const headerName = fc.oneof(
    fc.constantFrom('content-md5', 'x-ms-blob-content-md5', 'x-goog-hash', 'repr-digest', 'digest', 'etag', 'x-amz-meta-md5', 'x-amz-meta-content-md5'),
    fc.string({ maxLength: 12 }),
  );
  const headerText = fc.oneof(
    fc.string({ maxLength: 60 }),
    fc.stringMatching(/^(?:W\/)?"?[0-9a-f]{0,33}(?:-[0-9]+)?"?$/),
    fc.stringMatching(/^(?:[a-zA-Z0-9-]{1,8}=:?[A-Za-z0-9+/=]{0,26}:?,? ?){0,3}$/),
  );
  const headerValue = fc.oneof(headerText, fc.array(headerText, { maxLength: 3 }), fc.constant(undefined));

  it('on random header records, and answers a well-formed lookup', () => {
    fc.assert(fc.property(fc.dictionary(headerName, headerValue), fc.boolean(), (headers, wholeBody) => {
      const result = md5FromHeaders(headers, { wholeBody });
      if (result.kind === 'found') expect(result.found.md5.length).toBe(16);
      else expect(typeof result.multipartEtag).toBe('boolean');
    }), { numRuns: 500 });
  });
});

describe('ranges', () => {
  it('formatRange and parseContentRange round-trip', () => {
    fc.assert(fc.property(byteRange, fc.option(fc.maxSafeNat(), { nil: null }), ([start, end], extra) => {
      const spec = formatRange(start, end).replace(/^bytes=/, '');
      const totalBytes = extra === null ? null : Math.min(Number.MAX_SAFE_INTEGER, end + (extra % 1000));
      const value = `bytes ${spec}/${totalBytes ?? '*'}`;
      expect(parseContentRange(value)).toEqual({ kind: 'range', start, endExclusive: end, totalBytes });
    }));
  });

  it('parseContentRange never throws and returns consistent ranges', () => {
    const value = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.stringMatching(/^[Bb]ytes [0-9*]{0,20}-?[0-9]{0,20}\/[0-9*]{0,20}$/),
    );
    fc.assert(fc.property(value, (text) => {
      const parsed = parseContentRange(text);
      if (parsed?.kind !== 'range') return;
      expect(Number.isSafeInteger(parsed.start) && Number.isSafeInteger(parsed.endExclusive)).toBe(true);
      expect(parsed.start).toBeLessThan(parsed.endExclusive);
      if (parsed.totalBytes !== null) expect(parsed.endExclusive).toBeLessThanOrEqual(parsed.totalBytes);
    }), { numRuns: 500 });
  });

  it('checkRangeResponse accepts what a correct server sends for any request', () => {
    const request = fc.tuple(byteRange, fc.nat(), fc.nat()).map(([[start, end], shortBy, extra]) => ({
      start,
      endExclusive: end,
      servedEnd: Math.max(start + 1, end - (shortBy % (end - start))),
      expectedTotal: Math.min(Number.MAX_SAFE_INTEGER, end + (extra % 1000)),
    }));
    fc.assert(fc.property(request, ({ start, endExclusive, servedEnd, expectedTotal }) => {
      const headers = { 'content-range': `bytes ${start}-${servedEnd - 1}/${expectedTotal}`, etag: '"v1"' };
      const check = checkRangeResponse({ status: 206, headers }, { start, endExclusive, expectedTotal, expectedEtag: '"v1"' });
      expect(check).toEqual({ kind: 'ok', start, endExclusive: servedEnd });
    }));
  });
});

describe('checkRangeResponse bounds every 206 by what was asked', () => {
  it('is ok only for a range from the asked start to at most the asked end of the same size; another size is changed, else bad', () => {
    const offsets = fc.nat({ max: 2000 });
    fc.assert(fc.property(offsets, offsets, offsets, offsets, offsets, fc.nat({ max: 3000 }), (a, b, c, d, extra, total) => {
      const [start, endExclusive] = [Math.min(a, b), Math.max(a, b) + 1];
      const expectedTotal = endExclusive + extra;
      const [first, last] = [Math.min(c, d), Math.max(c, d)];
      fc.pre(last < total);
      const headers = { 'content-range': `bytes ${first}-${last}/${total}` };
      const check = checkRangeResponse({ status: 206, headers }, { start, endExclusive, expectedTotal, expectedEtag: null });
      if (total !== expectedTotal) expect(check.kind).toBe('changed');
      else if (first === start && last < endExclusive) expect(check).toEqual({ kind: 'ok', start, endExclusive: last + 1 });
      else expect(check).toMatchObject({ kind: 'bad', reason: expect.stringContaining(`got bytes ${first}-${last}/${total}`) as string });
    }), { numRuns: 2000 });
  });
});

describe('retryDelayMs', () => {
  it('stays within [floor(base/2), max] for every attempt up to maxAttempts, null after', () => {
    fc.assert(fc.property(retryOptions, fc.integer({ min: 1, max: 200 }), random01, (opts, attempt, r) => {
      const delayMs = retryDelayMs(attempt, opts, r);
      if (attempt > opts.maxAttempts) {
        expect(delayMs).toBeNull();
        return;
      }
      expect(delayMs).not.toBeNull();
      expect(Number.isInteger(delayMs)).toBe(true);
      expect(delayMs).toBeGreaterThanOrEqual(Math.floor(opts.baseDelayMs / 2));
      expect(delayMs).toBeLessThanOrEqual(Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** (attempt - 1)));
    }));
  });

  it('is monotonic in random01', () => {
    fc.assert(fc.property(retryOptions, fc.integer({ min: 1, max: 60 }), random01, random01, (opts, attempt, a, b) => {
      fc.pre(attempt <= opts.maxAttempts);
      const low = retryDelayMs(attempt, opts, Math.min(a, b));
      const high = retryDelayMs(attempt, opts, Math.max(a, b));
      expect(low).toBeLessThanOrEqual(high as number);
    }));
  });

  it('a Retry-After only raises the delay, up to 3 * max', () => {
    const header = fc.oneof(fc.nat({ max: 100_000 }).map(String), fc.string({ maxLength: 30 }), fc.constant(undefined));
    fc.assert(fc.property(retryOptions, fc.integer({ min: 1, max: 60 }), random01, header, (opts, attempt, r, text) => {
      fc.pre(attempt <= opts.maxAttempts);
      const plain = retryDelayMs(attempt, opts, r) as number;
      const raised = retryDelayMs(attempt, opts, r, { header: text, nowMs: 1_700_000_000_000 }) as number;
      expect(raised).toBeGreaterThanOrEqual(plain);
      expect(raised).toBeLessThanOrEqual(Math.max(plain, opts.maxDelayMs * 3));
      if (text !== undefined && /^[0-9]+$/.test(text.trim())) {
        expect(raised).toBe(Math.max(plain, Math.min(Number(text) * 1000, opts.maxDelayMs * 3)));
      }
    }));
  });
});
