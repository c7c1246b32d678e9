/**
 * What an Azure Blob Storage failure means for the download: the blob changed (final), try again
 * (throttling, server timeouts, broken connections), or give up (not found, denied).
 *
 * Pure: reads the status, the service's error code (`x-ms-error-code`) and the error's `code`.
 * Not responsible for waiting or counting attempts (the session's retry loop does).
 */
import { classifyNetworkError, classifyStatus } from './retry-delay.js';

/** What the Azure client saw fail: an HTTP answer, or a request that got none. */
export interface AzureFailure {
  /** The HTTP status, when the service answered. */
  readonly statusCode?: number | undefined;
  /** The service's error code, e.g. `ServerBusy`, `ConditionNotMet`, `BlobNotFound`. */
  readonly errorCode?: string | undefined;
  /** The thrown error, for its network `code` and `cause` chain when there was no answer. */
  readonly error?: unknown;
}

/** The verdict on a failure. */
export type AzureVerdict = 'changed' | 'retry' | 'final';

/** Error codes that mean "the blob is not the one the ETag names any more". */
const CHANGED_CODES = new Set(['ConditionNotMet', 'TargetConditionNotMet', 'InvalidRange']);
/** Error codes the service documents as transient. */
const TRANSIENT_CODES = new Set(['ServerBusy', 'OperationTimedOut', 'InternalError']);

/**
 * `changed` for 412 and 416 and their error codes (a conditional read of an overwritten blob);
 * `retry` for 408, 429, 5xx (503 ServerBusy, 500 OperationTimedOut) and broken or timed-out
 * connections; `final` for the rest (403 denied, 404 not found, DNS failure, ...).
 */
export function classifyAzureFailure(failure: AzureFailure): AzureVerdict {
  const { statusCode, errorCode } = failure;
  if (statusCode === 412 || statusCode === 416 || (errorCode !== undefined && CHANGED_CODES.has(errorCode))) return 'changed';
  if (errorCode !== undefined && TRANSIENT_CODES.has(errorCode)) return 'retry';
  if (typeof statusCode === 'number' && Number.isInteger(statusCode) && statusCode > 0) {
    return classifyStatus(statusCode) === 'retry' ? 'retry' : 'final';
  }
  return classifyNetworkError(failure.error);
}
