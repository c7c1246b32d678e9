/**
 * A token bucket for byte rates: how long a caller must wait before it may move `bytes`.
 *
 * Pure: time is passed in as `nowMs`; the shell does the waiting. Not responsible for fairness
 * between callers (first come, first served by call order). A `null` rate means unlimited.
 * The bucket may go into debt: a large take is granted at once and later takes wait it off, so a
 * caller never has to split its buffers to fit the burst size.
 *
 * It starts empty: the first bytes wait for the rate like any others, so from the start no run of
 * T seconds moves more than rate x T (the first second of a `--speed-limit-down` run holds the
 * cap). Tokens saved while idle are capped at the burst, so later windows of T seconds move at
 * most rate x T + burst.
 */
/** The least default burst: one 64 KiB block. */
const DEFAULT_BURST_BYTES = 64 * 1024;

export class TokenBucket {
  readonly bytesPerSec: number | null;
  readonly burstBytes: number;
  #tokens: number;
  #lastMs: number;

  /**
   * @param bytesPerSec - the sustained rate, or `null` for unlimited.
   * @param nowMs - the current time.
   * @param burstBytes - the most it saves while idle; default: 50 ms of rate, at least 64 KiB
   *   (one block, so that a caller a little late on its wait does not lose rate).
   */
  constructor(bytesPerSec: number | null, nowMs: number, burstBytes?: number) {
    if (bytesPerSec !== null && !(Number.isFinite(bytesPerSec) && bytesPerSec > 0)) {
      throw new TypeError(`bytesPerSec must be a positive number or null, got ${String(bytesPerSec)}`);
    }
    this.bytesPerSec = bytesPerSec;
    this.burstBytes = burstBytes ?? Math.max(DEFAULT_BURST_BYTES, Math.floor((bytesPerSec ?? 0) / 20));
    this.#tokens = 0;
    this.#lastMs = nowMs;
  }

  /**
   * Takes `bytes` from the bucket and returns how many milliseconds the caller must wait before
   * moving them (0 when it may go at once).
   */
  take(bytes: number, nowMs: number): number {
    if (this.bytesPerSec === null) return 0;
    this.#refill(nowMs);
    this.#tokens -= bytes;
    if (this.#tokens >= 0) return 0;
    // Rounded up to a whole millisecond, but not by float noise: a debt of exactly N ms computed
    // as N + 1e-7 must not wait N + 1 (a later take would then be granted before this one).
    return Math.ceil((-this.#tokens / this.bytesPerSec) * 1000 - 1e-6);
  }

  /**
   * Gives back `bytes` taken but not moved after all (the caller's wait was for nothing), so they
   * do not count against the rate; the bucket never holds more than its burst.
   */
  refund(bytes: number, nowMs: number): void {
    if (this.bytesPerSec === null) return;
    this.#refill(nowMs);
    this.#tokens = Math.min(this.burstBytes, this.#tokens + bytes);
  }

  #refill(nowMs: number): void {
    const elapsedMs = Math.max(0, nowMs - this.#lastMs);
    this.#lastMs = Math.max(this.#lastMs, nowMs);
    this.#tokens = Math.min(this.burstBytes, this.#tokens + (elapsedMs * (this.bytesPerSec ?? 0)) / 1000);
  }
}
