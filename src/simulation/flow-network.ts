/**
 * A flow-level model of bandwidth sharing: each transfer (a flow) goes out of a sender's port and
 * into a receiver's port, and moves at the fair share of both: the smaller of the sender's
 * capacity divided by its flows and the receiver's capacity divided by its flows. Rates are
 * recomputed, for the flows of the two ports concerned, whenever a flow starts or ends; a flow's
 * completion is an event of the {@link EventQueue}.
 *
 * A simplification of TCP (no slow start, no max-min redistribution of a share that a flow cannot
 * use): close enough when links, not latency, bound the transfers. Pure: no I/O, simulated time.
 * Not responsible for what the bytes are (the caller's `onDone`). Single-threaded.
 */
import type { EventQueue } from './event-queue.js';

/** One direction of a link: an upload port or a download port. */
export class Port {
  /** Bytes per second. */
  readonly capacityBps: number;
  readonly flows = new Set<Flow>();
  /** Bytes that went through it so far (counted when a flow ends or is cancelled). */
  movedBytes = 0;
  /** Milliseconds it has carried at least one flow (up to when it last went idle), and since when it does now. */
  busyMs = 0;
  busySinceMs: number | null = null;

  /** TypeError unless `capacityBps` is a positive finite number. */
  constructor(capacityBps: number) {
    if (!(capacityBps > 0) || !Number.isFinite(capacityBps)) throw new TypeError(`port capacity must be a positive number of bytes/s, got ${String(capacityBps)}`);
    this.capacityBps = capacityBps;
  }

  /** The fair share of one of its flows now. */
  get shareBps(): number {
    return this.capacityBps / Math.max(1, this.flows.size);
  }
}

/** A transfer in progress. */
export class Flow {
  readonly sender: Port;
  readonly receiver: Port;
  readonly bytes: number;
  remainingBytes: number;
  rateBps = 0;
  /** When `remainingBytes` was last brought up to date. */
  updatedMs: number;
  /** Token of its earliest pending completion event (others are stale), and that event's time. */
  dueToken = 0;
  dueMs = Infinity;
  done = false;
  readonly onDone: () => void;

  constructor(sender: Port, receiver: Port, bytes: number, nowMs: number, onDone: () => void) {
    this.sender = sender;
    this.receiver = receiver;
    this.bytes = bytes;
    this.remainingBytes = bytes;
    this.updatedMs = nowMs;
    this.onDone = onDone;
  }

  /** Bytes moved so far, as of `updatedMs`. */
  get movedBytes(): number {
    return this.bytes - this.remainingBytes;
  }
}

/** The flows of a simulation. */
export class FlowNetwork {
  readonly #queue: EventQueue;
  #tokens = 0;
  /** Flows started so far. */
  started = 0;

  constructor(queue: EventQueue) {
    this.#queue = queue;
  }

  /** Starts a flow of `bytes` (> 0) from `sender` to `receiver`; `onDone` fires when the last byte is through. */
  start(sender: Port, receiver: Port, bytes: number, onDone: () => void): Flow {
    if (!(bytes > 0) || !Number.isFinite(bytes)) throw new TypeError(`flow bytes must be a positive number, got ${String(bytes)}`);
    const flow = new Flow(sender, receiver, bytes, this.#queue.nowMs, onDone);
    this.started += 1;
    for (const port of [sender, receiver]) {
      if (port.flows.size === 0) port.busySinceMs = this.#queue.nowMs;
      port.flows.add(flow);
    }
    this.#rerate(sender, receiver);
    return flow;
  }

  /** Stops `flow` where it is (no-op once done); returns the bytes it moved. */
  cancel(flow: Flow): number {
    if (flow.done) return flow.movedBytes;
    this.#advance(flow);
    this.#finish(flow);
    return flow.movedBytes;
  }

  #finish(flow: Flow): void {
    flow.done = true;
    for (const port of [flow.sender, flow.receiver]) {
      port.flows.delete(flow);
      if (port.flows.size === 0 && port.busySinceMs !== null) {
        port.busyMs += this.#queue.nowMs - port.busySinceMs;
        port.busySinceMs = null;
      }
    }
    flow.sender.movedBytes += flow.movedBytes;
    flow.receiver.movedBytes += flow.movedBytes;
    this.#rerate(flow.sender, flow.receiver);
  }

  #advance(flow: Flow): void {
    const now = this.#queue.nowMs;
    flow.remainingBytes = Math.max(0, flow.remainingBytes - (flow.rateBps * (now - flow.updatedMs)) / 1000);
    flow.updatedMs = now;
  }

  #rerate(sender: Port, receiver: Port): void {
    for (const flow of sender.flows) this.#rateOne(flow);
    for (const flow of receiver.flows) if (flow.sender !== sender) this.#rateOne(flow);
  }

  /**
   * A new rate. A completion event is scheduled only when the flow would now end before its
   * pending one: a flow that slows down keeps its event, which finds bytes left and schedules
   * again (half the events of rescheduling at every change).
   */
  #rateOne(flow: Flow): void {
    const rate = Math.min(flow.sender.shareBps, flow.receiver.shareBps);
    if (rate === flow.rateBps) return;
    this.#advance(flow);
    flow.rateBps = rate;
    const endMs = this.#queue.nowMs + (flow.remainingBytes / rate) * 1000;
    if (endMs < flow.dueMs) this.#schedule(flow, endMs);
  }

  #schedule(flow: Flow, atMs: number): void {
    const token = ++this.#tokens;
    flow.dueToken = token;
    flow.dueMs = atMs;
    this.#queue.at(atMs, () => this.#due(flow, token));
  }

  #due(flow: Flow, token: number): void {
    if (flow.done || flow.dueToken !== token) return;
    this.#advance(flow);
    // Less than a byte left is rounding: the flow is through.
    if (flow.remainingBytes >= 1) {
      this.#schedule(flow, this.#queue.nowMs + (flow.remainingBytes / flow.rateBps) * 1000);
      return;
    }
    flow.remainingBytes = 0;
    this.#finish(flow);
    flow.onDone();
  }
}
