/**
 * OriginFetcher against an in-memory origin ({@link FakeOrigin}) and a real piece store in a temp
 * dir: which ranges it asks, in which order, what it does with failures, and what lands on disk.
 * The first pick of a swarm (or bep19) run is random (`Math.random`, not injectable), so those
 * tests fix it.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OriginError } from '../../../src/errors.js';
import { Bitfield } from '../../../src/pieces/bitfield.js';
import { pieceStart } from '../../../src/pieces/piece-geometry.js';
import { TokenBucket } from '../../../src/rate-limit/token-bucket.js';
import { OriginFetcher, type OriginFetcherOptions } from '../../../src/session/origin-fetcher.js';
import type { OriginRequestReport } from '../../../src/session/origin-requests.js';
import type { PieceStore } from '../../../src/storage/piece-store.js';
import { makeContent } from '../../../src/testing/origin-content.js';
import type { PieceRun } from '../../../src/wire/codec.js';
import { FakeOrigin, type FakeOriginOptions } from '../../helpers/fake-origin.js';
import { bits, indexesOf, show } from '../../helpers/picker-fixtures.js';
import { digestOf, putPieces, useTempStores } from '../../helpers/temp-store.js';

const PIECE = 16 * 1024;
const PIECES = 10;
/** Ten pieces, the last one short. */
const FILE_BYTES = (PIECES - 1) * PIECE + 5000;

const openStore = useTempStores();

afterEach(() => {
  vi.restoreAllMocks();
});

/** A fetcher, its origin and store, and what its callbacks reported. */
interface Harness {
  readonly store: PieceStore;
  readonly origin: FakeOrigin;
  readonly content: Buffer;
  readonly fetcher: OriginFetcher;
  readonly pieces: number[];
  /** `fetcher.runs()` at each onRunsChanged. */
  readonly runs: PieceRun[][];
  /** Each request as it ended (`onRequest`). */
  readonly requests: OriginRequestReport[];
  bytes: number;
}

/** How each request ended, `result` or `result:code`. */
function endings(h: Harness): string[] {
  return h.requests.map((r) => `${r.kind} ${r.result}${r.code === null ? '' : `:${r.code}`}`);
}

/**
 * A store holding the pieces set in `have`, an origin over the content, and a fetcher alone
 * (one connection, sequential, a retry budget of 3 tiny waits) unless `options` say otherwise.
 */
async function setup(have: string, options: Partial<OriginFetcherOptions> = {}, originOptions: FakeOriginOptions = {}): Promise<Harness> {
  const store = await openStore(FILE_BYTES, PIECE);
  const content = makeContent(FILE_BYTES, 5);
  await putPieces(store, content, indexesOf(bits(have)));
  const origin = new FakeOrigin(content, originOptions);
  const h: Harness = {
    store, origin, content, pieces: [], runs: [], requests: [], bytes: 0,
    fetcher: new OriginFetcher({
      origin, store, etag: '"fake-v1"', connections: 1, policy: () => 'sequential', untilComplete: false,
      retry: { baseDelayMs: 1, maxDelayMs: 2, maxAttempts: 3, maxElapsedMs: 60_000 }, limiter: new TokenBucket(null, 0), signal: new AbortController().signal,
      onPiece: (index) => h.pieces.push(index),
      onBytes: (bytes) => { h.bytes += bytes; },
      onRunsChanged: () => h.runs.push(h.fetcher.runs()),
      onRequest: (report) => h.requests.push(report),
      ...options,
    }),
  };
  return h;
}

/** The ranges asked, in pieces: [first piece, end piece or the file's end as a byte count]. */
function rangesInPieces(origin: FakeOrigin): Array<[number, number]> {
  return origin.ranges.map((r) => [r.start / PIECE, r.endExclusive === FILE_BYTES ? PIECES : r.endExclusive / PIECE]);
}

/** The store's data file, whole. */
async function onDisk(store: PieceStore): Promise<Buffer> {
  const bytes = Buffer.alloc(store.geometry.fileBytes);
  await store.read(0, bytes);
  return bytes;
}

/** Math.random() answers `value` from now on (the first pick of bep19 and of a swarm). */
function fixRandom(value: number): void {
  vi.spyOn(Math, 'random').mockReturnValue(value);
}

describe('OriginFetcher alone', () => {
  it('fetches every missing piece in order, one range per gap, each piece with its digest', async () => {
    const h = await setup('nnnYYnnnnn');
    await h.fetcher.run();
    expect(rangesInPieces(h.origin)).toEqual([[0, 3], [5, PIECES]]);
    expect(h.pieces).toEqual([0, 1, 2, 5, 6, 7, 8, 9]);
    expect(h.store.have.isComplete()).toBe(true);
    expect((await onDisk(h.store)).equals(h.content)).toBe(true);
    for (const index of h.pieces) expect(h.store.digestOf(index)?.equals(digestOf(h.store, h.content, index)), `digest of ${index}`).toBe(true);
    expect(h.bytes).toBe(FILE_BYTES - 2 * PIECE);
    expect(h.origin.ranges.every((r) => r.etag === '"fake-v1"')).toBe(true);
  });

  it('without digestOnPath it records CRCs, not digests', async () => {
    const h = await setup('nnnnnnnnnn', { digestOnPath: () => false });
    await h.fetcher.run();
    expect(h.store.have.isComplete()).toBe(true);
    expect(h.store.digestOf(0)).toBeNull();
  });

  it('reports its runs: each one claimed, then ended', async () => {
    const h = await setup('nnnYYnnnnn');
    await h.fetcher.run();
    expect(h.runs).toEqual([[{ startPiece: 0, endPiece: 3 }], [], [{ startPiece: 5, endPiece: PIECES }], []]);
    expect(h.fetcher.inFlight.isEmpty()).toBe(true);
  });

  it('bep19: after its random first run, each run starts at the biggest gap (ties: the lowest)', async () => {
    fixRandom(0);
    const h = await setup('nYnYnnnnYn', { policy: () => 'bep19' });
    await h.fetcher.run();
    expect(rangesInPieces(h.origin)).toEqual([[0, 1], [4, 8], [2, 3], [9, PIECES]]);
    expect(h.store.have.isComplete()).toBe(true);
  });
});

describe('OriginFetcher: failures', () => {
  it('retries a retryable failure, resuming at the byte it reached', async () => {
    const h = await setup('nnnnnnnnnn');
    h.origin.failNext(1, { afterBytes: 20_000 });
    h.origin.failNext(1);
    await h.fetcher.run();
    expect(h.origin.ranges.map((r) => [r.start, r.endExclusive])).toEqual([[0, FILE_BYTES], [20_000, FILE_BYTES], [20_000, FILE_BYTES]]);
    expect((await onDisk(h.store)).equals(h.content)).toBe(true);
    expect(h.bytes).toBe(FILE_BYTES);
    expect(endings(h)).toEqual(['range retried:ORIGIN_UNREACHABLE', 'range retried:ORIGIN_UNREACHABLE', 'range ok']);
  });

  it('gives up once --retries is spent, saying so', async () => {
    const h = await setup('nnnnnnnnnn', { retry: { baseDelayMs: 1, maxDelayMs: 2, maxAttempts: 2, maxElapsedMs: 60_000 } });
    h.origin.failNext(3);
    await expect(h.fetcher.run()).rejects.toThrow(/^the origin failed for [0-9.]+s \(3 attempts, the most --retries 2 allows\): .*connection reset \(fake\); .*raise --retries$/);
    expect(h.origin.ranges).toHaveLength(3);
    expect(endings(h)).toEqual(['range retried:ORIGIN_UNREACHABLE', 'range retried:ORIGIN_UNREACHABLE', 'range failed:ORIGIN_UNREACHABLE']);
  });

  it('without a count, retries until the time budget is spent, then names the time and the last error', async () => {
    const notices: Array<{ attempt: number; delayMs: number }> = [];
    const h = await setup('nnnnnnnnnn', {
      retry: { baseDelayMs: 2, maxDelayMs: 10, maxAttempts: null, maxElapsedMs: 150 },
      onRetry: ({ attempt, delayMs }) => notices.push({ attempt, delayMs }),
    });
    h.origin.failNext(1_000_000);
    const startedMs = performance.now();
    const failure = await h.fetcher.run().then(() => null, (err: unknown) => err as OriginError);
    expect(performance.now() - startedMs).toBeGreaterThanOrEqual(150);
    expect(failure).toBeInstanceOf(OriginError);
    expect(failure?.code).toBe('ORIGIN_UNREACHABLE');
    expect(failure?.message).toMatch(/^the origin failed for 0\.[0-9]s \([0-9]+ attempts\): .*connection reset \(fake\); check that it is up, or raise --retry-max-time$/);
    expect(notices.length).toBeGreaterThan(3);
    expect(notices.map((notice) => notice.attempt)).toEqual(notices.map((_, index) => index + 1));
    expect(notices.every((notice) => notice.delayMs <= 10)).toBe(true);
    expect(h.origin.ranges).toHaveLength(notices.length + 1);
  });

  it('starts the count again after an attempt that made progress', async () => {
    const attempts: number[] = [];
    const h = await setup('nnnnnnnnnn', { onRetry: ({ attempt }) => attempts.push(attempt) });
    h.origin.failNext(3);
    // The attempt that made progress is the first of a new streak.
    h.origin.failNext(1, { afterBytes: 20_000 });
    h.origin.failNext(2);
    await h.fetcher.run();
    expect(attempts).toEqual([1, 2, 3, 1, 2, 3]);
    expect((await onDisk(h.store)).equals(h.content)).toBe(true);
  });

  it('does not retry a final error', async () => {
    const h = await setup('nnnnnnnnnn');
    const gone = new OriginError('ORIGIN_HTTP_STATUS', 'the origin answered 404 (fake)');
    h.origin.failNext(1, { error: gone });
    await expect(h.fetcher.run()).rejects.toBe(gone);
    expect(h.origin.ranges).toHaveLength(1);
    expect(endings(h)).toEqual(['range failed:ORIGIN_HTTP_STATUS']);
  });

  it('stops when its signal aborts, with the abort reason', async () => {
    const abort = new AbortController();
    const h = await setup('nnnnnnnnnn', { signal: abort.signal, onPiece: (index) => { if (index === 2) abort.abort(new Error('stopped by the test')); } });
    await expect(h.fetcher.run()).rejects.toThrow('stopped by the test');
    expect(h.store.have.has(PIECES - 1)).toBe(false);
    expect(endings(h)).toEqual(['range cancelled']);
  });
});

describe('OriginFetcher in a swarm', () => {
  it('does not fetch pieces others have or fetch', async () => {
    fixRandom(0);
    const h = await setup('nnnnnnnnnn', { othersTaken: () => bits('nnnYYnnnnn') });
    await h.fetcher.run();
    expect(rangesInPieces(h.origin)).toEqual([[0, 3], [5, PIECES]]);
    expect(show(h.store.have)).toBe('YYYnnYYYYY');
  });

  it('yieldAt stops a run at the piece a peer took meanwhile', async () => {
    fixRandom(0);
    const peerTaken = new Bitfield(PIECES);
    const h = await setup('nnnnnnnnnn', {
      othersTaken: () => peerTaken,
      yieldAt: (piece) => peerTaken.has(piece),
      // While piece 2 lands, a peer claims pieces 5 and on.
      onPiece: (index) => {
        h.pieces.push(index);
        if (index === 2) for (let i = 5; i < PIECES; i++) peerTaken.set(i);
      },
    });
    await h.fetcher.run();
    expect(rangesInPieces(h.origin)).toEqual([[0, PIECES]]);
    expect(h.pieces).toEqual([0, 1, 2, 3, 4]);
    expect(show(h.store.have)).toBe('YYYYYnnnnn');
    expect(h.runs[0]).toEqual([{ startPiece: 0, endPiece: PIECES }]);
    expect(h.runs.at(-1)).toEqual([]);
    expect(h.fetcher.inFlight.isEmpty()).toBe(true);
    expect(h.origin.servedBytes, 'nothing past the piece it yielded at').toBe(pieceStart(h.store.geometry, 5));
  });
  it('runs over keepLimit (peers came since they were taken) yield at their next piece end', async () => {
    for (const dropTo of [Infinity, 1]) {
      fixRandom(0.5);
      let keep = Infinity;
      const h = await setup('nnnnnnnnnn', {
        connections: 2, policy: () => 'bep19', othersTaken: () => new Bitfield(PIECES), yieldAt: () => false, claimSettleMs: () => 0,
        activeLimit: () => keep, keepLimit: () => keep,
        onPiece: (index) => {
          h.pieces.push(index);
          keep = dropTo;
        },
      });
      await h.fetcher.run();
      expect(show(h.store.have)).toBe('YYYYYYYYYY');
      expect((await onDisk(h.store)).equals(h.content)).toBe(true);
      if (dropTo === Infinity) {
        expect(rangesInPieces(h.origin), 'both runs go to their ends').toEqual([[5, PIECES], [0, 5]]);
        continue;
      }
      // One run ends at a piece end once the share is one; the other streams on and takes the rest.
      const [first, second, third] = rangesInPieces(h.origin);
      expect(h.origin.ranges).toHaveLength(3);
      expect([first, second]).toEqual([[5, PIECES], [0, 5]]);
      const inside = [first!, second!].some(([start, end]) => third![0] > start && third![0] < end);
      expect(Number.isInteger(third![0]) && inside, `the rest of a yielded run, from a piece end: ${String(third)}`).toBe(true);
      expect(h.origin.servedBytes, 'no piece fetched twice').toBeLessThan(FILE_BYTES + PIECE);
    }
  });

  it('while a run waits to retry, peers are not told we fetch it nor is it in flight; it is claimed again after the wait', async () => {
    fixRandom(0);
    const inFlightWhileWaiting: string[] = [];
    const h = await setup('nnnnnnnnnn', {
      othersTaken: () => new Bitfield(PIECES),
      yieldAt: () => false,
      retry: { baseDelayMs: 20, maxDelayMs: 20, maxAttempts: null, maxElapsedMs: 60_000 },
      onRetry: () => {
        h.runs.push([{ startPiece: -1, endPiece: -1 }]);
        inFlightWhileWaiting.push(show(h.fetcher.inFlight));
      },
    });
    h.origin.failNext(1);
    await h.fetcher.run();
    expect(inFlightWhileWaiting, 'the swarm may ask peers for them meanwhile').toEqual(['nnnnnnnnnn']);
    const claimed = h.runs[0] ?? [];
    expect(claimed).toHaveLength(1);
    const retried = h.runs.findIndex((runs) => runs[0]?.startPiece === -1);
    expect(h.runs.slice(0, retried + 2), 'claimed, withdrawn, retry, claimed again').toEqual([claimed, [], [{ startPiece: -1, endPiece: -1 }], claimed]);
    expect(show(h.store.have)).toBe('YYYYYYYYYY');
  });

  it('after the wait, a run takes back its pieces up to the first one asked of a peer meanwhile', async () => {
    fixRandom(0);
    const taken = new Bitfield(PIECES);
    const h = await setup('nnnnnnnnnn', {
      othersTaken: () => taken,
      yieldAt: () => false,
      retry: { baseDelayMs: 5, maxDelayMs: 5, maxAttempts: null, maxElapsedMs: 60_000 },
      // While the run waits, the swarm asks a peer for pieces 4 and on.
      onRetry: () => { for (let i = 4; i < PIECES; i++) taken.set(i); },
    });
    h.origin.failNext(1, { afterBytes: PIECE + 100 });
    await h.fetcher.run();
    expect(h.origin.ranges.map((r) => [r.start, r.endExclusive])).toEqual([[0, FILE_BYTES], [PIECE + 100, 4 * PIECE]]);
    expect(show(h.store.have)).toBe('YYYYnnnnnn');
    expect(h.fetcher.inFlight.isEmpty()).toBe(true);
  });

  it('after the wait, a run whose next piece a peer offers by now ends there', async () => {
    fixRandom(0);
    const offered = new Bitfield(PIECES);
    const h = await setup('nnnnnnnnnn', {
      othersTaken: () => offered,
      yieldAt: (piece) => offered.has(piece),
      retry: { baseDelayMs: 5, maxDelayMs: 5, maxAttempts: null, maxElapsedMs: 60_000 },
      // While the run waits, a peer gets every piece and offers them.
      onRetry: () => { for (let i = 0; i < PIECES; i++) offered.set(i); },
    });
    h.origin.failNext(1_000_000);
    await h.fetcher.run();
    expect(h.origin.ranges).toHaveLength(1);
    expect(h.runs.at(-1)).toEqual([]);
    expect(h.fetcher.inFlight.isEmpty()).toBe(true);
  });

  // Before: a run that yielded at its very first byte (a peer claimed its first piece during the
  // request) got HttpOrigin's retryable "empty body" error counted as a failed attempt, so with
  // --retries 0 the download failed, and with more it waited a backoff for nothing.
  it('a run that yields at its first byte is not a failed attempt, even with no retries', async () => {
    fixRandom(0);
    const peerTaken = new Bitfield(PIECES);
    const h = await setup('nnnnnnnnnn', {
      retry: { baseDelayMs: 1, maxDelayMs: 2, maxAttempts: 0, maxElapsedMs: 60_000 },
      othersTaken: () => peerTaken,
      yieldAt: (piece) => peerTaken.has(piece),
      // As the run is claimed, a peer claims the same pieces (its claim crossed ours).
      onRunsChanged: () => { for (let i = 0; i < PIECES; i++) peerTaken.set(i); },
    }, { emptyReadIsError: true });
    await h.fetcher.run();
    expect(h.origin.ranges).toHaveLength(1);
    expect(h.pieces).toEqual([]);
    expect(endings(h)).toEqual(['range cancelled']);
  });
});

describe('OriginFetcher: an origin that ignores Range', () => {
  it('is read once, from the start to the end, by one connection, whatever run it asked', async () => {
    fixRandom(0.5);
    const h = await setup('nnnnnnnnnn', { policy: () => 'bep19', connections: 4 }, { ignoreRanges: true });
    await h.fetcher.run();
    expect(rangesInPieces(h.origin), 'asked from its random first piece').toEqual([[5, PIECES]]);
    expect(h.pieces).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect((await onDisk(h.store)).equals(h.content)).toBe(true);
  });
});

describe('OriginFetcher: an origin that ignores Range, in a swarm', () => {
  /** A swarm fetcher (others take nothing) of an origin known, from its probe, to ignore Range. */
  async function streaming(have: string, precededAt: (position: number) => boolean): Promise<Harness> {
    const h = await setup(have, { othersTaken: () => new Bitfield(PIECES), claimSettleMs: () => 0, precededAt, policy: () => 'bep19' }, { ignoreRanges: true });
    h.origin.rangesIgnored = true;
    return h;
  }

  it('streams the whole body once, from our first missing piece to the end, skipping what we have', async () => {
    const h = await streaming('**nnnnnnnn', () => false);
    await h.fetcher.run();
    expect(h.origin.ranges, 'one request').toHaveLength(1);
    expect(h.runs[0], 'announced as a run to the end of the file').toEqual([{ startPiece: 2, endPiece: PIECES }]);
    expect(h.pieces).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect((await onDisk(h.store)).equals(h.content)).toBe(true);
  });

  it('claims no stream while a peer streams ahead of where ours would start (byte 0)', async () => {
    const positions: number[] = [];
    const h = await streaming('nnnnnnnnnn', (position) => {
      positions.push(position);
      return true;
    });
    await h.fetcher.run();
    expect(h.origin.ranges).toEqual([]);
    expect(positions).toEqual([0]);
  });

  it('stops at the next piece boundary once a peer streams ahead of it, keeping what it took', async () => {
    // After our third piece, a peer's stream shows up further on (ahead of any place ours is at).
    const h: Harness = await streaming('nnnnnnnnnn', () => h.pieces.length >= 3);
    await h.fetcher.run();
    expect(h.origin.ranges).toHaveLength(1);
    expect(h.pieces).toEqual([0, 1, 2]);
    expect(show(h.store.have)).toBe('YYYnnnnnnn');
  });
});
