/**
 * The pause before another attempt at the origin: the backoff of {@link retryDelayMs} for this
 * attempt, or the final error when the attempts are used up. Shared by the probe and the origin
 * connections so both give up the same way.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { OriginError } from '../errors.js';
import { retryDelayMs, type RetryOptions } from '../http-seed/retry-delay.js';

/**
 * Waits before attempt `attempt + 1` after `err`. Throws `err`, marked as given up, when no
 * attempt is left, and the abort reason when `signal` aborts while waiting.
 */
export async function waitBeforeRetry(attempt: number, retry: RetryOptions, err: OriginError, signal: AbortSignal): Promise<void> {
  const delayMs = retryDelayMs(attempt, retry, Math.random(), { header: err.retryAfter, nowMs: Date.now() });
  if (delayMs === null) {
    throw new OriginError(err.code, `${err.message} (gave up after ${attempt} attempts)`, { cause: err });
  }
  await sleep(delayMs, undefined, { signal }).catch(() => {
    throw signal.reason ?? err;
  });
}
