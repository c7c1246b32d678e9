/**
 * How each request a download sends to its origin ended, for the metrics and the `done` event:
 * a probe (one HEAD, plus a GET of byte 0 when the HEAD says too little) or a ranged read, and
 * whether it was answered, failed and is retried, failed for good, or was stopped by us.
 *
 * Pure: no I/O, no clock. Not responsible for the retries themselves (wait-before-retry.ts).
 * Concurrency: one instance per kind of request of a download phase, from one event loop.
 */
import { OriginError } from '../errors.js';

/** What was asked of the origin. */
export type OriginRequestKind = 'probe' | 'range';
/** Every kind, so each series exists from the first scrape. */
export const ORIGIN_REQUEST_KINDS: readonly OriginRequestKind[] = ['probe', 'range'];

/**
 * How a request ended: `ok` answered (a range possibly short of what was asked), `retried`
 * failed and another attempt follows, `failed` failed for good (not retryable, or the retry
 * budget is spent), `cancelled` stopped by us (the download stopped or failed for a reason of its
 * own, or peers brought the rest of the run first).
 */
export type OriginRequestResult = 'ok' | 'retried' | 'failed' | 'cancelled';
/** Every result, so each series exists from the first scrape. */
export const ORIGIN_REQUEST_RESULTS: readonly OriginRequestResult[] = ['ok', 'retried', 'failed', 'cancelled'];

/** One request that ended. */
export interface OriginRequestReport {
  readonly kind: OriginRequestKind;
  readonly result: OriginRequestResult;
  /** The error's stable code when it failed (`retried`, `failed`), else null. */
  readonly code: string | null;
}

/** Receives each request as it ends. */
export type OnOriginRequest = (report: OriginRequestReport) => void;

/** Reports the requests of one kind to `onRequest` (nothing without one). */
export class OriginRequests {
  readonly #kind: OriginRequestKind;
  readonly #onRequest: OnOriginRequest | undefined;

  constructor(kind: OriginRequestKind, onRequest: OnOriginRequest | undefined) {
    this.#kind = kind;
    this.#onRequest = onRequest;
  }

  /** The origin answered. */
  ok(): void {
    this.#report('ok', null);
  }

  /** Stopped by us: the download stopped, or no longer needs what was asked. */
  cancelled(): void {
    this.#report('cancelled', null);
  }

  /** A failed attempt, another follows. */
  retried(code: string): void {
    this.#report('retried', code);
  }

  /**
   * An attempt that threw `err` and is not retried: `cancelled` when `aborted` or the error is
   * not the origin's (a local one, e.g. storage), else `failed` with its code.
   */
  ended(err: unknown, aborted: boolean): void {
    if (aborted || !(err instanceof OriginError)) this.cancelled();
    else this.#report('failed', err.code);
  }

  #report(result: OriginRequestResult, code: string | null): void {
    this.#onRequest?.({ kind: this.#kind, result, code });
  }
}
