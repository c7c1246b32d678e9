/**
 * The pause before another attempt at the origin: the backoff of {@link nextRetry} for a
 * connection's streak of failures, or the final error when its time budget (or `--retries`) is
 * spent; and the events that say so. Shared by the probe and the origin connections so both
 * give up, and report, the same way.
 *
 * Streak times are `performance.now()` (monotonic: a clock step neither ends nor stretches a
 * budget). Concurrency: each connection keeps its own streak; one {@link OriginRetryEvents} is
 * shared by the connections of one download phase.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { OriginError } from '../errors.js';
import { OriginOutage, type OriginOkEvent, type OriginRetryEvent } from '../http-seed/origin-outage.js';
import { extendStreak, gaveUpMessage, nextRetry, type FailureStreak, type RetryOptions } from '../http-seed/retry-delay.js';
import type { OriginRequests } from './origin-requests.js';

/** A failed attempt that will be retried after `delayMs`. */
export interface RetryNotice {
  readonly attempt: number;
  readonly delayMs: number;
  readonly error: OriginError;
}

/** The streak after an attempt that began at `attemptStartMs` (`performance.now()`) failed now. */
export function failedAgain(streak: FailureStreak | null, progressed: boolean, attemptStartMs: number): FailureStreak {
  return extendStreak(streak, progressed, attemptStartMs, performance.now());
}

/**
 * Waits before the next attempt of `streak`, whose last attempt failed with `err`, telling
 * `onRetry` first. Throws an {@link OriginError} with `err`'s code and a message saying for how
 * long and how often the origin failed when the budget is spent, and the abort reason when
 * `signal` aborts while waiting. The failed attempt counts in `requests` as `retried`, or as
 * `failed` when the budget is spent.
 */
export async function waitBeforeRetry(
  streak: FailureStreak,
  retry: RetryOptions,
  err: OriginError,
  signal: AbortSignal,
  onRetry?: (notice: RetryNotice) => void,
  requests?: OriginRequests,
): Promise<void> {
  const nowMs = performance.now();
  const elapsedMs = Math.max(0, nowMs - streak.sinceMs);
  const decision = nextRetry(streak.attempts, elapsedMs, retry, Math.random(), { header: err.retryAfter, nowMs: Date.now() });
  if (decision.kind === 'give-up') {
    requests?.ended(err, false);
    throw new OriginError(err.code, gaveUpMessage(decision.why, streak, nowMs, retry, err.message), { cause: err });
  }
  requests?.retried(err.code);
  onRetry?.({ attempt: streak.attempts, delayMs: decision.delayMs, error: err });
  await sleep(decision.delayMs, undefined, { signal }).catch(() => {
    throw signal.reason ?? err;
  });
}

/**
 * The `origin-retry` and `origin-ok` events of one download phase, coalesced by
 * {@link OriginOutage}, sent to `emit`. Hand {@link retrying} to the retry loops and call
 * {@link answered} whenever the origin answers (cheap when nothing was reported).
 */
export class OriginRetryEvents {
  readonly #outage = new OriginOutage();
  readonly #emit: (event: OriginRetryEvent | OriginOkEvent) => void;

  constructor(emit: (event: OriginRetryEvent | OriginOkEvent) => void) {
    this.#emit = emit;
  }

  /** A failed attempt will be retried. */
  readonly retrying = (notice: RetryNotice): void => {
    const event = this.#outage.retrying(notice, Date.now());
    if (event) this.#emit(event);
  };

  /** The origin answered (a probe, or bytes of a range). */
  readonly answered = (): void => {
    if (!this.#outage.reported) return;
    const event = this.#outage.answered(Date.now());
    if (event) this.#emit(event);
  };
}
