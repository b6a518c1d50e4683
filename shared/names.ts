/**
 * The names the pipeline turns into object keys, checked before any key is built from them: object
 * keys themselves, Kafka topic names, and the identity of the event log a record came from. A
 * name from outside (an S3 event, a Kafka event, a command line) that breaks these rules is
 * refused with the rule it breaks, never normalised into some other key: `raw/..%2fmodels/x.csv`
 * must not become `models/x.csv`, and a topic `../../models` must not become a folder.
 *
 * A *source* is where a result's records came from: one topic of one event log (a Kafka cluster,
 * or one in-process log). Every result the stream and CDC functions write lives under its
 * source's name, `<topic>@<log>`, so that runs over different logs never read, continue or
 * delete each other's state (docs/stream.md and docs/cdc.md show the layouts).
 */
import { createHash } from 'node:crypto';
import { PipelineError, StorageError } from './errors.js';

/** S3's limit on a key, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

/** The first control character (C0 or DEL) in `text`, or undefined. */
function controlCharacter(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return text[i];
  }
  return undefined;
}

/**
 * Why `key` cannot name an object, or undefined when it can: not empty, at most 1,024 UTF-8 bytes,
 * no control character (NUL included), no leading or trailing `/` (a folder is not an object), no
 * empty, `.` or `..` segment.
 *
 * @example
 * keyProblem('raw/a.csv'); // undefined
 * keyProblem('raw/../models/x.csv'); // "it has a '..' segment"
 */
export function keyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string' || key === '') return 'it is empty';
  return prefixProblem(key) ?? (key.endsWith('/') ? "it ends with '/': it names a folder, not an object" : undefined);
}

/**
 * Why `prefix` cannot start keys (for listing), or undefined: the rules of {@link keyProblem},
 * except that it may be empty and may end with `/`.
 *
 * @example
 * prefixProblem('results/stream/'); // undefined
 */
export function prefixProblem(prefix: unknown): string | undefined {
  if (typeof prefix !== 'string') return 'it is not text';
  if (prefix === '') return undefined;
  if (Buffer.byteLength(prefix) > MAX_KEY_BYTES) return `it is ${Buffer.byteLength(prefix).toLocaleString('en')} bytes long, over S3's ${MAX_KEY_BYTES.toLocaleString('en')}`;
  const control = controlCharacter(prefix);
  if (control !== undefined) return `it holds the control character U+${control.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}`;
  if (prefix.startsWith('/')) return "it starts with '/'";
  const segments = prefix.split('/');
  if (segments.at(-1) === '') segments.pop();
  for (const segment of segments) {
    if (segment === '') return "it has an empty segment ('//')";
    if (segment === '.' || segment === '..') return `it has a '${segment}' segment`;
  }
  return undefined;
}

/**
 * Kafka's own rule for topic names: 1 to 249 of `a-z A-Z 0-9 . _ -`, and not `.` or `..`.
 * Undefined when `topic` keeps it, else why not.
 *
 * @example
 * topicProblem('sensor_data'); // undefined
 * topicProblem('../../models/response'); // 'a topic name is 1 to 249 of a-z A-Z 0-9 . _ - (not . or ..)'
 */
export function topicProblem(topic: unknown): string | undefined {
  if (typeof topic === 'string' && /^[a-zA-Z0-9._-]{1,249}$/.test(topic) && topic !== '.' && topic !== '..') return undefined;
  return 'a topic name is 1 to 249 of a-z A-Z 0-9 . _ - (not . or ..)';
}

/**
 * A name that cannot be used: `what` it is (`object key`, `topic`...), the name, and the rule.
 * Never retriable: the same name breaks the same rule next time.
 *
 * @example
 * throw new InvalidNameError('topic', '../x', topicProblem('../x')!);
 */
export class InvalidNameError extends PipelineError {
  override readonly name = 'InvalidNameError';

  constructor(
    readonly what: string,
    readonly value: string,
    readonly reason: string,
  ) {
    super(`invalid ${what} ${JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}...` : value)}: ${reason}`);
  }
}

/**
 * `topic`, when it is a legal Kafka topic name; else an {@link InvalidNameError}.
 *
 * @example
 * const topic = checkTopic(record.topic);
 */
export function checkTopic(topic: string): string {
  const problem = topicProblem(topic);
  if (problem !== undefined) throw new InvalidNameError('topic', String(topic), problem);
  return topic;
}

/** Where records came from: a topic of one event log. */
export interface Source {
  readonly topic: string;
  /** The log's identity (see {@link logIdOf}); `undefined` for results written before sources were recorded. */
  readonly log: string | undefined;
}

const LOG_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/;

/**
 * The cluster name an in-process log gives itself (its identity is `in-process.<an id of its
 * own>`): such a log lives and dies with one process, so its results are never continued.
 */
export const IN_PROCESS_LOG = 'in-process';

/**
 * The identity of an event log as the events of a Kafka-triggered Lambda name it: for Amazon MSK
 * (and the local emulator, which names its logs the same way) the cluster's name and id from the
 * event source ARN, `arn:aws:kafka:<region>:<account>:cluster/<name>/<id>` -> `<name>.<id>`; for
 * self-managed Kafka, which has no ARN, a hash of its bootstrap servers.
 *
 * @example
 * logIdOf({ eventSource: 'aws:kafka', eventSourceArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/pipeline/7d71-3', bootstrapServers: 'b-1:9098' });
 * // 'pipeline.7d71-3'
 */
export function logIdOf(event: { readonly eventSource?: unknown; readonly eventSourceArn?: unknown; readonly bootstrapServers?: unknown }): string {
  const arn = typeof event.eventSourceArn === 'string' ? event.eventSourceArn : '';
  const cluster = /:cluster\/([A-Za-z0-9_-]{1,64})\/([A-Za-z0-9_-]{1,128})$/.exec(arn);
  if (cluster !== null) return `${cluster[1]}.${cluster[2]}`;
  const servers = typeof event.bootstrapServers === 'string' ? event.bootstrapServers : '';
  if (arn === '' && servers !== '') {
    const sorted = servers.split(',').map((s) => s.trim()).filter((s) => s !== '').sort().join(',');
    return `kafka.${createHash('sha256').update(sorted).digest('hex').slice(0, 16)}`;
  }
  throw new InvalidNameError('event source', arn || servers, 'expected an MSK cluster ARN (arn:aws:kafka:...:cluster/<name>/<id>) or bootstrap servers');
}

/**
 * The name of a source as a key segment, `<topic>@<log>` (neither part can hold `@` or `/`), or
 * just the topic for a source written before sources were recorded.
 *
 * @example
 * sourceName({ topic: 'sensor_data', log: 'kafka.q1w2e3' }); // 'sensor_data@kafka.q1w2e3'
 */
export function sourceName(source: Source): string {
  checkTopic(source.topic);
  if (source.log === undefined) return source.topic;
  if (!LOG_ID.test(source.log)) throw new InvalidNameError('log identity', source.log, 'a log identity is 1 to 200 of A-Z a-z 0-9 . _ - and does not start with .');
  return `${source.topic}@${source.log}`;
}

/**
 * Reads a source's name back ({@link sourceName}); undefined when the text is not one.
 *
 * @example
 * parseSourceName('sensor_data@kafka.q1w2e3'); // { topic: 'sensor_data', log: 'kafka.q1w2e3' }
 * parseSourceName('sensor_data'); // { topic: 'sensor_data', log: undefined }: written before sources were recorded
 */
export function parseSourceName(text: string): Source | undefined {
  const at = text.indexOf('@');
  const topic = at < 0 ? text : text.slice(0, at);
  const log = at < 0 ? undefined : text.slice(at + 1);
  if (topicProblem(topic) !== undefined || (log !== undefined && !LOG_ID.test(log))) return undefined;
  return { topic, log };
}

/**
 * How a source reads in a message: `sensor_data on log kafka.q1w2e3`.
 *
 * @example
 * describeSource({ topic: 'sensor_data', log: undefined }); // 'sensor_data (written before sources were recorded)'
 */
export function describeSource(source: Source): string {
  return source.log === undefined ? `${source.topic} (written before sources were recorded)` : `${source.topic} on log ${source.log}`;
}

/**
 * The one source to read among those found, for a reader given a topic (and perhaps a log): the
 * log asked for; else the `preferred` one (the configured log's, when it has results; `in-process.`
 * for the only in-process log's); else the only one of the topic. Anything else is an error that lists what there is, never a merge of
 * several logs' results.
 *
 * @example
 * chooseSource(found, { topic: 'sensor_data', preferred: 'kafka.q1w2' }, 'results/stream/partials/');
 */
export function chooseSource<T extends { readonly source: Source }>(found: readonly T[], wanted: { readonly topic: string; readonly log?: string | undefined; readonly preferred?: string | undefined }, where: string): T {
  const ofTopic = found.filter((f) => f.source.topic === wanted.topic);
  const listed = () => found.map((f) => sourceName(f.source)).join(', ') || 'none';
  if (wanted.log !== undefined) {
    const chosen = ofTopic.find((f) => f.source.log === wanted.log);
    if (chosen === undefined) throw new PipelineError(`no results of ${describeSource({ topic: wanted.topic, log: wanted.log })} in ${where} (there are: ${listed()})`);
    return chosen;
  }
  const preferred = ofTopic.filter((f) => f.source.log !== undefined && (f.source.log === wanted.preferred || (wanted.preferred === `${IN_PROCESS_LOG}.` && f.source.log.startsWith(wanted.preferred))));
  if (preferred.length === 1) return preferred[0]!;
  if (ofTopic.length === 1) return ofTopic[0]!;
  if (ofTopic.length === 0) throw new PipelineError(`no results of topic ${wanted.topic} in ${where} (there are: ${listed()})`);
  throw new PipelineError(
    `${ofTopic.length} event logs have results of topic ${wanted.topic} in ${where}: ${ofTopic.map((f) => f.source.log ?? '(written before sources were recorded)').join(', ')}; choose one with --log <id>`,
  );
}

/**
 * Refuses a key that breaks the rules above, as every object store does before any request is
 * made of it: a StorageError of kind `invalid` (never retried) naming the store and the key.
 * `where` is how the store names its keys' location (`s3://bucket/`, `memory:`).
 *
 * @example
 * checkKey('s3://data/', 'raw/../x.csv'); // throws StorageError: invalid object key: it has a '..' segment
 */
export function checkKey(where: string, key: string, problem: string | undefined = keyProblem(key)): void {
  if (problem !== undefined) throw new StorageError(`${where}${String(key)}`, 'invalid', `invalid object key: ${problem}`);
}

/**
 * The same for a prefix to list.
 *
 * @example
 * checkPrefix('memory:', '../'); // throws StorageError: invalid key prefix: ...
 */
export function checkPrefix(where: string, prefix: string): void {
  const problem = prefixProblem(prefix);
  if (problem !== undefined) throw new StorageError(`${where}${String(prefix)}*`, 'invalid', `invalid key prefix: ${problem}`);
}
