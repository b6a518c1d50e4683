import { describe, expect, it } from 'vitest';
import { ConfigError, ConflictError, InputError, isRetriable, NotFoundError, PipelineError, StorageError } from '../../shared/errors.js';

describe('isRetriable', () => {
  it('trusts what the pipeline classified: conflicts and transient storage failures are retriable', () => {
    expect(isRetriable(new ConflictError('k'))).toBe(true);
    expect(isRetriable(new StorageError('s3://b/k', 'transient', 'SlowDown'))).toBe(true);
    expect(isRetriable(new PipelineError('x', { retriable: true }))).toBe(true);
  });

  it('never retries bad input, settings, missing objects or failures that cannot heal', () => {
    for (const error of [new InputError('a.csv', 'empty'), new ConfigError('K', 'is bad'), new NotFoundError('k')]) expect(isRetriable(error)).toBe(false);
    for (const failure of ['permission', 'missing-bucket', 'invalid', 'too-large', 'unknown'] as const) expect(isRetriable(new StorageError('s3://b', failure, 'no'))).toBe(false);
  });

  it('does not retry an error nobody classified', () => {
    expect(isRetriable(new Error('ECONNRESET somewhere'))).toBe(false);
    expect(isRetriable(Object.assign(new Error('x'), { retriable: true }))).toBe(false);
    expect(isRetriable('a string')).toBe(false);
  });
});

describe('StorageError', () => {
  it('is one line naming the location and the reason', () => {
    const error = new StorageError('s3://data/raw/a.csv', 'permission', 'access denied (AccessDenied, HTTP 403)');
    expect(error.message).toBe('s3://data/raw/a.csv: access denied (AccessDenied, HTTP 403)');
    expect(error.message).not.toContain('\n');
  });
});
