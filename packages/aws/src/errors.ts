import { errorMessage, type PollResult } from '@deploy-suite/core';

/** The AWS error code of an SDK exception (`ThrottlingException`, `ClientException`, ...), if any. */
export function awsErrorName(error: unknown): string | undefined {
  if (error && typeof error === 'object' && 'name' in error && typeof error.name === 'string') {
    return error.name;
  }
  return undefined;
}

/** Error names AWS (and the SDK, for network trouble) give to failures that a later look can outlive. */
const TRANSIENT_ERRORS = new Set([
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'SlowDown',
  'ServiceUnavailable',
  'InternalFailure',
  'InternalError',
  'RequestTimeout',
  'TimeoutError',
  'ECONNRESET',
  'ECONNREFUSED',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EPIPE'
]);

/** A throttled, 5xx or dropped describe: the SDK gave up retrying it, but the next poll may well work. */
export function isTransientAwsError(error: unknown): boolean {
  // network errors are plain Errors whose `code` says what happened (ECONNREFUSED: a lost endpoint)
  const names = [awsErrorName(error), (error as { code?: string } | undefined)?.code];
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
    ?.httpStatusCode;
  return (
    names.some(name => name !== undefined && TRANSIENT_ERRORS.has(name)) ||
    (status !== undefined && status >= 500)
  );
}

/**
 * One look of a poll loop that outlives throttling: when a describe still fails transiently after the
 * SDK's own retries, this poll is skipped (the loop backs off and looks again) instead of failing a
 * deploy that is going fine. The overall deadline still bounds the wait. Other errors fail at once.
 */
export async function lookPolitely<T>(look: () => Promise<PollResult<T>>): Promise<PollResult<T>> {
  try {
    return await look();
  } catch (error) {
    if (!isTransientAwsError(error)) throw error;
    return {
      done: false,
      progress: `a describe call failed (${(error as { code?: string })?.code ?? awsErrorName(error) ?? errorMessage(error)}); backing off and looking again until the deadline`
    };
  }
}
