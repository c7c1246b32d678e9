/**
 * One end of a simulated peer connection: what a host knows of one peer and has asked of it, and
 * what that peer asked of it (the fields of the real `Peer`, swarm/peer.ts, that decisions read).
 *
 * Pure: state only. Not responsible for deciding anything (the simulated host does).
 */
import { Bitfield } from '../pieces/bitfield.js';
import type { PieceRun } from '../wire/codec.js';
import { PeerRate } from '../swarm/peer-rate.js';
import type { Flow } from './flow-network.js';
import type { SimulatedHost } from './simulated-host.js';

/** Our side of a connection to `peer`. */
export class PeerView {
  readonly peer: SimulatedHost;
  /** Pieces it offered us (as far as its messages have reached us). */
  readonly has: Bitfield;
  /** Its origin runs, as it last told us. */
  fetching: readonly PieceRun[] = [];
  bitfieldSeen = false;
  /** We choke it (BEP 3). */
  amChoking = true;
  /** It chokes us. */
  peerChoking = true;
  amInterested = false;
  peerInterested = false;
  /** Bytes we served it. */
  uploadedBytes = 0;
  /** Pieces it sent that we kept (probation ends at the first). */
  goodPieces = 0;
  /** Pieces we asked of it and await (endgame duplicates included). */
  readonly asked = new Set<number>();
  /** Pieces it asked of us, in order. */
  queue: number[] = [];
  /** Bumped when it offers a new piece: a pick that found nothing may find something now. */
  hasVersion = 0;
  /** The versions (ours, its) at which a pick for it last found nothing, or null. */
  emptyAt: { readonly released: number; readonly has: number } | null = null;
  /** What it delivers us (the real host sizes its request pipeline by it). */
  readonly rate = new PeerRate();
  /** The piece we are sending it now. */
  serving: Flow | null = null;

  constructor(peer: SimulatedHost, pieceCount: number) {
    this.peer = peer;
    this.has = new Bitfield(pieceCount);
  }
}
