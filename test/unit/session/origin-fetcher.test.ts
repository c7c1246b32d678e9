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
  bytes: number;
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
    store, origin, content, pieces: [], runs: [], bytes: 0,
    fetcher: new OriginFetcher({
      origin, store, etag: '"fake-v1"', connections: 1, policy: () => 'sequential', untilComplete: false,
      retry: { baseDelayMs: 1, maxDelayMs: 2, maxAttempts: 3 }, limiter: new TokenBucket(null, 0), signal: new AbortController().signal,
      onPiece: (index) => h.pieces.push(index),
      onBytes: (bytes) => { h.bytes += bytes; },
      onRunsChanged: () => h.runs.push(h.fetcher.runs()),
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
  });

  it('gives up once the retry budget is spent', async () => {
    const h = await setup('nnnnnnnnnn', { retry: { baseDelayMs: 1, maxDelayMs: 2, maxAttempts: 2 } });
    h.origin.failNext(3);
    await expect(h.fetcher.run()).rejects.toThrow(/gave up after 3 attempts/);
    expect(h.origin.ranges).toHaveLength(3);
  });

  it('does not retry a final error', async () => {
    const h = await setup('nnnnnnnnnn');
    const gone = new OriginError('ORIGIN_HTTP_STATUS', 'the origin answered 404 (fake)');
    h.origin.failNext(1, { error: gone });
    await expect(h.fetcher.run()).rejects.toBe(gone);
    expect(h.origin.ranges).toHaveLength(1);
  });

  it('stops when its signal aborts, with the abort reason', async () => {
    const abort = new AbortController();
    const h = await setup('nnnnnnnnnn', { signal: abort.signal, onPiece: (index) => { if (index === 2) abort.abort(new Error('stopped by the test')); } });
    await expect(h.fetcher.run()).rejects.toThrow('stopped by the test');
    expect(h.store.have.has(PIECES - 1)).toBe(false);
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
  // Before: a run that yielded at its very first byte (a peer claimed its first piece during the
  // request) got HttpOrigin's retryable "empty body" error counted as a failed attempt, so with
  // --retries 0 the download failed, and with more it waited a backoff for nothing.
  it('a run that yields at its first byte is not a failed attempt, even with no retries', async () => {
    fixRandom(0);
    const peerTaken = new Bitfield(PIECES);
    const h = await setup('nnnnnnnnnn', {
      retry: { baseDelayMs: 1, maxDelayMs: 2, maxAttempts: 0 },
      othersTaken: () => peerTaken,
      yieldAt: (piece) => peerTaken.has(piece),
      // As the run is claimed, a peer claims the same pieces (its claim crossed ours).
      onRunsChanged: () => { for (let i = 0; i < PIECES; i++) peerTaken.set(i); },
    }, { emptyReadIsError: true });
    await h.fetcher.run();
    expect(h.origin.ranges).toHaveLength(1);
    expect(h.pieces).toEqual([]);
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
