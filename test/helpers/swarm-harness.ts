/**
 * A {@link Swarm} for unit tests: a real piece store on a temp dir and a real {@link PieceTrust},
 * a {@link FakeSwarmHost}, and peers on {@link FakeLink}s handed in as the host hands over a
 * connection whose proof handshake passed. What the swarm reports through its callbacks is
 * recorded.
 *
 * Not responsible for cleanup of the store (the {@link OpenTempStore} given to
 * {@link useSwarmHarness} does it); every swarm it built is stopped after each test.
 * Concurrency: one test at a time per file.
 */
import { afterEach } from 'vitest';
import { pieceStart } from '../../src/pieces/piece-geometry.js';
import type { ConnectionOrigin } from '../../src/peer-sources/peer-source.js';
import { TokenBucket } from '../../src/rate-limit/token-bucket.js';
import type { PieceStore } from '../../src/storage/piece-store.js';
import type { PeerInfo } from '../../src/swarm/peer-link.js';
import { PieceTrust } from '../../src/swarm/piece-trust.js';
import { Swarm } from '../../src/swarm/swarm.js';
import { Bitfield } from '../../src/pieces/bitfield.js';
import { makeContent } from '../../src/testing/origin-content.js';
import { FakeLink } from './fake-link.js';
import { FakeSwarmHost } from './fake-swarm-host.js';
import { pieceOf, putPieces, type OpenTempStore } from './temp-store.js';
import { Watch } from './watch.js';

/** The smallest piece size: one block per piece. */
export const PIECE_BYTES = 16 * 1024;
export const SWARM_ID = Buffer.alloc(32, 7);
/**
 * Fake timers for what the swarm times: its waits and tick (timeouts, intervals), its stall clock
 * (`Date`) and the peer-exchange clock (`performance.now()`). Not the fs, so stores still work.
 */
export const SWARM_FAKE_TIMERS = { toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] } as const;
/** Our host's peer id: `55…55` in hex, so ids `1…` sort below it and `a…` above. */
export const HOST_PEER_ID = Buffer.alloc(20, 0x55);
/** The port our host accepts peers on. */
export const HOST_TCP_PORT = 6881;

/** A swarm over one file, its fakes, and what its callbacks reported. */
export interface SwarmHarness {
  readonly store: PieceStore;
  readonly content: Buffer;
  readonly trust: PieceTrust;
  readonly host: FakeSwarmHost;
  readonly swarm: Swarm;
  /** Pieces taken from peers (`onPiece`). */
  readonly pieces: number[];
  /** `onBan` calls. */
  readonly bans: Array<{ readonly id: string; readonly reason: string }>;
  /** Poked by every callback. */
  readonly watch: Watch;
}

/** What the store holds at the start. */
export interface HarnessOptions {
  /** Pieces in the file. @default 4 */
  readonly pieces?: number;
  /** Pieces held with their digests. */
  readonly have?: readonly number[];
  /** Pieces held without a digest (taken while we had no peer). */
  readonly undigested?: readonly number[];
}

/** One peer handed to the swarm. */
export interface Remote {
  readonly link: FakeLink;
  readonly info: PeerInfo;
}

/** How {@link connect} builds a peer's {@link PeerInfo}. */
export interface ConnectOptions {
  /** @default peerIdOf(n) */
  readonly id?: string;
  /** Dialled by us (its listen port known) or accepted (listen port unknown). @default true */
  readonly outbound?: boolean;
  /** @default outbound ? 'fixed' : 'incoming' */
  readonly origin?: ConnectionOrigin;
}

/** The peer id of peer `n`: its hex byte `a0 + n`, repeated. */
export function peerIdOf(n: number): string {
  return (0xa0 + n).toString(16).repeat(20);
}

/** The address of peer `n`. */
export function addressOf(n: number): string {
  return `127.0.0.${n + 2}`;
}

/** The port peer `n` listens on. */
export function listenPortOf(n: number): number {
  return 7000 + n;
}

/** A builder of swarm harnesses over `openStore`; every swarm built is stopped after each test. */
export function useSwarmHarness(openStore: OpenTempStore): (options?: HarnessOptions) => Promise<SwarmHarness> {
  const swarms: Swarm[] = [];
  afterEach(() => {
    for (const swarm of swarms.splice(0)) swarm.stop();
  });
  return async (options = {}) => {
    const h = await buildHarness(openStore, options);
    swarms.push(h.swarm);
    return h;
  };
}

async function buildHarness(openStore: OpenTempStore, options: HarnessOptions): Promise<SwarmHarness> {
  const pieceCount = options.pieces ?? 4;
  const fileBytes = pieceCount * PIECE_BYTES;
  const store = await openStore(fileBytes, PIECE_BYTES);
  const content = makeContent(fileBytes, 5);
  await putPieces(store, content, options.have ?? []);
  for (const index of options.undigested ?? []) {
    await store.write(pieceStart(store.geometry, index), [pieceOf(store, content, index)]);
    store.markPiece(index);
  }
  const trust = new PieceTrust(store);
  const host = new FakeSwarmHost(HOST_PEER_ID, HOST_TCP_PORT);
  const watch = new Watch();
  const pieces: number[] = [];
  const bans: Array<{ id: string; reason: string }> = [];
  const poke = (): void => watch.poke();
  const swarm = new Swarm({
    store, trust, host, swarmId: SWARM_ID, authKey: Buffer.alloc(32, 9),
    upLimiter: new TokenBucket(null, 0), downLimiter: new TokenBucket(null, 0),
    originInFlight: () => new Bitfield(pieceCount),
    onPiece: (index) => { pieces.push(index); poke(); },
    onPeerBytes: poke, onChange: poke, onRequest: poke, onCorrupt: poke,
    onBan: (id, reason) => { bans.push({ id, reason }); poke(); },
  });
  return { store, content, trust, host, swarm, pieces, bans, watch };
}

/** Hands peer `n` to the swarm on a new {@link FakeLink}, as the host does after the handshake. */
export function connect(h: SwarmHarness, n: number, options: ConnectOptions = {}): Remote {
  const outbound = options.outbound ?? true;
  const info: PeerInfo = {
    id: options.id ?? peerIdOf(n),
    address: addressOf(n),
    outbound,
    origin: options.origin ?? (outbound ? 'fixed' : 'incoming'),
    connectionId: 100 + n,
    listenPort: outbound ? listenPortOf(n) : null,
  };
  const link = new FakeLink();
  h.swarm.addPeer(link, info);
  return { link, info };
}
