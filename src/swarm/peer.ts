/**
 * One connected peer as the swarm sees it: what it has, what it fetches from the origin, what we
 * asked of it and what it asked of us.
 *
 * Not responsible for choosing pieces (peer-downloads.ts asks the picker) nor for the wire (the
 * connection). Every queue here is bounded; a peer that overflows one is the swarm's to drop.
 */
import type { PieceRun } from '../wire/codec.js';
import type { ConnectionOrigin } from '../peer-sources/peer-source.js';
import type { PeerLink } from './peer-link.js';
import { PexInbox, PexSender } from './peer-exchange.js';
import { claimInbox } from './claim-gossip.js';
import { Bitfield } from '../pieces/bitfield.js';

import { PeerRate } from './peer-rate.js';

/** A block request, ours or theirs. */
export interface BlockRequest {
  readonly piece: number;
  readonly begin: number;
  readonly length: number;
  /** When it was sent or received. */
  readonly atMs: number;
}

/** Key of a block within the file. */
export function blockKey(piece: number, begin: number): string {
  return `${piece}:${begin}`;
}

/** A peer and our bookkeeping about it. */
export class Peer {
  readonly id: string;
  readonly address: string;
  readonly connection: PeerLink;
  /** Pieces the peer has. */
  readonly has: Bitfield;
  /** It sent its bitfield (once per connection; a second one is a protocol error). */
  bitfieldSeen = false;
  /** Piece runs the peer fetches from the origin now. */
  fetching: readonly PieceRun[] = [];
  /** Blocks we asked of it, by block key. */
  readonly asked = new Map<string, BlockRequest>();
  /** Blocks it asked of us, in order. */
  readonly queue: BlockRequest[] = [];
  /** True while a serve loop runs for it. */
  serving = false;
  /** Bytes it sent us and we sent it. */
  downloadedBytes = 0;
  uploadedBytes = 0;
  /** Blocks it sent that we did not ask for. */
  strikes = 0;
  /** Pieces it sent that matched their digest. Until one has, it is on probation (one piece at a time). */
  goodPieces = 0;
  /** Pieces with its blocks whose digest is being checked. */
  checking = 0;
  /** We choke it (BEP 3): its requests are rejected. Every connection starts choked. */
  amChoking = true;
  /** It said `interested` in our pieces (and not `not-interested` since). */
  peerInterested = false;
  /** It chokes us: we ask it nothing until it unchokes us. */
  peerChoking = true;
  /** We told it we are interested. */
  amInterested = false;
  /** Requests it sent while choked since we last unchoked it. */
  chokedRequests = 0;
  /** Requests for pieces we did not offer, over the connection (see MAX_UNOFFERED_REQUESTS). */
  unofferedRequests = 0;

  readonly #rate = new PeerRate();

  /** Whether we dialled it. */
  readonly outbound: boolean;
  /** How the connection came to be (the source of the address we dialled, or `incoming`). */
  readonly source: ConnectionOrigin;
  /** The port it accepts peers on: the one we dialled, or the one its `listen` message gave; else null. */
  listenPort: number | null = null;
  /** The host's id of the connection. */
  connectionId = 0;
  /** What we tell it of other peers (peer exchange), and what we take of what it tells us. */
  readonly pexSender = new PexSender();
  readonly pexInbox = new PexInbox();
  /** The rate bound on the `claims` messages it relays to us. */
  readonly claimInbox = claimInbox();

  constructor(id: string, address: string, connection: PeerLink, pieceCount: number, outbound: boolean, source: ConnectionOrigin = outbound ? 'fixed' : 'incoming') {
    this.outbound = outbound;
    this.source = source;
    this.id = id;
    this.address = address;
    this.connection = connection;
    this.has = new Bitfield(pieceCount);
  }

  /**
   * What it delivers us, in bytes per second, over the last seconds of asking (null until it has
   * been asked for half a second); see {@link PeerRate}.
   */
  get downloadRate(): number | null {
    return this.#rate.rate;
  }

  /** We asked it for a block at `nowMs`: the rate is measured from the first ask. */
  noteAsked(nowMs: number): void {
    this.#rate.asked(nowMs);
  }

  /** It sent us `bytes` we asked for, at `nowMs`. */
  noteReceived(bytes: number, nowMs: number): void {
    this.downloadedBytes += bytes;
    this.#rate.received(bytes, nowMs);
  }

  /** The oldest block we asked of it, or null. */
  oldestAskMs(): number | null {
    let oldest: number | null = null;
    for (const ask of this.asked.values()) if (oldest === null || ask.atMs < oldest) oldest = ask.atMs;
    return oldest;
  }
}
