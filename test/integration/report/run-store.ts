/**
 * A store filled the way `npm start` fills it (the four tasks through their real handlers, on the
 * in-process log), small, with hostile values where data can carry them: HTML and script in
 * Marital_Status, in a rejected line, in a sensor id, in malformed stream and CDC records. Then
 * more batches on demand, for the dashboard to see land.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateMarketing } from '../../../data/generators/marketing.js';
import { createCdcHandler } from '../../../functions/cdc/handler.js';
import { CdcService } from '../../../shared/cdc/service.js';
import { loadConfig, type PipelineConfig } from '../../../shared/config.js';
import { serveFunction } from '../../../shared/emulator/functions.js';
import { openEventLog } from '../../../shared/event-logs.js';
import { analyze, applyChangeEvents, preprocessInputs, stageInputs, streamReadings, type RunContext, type RunSummary } from '../../../shared/pipeline/run.js';
import type { EventLog } from '../../../shared/ports/event-log.js';
import { produceMessages } from '../../../shared/producer.js';
import { openStore } from '../../../shared/stores.js';
import { logIdOfLog } from '../../helpers/log-id.js';

/** Payloads that would run if they ever became markup; each sets `window.__xss` to its number. */
export const Payloads = {
  marital: '<img src=x onerror=__xss=1>',
  maritalScript: '<script>__xss=2</script>',
  rejectedLine: '<script>__xss=3</script>\t<img src=x onerror=__xss=4>',
  sensorId: '<img src=x onerror=__xss=5>',
  streamValue: '{"sensorId":7,"note":"<script>__xss=6</script>"}',
  cdcKey: '<b onmouseover=__xss=7>k</b>',
  cdcValue: '<script>__xss=8</script>',
} as const;

const SIZES = { rows: 1_500, readings: 3_000, changes: 300, badRatio: 0, seed: 7, idleMs: 300 };

/** The real-file slot of `npm start` holds a generated file with the payloads put in. */
async function hostileMarketingFile(dataDir: string): Promise<void> {
  const text = Buffer.concat([...generateMarketing({ rows: 1_200, seed: 3 })]).toString('utf8');
  const lines = text.split('\r\n');
  const header = lines[0]!.split('\t');
  const marital = header.indexOf('Marital_Status');
  const put = (i: number, value: string) => {
    const fields = lines[i]!.split('\t');
    fields[marital] = value;
    lines[i] = fields.join('\t');
  };
  for (let i = 1; i <= 40; i++) put(i, i % 2 === 0 ? Payloads.marital : Payloads.maritalScript);
  lines.splice(50, 0, Payloads.rejectedLine);
  await mkdir(join(dataDir, 'raw'), { recursive: true });
  await writeFile(join(dataDir, 'raw', 'marketing_campaign.csv'), lines.join('\r\n'));
}

export interface RunStore {
  readonly config: PipelineConfig;
  readonly log: EventLog;
  readonly summary: RunSummary;
  /** Streams `count` more valid readings of the hostile sensor (and one more malformed record) through the stream function. */
  moreReadings(count: number): Promise<void>;
  /** Sends `count` more change events (updates of the first customers) through the CDC function. */
  moreChanges(count: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Runs the four tasks into `dataDir` (or the S3 API of `env`), with the hostile values in.
 *
 * @example
 * const store = await buildRunStore(await mkdtemp(join(tmpdir(), 'report-')));
 */
export async function buildRunStore(dataDir: string, env: Record<string, string> = {}): Promise<RunStore> {
  await hostileMarketingFile(dataDir);
  const config = loadConfig({ PIPELINE_DATA_DIR: dataDir, ...env });
  const log = await openEventLog(config);
  const summary: RunSummary = { store: dataDir, log: 'in-process log', inputs: [], preprocess: [], timings: {} };
  const context: RunContext = { config, options: SIZES, summary, report: () => {} };
  await stageInputs(context);
  await preprocessInputs(context);
  await streamReadings(context, log, true);
  const sensorTopic = config.kafka.topics.sensor.name;
  const cdcHandler = createCdcHandler(new CdcService({ store: openStore(config, 'models'), modelName: config.modelName, log: (await logIdOfLog(log)) }));
  let minute = 0;
  let inserted = 0;
  const moreReadings = async (count: number) => {
    const start = Date.UTC(2026, 0, 1, 0, 30 + minute++);
    const readings = Array.from({ length: count }, (_, i) => ({
      key: Payloads.sensorId,
      // every tenth reading is far beyond the hard limit: the sensor has the most anomalies, so it is drawn
      value: JSON.stringify({ sensorId: Payloads.sensorId, ts: start + i * 500, temperature: i % 10 === 0 ? 200 : 21, humidity: 40 }),
    }));
    await produceMessages(log, sensorTopic, [...readings, { key: 's-001', value: Payloads.streamValue }]);
    await serveFunction('stream', log, config, { untilIdleMs: 300 });
  };
  await moreReadings(40);
  await applyChangeEvents(context, log, true);
  await produceMessages(log, config.kafka.topics.cdc.name, [{ key: Payloads.cdcKey, value: Payloads.cdcValue }]);
  await serveFunction('cdc', log, config, { handler: cdcHandler, untilIdleMs: 300 });
  await analyze(context);
  return {
    config,
    log,
    summary,
    moreReadings,
    moreChanges: async (count) => {
      const customer = JSON.parse(await readFile(join(import.meta.dirname, '../../fixtures/cdc/customer-5524.json'), 'utf8')) as Record<string, unknown>;
      const messages = Array.from({ length: count }, (_, i) => ({
        key: String(900_000 + inserted + i),
        value: JSON.stringify({ op: 'c', before: null, after: { ...customer, ID: 900_000 + inserted + i, Income: 30_000 + 100 * i } }),
      }));
      inserted += count;
      await produceMessages(log, config.kafka.topics.cdc.name, messages);
      await serveFunction('cdc', log, config, { handler: cdcHandler, untilIdleMs: 300 });
    },
    close: () => log.close(),
  };
}
