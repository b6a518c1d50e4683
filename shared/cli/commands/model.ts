/**
 * `pipeline model show | fit | predict`: the CDC model (`models/<MODEL_NAME>/current.json`), the
 * same model fitted from scratch on the customer table held in the CDC state, and scores.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { ModelDocument } from '../../cdc/model.js';
import type { CliContext } from '../main.js';

interface ShowOptions {
  json?: boolean;
}
interface FitOptions extends ShowOptions {
  topic?: string;
}
interface PredictOptions extends FitOptions {
  id?: string;
  file?: string;
  dataset?: string;
}

/** How a model comes to be, for the messages that find none. */
const MAKE_MODEL = '`pipeline produce cdc` then `pipeline serve cdc --until-idle` make it on Kafka, `npm start` on this machine';

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
    .description('print the current model (models/<MODEL_NAME>/current.json): customers, AUC and accuracy, offsets applied, largest coefficients')
    .option('--json', 'print the model document itself (default: a summary)')
    .action(async (options: ShowOptions) => {
      const doc = await readModel(context);
      context.stdout.write(options.json ? `${JSON.stringify(doc, null, 2)}\n` : describeModel(doc, 'current.json'));
    });
  model
    .command('fit')
    .description('fit the same model from scratch on the customer table held in the CDC state, and compare it with the current one')
    .option('--json', 'print the fitted model document (default: a summary and the comparison)')
    .option('--topic <name>', 'the change topic whose state holds the table (default: CDC_TOPIC, else customer_updates)')
    .action(async (options: FitOptions) => {
      const { fit, current } = await fitFromState(context, options.topic);
      if (options.json) {
        context.stdout.write(`${JSON.stringify(fit, null, 2)}\n`);
        return;
      }
      context.stdout.write(describeModel(fit, 'fitted from scratch on the CDC state'));
      context.stdout.write(current === undefined ? 'no current model to compare with\n' : `${compare(fit, current)}\n`);
    });
  model
    .command('sweep')
    .description('delete CDC state objects no manifest can point to again (left by lost races and crashes)')
    .option('--topic <name>', 'the change topic (default: CDC_TOPIC, else customer_updates)')
    .action(async (options: FitOptions) => {
      const { states, partitions } = await openState(context, options.topic);
      let removed = 0;
      for (const state of partitions) removed += await states.sweep(state.manifest.topic, state.manifest.partition);
      context.stdout.write(`removed ${removed.toLocaleString('en')} unreferenced objects from ${partitions.length} partitions of ${partitions[0]!.manifest.topic}\n`);
    });
  model
    .command('predict')
    .description('score customers with the current model: one by ID from the CDC state, or every customer of a cleaned dataset or file (ID,score,predicted)')
    .option('--id <ID>', 'a customer in the CDC state: the IDs of the table the change events came from, and of the customers they inserted (one of --id, --dataset, --file is required)')
    .option('--dataset <name>', 'every customer of a cleaned dataset of the configured store, processed/<name>/latest.json (one of --id, --dataset, --file is required)')
    .option('--file <cleaned>', 'every customer of cleaned.csv or cleaned.parquet: a path or s3://bucket/key (one of --id, --dataset, --file is required)')
    .option('--topic <name>', 'with --id: the change topic whose state holds the table (default: CDC_TOPIC, else customer_updates)')
    .option('--json', 'print JSON (default: a line of text for --id, CSV for --dataset and --file)')
    .action(async (options: PredictOptions) => {
      if ([options.id, options.file, options.dataset].filter((o) => o !== undefined).length !== 1) throw new InvalidArgumentError('give --id <ID>, --dataset <name> or --file <cleaned>, one of them.');
      const doc = await readModel(context);
      const { encodeCustomer, featureValue, LAYOUT, scoreValues } = await import('../../cdc/index.js');
      const score = (row: ArrayLike<number>) => scoreValues(doc, Object.fromEntries(LAYOUT.features.map((f, j) => [f.name, featureValue(row, j)])));
      if (options.id !== undefined) {
        const row = await findCustomer(context, options.id, options.topic);
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

async function readModel(context: CliContext): Promise<ModelDocument> {
  const [{ locate, openStore }, { cdcKeys }, { NotFoundError, PipelineError }] = await Promise.all([import('../../stores.js'), import('../../cdc/keys.js'), import('../../errors.js')]);
  const config = context.config();
  const store = openStore(config, 'models');
  const key = cdcKeys(config.modelName).current;
  try {
    return JSON.parse(new TextDecoder().decode((await store.get(key)).body)) as ModelDocument;
  } catch (error) {
    if (error instanceof NotFoundError) throw new PipelineError(`no CDC model at ${locate(store, key)} yet: ${MAKE_MODEL}`, { cause: error });
    throw error;
  }
}

async function openState(context: CliContext, topicOption: string | undefined) {
  const [{ locate, openStore }, { CdcStateStore }, { PipelineError }] = await Promise.all([import('../../stores.js'), import('../../cdc/index.js'), import('../../errors.js')]);
  const config = context.config();
  const states = new CdcStateStore(openStore(config, 'models'), config.modelName);
  const topic = topicOption ?? config.kafka.topics.cdc.name;
  const partitions = await states.loadAll(topic);
  if (partitions.length === 0) throw new PipelineError(`no CDC state for topic ${topic} at ${locate(states.store, states.keys.manifests(topic))}: ${MAKE_MODEL}`);
  return { states, partitions };
}

async function fitFromState(context: CliContext, topic: string | undefined): Promise<{ fit: ModelDocument; current: ModelDocument | undefined }> {
  const { states, partitions } = await openState(context, topic);
  const { fitCurrentTable } = await import('../../cdc/model.js');
  const fit = await fitCurrentTable(states, partitions);
  const current = await readModel(context).catch(() => undefined);
  return { fit, current };
}

async function findCustomer(context: CliContext, id: string, topic: string | undefined): Promise<ArrayLike<number>> {
  const { states, partitions } = await openState(context, topic);
  for (const state of partitions) {
    const row = await states.get(state, id);
    if (row !== undefined) return row;
  }
  const { PipelineError } = await import('../../errors.js');
  const examples: string[] = [];
  for await (const [key] of states.rows(partitions[0]!)) if (examples.push(key) >= 3) break;
  throw new PipelineError(
    `customer ${id} is not in the CDC state of ${partitions[0]!.manifest.topic} (${partitions.reduce((s, p) => s + p.manifest.rows, 0).toLocaleString('en')} customers, e.g. ${examples.join(', ')}): `
    + 'its IDs are those of the cleaned table `pipeline produce cdc` read, and of the customers its change events inserted',
  );
}

const fmt = (x: number | null, digits = 4) => (x === null ? 'n/a' : x.toFixed(digits));

/** The model in a few lines: what it is, how good, which offsets, the largest coefficients. */
function describeModel(doc: ModelDocument, what: string): string {
  const lines = [
    `model ${doc.name}${doc.version === null ? '' : ` v${doc.version}`} (${what}): ridge classifier of ${doc.label} on ${doc.features.length} features, λ = ${doc.ridge}`,
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

/** How far the fitted model is from the current one, parameter by parameter (relative). */
function compare(fit: ModelDocument, current: ModelDocument): string {
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
  return `${same ? 'equal to' : 'DIFFERENT from'} current.json v${current.version} (${current.rows.toLocaleString('en')} customers): largest relative difference ${worst.rel === 0 ? '0' : `${worst.rel.toExponential(2)} (${worst.name})`}${same ? ', within 1e-9' : ''}`;
}
