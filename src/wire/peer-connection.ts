/**
 * One peer connection: the wire protocol over a `Duplex` (a `net.Socket` in production, an
 * in-memory pair in tests). Sends our hello (handshake + nonce), checks theirs, sends our proof
 * of the swarm key and checks theirs (see `handshake.ts`); only then turns bytes into
 * {@link WireMessage} events and messages into bytes, with timeouts and keep-alives. A peer that
 * fails the proof never sees a frame from us.
 *
 * A shell: owns timers and the stream, delegates every byte decision to the pure codec,
 * frame decoder and handshake. Not responsible for: choking, piece choice, request bookkeeping,
 * or checking piece indexes against the file (the session does all that).
 */

import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { encodeMessage, encodePieceHeader } from './codec.js';
import type { WireMessage } from './codec.js';
import { FrameDecoder } from './frame-decoder.js';
import { HELLO_BYTES, NONCE_BYTES, PROOF_BYTES, authProof, decodeHello, encodeHello, isHandshakePrefix, proofMatches } from './handshake.js';
import type { Handshake, Hello } from './handshake.js';
import { WireError } from './wire-error.js';

/** Options of {@link PeerConnection}. Every duration and size is a positive integer. */
export interface PeerConnectionOptions {
  /** Our swarm id (32 bytes). The peer's must be equal, else the connection closes. */
  swarmId: Uint8Array;
  /** Our peer id (20 bytes). A peer with the same id is ourselves: the connection closes. */
  peerId: Uint8Array;
  /** The swarm's auth key (32 bytes, see `swarmAuthKey`): both sides prove they hold it. */
  authKey: Uint8Array;
  /** Whether we dialled (else accepted) the connection: part of what each proof is bound to. */
  dialled: boolean;
  /** Our hello's nonce (32 bytes). @default 32 fresh random bytes */
  nonce?: Uint8Array;
  /** Frame cap passed to the {@link FrameDecoder}: `MAX_FRAME_BYTES` or more for big bitfields. */
  maxFrameBytes: number;
  /** The peer's whole hello and proof must arrive within this, however they trickle in. */
  handshakeTimeoutMs: number;
  /** After the handshake, no byte received for this long closes the connection. */
  idleTimeoutMs: number;
  /**
   * A frame begun must be complete within this (a peer that stalls mid-message, or trickles a big
   * frame to hold its buffer, is dropped). @default idleTimeoutMs
   */
  frameTimeoutMs?: number;
  /** After the handshake, a keep-alive is sent whenever we sent nothing for this long. */
  keepAliveIntervalMs: number;
  /** `send` returns false while more than this many bytes are queued unsent. */
  maxQueuedBytes: number;
  /**
   * `sendPiece` returns false already while more than this many bytes are queued: bulk data
   * waits in the sender's own queue, not ahead of the small messages (`have`, `fetching`,
   * `request`) that follow it on the connection. @default maxQueuedBytes
   */
  maxQueuedPieceBytes?: number;
  /**
   * Where the buffers of frames split across reads come from (a `piece` frame, mostly): a pool
   * whose buffers the receiver of the `piece` message gives back once it wrote the block.
   * @default fresh buffers
   */
  allocateFrame?: (bytes: number) => Buffer;
}

/** Events of {@link PeerConnection}. */
export interface PeerConnectionEvents {
  /** The peer's hello (our swarm id, not our peer id) and its proof of the swarm key arrived. */
  handshake: [peerId: Buffer, handshake: Handshake];
  /** A message from the peer, keep-alives and `unknown` ids included. */
  message: [message: WireMessage];
  /** Queued bytes fell back to the cap (`maxQueuedBytes`, or the piece cap) after a send returned false. */
  drain: [];
  /** The connection is closed (once); `reason` is for logs. */
  close: [reason: string];
}

type State = 'new' | 'hello' | 'proof' | 'open' | 'closed';

const MAX_TIMER_MS = 2 ** 31 - 1;
const KEEP_ALIVE_FRAME: Buffer = encodeMessage({ type: 'keep-alive' });

/**
 * The wire protocol over one `Duplex`. The constructor has no side effects; `start()` attaches to
 * the stream, sends our handshake and arms the handshake timeout, so call it at once (until then
 * nobody listens to the stream's errors).
 *
 * Whatever the peer does wrong (bad handshake, wrong swarm, a {@link WireError}, silence) closes
 * the connection with a reason; nothing the peer sends makes a method throw. Misuse (sending
 * before `start()`, bad fields) throws a `TypeError`. After 'close', `send` does nothing and
 * returns false. Events are emitted synchronously from stream callbacks; single-threaded.
 */
export class PeerConnection extends EventEmitter<PeerConnectionEvents> {
  private readonly stream: Duplex;
  private readonly opts: PeerConnectionOptions;
  private readonly ourNonce: Buffer;
  private readonly decoder: FrameDecoder;
  private state: State = 'new';
  private readonly handshakeBuffer = new Uint8Array(HELLO_BYTES);
  private handshakeFilled = 0;
  private readonly proofBuffer = new Uint8Array(PROOF_BYTES);
  private proofFilled = 0;
  private hello: Hello | null = null;
  private remoteHandshake: Handshake | null = null;
  private readonly inbox: Uint8Array[] = [];
  private processing = false;
  private needDrain = false;
  /** 'drain' comes once queued bytes fall to this (the lower cap that was passed). */
  private drainAt = 0;
  /** The cap of `sendPiece`: `maxQueuedPieceBytes`, never above `maxQueuedBytes`. */
  private readonly pieceCap: number;
  private drainWaiters: Array<() => void> = [];
  private handshakeTimer: NodeJS.Timeout | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private keepAliveTimer: NodeJS.Timeout | null = null;
  private frameTimer: NodeJS.Timeout | null = null;

  /** Validates `opts` (TypeError quoting the bad value); touches neither the stream nor timers. */
  constructor(stream: Duplex, opts: PeerConnectionOptions) {
    super();
    if (stream === null || typeof stream !== 'object' || typeof stream.write !== 'function') {
      throw new TypeError(`PeerConnection: stream must be a Duplex, got ${String(stream)} (${typeof stream})`);
    }
    for (const name of ['handshakeTimeoutMs', 'idleTimeoutMs', 'keepAliveIntervalMs', 'maxQueuedBytes'] as const) {
      assertPositiveInteger(name, opts[name], name === 'maxQueuedBytes' ? Number.MAX_SAFE_INTEGER : MAX_TIMER_MS);
    }
    if (opts.maxQueuedPieceBytes !== undefined) assertPositiveInteger('maxQueuedPieceBytes', opts.maxQueuedPieceBytes, Number.MAX_SAFE_INTEGER);
    if (opts.frameTimeoutMs !== undefined) assertPositiveInteger('frameTimeoutMs', opts.frameTimeoutMs, MAX_TIMER_MS);
    this.stream = stream;
    this.opts = { ...opts };
    this.pieceCap = Math.min(opts.maxQueuedPieceBytes ?? opts.maxQueuedBytes, opts.maxQueuedBytes);
    this.ourNonce = Buffer.from(opts.nonce ?? randomBytes(NONCE_BYTES));
    // Validates every field of our hello and proof now, not at start().
    encodeHello({ swarmId: opts.swarmId, peerId: opts.peerId, nonce: this.ourNonce });
    authProof({ authKey: opts.authKey, swarmId: opts.swarmId, senderDialled: opts.dialled, senderPeerId: opts.peerId, receiverPeerId: opts.peerId, senderNonce: this.ourNonce, receiverNonce: this.ourNonce });
    this.decoder = new FrameDecoder({ maxFrameBytes: opts.maxFrameBytes, ...(opts.allocateFrame ? { allocate: opts.allocateFrame } : {}) });
  }

  /** The peer's handshake once received, else `null`. */
  get remote(): Handshake | null {
    return this.remoteHandshake;
  }

  /** Whether the connection has closed. */
  get closed(): boolean {
    return this.state === 'closed';
  }

  /** Bytes written to the stream and not yet flushed by it. */
  get queuedBytes(): number {
    return this.stream.writableLength;
  }

  /** Sends our hello and starts reading theirs. Throws a `TypeError` when called twice. */
  start(): void {
    if (this.state !== 'new') throw new TypeError(`PeerConnection.start: already ${this.state}`);
    this.state = 'hello';
    this.stream.on('data', this.onData);
    this.stream.on('error', this.onStreamError);
    this.stream.on('end', this.onStreamEnd);
    this.stream.on('close', this.onStreamClose);
    this.handshakeTimer = setTimeout(this.onHandshakeTimeout, this.opts.handshakeTimeoutMs);
    this.handshakeTimer.unref();
    this.write(encodeHello({ swarmId: this.opts.swarmId, peerId: this.opts.peerId, nonce: this.ourNonce }));
  }

  /**
   * Queues one message (it is always queued unless closed). Returns false when more than
   * `maxQueuedBytes` are now queued (wait for 'drain') or the connection is closed.
   * Throws a `TypeError` before `start()` or on fields out of range.
   */
  send(m: WireMessage): boolean {
    const frame = encodeMessage(m);
    if (!this.writable('send')) return false;
    this.write(frame);
    return this.underQueueCap();
  }

  /**
   * Queues a `piece` message as two writes, header then `block` itself, without copying it:
   * the stream holds `block` until it is written, so never mutate or reuse it before `onSent`,
   * which is called once the stream is done with it (written, or dropped because the connection
   * failed). Returns as {@link PeerConnection.send}.
   */
  sendPiece(piece: number, begin: number, block: Uint8Array, onSent?: () => void): boolean {
    if (!(block instanceof Uint8Array)) {
      throw new TypeError(`PeerConnection.sendPiece: block must be a Uint8Array, got ${String(block)} (${typeof block})`);
    }
    const header = encodePieceHeader(piece, begin, block.length);
    if (!this.writable('sendPiece')) {
      onSent?.();
      return false;
    }
    this.stream.cork();
    this.write(header);
    this.write(block, onSent);
    this.stream.uncork();
    return this.underQueueCap(this.pieceCap);
  }

  /**
   * Resolves once `send` would return true again ('drain'), or the connection closed; at once
   * when nothing is waiting. Never rejects.
   */
  drained(): Promise<void> {
    if (!this.needDrain || this.state === 'closed') return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Closes the connection and the stream; emits 'close' with `reason` once. Idempotent. */
  destroy(reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    for (const timer of [this.handshakeTimer, this.idleTimer, this.keepAliveTimer, this.frameTimer]) {
      if (timer !== null) clearTimeout(timer);
    }
    this.inbox.length = 0;
    this.stream.destroy();
    this.releaseDrainWaiters();
    this.emit('close', reason);
  }

  private writable(method: string): boolean {
    if (this.state === 'new') throw new TypeError(`PeerConnection.${method}: call start() first`);
    return this.state !== 'closed';
  }

  private write(bytes: Uint8Array, onSent?: () => void): void {
    this.keepAliveTimer?.refresh();
    this.stream.write(bytes, onSent ? () => {
      onSent();
      this.onWritten();
    } : this.onWritten);
  }

  private underQueueCap(cap = this.opts.maxQueuedBytes): boolean {
    if (this.stream.writableLength <= cap) return true;
    this.drainAt = this.needDrain ? Math.min(this.drainAt, cap) : cap;
    this.needDrain = true;
    return false;
  }

  private readonly onWritten = (): void => {
    if (!this.needDrain || this.state === 'closed') return;
    if (this.stream.writableLength > this.drainAt) return;
    this.needDrain = false;
    this.releaseDrainWaiters();
    this.emit('drain');
  };

  private releaseDrainWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Queues the chunk and handles queued chunks in order, also when a listener re-enters. */
  private readonly onData = (chunk: Uint8Array): void => {
    if (this.state === 'closed') return;
    this.idleTimer?.refresh();
    this.inbox.push(chunk);
    if (this.processing) return;
    this.processing = true;
    try {
      for (let next = this.inbox.shift(); next !== undefined; next = this.inbox.shift()) {
        this.handleChunk(next);
      }
    } finally {
      this.processing = false;
    }
  };

  private handleChunk(chunk: Uint8Array): void {
    let rest = this.state === 'hello' ? this.readHello(chunk) : chunk;
    if (this.state === 'proof') rest = this.readProof(rest);
    if (this.state !== 'open' || rest.length === 0) return;
    this.decoder.push(rest);
    while (this.state === 'open') {
      let message: WireMessage | null;
      try {
        message = this.decoder.next();
      } catch (err) {
        if (!(err instanceof WireError)) throw err;
        this.destroy(`wire error ${err.code}: ${err.message}`);
        return;
      }
      if (message === null) break;
      this.emit('message', message);
    }
    this.watchPartialFrame();
  }

  /** Arms the frame timer while a frame is partly received; disarms it once none is. */
  private watchPartialFrame(): void {
    if (this.state !== 'open') return;
    if (this.decoder.bufferedBytes === 0) {
      if (this.frameTimer !== null) clearTimeout(this.frameTimer);
      this.frameTimer = null;
    } else if (this.frameTimer === null) {
      this.frameTimer = setTimeout(this.onFrameTimeout, this.opts.frameTimeoutMs ?? this.opts.idleTimeoutMs);
      this.frameTimer.unref();
    }
  }

  /** Takes the hello's bytes from `chunk`; returns the bytes after it (proof, frames). */
  private readHello(chunk: Uint8Array): Uint8Array {
    const takeBytes = Math.min(HELLO_BYTES - this.handshakeFilled, chunk.length);
    this.handshakeBuffer.set(chunk.subarray(0, takeBytes), this.handshakeFilled);
    this.handshakeFilled += takeBytes;
    if (!isHandshakePrefix(this.handshakeBuffer.subarray(0, this.handshakeFilled))) {
      this.destroy('wire error BAD_HANDSHAKE: not a swarm-wire/1 handshake');
    } else if (this.handshakeFilled === HELLO_BYTES) {
      this.acceptHello();
    }
    return chunk.subarray(takeBytes);
  }

  /** Checks their hello and sends our proof, bound to both nonces, both ids and our role. */
  private acceptHello(): void {
    const hello = decodeHello(this.handshakeBuffer);
    if (hello instanceof WireError) {
      this.destroy(`wire error ${hello.code}: ${hello.message}`);
      return;
    }
    if (!bytesEqual(hello.swarmId, this.opts.swarmId)) {
      this.destroy('swarm id mismatch');
      return;
    }
    if (bytesEqual(hello.peerId, this.opts.peerId) || bytesEqual(hello.nonce, this.ourNonce)) {
      this.destroy('connected to self');
      return;
    }
    this.hello = hello;
    this.state = 'proof';
    this.write(this.proofFor(true, hello));
  }

  /** Our proof (`ours`) or the one we expect of the peer, given its hello. */
  private proofFor(ours: boolean, hello: Hello): Buffer {
    const { authKey, swarmId, peerId, dialled } = this.opts;
    return ours
      ? authProof({ authKey, swarmId, senderDialled: dialled, senderPeerId: peerId, receiverPeerId: hello.peerId, senderNonce: this.ourNonce, receiverNonce: hello.nonce })
      : authProof({ authKey, swarmId, senderDialled: !dialled, senderPeerId: hello.peerId, receiverPeerId: peerId, senderNonce: hello.nonce, receiverNonce: this.ourNonce });
  }

  /** Takes the proof's bytes from `chunk`; returns the bytes after it (frames). */
  private readProof(chunk: Uint8Array): Uint8Array {
    const takeBytes = Math.min(PROOF_BYTES - this.proofFilled, chunk.length);
    this.proofBuffer.set(chunk.subarray(0, takeBytes), this.proofFilled);
    this.proofFilled += takeBytes;
    if (this.proofFilled === PROOF_BYTES && this.hello !== null) this.acceptProof(this.hello);
    return chunk.subarray(takeBytes);
  }

  private acceptProof(hello: Hello): void {
    if (!proofMatches(this.proofBuffer, this.proofFor(false, hello))) {
      this.destroy('auth failed: the peer did not prove it knows the swarm key (or it has another swarm secret)');
      return;
    }
    const handshake: Handshake = { reserved: hello.reserved, swarmId: hello.swarmId, peerId: hello.peerId };
    this.remoteHandshake = handshake;
    this.state = 'open';
    if (this.handshakeTimer !== null) clearTimeout(this.handshakeTimer);
    this.idleTimer = setTimeout(this.onIdleTimeout, this.opts.idleTimeoutMs);
    this.idleTimer.unref();
    this.keepAliveTimer = setTimeout(this.onKeepAlive, this.opts.keepAliveIntervalMs);
    this.keepAliveTimer.unref();
    this.emit('handshake', handshake.peerId, handshake);
  }

  private readonly onHandshakeTimeout = (): void => {
    this.destroy(`handshake timeout after ${this.opts.handshakeTimeoutMs} ms`);
  };

  private readonly onFrameTimeout = (): void => {
    this.destroy(`frame timeout: a frame begun was not complete within ${this.opts.frameTimeoutMs ?? this.opts.idleTimeoutMs} ms`);
  };

  private readonly onIdleTimeout = (): void => {
    this.destroy(`idle timeout: nothing received for ${this.opts.idleTimeoutMs} ms`);
  };

  /** Sends a keep-alive; `write` re-arms the timer. */
  private readonly onKeepAlive = (): void => {
    if (this.state === 'open') this.write(KEEP_ALIVE_FRAME);
  };

  private readonly onStreamError = (err: Error): void => {
    this.destroy(`stream error: ${err.message}`);
  };

  private readonly onStreamEnd = (): void => {
    this.destroy('peer ended the stream');
  };

  private readonly onStreamClose = (): void => {
    this.destroy('stream closed');
  };
}

function assertPositiveInteger(name: string, value: unknown, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new TypeError(`PeerConnection: ${name} must be an integer in [1, ${max}], got ${String(value)} (${typeof value})`);
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
