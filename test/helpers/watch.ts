/**
 * Waiting in tests for a condition that some event makes true, without sleeping: the code under
 * test (or a fake it talks to) calls {@link Watch.poke} after each change, and {@link Watch.until}
 * resolves at the first poke after which the condition holds.
 *
 * Not responsible for what changes: a caller that forgets to poke waits until the timeout, which
 * then fails with the label, so a missed event reads as such and not as a hung test.
 * Concurrency: event loop only; any number of waiters at once.
 */

/** Conditions waited for, re-checked at each poke. */
export class Watch {
  readonly #waiters = new Set<() => void>();

  /** Something changed: every waiter checks its condition again. */
  poke(): void {
    for (const check of [...this.#waiters]) check();
  }

  /**
   * Resolves once `holds()` is true (at once when it is now); rejects after `timeoutMs` with an
   * Error naming `label`. TypeError when `timeoutMs` is not a positive number.
   */
  until(holds: () => boolean, label: string, timeoutMs = 2000): Promise<void> {
    if (!(typeof timeoutMs === 'number' && timeoutMs > 0)) throw new TypeError(`timeoutMs must be a positive number, got ${String(timeoutMs)}`);
    if (holds()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${label}`));
      }, timeoutMs);
      const check = (): void => {
        if (!holds()) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve();
      };
      this.#waiters.add(check);
    });
  }
}
