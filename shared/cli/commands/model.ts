/**
 * `pipeline model show | fit | sweep | predict`: the CDC model of a change topic
 * (`models/<MODEL_NAME>/current/<topic>@<log>.json`), the same model fitted from scratch on the
 * customer table held in the CDC state or rebuilt from the topic itself, and scores.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { ModelDocument } from '../../cdc/model.js';
import type { CliContext } from '../main.js';
import { pickSource } from '../sources.js';

interface SourceOptions {
  topic?: string;
  log?: string;
}
interface ShowOptions extends SourceOptions {
  json?: boolean;
}
interface FitOptions extends ShowOptions {
  fromTopic?: boolean;
  clusterArn?: string;
}
interface PredictOptions extends ShowOptions {
  id?: string;
  file?: string;
  dataset?: string;
}

/** How a model comes to be, for the messages that find none. */
const MAKE_MODEL = '`pipeline produce cdc` then `pipeline serve cdc --until-idle` make it on Kafka, `npm start` on this machine';
const topicOption = ['--topic <name>', 'the change topic whose model to use (default: CDC_TOPIC, else customer_updates)'] as const;
const logOption = ['--log <id>', "the event log whose model to use, when models of several exist for the topic (default: the configured one's)"] as const;

/**
 * Adds `model` and its subcommands to the program.
 *
 * @example
 * register(program, context); // then: pipeline model show --json
 */
export function register(program: Command, context: CliContext): void {
  const model = program
    .command('model')
    .description("the model of the customers' campaign response that the cdc function keeps exactly up to date: show it, check it against a fit from scratch, score customers");
  model
    .command('show')
    .description('print the model of a change topic (models/<MODEL_NAME>/current/<topic>@<log>.json): its source, whether it is stale, customers, AUC and accuracy, offsets applied, largest coefficients')
    .option(...topicOption)
    .option(...logOption)
    .option('--json', 'print the model document itself (default: a summary)')
    .action(async (options: ShowOptions) => {
      const { doc, where } = await readModel(context, options);
      context.stdout.write(options.json ? `${JSON.stringify(doc, null, 2)}\n` : describeModel(doc, where));
    });
  model
    .command('fit')
    .description('fit the same model from scratch, on the table held in the CDC state or (--from-topic) on the topic itself replayed from its start, and compare it with the published one')
    .option(...topicOption)
    .option(...logOption)
    .option('--from-topic', 'rebuild from the change topic (KAFKA_BROKERS or --cluster-arn), replayed from its earliest offset into a scratch state: a check that does not trust the stored state (default: fit on the stored state)')
    .option('--cluster-arn <arn>', 'with --from-topic: an MSK cluster to replay from instead of KAFKA_BROKERS (default: MSK_CLUSTER_ARN)')
    .option('--json', 'print the fitted model document (default: a summary and the comparison)')
    .action(async (options: FitOptions) => {
      const { fit, current, what } = options.fromTopic ? await fitFromTopic(context, options) : await fitFromState(context, options);
      if (options.json) {
        context.stdout.write(`${JSON.stringify(fit, null, 2)}\n`);
        return;
      }
      context.stdout.write(describeModel(fit, what));
      if (current === undefined) {
        context.stdout.write('no published model to compare with\n');
        return;
      }
      const { same, text } = compare(fit, current);
      context.stdout.write(`${text}\n`);
      // a check a script can act on: the published model is not what its events make
      if (!same) {
        const { PipelineError } = await import('../../errors.js');
        throw new PipelineError(`the published model v${current.version} is not the model ${what.split(':')[0]}`);
      }
    });
  model
    .command('sweep')
    .description('delete CDC state objects no manifest can point to again (left by lost races and crashes)')
    .option(...topicOption)
    .option(...logOption)
    .action(async (options: SourceOptions) => {
      const { states, partitions } = await openState(context, options);
      let removed = 0;
      for (const state of partitions) removed += await states.sweep(state.manifest.topic, state.manifest.partition);
      context.stdout.write(`removed ${removed.toLocaleString('en')} unreferenced objects from ${partitions.length} partitions of ${partitions[0]!.manifest.topic}@${states.log}\n`);
    });
  model
    .command('predict')
    .description('score customers with the published model: one by ID from the CDC state, or every customer of a cleaned dataset or file (ID,score,predicted)')
    .option('--id <ID>', 'a customer in the CDC state: the IDs of the table the change events came from, and of the customers they inserted (one of --id, --dataset, --file is required)')
    .option('--dataset <name>', 'every customer of a cleaned dataset of the configured store, processed/<name>/latest.json (one of --id, --dataset, --file is required)')
    .option('--file <cleaned>', 'every customer of cleaned.csv or cleaned.parquet: a path or s3://bucket/key (one of --id, --dataset, --file is required)')
    .option(...topicOption)
    .option(...logOption)
    .option('--json', 'print JSON (default: a line of text for --id, CSV for --dataset and --file)')
    .action(async (options: PredictOptions) => {
      if ([options.id, options.file, options.dataset].filter((o) => o !== undefined).length !== 1) throw new InvalidArgumentError('give --id <ID>, --dataset <name> or --file <cleaned>, one of them.');
      const { doc } = await readModel(context, options);
      const { encodeCustomer, featureValue, LAYOUT, scoreValues } = await import('../../cdc/index.js');
      const score = (row: ArrayLike<number>) => scoreValues(doc, Object.fromEntries(LAYOUT.features.map((f, j) => [f.name, featureValue(row, j)])));
      if (options.id !== undefined) {
        const row = await findCustomer(context, options.id, options);
        const s = score(row);
        const out = { ID: options.id, score: s, predicted: s >= doc.threshold ? 1 : 0, [doc.label]: row[LAYOUT.width]!, modelVersion: doc.version };
        context.stdout.write(options.json ? `${JSON.stringify(out)}\n` : `customer ${options.id}: score ${s.toFixed(4)} -> ${out.predicted} (${doc.label} in the table: ${out[doc.label]}; model v${doc.version})\n`);
        return;
      }
      const [{ readCleaned }, { readCustomers }, { InputError }] = await Promise.all([import('../datasets.js'), import('../../cdc/customers.js'), import('../../errors.js')]);
      const { bytes, name } = await readCleaned(context.config(), { from: options.file, dataset: options.dataset });
      const customers = await readCustomers(bytes, name);
      const results = customers.map((c, i) => {
        const encoded = encodeCustomer(c, 'row');
        if ('error' in encoded) throw new InputError(name, encoded.error, { line: i + 2 });
        const s = score(encoded.row);
        return { ID: c.ID, score: s, predicted: s >= doc.threshold ? 1 : 0 };
      });
      if (options.json) context.stdout.write(`${JSON.stringify(results)}\n`);
      else context.stdout.write(`ID,score,predicted\n${results.map((r) => `${r.ID},${r.score},${r.predicted}`).join('\n')}\n`);
    });
}

/** The source (topic and event log) whose model a command reads. */
async function chosenSource(context: CliContext, options: SourceOptions, preferred?: string) {
  const [{ openStore }, { modelSources }] = await Promise.all([import('../../stores.js'), import('../../cdc/keys.js')]);
  const config = context.config();
  const store = openStore(config, 'models');
  const topic = options.topic ?? config.kafka.topics.cdc.name;
  const found = await modelSources(store, config.modelName);
  return { store, topic, found, where: `${store.name}/models/${config.modelName}/current/`, pick: () => pickSource(found, { topic, log: options.log, preferred }, `${store.name}/models/${config.modelName}/current/`, context) };
}

async function readModel(context: CliContext, options: SourceOptions, preferred?: string): Promise<{ doc: ModelDocument; where: string; log: string | undefined }> {
  const [{ legacyModelKey }, { NotFoundError, PipelineError }] = await Promise.all([import('../../cdc/keys.js'), import('../../errors.js')]);
  const config = context.config();
  const { store, topic, found, pick } = await chosenSource(context, options, preferred);
  const read = async (key: string) => JSON.parse(new TextDecoder().decode((await store.get(key)).body)) as ModelDocument;
  if (options.log === undefined && !found.some((f) => f.source.topic === topic)) {
    // a model written before sources were recorded is still shown, for what it is
    const legacy = legacyModelKey(config.modelName);
    const doc = await read(legacy).catch((error: unknown) => {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    });
    if (doc !== undefined && doc.offsets.topic === topic) return { doc, where: `${legacy}, written before sources were recorded: its event log is unknown`, log: undefined };
    throw new PipelineError(`no model of topic ${topic} in ${store.name}/models/${config.modelName}/current/ yet: ${MAKE_MODEL}`);
  }
  const chosen = await pick();
  return { doc: await read(chosen.key), where: chosen.key, log: chosen.source.log };
}

async function openState(context: CliContext, options: SourceOptions) {
  const [{ CdcStateStore }, { PipelineError }] = await Promise.all([import('../../cdc/index.js'), import('../../errors.js')]);
  const config = context.config();
  const { store, topic, pick } = await chosenSource(context, options);
  const { source } = await pick();
  const states = new CdcStateStore(store, config.modelName, source.log!);
  const partitions = await states.loadAll(topic);
  if (partitions.length === 0) throw new PipelineError(`no CDC state for ${topic}@${source.log} under ${store.name}/${states.keys.manifests(topic)}: ${MAKE_MODEL}`);
  return { states, partitions };
}

async function fitFromState(context: CliContext, options: SourceOptions): Promise<{ fit: ModelDocument; current: ModelDocument | undefined; what: string }> {
  const { states, partitions } = await openState(context, options);
  const { fitCurrentTable } = await import('../../cdc/model.js');
  const fit = await fitCurrentTable(states, partitions);
  const current = await readModel(context, { topic: partitions[0]!.manifest.topic, log: states.log }).then((m) => m.doc, () => undefined);
  return { fit, current, what: 'fitted from scratch on the CDC state' };
}

/** The independent check: the topic replayed from its start into a scratch state, fitted, and compared with the published model of the same log. */
async function fitFromTopic(context: CliContext, options: FitOptions): Promise<{ fit: ModelDocument; current: ModelDocument | undefined; what: string }> {
  const [{ rebuildFromLog }, { MemoryStore }, { logIdentity }, { openLog }] = await Promise.all([
    import('../../cdc/rebuild.js'),
    import('../../adapters/memory-store.js'),
    import('../../event-logs.js'),
    import('./produce.js'),
  ]);
  const config = context.config();
  const topic = options.topic ?? config.kafka.topics.cdc.name;
  const log = await openLog(config, options.clusterArn, 'pipeline model fit --from-topic');
  try {
    const logId = await logIdentity(log);
    if (options.log !== undefined && options.log !== logId) {
      const { PipelineError } = await import('../../errors.js');
      throw new PipelineError(`--log ${options.log} is not the configured Kafka, which is event log ${logId}: the topic can be replayed only from the log that holds it`);
    }
    const rebuilt = await rebuildFromLog(log, topic, { scratch: new MemoryStore(), modelName: config.modelName, logId, onProgress: (n) => void (n % 50_000 < 5_000 && context.stderr.write(`replayed ${n.toLocaleString('en')} records\n`)) });
    const current = await readModel(context, { topic, log: logId }).then((m) => m.doc, () => undefined);
    const gone = Object.entries(rebuilt.earliest).filter(([, low]) => low > 0);
    const what = `rebuilt from ${topic} on log ${logId}: ${rebuilt.records.toLocaleString('en')} records replayed from the earliest offset${gone.length > 0 ? ` (the log no longer holds the first records of partitions ${gone.map(([p, low]) => `${p} (from ${low})`).join(', ')})` : ''}`;
    return { fit: rebuilt.model, current, what };
  } finally {
    await log.close();
  }
}

async function findCustomer(context: CliContext, id: string, options: SourceOptions): Promise<ArrayLike<number>> {
  const { states, partitions } = await openState(context, options);
  for (const state of partitions) {
    const row = await states.get(state, id);
    if (row !== undefined) return row;
  }
  const { PipelineError } = await import('../../errors.js');
  const examples: string[] = [];
  for await (const [key] of states.rows(partitions[0]!)) if (examples.push(key) >= 3) break;
  throw new PipelineError(
    `customer ${id} is not in the CDC state of ${partitions[0]!.manifest.topic}@${states.log} (${partitions.reduce((s, p) => s + p.manifest.rows, 0).toLocaleString('en')} customers, e.g. ${examples.join(', ')}): `
    + 'its IDs are those of the cleaned table `pipeline produce cdc` read, and of the customers its change events inserted',
  );
}

const fmt = (x: number | null, digits = 4) => (x === null ? 'n/a' : x.toFixed(digits));

/** The model in a few lines: what it is, where its events came from, whether it is stale, how good, which offsets, the largest coefficients. */
function describeModel(doc: ModelDocument, what: string): string {
  const gaps = Object.entries(doc.gaps ?? {}).flatMap(([p, list]) => list.map(([first, last]) => `${p}@${first}${last === first ? '' : `-${last}`}`));
  const lines = [
    `model ${doc.name}${doc.version === null ? '' : ` v${doc.version}`} (${what}): ridge classifier of ${doc.label} on ${doc.features.length} features, λ = ${doc.ridge}`,
    `  source: topic ${doc.offsets.topic}, event log ${doc.offsets.log ?? 'unknown (written before sources were recorded)'}`,
    ...(gaps.length === 0
      ? []
      : [
          `  STALE: offsets never delivered, whose changes the model lacks: ${gaps.join(', ')} (partition@offsets); replay them: pipeline serve cdc --group <a new group> --from earliest --until-idle`,
        ]),
    `  customers: ${doc.rows.toLocaleString('en')} (${doc.positives.toLocaleString('en')} with ${doc.label} = 1)`,
    `  metrics${doc.metrics.version === doc.version ? '' : ` (of v${doc.metrics.version}, ${doc.metrics.rows.toLocaleString('en')} rows)`}: AUC ${fmt(doc.metrics.auc)}, accuracy ${fmt(doc.metrics.accuracy)} at score >= ${doc.threshold}`,
    `  last applied offsets: ${doc.offsets.topic} ${Object.entries(doc.offsets.partitions).map(([p, o]) => `${p}:${o}`).join(' ') || '(none)'}`,
    `  intercept ${fmt(doc.parameters.intercept, 6)}; largest standardised coefficients:`,
  ];
  const order = doc.features.map((name, j) => ({ name, beta: doc.parameters.coefficients[j]! })).sort((a, b) => Math.abs(b.beta) - Math.abs(a.beta));
  const width = Math.max(...order.slice(0, 10).map((o) => o.name.length));
  for (const { name, beta } of order.slice(0, 10)) lines.push(`    ${name.padEnd(width)}  ${beta >= 0 ? '+' : ''}${beta.toFixed(6)}`);
  return `${lines.join('\n')}\n`;
}

/** How far the fitted model is from the current one, in rows and parameter by parameter (relative). */
function compare(fit: ModelDocument, current: ModelDocument): { same: boolean; text: string } {
  const pairs: Array<[string, number, number]> = [['intercept', fit.parameters.intercept, current.parameters.intercept]];
  fit.features.forEach((name, j) => {
    pairs.push([name, fit.parameters.coefficients[j]!, current.parameters.coefficients[j] ?? Number.NaN]);
    pairs.push([`mean ${name}`, fit.standardisation.mean[j]!, current.standardisation.mean[j] ?? Number.NaN]);
    pairs.push([`std ${name}`, fit.standardisation.std[j]!, current.standardisation.std[j] ?? Number.NaN]);
  });
  let worst = { name: '', rel: 0 };
  for (const [name, a, b] of pairs) {
    const rel = a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
    if (!(rel <= worst.rel)) worst = { name, rel };
  }
  const same = fit.rows === current.rows && worst.rel <= 1e-9;
  const rows = fit.rows === current.rows ? '' : `, against ${fit.rows.toLocaleString('en')} fitted`;
  const text = `${same ? 'equal to' : 'DIFFERENT from'} the published model v${current.version}${current.stale ? ' (stale)' : ''} (${current.rows.toLocaleString('en')} customers${rows}): largest relative difference ${worst.rel === 0 ? '0' : `${worst.rel.toExponential(2)} (${worst.name})`}${same ? ', within 1e-9' : ''}`;
  return { same, text };
}
