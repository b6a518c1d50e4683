/**
 * What an AWS SDK v3 error means, read from the SDK's own metadata rather than from its message:
 * the error's name (S3's error code), `$metadata.httpStatusCode`, `$retryable` (set by the SDK
 * for throttling and transient errors) and the Node.js network error codes. The adapters turn the
 * answer into the pipeline's errors, so a permission error or a missing bucket fails at once
 * while a throttle or a dropped connection may be tried again.
 */
import type { StorageFailure } from '../errors.js';

const Permission = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'Forbidden',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidToken',
  'ExpiredToken',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'AllAccessDisabled',
  'AccountProblem',
  // no credentials found at all: as final as wrong ones
  'CredentialsProviderError',
]);
const TooLarge = new Set(['EntityTooLarge', 'KeyTooLongError', 'MaxMessageLengthExceeded', 'RequestEntityTooLarge']);
const Throttling = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'ProvisionedThroughputExceededException', 'RequestThrottled']);
const TransientNames = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'InternalError', 'ServiceUnavailable', 'OperationAborted']);
/** Network failures a new attempt may not meet (DNS names that do not resolve, ENOTFOUND, are not among them). */
const TransientCodes = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

interface SdkErrorShape {
  readonly name?: string;
  readonly message?: string;
  readonly code?: string;
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

/** An SDK error, classified. */
export interface AwsErrorKind {
  readonly failure: StorageFailure;
  /** The error's name (S3's error code) or network code. */
  readonly code: string;
  readonly status: number | undefined;
}

/**
 * Classifies an AWS SDK v3 error (or a network error under it). Unknown errors are `unknown`,
 * which is not retriable.
 *
 * @example
 * classifyAwsError(error).failure; // 'permission' for AccessDenied, 'missing-bucket' for NoSuchBucket, 'transient' for SlowDown
 */
export function classifyAwsError(error: unknown): AwsErrorKind {
  const e = (error ?? {}) as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode;
  const code = e.code !== undefined && TransientCodes.has(e.code) ? e.code : (e.name ?? 'Error');
  const kind = (failure: StorageFailure): AwsErrorKind => ({ failure, code, status });
  if (code === 'NoSuchBucket') return kind('missing-bucket');
  if (Permission.has(code) || status === 403) return kind('permission');
  if (TooLarge.has(code) || status === 413) return kind('too-large');
  if (e.$retryable || Throttling.has(code) || TransientNames.has(code) || TransientCodes.has(code) || status === 429 || (status !== undefined && status >= 500)) {
    return kind('transient');
  }
  if (status !== undefined && status >= 400) return kind('invalid');
  return kind('unknown');
}

/**
 * The reason of a classified error in a few words, for one-line messages.
 *
 * @example
 * describeAwsError(error); // 'access denied (AccessDenied, HTTP 403)'
 */
export function describeAwsError(error: unknown, kind = classifyAwsError(error)): string {
  const what = {
    permission: 'access denied',
    'missing-bucket': 'the bucket does not exist',
    invalid: 'the request was refused',
    'too-large': 'too large',
    transient: 'failed for now',
    unknown: 'failed',
  }[kind.failure];
  const message = (error as SdkErrorShape | undefined)?.message;
  const detail = message && message !== kind.code && kind.failure !== 'missing-bucket' && !/^UnknownError$/.test(message) ? `: ${message.split('\n')[0]}` : '';
  return `${what}${detail} (${kind.code}${kind.status === undefined ? '' : `, HTTP ${kind.status}`})`;
}
