/**
 * Which digest each piece must match, and who vouched for it: what a host checks the pieces it
 * gets from peers against.
 *
 * Trust rule (README, "Piece hashes"): a digest is traceable to an origin fetch. The host that
 * fetches a piece from the origin hashes it ({@link HashBook.setOrigin}); that digest is final,
 * and a peer that announces another one for that piece lied or is broken (`'liar'`). Digests
 * announced by peers ({@link HashBook.claim}) are relayed versions of such origin digests; the
 * first one announced for a piece is what a piece from a peer must match. When two peers announce
 * different digests for one piece, the piece is disputed: no peer's copy of it is taken any more
 * (it comes from the origin, whose digest then settles who lied). A piece nobody announced a
 * digest for is not asked of peers at all. What a lying peer can still do (announce a false digest
 * first and serve matching bytes) is caught by the whole-file MD5 and the origin check after it.
 *
 * Pure. Not responsible for dropping peers (it names them), nor for persisting digests.
 * Memory: at most {@link MAX_CLAIMS_PER_PIECE} digests and {@link MAX_PEERS_PER_CLAIM} peer ids
 * per piece.
 */
import { Bitfield } from '../pieces/bitfield.js';

/** Distinct digests remembered per piece (more are counted as a dispute, not stored). */
export const MAX_CLAIMS_PER_PIECE = 4;
/** Peer ids remembered per claimed digest. */
export const MAX_PEERS_PER_CLAIM = 16;

/** What a claim did. */
export type ClaimVerdict = 'ok' | 'disputed' | 'liar';

interface Claim {
  readonly digest: Buffer;
  readonly peers: Set<string>;
}

/** Digests of the pieces of one file. */
export class HashBook {
  readonly #pieceCount: number;
  readonly #fromOrigin: Bitfield;
  /** Pieces without a digest a peer's copy could be checked against (none, or disputed). */
  readonly #unusable: Bitfield;
  readonly #disputed: Bitfield;
  readonly #expected = new Map<number, Buffer>();
  readonly #claims = new Map<number, Claim[]>();

  constructor(pieceCount: number) {
    this.#pieceCount = pieceCount;
    this.#fromOrigin = new Bitfield(pieceCount);
    this.#unusable = Bitfield.full(pieceCount);
    this.#disputed = new Bitfield(pieceCount);
  }

  /** Pieces not to ask of peers: no digest yet, or a disputed one. Do not mutate. */
  get unusable(): Bitfield {
    return this.#unusable;
  }

  /** The digest a copy of `piece` must match, or null when there is none to trust. */
  expected(piece: number): Buffer | null {
    return this.#unusable.has(piece) ? null : (this.#expected.get(piece) ?? null);
  }

  /** Whether `piece` is disputed (two peers announced different digests). */
  isDisputed(piece: number): boolean {
    return this.#disputed.has(piece);
  }

  /**
   * Records the digest of `piece` computed from origin bytes. Returns the peers that announced
   * another digest for it (to drop). TypeError on a piece out of range.
   */
  setOrigin(piece: number, digest: Buffer): string[] {
    this.#check(piece);
    const liars: string[] = [];
    for (const claim of this.#claims.get(piece) ?? []) {
      if (!claim.digest.equals(digest)) liars.push(...claim.peers);
    }
    this.#claims.delete(piece);
    this.#fromOrigin.set(piece);
    this.#disputed.clear(piece);
    this.#expected.set(piece, Buffer.from(digest));
    this.#unusable.clear(piece);
    return liars;
  }

  /**
   * Records that `peerId` announced `digest` for `piece`. `'liar'` when it contradicts an origin
   * digest; `'disputed'` when it contradicts another peer's (the piece is then unusable);
   * otherwise `'ok'`. TypeError on a piece out of range.
   */
  claim(piece: number, digest: Buffer, peerId: string): ClaimVerdict {
    this.#check(piece);
    if (this.#fromOrigin.has(piece)) return this.#expected.get(piece)?.equals(digest) ? 'ok' : 'liar';
    const claims = this.#claims.get(piece) ?? [];
    const same = claims.find((claim) => claim.digest.equals(digest));
    if (same) {
      if (same.peers.size < MAX_PEERS_PER_CLAIM) same.peers.add(peerId);
      return this.#disputed.has(piece) ? 'disputed' : 'ok';
    }
    if (claims.length < MAX_CLAIMS_PER_PIECE) claims.push({ digest: Buffer.from(digest), peers: new Set([peerId]) });
    this.#claims.set(piece, claims);
    if (claims.length === 1 && !this.#disputed.has(piece)) {
      this.#expected.set(piece, Buffer.from(digest));
      this.#unusable.clear(piece);
      return 'ok';
    }
    this.#disputed.set(piece);
    this.#unusable.set(piece);
    return 'disputed';
  }

  #check(piece: number): void {
    if (!Number.isSafeInteger(piece) || piece < 0 || piece >= this.#pieceCount) {
      throw new TypeError(`piece must be an integer in [0, ${this.#pieceCount}), got ${String(piece)}`);
    }
  }
}
