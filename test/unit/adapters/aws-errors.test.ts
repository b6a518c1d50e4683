import { describe, expect, it } from 'vitest';
import { classifyAwsError, describeAwsError } from '../../../shared/adapters/aws-errors.js';

const sdk = (name: string, status?: number, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} happened`), { name, ...(status === undefined ? {} : { $metadata: { httpStatusCode: status } }), ...extra });

describe('classifyAwsError', () => {
  it.each([
    ['AccessDenied', 403, 'permission'],
    ['InvalidAccessKeyId', 403, 'permission'],
    ['SignatureDoesNotMatch', 403, 'permission'],
    ['Unknown', 403, 'permission'],
    ['CredentialsProviderError', undefined, 'permission'],
    ['NoSuchBucket', 404, 'missing-bucket'],
    ['EntityTooLarge', 400, 'too-large'],
    ['InvalidArgument', 400, 'invalid'],
    ['SlowDown', 503, 'transient'],
    ['InternalError', 500, 'transient'],
    ['TooManyRequestsException', 429, 'transient'],
    ['TimeoutError', undefined, 'transient'],
    ['SomethingNew', undefined, 'unknown'],
  ] as const)('reads %s (HTTP %s) as %s', (name, status, failure) => {
    expect(classifyAwsError(sdk(name, status)).failure).toBe(failure);
  });

  it('trusts the SDK\'s $retryable and the network error codes', () => {
    expect(classifyAwsError(sdk('Whatever', undefined, { $retryable: { throttling: true } })).failure).toBe('transient');
    expect(classifyAwsError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })).failure).toBe('transient');
    expect(classifyAwsError(Object.assign(new Error('getaddrinfo ENOTFOUND s3.nowhere'), { code: 'ENOTFOUND' })).failure).toBe('unknown');
  });
});

describe('describeAwsError', () => {
  it('says the kind, the message and the code in one line', () => {
    expect(describeAwsError(sdk('AccessDenied', 403))).toBe('access denied: AccessDenied happened (AccessDenied, HTTP 403)');
    expect(describeAwsError(sdk('NoSuchBucket', 404))).toBe('the bucket does not exist (NoSuchBucket, HTTP 404)');
  });
});
