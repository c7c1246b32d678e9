import { describe, expect, it } from 'vitest';
import { COALESCE_MS, MAX_REASON_CHARS, OriginOutage, describeOriginEvent, originTrouble } from '../../../src/http-seed/origin-outage.js';

const refused = { code: 'ORIGIN_UNREACHABLE', message: 'cannot reach http://origin.test/f: connect ECONNREFUSED 127.0.0.1:80' };

describe('OriginOutage', () => {
  it('reports each failed attempt, then one origin-ok when the origin answers', () => {
    const outage = new OriginOutage();
    expect(outage.answered(0), 'nothing was reported').toBeNull();
    expect(outage.retrying({ attempt: 1, delayMs: 150, error: refused }, 1000)).toEqual({
      event: 'origin-retry', attempt: 1, delayMs: 150, reason: refused.message, code: 'ORIGIN_UNREACHABLE',
    });
    expect(outage.retrying({ attempt: 2, delayMs: 300, error: refused }, 1150)).toMatchObject({ attempt: 2, delayMs: 300 });
    expect(outage.reported).toBe(true);
    expect(outage.answered(4000)).toEqual({ event: 'origin-ok', failedForMs: 3000, attempts: 2 });
    expect(outage.reported).toBe(false);
    expect(outage.answered(5000), 'once per outage').toBeNull();
  });

  it('coalesces the same attempt of several connections within a second, not distinct attempts', () => {
    const outage = new OriginOutage();
    const at = (attempt: number, nowMs: number) => outage.retrying({ attempt, delayMs: 100, error: refused }, nowMs);
    expect(at(3, 0)).not.toBeNull();
    expect(at(3, 10)).toBeNull();
    expect(at(3, COALESCE_MS - 1)).toBeNull();
    expect(at(4, COALESCE_MS - 1), 'another attempt').not.toBeNull();
    expect(at(4, COALESCE_MS)).toBeNull();
    expect(at(4, 2 * COALESCE_MS), 'a second later').not.toBeNull();
  });

  it('starts afresh after origin-ok: the same attempt is reported again', () => {
    const outage = new OriginOutage();
    outage.retrying({ attempt: 1, delayMs: 100, error: refused }, 0);
    outage.answered(50);
    expect(outage.retrying({ attempt: 1, delayMs: 100, error: refused }, 60)).not.toBeNull();
    expect(outage.answered(100)).toEqual({ event: 'origin-ok', failedForMs: 40, attempts: 1 });
  });

  it('puts a reason on one line and bounds it', () => {
    const outage = new OriginOutage();
    const event = outage.retrying({ attempt: 1, delayMs: 1, error: { code: 'X', message: `first\r\n  second\nthird ${'x'.repeat(1000)}` } }, 0);
    expect(event?.reason.startsWith('first second third x')).toBe(true);
    expect(event?.reason).not.toMatch(/[\r\n]/);
    expect(event?.reason).toHaveLength(MAX_REASON_CHARS);
    expect(event?.reason.endsWith('…')).toBe(true);
  });

  it.each([[0], [-1], [1.5], [Number.NaN]])('throws TypeError on attempt %d', (attempt) => {
    expect(() => new OriginOutage().retrying({ attempt, delayMs: 1, error: refused }, 0)).toThrow(TypeError);
  });

  it('throws TypeError on a negative delay', () => {
    expect(() => new OriginOutage().retrying({ attempt: 1, delayMs: -1, error: refused }, 0)).toThrow(TypeError);
  });
});

describe('originTrouble', () => {
  it.each([
    ['ORIGIN_UNREACHABLE', refused.message, 'origin unreachable'],
    ['ORIGIN_STALLED', 'http://o/f sent nothing for 30s', 'origin stalled'],
    ['ORIGIN_HTTP_STATUS', 'http://o/f answered HTTP 503', 'origin busy (HTTP 503)'],
    ['ORIGIN_HTTP_STATUS', 'http://o/f answered HTTP 429', 'origin busy (HTTP 429)'],
    ['ORIGIN_HTTP_STATUS', 'https://a.blob.core.windows.net/c/b answered HTTP 503 ServerBusy', 'origin busy (HTTP 503)'],
    ['ORIGIN_HTTP_STATUS', 'http://o/f answered HTTP 500', 'origin failing (HTTP 500)'],
    ['ORIGIN_HTTP_STATUS', 'no status in here', 'origin failing'],
    ['ORIGIN_BAD_RESPONSE', 'http://o/f sent a bad range response: x', 'origin sent a bad answer'],
    ['SOMETHING_ELSE', 'x', 'origin failing'],
  ])('%s %j -> %s', (code, reason, expected) => {
    expect(originTrouble(code, reason)).toBe(expected);
  });
});

describe('describeOriginEvent', () => {
  it('says what failed, when it is tried again, and why; and for how long it failed', () => {
    expect(describeOriginEvent({ event: 'origin-retry', attempt: 5, delayMs: 8000, reason: refused.message, code: refused.code }))
      .toBe(`origin unreachable, retrying in 8s (attempt 5): ${refused.message}`);
    expect(describeOriginEvent({ event: 'origin-ok', failedForMs: 62_000, attempts: 7 })).toBe('the origin answers again (it failed for 1m2s, 7 attempts)');
    expect(describeOriginEvent({ event: 'origin-ok', failedForMs: 400, attempts: 1 })).toBe('the origin answers again (it failed for 0.4s, 1 attempt)');
  });
});
