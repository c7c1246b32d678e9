import { describe, expect, it } from 'vitest';
import {
  nextAnnounceDelayMs, outcomeWarning, retryDelayMs, safeErrorCode, trackerMessageWarning, type AnnounceOutcome,
} from '../../../src/peer-sources/tracker-plan.js';

describe('nextAnnounceDelayMs', () => {
  it.each<[number, number | null, number, number]>([
    [1800, null, 0, 1_800_000],
    [1800, null, 5, 30_000],
    [20, null, 5, 20_000],
    [1800, 900, 5, 900_000],
    [1800, 10, 5, 30_000],
    [1800, 3600, 0, 3_600_000],
  ])('interval %i s, min interval %j s, %i bytes left: %i ms', (intervalSeconds, minIntervalSeconds, left, delayMs) => {
    expect(nextAnnounceDelayMs({ intervalSeconds, minIntervalSeconds }, left)).toBe(delayMs);
  });
});

describe('retryDelayMs', () => {
  it.each<[number, number, number]>([
    [1, 0, 15_000], [2, 0, 30_000], [3, 0, 60_000], [5, 0, 240_000], [6, 0, 300_000], [1000, 0, 300_000], [1, 900_000, 900_000],
  ])('failure %i, min interval %i ms: %i ms', (failures, minIntervalMs, delayMs) => {
    expect(retryDelayMs(failures, minIntervalMs)).toBe(delayMs);
  });

  it('TypeError on a failure count below 1', () => {
    expect(() => retryDelayMs(0, 0)).toThrow(/failures must be a positive integer, got 0/);
  });
});

describe('outcomeWarning', () => {
  const TRACKER = new URL('https://t.example/0123456789abcdef0123456789abcdef/announce?passkey=SECRET');
  const NAME = 'tracker https://t.example/…/announce?…';

  it.each<[string, AnnounceOutcome, string | null]>([
    ['a good answer', { kind: 'answer', answer: { kind: 'peers', intervalSeconds: 10, minIntervalSeconds: null, peers: [], warning: 'w', complete: null, incomplete: null } }, null],
    ['a failure reason', { kind: 'answer', answer: { kind: 'failure', reason: 'unregistered torrent' } },
      `${NAME} refused the announce: "unregistered torrent"; if it serves only listed torrents, ask its operator to allow info hash abcd`],
    ['an invalid answer', { kind: 'answer', answer: { kind: 'invalid', message: 'not a bencoded dictionary' } },
      `${NAME} sent something that is not a tracker answer (not a bencoded dictionary); check that the URL is the tracker's announce URL`],
    ['a status', { kind: 'status', statusCode: 404 }, `${NAME} answered HTTP 404; check that the URL is the tracker's announce URL and that the tracker is up (retrying with backoff)`],
    ['too large', { kind: 'too-large', maxBodyBytes: 262_144 }, `${NAME} sent an answer over 262144 bytes, too large for a tracker answer; check that the URL is the tracker's announce URL`],
    ['a timeout', { kind: 'timeout', timeoutMs: 10_000 }, `${NAME} did not answer within 10 s; check that it is up and reachable (retrying with backoff)`],
    ['refused', { kind: 'error', code: 'ECONNREFUSED' }, `${NAME} refused the connection (ECONNREFUSED); check the URL's host and port and that the tracker is running (retrying with backoff)`],
    ['another error', { kind: 'error', code: 'ENOTFOUND' }, `${NAME} could not be reached (ENOTFOUND); check the URL's host and the network (retrying with backoff)`],
  ])('%s', (_name, outcome, warning) => {
    expect(outcomeWarning(TRACKER, outcome, 'abcd')).toBe(warning);
  });

  it("shows the tracker's own warning message", () => {
    expect(trackerMessageWarning(TRACKER, 'ratio low')).toBe(`${NAME} says: "ratio low"`);
  });

  it.each<[unknown, string]>([['ECONNRESET', 'ECONNRESET'], ['a b\n"c"', 'abc'], [undefined, 'unknown error'], [5, 'unknown error'], ['x'.repeat(99), 'x'.repeat(40)]])(
    'safeErrorCode(%j) = %j', (code, shown) => {
      expect(safeErrorCode(code)).toBe(shown);
    },
  );
});
