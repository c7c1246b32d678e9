/**
 * Lightweight peers for end-to-end tests, written from src/wire: a well-behaved client that
 * authenticates, says it is interested, waits to be unchoked and asks blocks (counting what it
 * gets), and raw sockets for clients that misbehave on purpose. Also a listener on a discovery
 * port that reports what an eavesdropper overhears.
 *
 * Not responsible for: asserting (the tests do) or spawning processes (run-cli.ts).
 * NETWORK SAFETY: loopback only; the callers pass 127.0.0.1 addresses.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { decodeAnnounce, type Announce } from '../../src/discovery/announce-codec.js';
import { swarmAuthKey, swarmIdForPieces } from '../../src/discovery/swarm-id.js';
import { secretKeys } from '../../src/discovery/swarm-secret.js';
import { MAX_FRAME_BYTES, type WireMessage } from '../../src/wire/codec.js';
import { PeerConnection } from '../../src/wire/peer-connection.js';

/** What a client knows of the file: enough to derive the swarm id and the auth key. */
export interface FileKey {
  readonly md5Hex: string;
  readonly fileBytes: number;
  readonly pieceBytes: number;
  /** The swarm secret, if the swarm has one. */
  readonly secret?: Buffer;
}

/** The swarm id and auth key of `key`. */
export function keysOf(key: FileKey): { swarmId: Buffer; authKey: Buffer } {
  const md5 = Buffer.from(key.md5Hex, 'hex');
  const secretKey = key.secret ? secretKeys(key.secret).handshakeKey : null;
  return {
    swarmId: swarmIdForPieces(md5, key.fileBytes, key.pieceBytes),
    authKey: swarmAuthKey(md5, key.fileBytes, key.pieceBytes, secretKey),
  };
}

/** A TCP socket to 127.0.0.1:`port`, connected. */
export async function rawSocket(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  return socket;
}

/** Resolves when `socket` closes, with every byte it received. */
export function bytesUntilClose(socket: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => undefined);
  return new Promise((resolve) => socket.once('close', () => resolve(Buffer.concat(chunks))));
}

/** A peer of the test's own, authenticated to a host: the test writes raw bytes on `socket`. */
export interface Insider {
  readonly socket: Socket;
  readonly connection: PeerConnection;
  /** Resolves with the connection's close reason. */
  readonly closed: Promise<string>;
}

/**
 * Connects to 127.0.0.1:`port` as peer `peerId` of `key`'s swarm and resolves once the proof
 * handshake passed; rejects when the host closes the connection before that.
 */
export async function openInsider(key: FileKey, port: number, peerId: Buffer = randomBytes(20)): Promise<Insider> {
  const socket = await rawSocket(port);
  const connection = new PeerConnection(socket, {
    ...keysOf(key), peerId, dialled: true, maxFrameBytes: 2 * 1024 * 1024,
    handshakeTimeoutMs: 5000, idleTimeoutMs: 120_000, keepAliveIntervalMs: 60_000, maxQueuedBytes: 1024 * 1024,
  });
  const closed = new Promise<string>((resolve) => connection.once('close', resolve));
  const opened = new Promise<void>((resolve) => connection.once('handshake', () => resolve()));
  connection.start();
  await Promise.race([opened, closed.then((reason) => Promise.reject(new Error(`closed before its handshake passed: ${reason}`)))]);
  return { socket, connection, closed };
}

/** Options of {@link WireClient}. */
export interface WireClientOptions {
  readonly port: number;
  readonly swarmId: Buffer;
  readonly authKey: Buffer;
  readonly blockBytes?: number;
  /** Requests kept outstanding while unchoked. @default 4 */
  readonly pipeline?: number;
}

/**
 * A well-behaved downloader that never stores anything: once unchoked it keeps `pipeline` block
 * requests outstanding for random blocks of pieces the seeder has, and counts piece bytes.
 */
export class WireClient {
  readonly connection: PeerConnection;
  readonly opened: Promise<void>;
  readonly closed: Promise<string>;
  /** Piece bytes received, and when each block arrived (ms, Date.now()). */
  receivedBytes = 0;
  readonly arrivals: Array<{ atMs: number; bytes: number }> = [];
  unchokes = 0;
  chokes = 0;
  #pieceCount = 0;
  #fileBytes = 0;
  #pieceBytes = 0;
  #has: Uint8Array = new Uint8Array(0);
  #outstanding = 0;
  #choked = true;
  #stopped = false;
  readonly #opts: WireClientOptions;

  private constructor(socket: Socket, opts: WireClientOptions, key: FileKey) {
    this.#opts = opts;
    this.#fileBytes = key.fileBytes;
    this.#pieceBytes = key.pieceBytes;
    this.#pieceCount = Math.ceil(key.fileBytes / key.pieceBytes);
    this.connection = new PeerConnection(socket, {
      swarmId: opts.swarmId, peerId: randomBytes(20), authKey: opts.authKey, dialled: true,
      maxFrameBytes: MAX_FRAME_BYTES, handshakeTimeoutMs: 5000, idleTimeoutMs: 60_000,
      keepAliveIntervalMs: 20_000, maxQueuedBytes: 1024 * 1024,
    });
    this.opened = new Promise((resolve) => this.connection.once('handshake', () => resolve()));
    this.closed = new Promise((resolve) => this.connection.once('close', resolve));
    this.connection.on('message', (m) => this.#onMessage(m));
    this.connection.start();
  }

  /** Connects to 127.0.0.1:`opts.port` and starts the handshake. */
  static async connect(key: FileKey, opts: Partial<WireClientOptions> & { port: number }): Promise<WireClient> {
    const socket = await rawSocket(opts.port);
    return new WireClient(socket, { ...keysOf(key), ...opts }, key);
  }

  /** Stops asking; the connection stays open. */
  stop(): void {
    this.#stopped = true;
  }

  /** Closes the connection. */
  close(): void {
    this.#stopped = true;
    this.connection.destroy('test client done');
  }

  #onMessage(m: WireMessage): void {
    switch (m.type) {
      case 'bitfield':
        this.#has = Uint8Array.from(m.bytes);
        this.connection.send({ type: 'interested' });
        return;
      case 'have':
        // A seeder that fetched alone offers its pieces one by one, as it hashes them for peers.
        if (Number.isSafeInteger(m.piece) && m.piece >= 0 && m.piece < this.#pieceCount) this.#has[m.piece >> 3] = (this.#has[m.piece >> 3] ?? 0) | (0x80 >> (m.piece & 7));
        return this.#fill();
      case 'unchoke':
        this.unchokes++;
        this.#choked = false;
        return this.#fill();
      case 'choke':
        this.chokes++;
        this.#choked = true;
        this.#outstanding = 0;
        return;
      case 'reject':
        this.#outstanding = Math.max(0, this.#outstanding - 1);
        return;
      case 'piece':
        this.receivedBytes += m.block.length;
        this.arrivals.push({ atMs: Date.now(), bytes: m.block.length });
        this.#outstanding = Math.max(0, this.#outstanding - 1);
        return this.#fill();
      default:
        return;
    }
  }

  #fill(): void {
    const pipeline = this.#opts.pipeline ?? 4;
    const blockBytes = this.#opts.blockBytes ?? 256 * 1024;
    while (!this.#stopped && !this.#choked && this.#outstanding < pipeline) {
      const piece = this.#randomHeldPiece();
      if (piece === -1) return;
      const length = Math.min(this.#pieceBytes, this.#fileBytes - piece * this.#pieceBytes);
      const blocks = Math.ceil(length / blockBytes);
      const begin = Math.floor(Math.random() * blocks) * blockBytes;
      this.connection.send({ type: 'request', piece, begin, length: Math.min(blockBytes, length - begin) });
      this.#outstanding++;
    }
  }

  /** A random piece the seeder offers (the first offered one from a random start), or -1. */
  #randomHeldPiece(): number {
    const start = Math.floor(Math.random() * this.#pieceCount);
    for (let step = 0; step < this.#pieceCount; step++) {
      const piece = (start + step) % this.#pieceCount;
      if (((this.#has[piece >> 3] ?? 0) & (0x80 >> (piece & 7))) !== 0) return piece;
    }
    return -1;
  }
}

/** Listens on a discovery port (with SO_REUSEADDR, like the processes) and keeps what it hears. */
export class DiscoveryEar {
  readonly #socket: UdpSocket;
  readonly heard: Array<{ announce: Announce | null; bytes: Buffer; address: string }> = [];
  #waiters: Array<() => void> = [];

  private constructor(socket: UdpSocket) {
    this.#socket = socket;
    socket.on('message', (bytes, rinfo) => {
      this.heard.push({ announce: decodeAnnounce(bytes), bytes, address: rinfo.address });
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  /** Binds 0.0.0.0:`port`. */
  static async listen(port: number): Promise<DiscoveryEar> {
    const socket = createSocket({ type: 'udp4', reuseAddr: true });
    socket.bind(port, '0.0.0.0');
    await once(socket, 'listening');
    socket.unref(); // a test that fails before close() must not keep its worker alive
    return new DiscoveryEar(socket);
  }

  /** The first packet heard (past or future) that matches. */
  async first(match: (entry: DiscoveryEar['heard'][number]) => boolean): Promise<DiscoveryEar['heard'][number]> {
    for (;;) {
      const found = this.heard.find(match);
      if (found) return found;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  close(): void {
    this.#socket.close();
  }
}
