/**
 * A {@link PeerLink} without a socket, for unit tests of the swarm's parts: it records what the
 * swarm sends, plays what a peer says ({@link FakeLink.receive}), and can be made full to test
 * backpressure ({@link FakeLink.fill} / {@link FakeLink.drain}).
 *
 * Like `PeerConnection`: each message is encoded first, so a field out of range throws the codec's
 * TypeError; a full link still takes messages (they are queued) but says false until drained;
 * a closed link takes nothing and says false; `destroy` emits 'close' once. Unlike it: blocks
 * are copied when sent and `onSent` is called at once, so a buffer the sender reuses afterwards
 * cannot change what was recorded.
 *
 * Not responsible for the handshake or framing. Concurrency: event loop only.
 */
import { EventEmitter } from 'node:events';
import { encodeMessage, encodePieceHeader, type WireMessage, type WireMessageType } from '../../src/wire/codec.js';
import type { PeerLink } from '../../src/swarm/peer-link.js';
import { Watch } from './watch.js';

/** A message of type `T`. */
export type MessageOf<T extends WireMessageType> = Extract<WireMessage, { type: T }>;

/** A peer connection that records what is sent and plays what the peer says. */
export class FakeLink extends EventEmitter implements PeerLink {
  /** Every message sent, in order; blocks passed to `sendPiece` appear as `piece` messages. */
  readonly sent: WireMessage[] = [];
  /** Why it was destroyed, or null while open. */
  closeReason: string | null = null;
  readonly #watch = new Watch();
  #full = false;
  #drainWaiters: Array<() => void> = [];

  /** Whether the link has closed. */
  get closed(): boolean {
    return this.closeReason !== null;
  }

  /** How many `drained()` calls wait now. */
  get drainWaiters(): number {
    return this.#drainWaiters.length;
  }

  /** Records `message`; false when the link is full or closed (then nothing is recorded). */
  send(message: WireMessage): boolean {
    encodeMessage(message);
    if (this.closed) return false;
    this.#record(message);
    return !this.#full;
  }

  /** Records a copy of `block` as a `piece` message and calls `onSent` at once. As {@link send}. */
  sendPiece(piece: number, begin: number, block: Uint8Array, onSent?: () => void): boolean {
    if (!(block instanceof Uint8Array)) throw new TypeError(`FakeLink.sendPiece: block must be a Uint8Array, got ${String(block)} (${typeof block})`);
    encodePieceHeader(piece, begin, block.length);
    const copy = Buffer.from(block);
    onSent?.();
    if (this.closed) return false;
    this.#record({ type: 'piece', piece, begin, block: copy });
    return !this.#full;
  }

  /** Resolves at once unless full and open; else at the next {@link drain} or {@link destroy}. */
  drained(): Promise<void> {
    if (!this.#full || this.closed) return Promise.resolve();
    const waiting = new Promise<void>((resolve) => this.#drainWaiters.push(resolve));
    this.#watch.poke();
    return waiting;
  }

  /** Closes the link: records `reason` and emits 'close' with it, once. */
  destroy(reason: string): void {
    if (this.closed) return;
    this.closeReason = reason;
    this.#releaseDrainWaiters();
    this.emit('close', reason);
    this.#watch.poke();
  }

  // --- The test's side ---------------------------------------------------------------------

  /** The messages of type `type` sent so far, in order. */
  sentOf<T extends WireMessageType>(type: T): Array<MessageOf<T>> {
    return this.sent.filter((message): message is MessageOf<T> => message.type === type);
  }

  /** The types of the messages sent so far, in order (for terse assertions). */
  sentTypes(): WireMessageType[] {
    return this.sent.map((message) => message.type);
  }

  /** Forgets what was sent so far (what follows is asserted alone). */
  clearSent(): void {
    this.sent.length = 0;
  }

  /** The peer says `message`: emitted as 'message', as the real link does after decoding it. */
  receive(message: WireMessage): void {
    encodeMessage(message);
    if (this.closed) return;
    this.emit('message', message);
  }

  /** Makes the link full: sends return false and `drained()` waits until {@link drain}. */
  fill(): void {
    this.#full = true;
  }

  /** The queue emptied: sends return true again and every `drained()` resolves. */
  drain(): void {
    this.#full = false;
    this.#releaseDrainWaiters();
  }

  /**
   * Resolves once `holds(this)` is true, re-checked after each message sent, each `drained()`
   * call and the close; rejects after `timeoutMs` naming `label`.
   */
  until(holds: (link: this) => boolean, label: string, timeoutMs?: number): Promise<void> {
    return this.#watch.until(() => holds(this), label, timeoutMs);
  }

  /** Resolves once `count` messages of type `type` were sent in all. */
  untilSent(type: WireMessageType, count = 1, timeoutMs?: number): Promise<void> {
    return this.until((link) => link.sentOf(type).length >= count, `${count} ${type} message(s)`, timeoutMs);
  }

  #record(message: WireMessage): void {
    this.sent.push(message);
    this.#watch.poke();
  }

  #releaseDrainWaiters(): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
