import { ConflictError, PipelineError } from '../errors.js';

/**
 * The state read is no longer current: an object a manifest points to is gone (another writer
 * committed and cleaned up after it). Retriable like a lost conditional write: re-read, re-apply.
 *
 * @example
 * throw new StaleStateError('models/response/state/t/partitions/0/chunks/p01/7-ab12.json');
 */
export class StaleStateError extends PipelineError {
  override readonly name = 'StaleStateError';
  readonly key: string;

  constructor(key: string, options: { cause?: unknown } = {}) {
    super(`${key} is gone: the state changed while it was being read`, { cause: options.cause, retriable: true });
    this.key = key;
  }
}

/**
 * A stored CDC object is not what this code writes (another format, another feature layout, or
 * damaged). Not retriable: someone has to look.
 *
 * @example
 * throw new CorruptStateError('models/response/state/t/manifests/0.json', 'it was written for 41 features, not 40');
 */
export class CorruptStateError extends PipelineError {
  override readonly name = 'CorruptStateError';
  readonly key: string;

  constructor(key: string, reason: string, options: { cause?: unknown } = {}) {
    super(`${key}: ${reason}`, { cause: options.cause });
    this.key = key;
  }
}

/**
 * Whether an error means "another writer got there first": re-read, re-apply, retry.
 *
 * @example
 * if (!lostRace(error)) throw error;
 */
export function lostRace(error: unknown): boolean {
  return error instanceof ConflictError || error instanceof StaleStateError;
}
