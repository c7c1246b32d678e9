/**
 * A transfer rate over a sliding window of recent samples, for progress bars and ETAs.
 *
 * Pure: the caller passes the running byte total and the time. Not responsible for when samples
 * are taken; any cadence works, a window of about five seconds is kept.
 */
export class RateMeter {
  readonly windowMs: number;
  readonly #samples: Array<{ atMs: number; bytes: number }> = [];

  constructor(nowMs: number, windowMs = 5000, startBytes = 0) {
    this.windowMs = windowMs;
    this.#samples.push({ atMs: nowMs, bytes: startBytes });
  }

  /** Records `totalBytes` at `nowMs` and returns bytes per second over the window. */
  rate(totalBytes: number, nowMs: number): number {
    this.#samples.push({ atMs: nowMs, bytes: totalBytes });
    while (this.#samples.length > 2 && (this.#samples[1]?.atMs ?? nowMs) <= nowMs - this.windowMs) this.#samples.shift();
    const oldest = this.#samples[0];
    if (!oldest || nowMs <= oldest.atMs) return 0;
    return ((totalBytes - oldest.bytes) * 1000) / (nowMs - oldest.atMs);
  }
}

/**
 * Seconds until `leftBytes` arrive at `rateBytesPerSec`, rounded up: 0 when nothing is left, null
 * while the rate is unknown (0, or not a finite number). Pure.
 */
export function etaSeconds(leftBytes: number, rateBytesPerSec: number): number | null {
  if (leftBytes <= 0) return 0;
  if (!(Number.isFinite(rateBytesPerSec) && rateBytesPerSec > 0)) return null;
  return Math.ceil(leftBytes / rateBytesPerSec);
}
