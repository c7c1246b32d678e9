import { describe, expect, it } from 'vitest';
import { OriginError } from '../../../src/errors.js';
import { classifyAzureFailure, type AzureFailure, type AzureVerdict } from '../../../src/http-seed/azure-failure.js';

describe('classifyAzureFailure', () => {
  it.each<[string, AzureFailure, AzureVerdict]>([
    ['412 ConditionNotMet (blob overwritten)', { statusCode: 412, errorCode: 'ConditionNotMet' }, 'changed'],
    ['412 without a code', { statusCode: 412 }, 'changed'],
    ['416 InvalidRange (blob shrank)', { statusCode: 416, errorCode: 'InvalidRange' }, 'changed'],
    ['503 ServerBusy', { statusCode: 503, errorCode: 'ServerBusy' }, 'retry'],
    ['500 OperationTimedOut', { statusCode: 500, errorCode: 'OperationTimedOut' }, 'retry'],
    ['500 InternalError', { statusCode: 500, errorCode: 'InternalError' }, 'retry'],
    ['502 without a code', { statusCode: 502 }, 'retry'],
    ['408', { statusCode: 408 }, 'retry'],
    ['429', { statusCode: 429 }, 'retry'],
    ['403 AuthenticationFailed', { statusCode: 403, errorCode: 'AuthenticationFailed' }, 'final'],
    ['403 from a HEAD (no code)', { statusCode: 403 }, 'final'],
    ['404 BlobNotFound', { statusCode: 404, errorCode: 'BlobNotFound' }, 'final'],
    ['400 InvalidHeaderValue', { statusCode: 400, errorCode: 'InvalidHeaderValue' }, 'final'],
    ['ECONNRESET', { error: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) }, 'retry'],
    ['ECONNREFUSED', { error: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) }, 'retry'],
    ['a reset in the cause chain', { error: new Error('request failed', { cause: Object.assign(new Error('x'), { code: 'EPIPE' }) }) }, 'retry'],
    ['ENOTFOUND', { error: Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }) }, 'final'],
    ['an unknown error', { error: new Error('something') }, 'final'],
    ['a retryable OriginError', { error: new OriginError('ORIGIN_STALLED', 'stalled', { retryable: true }) }, 'retry'],
    ['nothing at all', {}, 'final'],
  ])('%s: %s', (_name, failure, verdict) => {
    expect(classifyAzureFailure(failure)).toBe(verdict);
  });
});
