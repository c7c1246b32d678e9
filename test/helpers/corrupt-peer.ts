/**
 * A hostile swarm member for end-to-end tests, built from src/wire and src/discovery: it announces
 * itself on the discovery port like a real host, accepts connections, claims to have every piece,
 * and answers every request with the right bytes but one flipped in each piece (its first byte).
 * By default it sends no digests: a peer whose disk or memory corrupts what it serves. With
 * `lie`, it also announces the digest of each corrupted piece first: a liar whose pieces pass the
 * check on arrival, which only the whole-file MD5 and the origin check after it can catch.
 * With `chokeFirst`, it is honest (true digests, true bytes) but answers the first request of
 * each connection with `choke`, then `reject`, and unchokes 100 ms later: a seeder whose upload
 * slots moved just as a request was on its way.
 *
 * Like a real host, it dials every host it hears announce the swarm (once each), so a host that
 * starts after it meets it at once. Not responsible for cleanup beyond {@link CorruptPeer.close}. NETWORK SAFETY: listens on 127.0.0.1, broadcasts to
 * 127.255.255.255 only.
 */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { Discovery } from '../../src/discovery/discovery.js';
import { Bitfield } from '../../src/pieces/bitfield.js';
import { pieceGeometry, pieceLength, pieceStart, type PieceGeometry } from '../../src/pieces/piece-geometry.js';
import type { WireMessage } from '../../src/wire/codec.js';
import { PeerConnection } from '../../src/wire/peer-connection.js';
import { pieceDigest } from '../../src/storage/piece-digest.js';
import { LOOPBACK_BROADCAST } from './swarm-fixture.js';
import { keysOf } from './wire-client.js';

/** What the corrupt peer saw. */
export interface CorruptPeerStats {
  /** Connections whose handshake completed. */
  handshakes: number;
  /** Blocks served (the first block of each piece with its first byte flipped). */
  blocksServed: number;
  /** Connections the other side closed (or that closed for any reason but our own close()). */
  closedByPeer: number;
  /** Requests answered with `choke` and `reject` (`chokeFirst`). */
  rejected: number;
}

/** A peer that corrupts every block it serves. */
export class CorruptPeer {
  /** Its peer id, hex: what real hosts name it by in `corrupt-piece` and `peer-banned` events. */
  readonly idHex: string;
  readonly stats: CorruptPeerStats = { handshakes: 0, blocksServed: 0, closedByPeer: 0, rejected: 0 };
  readonly #peerId = randomBytes(20);
  readonly #content: Buffer;
  readonly #geometry: PieceGeometry;
  readonly #swarmId: Buffer;
  readonly #authKey: Buffer;
  readonly #connections = new Set<PeerConnection>();
  readonly #dialled = new Set<string>();
  #server: Server | null = null;
  #discovery: Discovery | null = null;
  #closing = false;

  readonly #lie: boolean;
  readonly #chokeFirst: boolean;
  readonly #choked = new WeakSet<PeerConnection>();

  constructor(content: Buffer, opts: { lie?: boolean; chokeFirst?: boolean } = {}) {
    this.#lie = opts.lie ?? false;
    this.#chokeFirst = opts.chokeFirst ?? false;
    this.#content = content;
    this.#geometry = pieceGeometry(content.length, 'auto');
    const keys = keysOf({ md5Hex: createHash('md5').update(content).digest('hex'), fileBytes: content.length, pieceBytes: this.#geometry.pieceBytes });
    this.#swarmId = keys.swarmId;
    this.#authKey = keys.authKey;
    this.idHex = this.#peerId.toString('hex');
  }

  /** Listens on loopback and announces itself on `discoveryPort`. */
  async start(discoveryPort: number): Promise<void> {
    this.#server = createServer((socket) => this.#adopt(socket));
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    const address = this.#server.address();
    this.#discovery = new Discovery({
      peerId: this.#peerId,
      tcpPort: typeof address === 'object' && address ? address.port : 0,
      swarmIds: () => [this.#swarmId],
      discoveryPort,
      broadcastAddresses: [LOOPBACK_BROADCAST],
      bindAddress: null,
      intervalMs: 500,
    });
    this.#discovery.on('warning', () => undefined);
    this.#discovery.on('peer', (peer) => {
      const id = peer.peerId.toString('hex');
      if (this.#closing || this.#dialled.has(id)) return;
      this.#dialled.add(id);
      const socket = connect({ host: peer.address, port: peer.tcpPort });
      socket.once('error', () => undefined);
      this.#adopt(socket, true);
    });
    await this.#discovery.start();
  }

  /** Stops announcing and closes every connection. */
  async close(): Promise<void> {
    this.#closing = true;
    await this.#discovery?.stop().catch(() => undefined);
    for (const connection of this.#connections) connection.destroy('test over');
    this.#server?.close();
  }

  #adopt(socket: Socket, dialled = false): void {
    const connection = new PeerConnection(socket, {
      swarmId: this.#swarmId,
      peerId: this.#peerId,
      authKey: this.#authKey,
      dialled,
      maxFrameBytes: 2 * 1024 * 1024,
      handshakeTimeoutMs: 5000,
      idleTimeoutMs: 60_000,
      keepAliveIntervalMs: 10_000,
      maxQueuedBytes: 16 * 1024 * 1024,
    });
    this.#connections.add(connection);
    connection.once('handshake', () => {
      this.stats.handshakes += 1;
      if (this.#lie || this.#chokeFirst) this.#sendDigests(connection);
      connection.send({ type: 'bitfield', bytes: Bitfield.full(this.#geometry.pieceCount).toBytes() });
      // It serves anyone at once: no upload slots.
      connection.send({ type: 'unchoke' });
    });
    connection.on('message', (message: WireMessage) => this.#onMessage(connection, message));
    connection.once('close', () => {
      this.#connections.delete(connection);
      if (!this.#closing) this.stats.closedByPeer += 1;
    });
    connection.start();
  }

  /** The digest of every piece as this peer serves it. */
  #sendDigests(connection: PeerConnection): void {
    for (let piece = 0; piece < this.#geometry.pieceCount; piece++) {
      connection.send({ type: 'piece-hash', piece, hash: pieceDigest(this.#served(piece, 0, pieceLength(this.#geometry, piece))) });
    }
  }

  /** Bytes [begin, begin + length) of `piece` as this peer serves them: its first byte flipped, unless honest. */
  #served(piece: number, begin: number, length: number): Buffer {
    const start = pieceStart(this.#geometry, piece) + begin;
    const block = Buffer.from(this.#content.subarray(start, start + length));
    if (begin === 0 && !this.#chokeFirst) block[0] = (block[0] ?? 0) ^ 0xff;
    return block;
  }

  #onMessage(connection: PeerConnection, message: WireMessage): void {
    if (message.type !== 'request') return;
    const { piece, begin, length } = message;
    if (piece >= this.#geometry.pieceCount || begin + length > pieceLength(this.#geometry, piece)) return;
    if (this.#chokeFirst && !this.#choked.has(connection)) {
      this.#choked.add(connection);
      this.stats.rejected += 1;
      connection.send({ type: 'choke' });
      connection.send({ type: 'reject', piece, begin, length });
      setTimeout(() => connection.send({ type: 'unchoke' }), 100);
      return;
    }
    this.stats.blocksServed += 1;
    connection.sendPiece(piece, begin, this.#served(piece, begin, length));
  }
}
