/**
 * What one peer delivers us, in bytes per second, over the last {@link RATE_WINDOW_MS} of asking
 * it: the figure the request pipeline is sized by (`pipelineDepth`). Used by the real `Peer` and
 * by the simulator's peer views, so both size their pipelines from the same measurement.
 *
 * Pure: the caller passes the time. Not responsible for the pipeline itself.
 */
import { RateMeter } from '../rate-limit/rate-meter.js';

/** A peer's download rate is sampled at most this often. */
export const RATE_SAMPLE_MS = 100;
/** The window a peer's download rate is measured over. */
export const RATE_WINDOW_MS = 2000;

/** The download rate of one peer. */
export class PeerRate {
  #meter: { readonly meter: RateMeter; readonly startMs: number; sampledMs: number } | null = null;
  #rate: number | null = null;
  #bytes = 0;

  /** Bytes it delivered in all. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Bytes per second, null until it has been asked for half a second; sampled at most every {@link RATE_SAMPLE_MS}. */
  get rate(): number | null {
    return this.#rate;
  }

  /** We asked it for something at `nowMs`: the rate is measured from the first ask. */
  asked(nowMs: number): void {
    this.#meter ??= { meter: new RateMeter(nowMs, RATE_WINDOW_MS, this.#bytes), startMs: nowMs, sampledMs: nowMs };
  }

  /** It delivered `bytes` at `nowMs`. */
  received(bytes: number, nowMs: number): void {
    this.#bytes += bytes;
    const state = this.#meter;
    if (!state || nowMs - state.sampledMs < RATE_SAMPLE_MS) return;
    state.sampledMs = nowMs;
    const rate = state.meter.rate(this.#bytes, nowMs);
    if (nowMs - state.startMs >= RATE_SAMPLE_MS * 5) this.#rate = rate;
  }
}
