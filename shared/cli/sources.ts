/**
 * Which source a command reads (shared/names.ts): the stream's results and the CDC model are kept
 * per topic and event log, and `stream stats` and `model ...` read one of them.
 */
import type { Source } from '../names.js';
import type { CliContext } from './main.js';

/** What a reader asks for: a topic, and perhaps a log (`--log`). */
export interface WantedSource {
  readonly topic: string;
  readonly log?: string | undefined;
  /** The configured event log's identity when known already (saves asking the brokers). */
  readonly preferred?: string | undefined;
}

/**
 * The source to read among those found: `--log`, else the configured event log's when it has
 * results (the brokers are asked only when there is a choice to make), else the only one of the
 * topic; anything else is an error listing what there is (see `chooseSource`).
 *
 * @example
 * const { source } = await pickSource(await streamSources(store), { topic: 'sensor_data' }, store.name, context);
 */
export async function pickSource<T extends { readonly source: Source }>(found: readonly T[], wanted: WantedSource, where: string, context: CliContext): Promise<T> {
  const [{ chooseSource }, { configuredLogId }] = await Promise.all([import('../names.js'), import('../event-logs.js')]);
  const several = found.filter((f) => f.source.topic === wanted.topic).length > 1;
  const preferred = wanted.preferred ?? (wanted.log === undefined && several ? await configuredLogId(context.config()) : undefined);
  return chooseSource(found, { topic: wanted.topic, log: wanted.log, preferred }, where);
}
