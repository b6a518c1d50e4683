/**
 * How every function is built. A handler module under functions/ exports
 *
 * - a factory over injected dependencies (`createStreamHandler({ store, ... })`), what tests call;
 * - `handlerFor(config, telemetry)`, the factory's dependencies opened from a configuration, what
 *   `pipeline run`, `pipeline serve` and the LocalStack bridge call (functions/manifest.ts says
 *   where each module is);
 * - `handler`, the Lambda entry point: `handlerFor` built once, on the first invocation, from
 *   `loadConfig(process.env)` and Powertools' telemetry, by {@link lambdaHandler}.
 */
import type { Context } from 'aws-lambda';
import { loadConfig, type PipelineConfig } from '../config.js';
import { s3ClientFor } from '../stores.js';
import type { Telemetry } from './telemetry.js';

/** A function's handler: Lambda passes a context; the local tools do not. */
export type Handler<E, R> = (event: E, context?: Context) => Promise<R>;

/** What each `functions/<name>/handler.ts` exports (the manifest's `load` checks it). */
export interface HandlerModule<E, R> {
  /** The handler over the stores and settings of `config`, reporting to `telemetry` (default: nothing). */
  readonly handlerFor: (config: PipelineConfig, telemetry?: Telemetry) => Handler<E, R>;
  /** The Lambda entry point. */
  readonly handler: Handler<E, R>;
}

/**
 * The Lambda entry point of a function: on the first invocation, reads the configuration from the
 * environment, sets up Powertools for `service` (tracing the S3 client when the store is S3), and
 * builds the handler with `handlerFor`; later invocations of the container reuse it.
 *
 * @example
 * export const handler = lambdaHandler('pipeline-stream', handlerFor);
 */
export function lambdaHandler<E, R>(service: string, handlerFor: HandlerModule<E, R>['handlerFor']): Handler<E, R> {
  let built: Promise<{ handle: Handler<E, R>; addContext: (context: Context) => void }> | undefined;
  const build = async () => {
    const config = loadConfig(process.env);
    const { powertools } = await import('./powertools.js');
    const telemetry = await powertools(service, process.env);
    if (config.store === 's3') telemetry.trace(s3ClientFor(config));
    return { handle: handlerFor(config, telemetry), addContext: (context: Context) => telemetry.logger.addContext(context) };
  };
  return async (event, context) => {
    built ??= build().catch((error: unknown) => {
      built = undefined; // a bad setting fails this invocation; a fixed environment is read again
      throw error;
    });
    const { handle, addContext } = await built;
    if (context !== undefined) addContext(context);
    return handle(event, context);
  };
}
