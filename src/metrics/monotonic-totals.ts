/**
 * A running total fed with cumulative figures per key (a transfer's bytes so far): each report
 * adds only what grew since that key's last one, so figures reported again, or read again at the
 * next scrape, are not counted twice; a figure that shrinks (a file evicted and fetched anew)
 * starts that key over.
 *
 * Pure. Not responsible for forgetting keys (a key is a short file id; a daemon holds few).
 * Concurrency: one event loop.
 */
export class MonotonicTotals {
  readonly #last = new Map<string, number>();
  #total = 0;

  /** The sum of every increase seen. */
  get total(): number {
    return this.#total;
  }

  /**
   * Records `key`'s cumulative `value`; returns how much the total grew. Throws TypeError on a
   * value that is not a finite number >= 0.
   */
  observe(key: string, value: number): number {
    if (!Number.isFinite(value) || value < 0) throw new TypeError(`MonotonicTotals: value must be a finite number >= 0, got ${String(value)}`);
    const last = this.#last.get(key) ?? 0;
    const grew = value >= last ? value - last : value;
    this.#last.set(key, value);
    this.#total += grew;
    return grew;
  }
}
