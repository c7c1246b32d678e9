/**
 * What a host believes about piece bytes: the digests it checks peers' pieces against
 * ({@link HashBook}), which peers sent bad pieces and are banned, which pieces came from peers
 * (suspects when the whole-file MD5 fails), and whether a piece on disk is still good before it
 * is served.
 *
 * Not responsible for the wire (the swarm sends and drops), nor for fetching again (the swarm
 * and the origin fetcher do). Concurrency: event loop only; the disk reads it awaits may overlap.
 */
import { Bitfield } from '../pieces/bitfield.js';
import type { PieceStore } from '../storage/piece-store.js';
import { HashBook, type ClaimVerdict } from './hash-book.js';

/**
 * Bad pieces (digest mismatch on arrival) a peer may send before it is dropped and banned for the
 * life of the process. Two tolerate one piece that rotted on a peer's disk.
 */
export const MAX_BAD_PIECES = 2;
/**
 * A piece checked on disk against its digest this recently is served without checking again: one
 * check covers every block of a piece that several peers ask for at about the same time. While
 * the download runs, a piece hashed by this process (from the origin, or on arrival from peers)
 * is served without a check, to keep CPU per byte low; once seeding, the first serve of each
 * piece checks it. Rot that slips through is caught by the receiver's own check.
 */
export const SERVE_CHECK_WINDOW_MS = 30_000;
/** The pseudo peer id of our own resumed pieces in the hash book. */
export const SELF = 'self';

/** The outcome of checking a piece that arrived from peers. */
export type ArrivalVerdict = 'good' | 'bad' | 'unverifiable';

/** Trust bookkeeping of one file. */
export class PieceTrust {
  readonly book: HashBook;
  /** Pieces taken from peers by this process (or resumed, origin unknown). */
  readonly fromPeers: Bitfield;
  readonly #store: PieceStore;
  readonly #badPieces = new Map<string, number>();
  readonly #banned = new Set<string>();
  readonly #sources = new Map<number, Set<string>>();
  readonly #checkedAtMs: Float64Array;
  /** Pieces this process hashed as they arrived (origin or peers). */
  readonly #fresh: Bitfield;

  /** Seeds the book with the digests of the pieces the store has (resumed: counted as suspects). */
  constructor(store: PieceStore) {
    this.#store = store;
    const count = store.geometry.pieceCount;
    this.book = new HashBook(count);
    this.fromPeers = new Bitfield(count);
    this.#checkedAtMs = new Float64Array(count).fill(-Infinity);
    this.#fresh = new Bitfield(count);
    for (let index = store.have.firstSet(0); index !== -1; index = store.have.firstSet(index + 1)) {
      const digest = store.digestOf(index);
      if (digest) this.book.claim(index, digest, SELF);
      if (!store.complete) this.fromPeers.set(index);
    }
  }

  /** Whether `peerId` is banned. */
  isBanned(peerId: string): boolean {
    return this.#banned.has(peerId);
  }

  /** Bans `peerId` for the life of the process. */
  ban(peerId: string): void {
    this.#banned.add(peerId);
  }

  /** A peer announced a digest. */
  claim(piece: number, digest: Buffer, peerId: string): ClaimVerdict {
    return this.book.claim(piece, digest, peerId);
  }

  /** We computed `piece`'s digest from origin bytes; returns the peers that announced another. */
  originDigest(piece: number, digest: Buffer): string[] {
    this.fromPeers.clear(piece);
    this.#sources.delete(piece);
    this.#fresh.set(piece);
    return this.book.setOrigin(piece, digest);
  }

  /**
   * We hashed our own copy of `piece` from disk, checked against its CRC (it was taken without a
   * digest while we had no peer): a piece from the origin counts as an origin digest, a resumed one
   * as our own claim. Either way it was read just now, so it needs no second hash to be served.
   * Returns the peers to drop, as {@link originDigest}.
   */
  ownDigest(piece: number, digest: Buffer): string[] {
    this.#checkedAtMs[piece] = Date.now();
    if (this.fromPeers.has(piece)) {
      this.book.claim(piece, digest, SELF);
      return [];
    }
    return this.originDigest(piece, digest);
  }

  /**
   * Checks piece `piece`, written from blocks sent by `senders`, against its digest: `arrived`,
   * the digest of the very bytes written (hashed in memory as they were accepted), else the
   * piece as the data file holds it. Good: the digest is recorded in the store. Bad: returns the
   * senders that reached {@link MAX_BAD_PIECES} (to drop and ban) in `banned`.
   */
  async checkArrived(piece: number, senders: ReadonlySet<string>, arrived: Buffer | null = null): Promise<{ verdict: ArrivalVerdict; banned: string[] }> {
    const expected = this.book.expected(piece);
    if (!expected) return { verdict: 'unverifiable', banned: [] };
    const actual = arrived ?? await this.#store.hashOnDisk(piece);
    if (actual.equals(expected)) {
      this.#store.setDigest(piece, actual);
      this.fromPeers.set(piece);
      this.#sources.set(piece, new Set(senders));
      this.#fresh.set(piece);
      return { verdict: 'good', banned: [] };
    }
    return { verdict: 'bad', banned: this.blame(senders) };
  }

  /** Counts a bad piece against each of `senders`; returns those now over the limit (banned). */
  blame(senders: Iterable<string>): string[] {
    const banned: string[] = [];
    for (const sender of senders) {
      const count = (this.#badPieces.get(sender) ?? 0) + 1;
      this.#badPieces.set(sender, count);
      if (count >= MAX_BAD_PIECES && !this.#banned.has(sender)) {
        this.#banned.add(sender);
        banned.push(sender);
      }
    }
    return banned;
  }

  /** The peers that sent piece `piece` (known for pieces taken from peers by this process). */
  sourcesOf(piece: number): ReadonlySet<string> {
    return this.#sources.get(piece) ?? new Set();
  }

  /**
   * Whether piece `piece` on disk still matches its digest, checked at most once per
   * {@link SERVE_CHECK_WINDOW_MS}. False when it does not (rot) or has no digest.
   */
  async goodForServing(piece: number): Promise<boolean> {
    if (!this.#store.complete && this.#fresh.has(piece)) return true;
    const nowMs = Date.now();
    if (nowMs - (this.#checkedAtMs[piece] ?? -Infinity) < SERVE_CHECK_WINDOW_MS) return true;
    const digest = this.#store.digestOf(piece);
    if (!digest) return false;
    const good = (await this.#store.hashOnDisk(piece)).equals(digest);
    if (good) this.#checkedAtMs[piece] = nowMs;
    return good;
  }
}
