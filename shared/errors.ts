/**
 * One error family for the whole pipeline.
 *
 * Every error the pipeline raises on purpose is a {@link PipelineError}: it has a stable `name`,
 * an optional `cause`, and `retriable`, which `retry()` (shared/retry.ts) and the event-source
 * emulator read to decide whether trying again can help. Bad data is never retriable: it is
 * quarantined or dead-lettered instead.
 */
export class PipelineError extends Error {
  override readonly name: string = 'PipelineError';
  readonly retriable: boolean;

  constructor(message: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retriable = options.retriable ?? false;
  }
}

/**
 * A setting is missing or malformed. The message names the variable.
 *
 * @example
 * throw new ConfigError('KAFKA_BROKERS', 'is required for this command');
 */
export class ConfigError extends PipelineError {
  override readonly name = 'ConfigError';
  readonly key: string;

  constructor(key: string, reason: string) {
    super(`${key} ${reason}`);
    this.key = key;
  }
}

/**
 * An input could not be read as data at all (empty, binary, no header, wrong encoding...).
 * `source` names the file or object, `line` the 1-based physical line when one applies.
 *
 * @example
 * throw new InputError('raw/x.csv', 'the file is empty');
 */
export class InputError extends PipelineError {
  override readonly name = 'InputError';
  readonly source: string;
  readonly line: number | undefined;
  readonly reason: string;

  constructor(source: string, reason: string, options: { line?: number; cause?: unknown } = {}) {
    super(`${source}${options.line === undefined ? '' : `:${options.line}`}: ${reason}`, { cause: options.cause });
    this.source = source;
    this.line = options.line;
    this.reason = reason;
  }
}

/**
 * A conditional write lost a race: the object's ETag changed (HTTP 412) or another write was in
 * flight (HTTP 409). Retriable: re-read, re-apply, write again.
 *
 * @example
 * if (error instanceof ConflictError) { /* re-read and retry *\/ }
 */
export class ConflictError extends PipelineError {
  override readonly name = 'ConflictError';
  readonly key: string;
  readonly status: number | undefined;

  constructor(key: string, options: { status?: number; cause?: unknown } = {}) {
    super(`conditional write of ${key} failed${options.status ? ` (HTTP ${options.status})` : ''}: the object changed`, {
      cause: options.cause,
      retriable: true,
    });
    this.key = key;
    this.status = options.status;
  }
}

/**
 * An object that was expected does not exist.
 *
 * @example
 * throw new NotFoundError('models/response/current.json');
 */
export class NotFoundError extends PipelineError {
  override readonly name = 'NotFoundError';
  readonly key: string;

  constructor(key: string, options: { cause?: unknown } = {}) {
    super(`${key} does not exist`, { cause: options.cause });
    this.key = key;
  }
}

/**
 * A command stopped by a signal (Ctrl-C, SIGTERM) before it was done. `exitCode` is the shell's
 * convention for it: 128 + the signal's number (130 for SIGINT, 143 for SIGTERM).
 *
 * @example
 * throw new Interrupted('the stream function was stopped before it was idle', 143);
 */
export class Interrupted extends PipelineError {
  override readonly name = 'Interrupted';
  readonly exitCode: number;

  constructor(message: string, exitCode = 130) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** What kind of storage failure an error is; only `transient` is worth another attempt. */
export const StorageFailures = ['permission', 'missing-bucket', 'invalid', 'too-large', 'transient', 'unknown'] as const;
export type StorageFailure = (typeof StorageFailures)[number];

/**
 * A request to an object store failed, classified where it failed (the adapter): `location` names
 * the bucket and key (or the folder and path), `failure` what kind of failure it is. Only a
 * `transient` failure (throttling, a server error, a timeout, a dropped connection) is retriable;
 * a permission error, a missing bucket, an invalid or oversized request fail at once.
 *
 * @example
 * throw new StorageError('s3://data/raw/a.csv', 'permission', 'access denied (AccessDenied, HTTP 403)');
 */
export class StorageError extends PipelineError {
  override readonly name = 'StorageError';
  readonly location: string;
  readonly failure: StorageFailure;

  constructor(location: string, failure: StorageFailure, reason: string, options: { cause?: unknown } = {}) {
    super(`${location}: ${reason}`, { cause: options.cause, retriable: failure === 'transient' });
    this.location = location;
    this.failure = failure;
  }
}

/**
 * Whether an error is worth retrying: the pipeline's own errors say so (the adapters classify
 * what the SDKs and the file system throw into them); anything else is not, because retrying an
 * error nobody understood only hides it.
 *
 * @example
 * if (!isRetriable(error)) throw error;
 */
export function isRetriable(error: unknown): boolean {
  return error instanceof PipelineError && error.retriable;
}
