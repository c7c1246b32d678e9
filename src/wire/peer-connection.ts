/**
 * One peer connection: the wire protocol over a `Duplex` (a `net.Socket` in production, an
 * in-memory pair in tests). Sends our handshake, checks theirs, then turns bytes into
 * {@link WireMessage} events and messages into bytes, with timeouts and keep-alives.
 *
 * A shell: owns timers and the stream, delegates every byte decision to the pure codec,
 * frame decoder and handshake. Not responsible for: choking, piece choice, request bookkeeping,
 * or checking piece indexes against the file (the session does all that).
 */

import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { encodeMessage, encodePieceHeader } from './codec.js';
import type { WireMessage } from './codec.js';
import { FrameDecoder } from './frame-decoder.js';
import { HANDSHAKE_BYTES, decodeHandshake, encodeHandshake, isHandshakePrefix } from './handshake.js';
import type { Handshake } from './handshake.js';
import { WireError } from './wire-error.js';

/** Options of {@link PeerConnection}. Every duration and size is a positive integer. */
export interface PeerConnectionOptions {
  /** Our swarm id (32 bytes). The peer's must be equal, else the connection closes. */
  swarmId: Uint8Array;
  /** Our peer id (20 bytes). A peer with the same id is ourselves: the connection closes. */
  peerId: Uint8Array;
  /** Frame cap passed to the {@link FrameDecoder}: `MAX_FRAME_BYTES` or more for big bitfields. */
  maxFrameBytes: number;
  /** The peer's whole handshake must arrive within this, however it trickles in. */
  handshakeTimeoutMs: number;
  /** After the handshake, no byte received for this long closes the connection. */
  idleTimeoutMs: number;
  /** After the handshake, a keep-alive is sent whenever we sent nothing for this long. */
  keepAliveIntervalMs: number;
  /** `send` returns false while more than this many bytes are queued unsent. */
  maxQueuedBytes: number;
}

/** Events of {@link PeerConnection}. */
export interface PeerConnectionEvents {
  /** The peer's handshake arrived, with our swarm id and not our peer id. */
  handshake: [peerId: Buffer, handshake: Handshake];
  /** A message from the peer, keep-alives and `unknown` ids included. */
  message: [message: WireMessage];
  /** Queued bytes fell back to `maxQueuedBytes` or below after a `send` returned false. */
  drain: [];
  /** The connection is closed (once); `reason` is for logs. */
  close: [reason: string];
}

type State = 'new' | 'handshaking' | 'open' | 'closed';

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
  private readonly ourHandshake: Buffer;
  private readonly decoder: FrameDecoder;
  private state: State = 'new';
  private readonly handshakeBuffer = new Uint8Array(HANDSHAKE_BYTES);
  private handshakeFilled = 0;
  private remoteHandshake: Handshake | null = null;
  private readonly inbox: Uint8Array[] = [];
  private processing = false;
  private needDrain = false;
  private drainWaiters: Array<() => void> = [];
  private handshakeTimer: NodeJS.Timeout | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private keepAliveTimer: NodeJS.Timeout | null = null;

  /** Validates `opts` (TypeError quoting the bad value); touches neither the stream nor timers. */
  constructor(stream: Duplex, opts: PeerConnectionOptions) {
    super();
    if (stream === null || typeof stream !== 'object' || typeof stream.write !== 'function') {
      throw new TypeError(`PeerConnection: stream must be a Duplex, got ${String(stream)} (${typeof stream})`);
    }
    for (const name of ['handshakeTimeoutMs', 'idleTimeoutMs', 'keepAliveIntervalMs', 'maxQueuedBytes'] as const) {
      assertPositiveInteger(name, opts[name], name === 'maxQueuedBytes' ? Number.MAX_SAFE_INTEGER : MAX_TIMER_MS);
    }
    this.stream = stream;
    this.opts = { ...opts };
    this.ourHandshake = encodeHandshake({ swarmId: opts.swarmId, peerId: opts.peerId });
    this.decoder = new FrameDecoder({ maxFrameBytes: opts.maxFrameBytes });
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

  /** Sends our handshake and starts reading theirs. Throws a `TypeError` when called twice. */
  start(): void {
    if (this.state !== 'new') throw new TypeError(`PeerConnection.start: already ${this.state}`);
    this.state = 'handshaking';
    this.stream.on('data', this.onData);
    this.stream.on('error', this.onStreamError);
    this.stream.on('end', this.onStreamEnd);
    this.stream.on('close', this.onStreamClose);
    this.handshakeTimer = setTimeout(this.onHandshakeTimeout, this.opts.handshakeTimeoutMs);
    this.handshakeTimer.unref();
    this.write(this.ourHandshake);
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
   * the stream holds `block` until it is written, so never mutate or reuse it afterwards.
   * Returns as {@link PeerConnection.send}.
   */
  sendPiece(piece: number, begin: number, block: Uint8Array): boolean {
    if (!(block instanceof Uint8Array)) {
      throw new TypeError(`PeerConnection.sendPiece: block must be a Uint8Array, got ${String(block)} (${typeof block})`);
    }
    const header = encodePieceHeader(piece, begin, block.length);
    if (!this.writable('sendPiece')) return false;
    this.stream.cork();
    this.write(header);
    this.write(block);
    this.stream.uncork();
    return this.underQueueCap();
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
    for (const timer of [this.handshakeTimer, this.idleTimer, this.keepAliveTimer]) {
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

  private write(bytes: Uint8Array): void {
    this.keepAliveTimer?.refresh();
    this.stream.write(bytes, this.onWritten);
  }

  private underQueueCap(): boolean {
    if (this.stream.writableLength <= this.opts.maxQueuedBytes) return true;
    this.needDrain = true;
    return false;
  }

  private readonly onWritten = (): void => {
    if (!this.needDrain || this.state === 'closed') return;
    if (this.stream.writableLength > this.opts.maxQueuedBytes) return;
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
    const rest = this.state === 'handshaking' ? this.readHandshake(chunk) : chunk;
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
      if (message === null) return;
      this.emit('message', message);
    }
  }

  /** Takes the handshake's bytes from `chunk`; returns the bytes after it (frames). */
  private readHandshake(chunk: Uint8Array): Uint8Array {
    const takeBytes = Math.min(HANDSHAKE_BYTES - this.handshakeFilled, chunk.length);
    this.handshakeBuffer.set(chunk.subarray(0, takeBytes), this.handshakeFilled);
    this.handshakeFilled += takeBytes;
    if (!isHandshakePrefix(this.handshakeBuffer.subarray(0, this.handshakeFilled))) {
      this.destroy('wire error BAD_HANDSHAKE: not a swarm-wire/1 handshake');
    } else if (this.handshakeFilled === HANDSHAKE_BYTES) {
      this.acceptHandshake();
    }
    return chunk.subarray(takeBytes);
  }

  private acceptHandshake(): void {
    const handshake = decodeHandshake(this.handshakeBuffer);
    if (handshake instanceof WireError) {
      this.destroy(`wire error ${handshake.code}: ${handshake.message}`);
      return;
    }
    if (!bytesEqual(handshake.swarmId, this.opts.swarmId)) {
      this.destroy('swarm id mismatch');
      return;
    }
    if (bytesEqual(handshake.peerId, this.opts.peerId)) {
      this.destroy('connected to self');
      return;
    }
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
