/**
 * `pipeline run` (= `npm start`): the four tasks end to end on this machine (shared/pipeline/run.ts),
 * with a task list while it runs (listr2; plain lines when not on a terminal) and a summary at the end.
 */
import type { Command } from 'commander';
import { RunDefaults } from '../../pipeline/options.js';
import { ms } from '../../pipeline/durations.js';
import type { RunContext, RunSummary } from '../../pipeline/run.js';
import type { CliContext } from '../main.js';
import { parseCount, parseSeed } from '../options.js';
import { DEFAULT_PORT, parsePort, untilSignal } from './report.js';

interface RunCliOptions {
  rows: number;
  readings: number;
  changes: number;
  badRatio: number;
  seed: number;
  idleMs: number;
  dashboard?: boolean;
  port: number;
}

/**
 * Adds `run` to the program.
 *
 * @example
 * register(program, context); // then: pipeline run --rows 20k
 */
export function register(program: Command, context: CliContext): void {
  program
    .command('run')
    .description(
      'run the whole pipeline on this machine (npm start): every CSV under <PIPELINE_DATA_DIR>/raw/ and a generated marketing file cleaned, '
      + 'sensor readings streamed, a model kept up to date from change events, the analytics, and the run report',
    )
    .option('--rows <n>', 'rows of the generated marketing file', (text: string) => parseCount(text, { min: 1 }), RunDefaults.rows)
    .option('--readings <n>', 'sensor readings to stream', (text: string) => parseCount(text, { min: 1 }), RunDefaults.readings)
    .option('--changes <n>', 'customer change events after the snapshot', (text: string) => parseCount(text), RunDefaults.changes)
    .option('--bad-ratio <p>', 'share of malformed readings and events, 0 to 1', (text: string) => {
      const value = Number(text);
      if (!(value >= 0 && value <= 1)) throw new Error(`expected a number from 0 to 1, got '${text}'`);
      return value;
    }, RunDefaults.badRatio)
    .option('--seed <n>', 'seed of the generated data', parseSeed, RunDefaults.seed)
    .option('--idle-ms <ms>', 'quiet time after which a consumer counts as caught up', (text: string) => parseCount(text, { min: 100 }), RunDefaults.idleMs)
    .option('--dashboard', 'serve the live dashboard on 127.0.0.1 during the run, and after it until Ctrl-C (default: no dashboard; the run report is written either way)')
    .option('--port <n>', "the dashboard's port; 0 takes a free one", parsePort, DEFAULT_PORT)
    .action(async (options: RunCliOptions) => {
      const config = context.config();
      const startedAt = new Date();
      const dashboard = options.dashboard ? await (await import('../../report/dashboard.js')).startDashboard({ config, port: options.port, notice: () => {} }) : undefined;
      if (dashboard) context.stdout.write(`Dashboard: ${dashboard.url} (it follows the run)\n`);
      const [{ Listr }, run, { openEventLog }] = await Promise.all([import('listr2'), import('../../pipeline/run.js'), import('../../event-logs.js')]);
      const started = performance.now();
      const summary: RunSummary = {
        store: config.store === 'folder' ? `folder ${config.dataDir}/` : `S3 ${config.s3.endpoint ?? 'AWS'}`,
        log: config.kafka.brokers.length > 0 ? `Kafka ${config.kafka.brokers.join(',')}` : 'in-process log',
        inputs: [],
        preprocess: [],
        timings: {},
      };
      const embeddedLog = config.kafka.brokers.length === 0 && config.kafka.clusterArn === undefined;
      const log = await openEventLog(config);
      type Step = { title: string; name: string; run: (ctx: RunContext) => Promise<void> };
      const steps: Step[] = [
        { name: 'input', title: 'Stage the raw marketing files', run: (ctx) => run.stageInputs(ctx) },
        { name: 'preprocess', title: 'Task 1: preprocess (S3 notification -> preprocess function)', run: (ctx) => run.preprocessInputs(ctx) },
        { name: 'stream', title: `Task 2: stream sensor readings (${config.kafka.topics.sensor.name} -> stream function)`, run: (ctx) => run.streamReadings(ctx, log, embeddedLog) },
        { name: 'cdc', title: `Task 3: incremental model (${config.kafka.topics.cdc.name} -> cdc function)`, run: (ctx) => run.applyChangeEvents(ctx, log, embeddedLog) },
        { name: 'analytics', title: 'Task 4: in-memory analytics (analytics function -> report)', run: (ctx) => run.analyze(ctx) },
      ];
      const tasks = new Listr(
        steps.map((step) => ({
          title: step.title,
          task: async (_: unknown, task: { output: string }) => {
            const at = performance.now();
            // progress text at most twice a second: the plain renderer prints every change
            let shown = 0;
            const report = (text: string) => {
              const now = performance.now();
              if (now - shown >= 500) {
                shown = now;
                task.output = text;
              }
            };
            await step.run({ config, options, summary, report });
            summary.timings[step.name] = performance.now() - at;
          },
        })),
        {
          exitOnError: true,
          renderer: 'default',
          fallbackRenderer: 'simple',
          fallbackRendererCondition: () => !process.stdout.isTTY,
        },
      );
      try {
        try {
          await tasks.run();
        } finally {
          await log.close();
        }
        summary.timings.total = performance.now() - started;
        context.stdout.write(formatSummary(summary));
        const { runRecord, writeRunReport } = await import('../../report/index.js');
        const page = await writeRunReport(config, { record: runRecord(summary, sizesOf(options), startedAt, new Date()), now: () => new Date() });
        context.stdout.write(`Run report: ${page.location}\n`);
      } catch (error) {
        // a failed run does not leave the dashboard holding the process open
        await dashboard?.close();
        throw error;
      }
      if (dashboard) {
        // the page shows the finished run when its address is given again
        await dashboard.refresh();
        context.stdout.write(`Dashboard: ${dashboard.url} (still serving; Ctrl-C stops it)\n`);
        await untilSignal();
        await dashboard.close();
      }
    });
}

const sizesOf = ({ rows, readings, changes, badRatio, seed, idleMs }: RunCliOptions) => ({ rows, readings, changes, badRatio, seed, idleMs });

const n = (value: number) => value.toLocaleString('en');
const s = (ms: number | undefined) => `${((ms ?? 0) / 1000).toFixed(1)} s`;

/**
 * The end-of-run summary: what ran, counts, timings, and where the report is.
 *
 * @example
 * context.stdout.write(formatSummary(summary));
 */
export function formatSummary(summary: RunSummary): string {
  const lines = [``, `Pipeline run (${summary.store}, ${summary.log}) in ${s(summary.timings.total)}`];
  for (const input of summary.inputs) lines.push(`  input       ${input.key} from ${input.source}, ${n(input.bytes)} bytes`);
  for (const skip of summary.skipped ?? []) lines.push(`  skipped     ${skip.path}: ${skip.reason}`);
  for (const p of summary.preprocess) {
    if (p.status === 'rejected') {
      lines.push(`  preprocess  ${p.key}: rejected, ${p.error ?? 'not a table'} -> ${p.location ?? p.prefix}report.json`);
      continue;
    }
    const imputed = Object.entries(p.imputed ?? {});
    const total = imputed.reduce((sum, [, count]) => sum + count, 0);
    const counts = `${n(p.duplicates ?? 0)} duplicates, ${n(p.quarantined ?? 0)} quarantined, ${n(total)} imputed${imputed.length > 0 ? ` (${imputed.map(([column, count]) => `${column} ${n(count)}`).join(', ')})` : ''}`;
    lines.push(`  preprocess  ${p.key}: ${n(p.rowsIn ?? 0)} rows in, ${n(p.rowsOut ?? 0)} out; ${counts} -> ${p.location ?? p.prefix}${p.reused ? ' (unchanged since an earlier run: its outputs were reused)' : ''}`);
  }
  lines.push(`              ${s(summary.timings.preprocess)}; the later tasks use dataset ${summary.dataset}`);
  if (summary.stream) {
    const st = summary.stream;
    lines.push(`  stream      ${n(st.produced)} readings produced, ${n(st.delivered)} delivered in ${n(st.invocations)} invocations: ${n(st.windows)} sensor-minute windows, ${n(st.anomalies)} anomalies, ${n(st.deadLetters)} dead letters (${s(summary.timings.stream)})`);
  }
  if (summary.cdc) {
    const c = summary.cdc;
    const origin = c.fromTable === undefined ? '' : ` (${n(c.fromTable)} from the cleaned table, ${n(c.fromEvents ?? 0)} inserted by generated change events)`;
    lines.push(`  cdc         ${n(c.produced)} change events, ${n(c.delivered)} delivered in ${n(c.invocations)} invocations: model v${c.version} over ${n(c.rows)} customers${origin}, AUC ${c.auc.toFixed(3)}, accuracy ${c.accuracy.toFixed(3)}, ${n(c.deadLetters)} dead letters (${s(summary.timings.cdc)})`);
  }
  if (summary.analytics) {
    const a = summary.analytics;
    const { cold, warm } = a;
    const timing =
      cold && warm
        ? `${cold.state} ${ms(cold.computeMs)} (load ${ms(cold.loadMs)}, analyses ${ms(cold.analysesMs)}), then ${warm.state} ${ms(warm.computeMs)} (analyses ${ms(warm.analysesMs)}); `
          + `the report drawn apart in ${ms(cold.reportMs)}, then ${ms(warm.reportMs)}`
        : a.cache;
    lines.push(`  analytics   ${a.analyses} analyses over ${n(a.rows)} customers in memory: ${timing} (${s(summary.timings.analytics)})`);
    lines.push(``, `Report: ${a.report}`);
  }
  return `${lines.join('\n')}\n`;
}
