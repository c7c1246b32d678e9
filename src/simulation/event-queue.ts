/**
 * The clock and agenda of a discrete-event simulation: a binary min-heap of callbacks keyed by
 * simulated time, ties fired in the order they were scheduled, so a run is a pure function of its
 * inputs.
 *
 * Pure: no I/O, no timers; time is a number of simulated milliseconds that only {@link run}
 * advances. Not responsible for cancelling: a callback that may go stale checks its own state
 * (e.g. a version number) when it fires. Single-threaded; a callback may schedule more events.
 */

interface Scheduled {
  readonly atMs: number;
  readonly seq: number;
  readonly fire: () => void;
}

function earlier(a: Scheduled, b: Scheduled): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}

/** The agenda of a simulation and its clock. */
export class EventQueue {
  #nowMs = 0;
  #seq = 0;
  #fired = 0;
  readonly #heap: Scheduled[] = [];

  /** Simulated time of the event being fired (or of the last one fired). */
  get nowMs(): number {
    return this.#nowMs;
  }

  /** Events fired so far. */
  get fired(): number {
    return this.#fired;
  }

  /** Events waiting. */
  get size(): number {
    return this.#heap.length;
  }

  /** Schedules `fire` at `atMs` (never before now). Throws a TypeError on a time that is not finite. */
  at(atMs: number, fire: () => void): void {
    if (!Number.isFinite(atMs)) throw new TypeError(`event time must be finite, got ${String(atMs)}`);
    const event = { atMs: Math.max(atMs, this.#nowMs), seq: this.#seq++, fire };
    const heap = this.#heap;
    let index = heap.push(event) - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const above = heap[parent]!;
      if (!earlier(event, above)) break;
      heap[index] = above;
      index = parent;
    }
    heap[index] = event;
  }

  /** Schedules `fire` `delayMs` after now. */
  after(delayMs: number, fire: () => void): void {
    this.at(this.#nowMs + delayMs, fire);
  }

  /**
   * Fires events in time order until none is left, `stop()` says so (checked after each event),
   * or the next one is later than `untilMs`. Returns whether events are left.
   */
  run(stop: () => boolean = () => false, untilMs = Infinity): boolean {
    while (this.#heap.length > 0) {
      const next = this.#heap[0]!;
      if (next.atMs > untilMs) return true;
      this.#pop();
      this.#nowMs = next.atMs;
      this.#fired += 1;
      next.fire();
      if (stop()) return this.#heap.length > 0;
    }
    return false;
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && earlier(heap[right]!, heap[left]!) ? right : left;
      if (!earlier(heap[child]!, last)) break;
      heap[index] = heap[child]!;
      index = child;
    }
    heap[index] = last;
  }
}
