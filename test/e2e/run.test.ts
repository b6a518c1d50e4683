/**
 * `npm start` end to end: the real CLI (`pipeline run`) in a child process, on generated data, in a
 * fresh data folder; then again, to show the second run is safe and reuses what it can; and once
 * against the real Kafka broker and S3 API server of this test run.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { REAL_FILE, realFileMissing } from '../helpers/real-data.js';
import { freshBucket, freshTopic, kafkaAvailable, kafkaBrokers, s3Endpoint } from '../helpers/servers.js';

const repoRoot = join(import.meta.dirname, '..', '..');

const run = promisify(execFile);
const SIZES = ['--rows', '3000', '--readings', '4000', '--changes', '400', '--idle-ms', '500'];

async function pipelineRun(env: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ['shared/cli/bin.mjs', 'run', ...SIZES], {
    env: { ...process.env, ...env, CI: '' },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 180_000,
  });
}

/** The model of the run's in-process log: the only one under models/response/current/ (an earlier run's is cleared). */
const modelOf = async (dataDir: string) => {
  const models = (await readdir(join(dataDir, 'models/response/current'))).filter((name) => name.includes('@in-process.'));
  expect(models).toHaveLength(1);
  return JSON.parse(await readFile(join(dataDir, 'models/response/current', models[0]!), 'utf8')) as { rows: number; parameters: unknown; metrics: { auc: number } };
};

describe('pipeline run (npm start) on the embedded store and log', () => {
  let dataDir: string;
  let first: { stdout: string };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pipeline-run-'));
    // what a user may have dropped into data/raw/: another marketing file, and a file that is not a table
    await mkdir(join(dataDir, 'raw'), { recursive: true });
    await copyFile(join(repoRoot, 'test', 'fixtures', 'preprocess', 'marketing-small.tsv'), join(dataDir, 'raw', 'marketing-small.tsv'));
    await writeFile(join(dataDir, 'raw', 'notes.txt'), 'where the files came from\n');
    first = await pipelineRun({ PIPELINE_DATA_DIR: dataDir });
  }, 200_000);

  it('runs the four tasks and summarises counts, timings and the report path', async () => {
    expect(first.stdout).toMatch(/preprocess {2}raw\/generated_marketing\.csv: 3,000 rows in, [\d,]+ out; [\d,]+ duplicates, [\d,]+ quarantined, [\d,]+ imputed \(Income [\d,]+\) -> /);
    expect(first.stdout).toMatch(/stream {6}4,000 readings produced, 4,000 delivered/);
    expect(first.stdout).toMatch(/cdc {9}[\d,]+ change events, [\d,]+ delivered .*model v\d+ over [\d,]+ customers \([\d,]+ from the cleaned table, [\d,]+ inserted by generated change events\), AUC 0\.\d{3}/);
    // warm is the analyses from memory; drawing the report is reported apart
    expect(first.stdout).toMatch(
      /analytics {3}8 analyses over [\d,]+ customers in memory: cold [\d.]+ m?s \(load [\d.]+ m?s, analyses [\d.]+ m?s\), then warm [\d.]+ m?s \(analyses [\d.]+ m?s\); the report drawn apart in [\d.]+ m?s, then [\d.]+ m?s/,
    );
    const report = /Report: (.+)$/m.exec(first.stdout)?.[1];
    expect(report).toBe(join(dataDir, 'results/analytics/generated_marketing/report.html'));
    expect(existsSync(report!)).toBe(true);
    // the run report is the last line
    expect(first.stdout.trimEnd().split('\n').at(-1)).toBe(`Run report: ${join(dataDir, 'results/run/report.html')}`);
    expect(await readFile(join(dataDir, 'results/run/report.html'), 'utf8')).toContain('data-section="cdc"');
    expect(existsSync(join(dataDir, 'processed/generated_marketing/latest.json'))).toBe(true);
    const model = await modelOf(dataDir);
    expect(model.rows).toBeGreaterThan(2000);
    const [, fromTable, fromEvents] = /\(([\d,]+) from the cleaned table, ([\d,]+) inserted/.exec(first.stdout)!.map((x) => Number(x.replaceAll(',', '')));
    expect(fromTable! + fromEvents!).toBe(model.rows);
    expect(fromEvents).toBeGreaterThan(0);
  });

  it('cleans every CSV in data/raw/ with its counts, names what it skipped and why, and says nothing is unchanged on a first run', () => {
    expect(first.stdout).toMatch(/preprocess {2}raw\/marketing-small\.tsv: 16 rows in, 7 out; 2 duplicates, 7 quarantined, 2 imputed \(Income 2\) -> /);
    expect(first.stdout).toContain(`  skipped     ${join(dataDir, 'raw', 'notes.txt')}: not a .csv or .tsv file\n`);
    expect(first.stdout).toContain('the later tasks use dataset generated_marketing');
    expect(first.stdout).not.toMatch(/unchanged|reused/);
  });

  it('is safe to run again: inputs unchanged, preprocessing reused, the same model', async () => {
    const before = await modelOf(dataDir);
    const second = await pipelineRun({ PIPELINE_DATA_DIR: dataDir });
    expect(second.stdout).toMatch(/raw\/generated_marketing\.csv: .* \(unchanged since an earlier run: its outputs were reused\)\n/);
    expect(second.stdout).toMatch(/raw\/marketing-small\.tsv: .* \(unchanged since an earlier run: its outputs were reused\)\n/);
    const after = await modelOf(dataDir);
    expect(after.rows).toBe(before.rows);
    expect(after.parameters).toEqual(before.parameters);
  }, 200_000);

  it('fails with one line naming the option when an option is malformed', async () => {
    const failed = await run(process.execPath, ['shared/cli/bin.mjs', 'run', '--rows', 'many'], { env: process.env }).catch((error: { code: number; stderr: string }) => error);
    expect('code' in failed && failed.code).toBe(2);
    expect((failed as { stderr: string }).stderr).toMatch(/--rows <n>.*expected a whole number/);
  });
});

describe.skipIf(realFileMissing('npm start with the real file in data/raw/'))("pipeline run with Kaggle's file in data/raw/ on a first run", () => {
  it('cleans it with the counts of its report, analyses it, and says nothing is unchanged', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'pipeline-run-real-'));
    await mkdir(join(dataDir, 'raw'), { recursive: true });
    await copyFile(REAL_FILE, join(dataDir, 'raw', 'marketing_campaign.csv'));
    const { stdout } = await pipelineRun({ PIPELINE_DATA_DIR: dataDir });
    expect(stdout).toContain(`  input       raw/marketing_campaign.csv from ${join(dataDir, 'raw', 'marketing_campaign.csv')}, 220,190 bytes\n`);
    expect(stdout).toMatch(/preprocess {2}raw\/marketing_campaign\.csv: 2,240 rows in, 2,053 out; 183 duplicates, 4 quarantined, 24 imputed \(Income 24\) -> \S+\n/);
    expect(stdout).toContain('the later tasks use dataset marketing_campaign');
    expect(stdout).not.toMatch(/unchanged|reused/);
    const [, fromTable] = /\(([\d,]+) from the cleaned table, ([\d,]+) inserted/.exec(stdout)!;
    expect(Number(fromTable!.replaceAll(',', ''))).toBeLessThanOrEqual(2053);
    expect(stdout).toContain(`Report: ${join(dataDir, 'results/analytics/marketing_campaign/report.html')}`);
  }, 200_000);
});

describe.skipIf(!kafkaAvailable())('pipeline run on a real Kafka and on the in-process log, into one store', () => {
  it("keeps each log's results: an in-process run neither deletes nor reads what the Kafka run wrote", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'pipeline-run-mixed-'));
    const common = { PIPELINE_DATA_DIR: dataDir, SENSOR_TOPIC: freshTopic('mixed-sensors'), CDC_TOPIC: freshTopic('mixed-cdc') };
    const kafka = { ...common, KAFKA_BROKERS: (await kafkaBrokers()).join(',') };
    const cli = async (env: Record<string, string>, ...args: string[]) => (await run(process.execPath, ['shared/cli/bin.mjs', ...args], { env: { ...process.env, ...env, CI: '' } })).stdout;
    const readings = (stats: string) => (JSON.parse(stats) as { windows: Array<{ readings: number }> }).windows.reduce((sum, w) => sum + w.readings, 0);

    await pipelineRun(kafka);
    const kafkaStats = await cli(kafka, 'stream', 'stats', '--json');
    const kafkaModel = await cli(kafka, 'model', 'show', '--json');
    expect(readings(kafkaStats)).toBeGreaterThan(3_900);

    await pipelineRun(common);
    // the Kafka run's results are all still there, and read as before; the in-process run's apart
    expect(await cli(kafka, 'stream', 'stats', '--json')).toBe(kafkaStats);
    expect(await cli(kafka, 'model', 'show', '--json')).toBe(kafkaModel);
    const inProcess = JSON.parse(await cli(common, 'model', 'show', '--json')) as { offsets: { log: string } };
    expect(inProcess.offsets.log).toMatch(/^in-process\./);
    expect(readings(await cli(common, 'stream', 'stats', '--json'))).toBe(readings(kafkaStats));
    expect((await readdir(join(dataDir, 'results/stream/partials'))).sort()).toEqual(
      [`${common.SENSOR_TOPIC}@${(JSON.parse(kafkaModel) as { offsets: { log: string } }).offsets.log}`, `${common.SENSOR_TOPIC}@${inProcess.offsets.log}`].sort(),
    );
  }, 400_000);
});

describe.skipIf(!kafkaAvailable() || s3Endpoint() === undefined)('pipeline run against the real Kafka broker and S3 API server', () => {
  it('runs the same four tasks through them, and a second run adds new readings but leaves the model as it was', async () => {
    const brokers = await kafkaBrokers();
    const bucket = await freshBucket('run');
    const env = {
      KAFKA_BROKERS: brokers.join(','),
      S3_ENDPOINT: s3Endpoint()!,
      PIPELINE_BUCKET: bucket,
      SENSOR_TOPIC: freshTopic('run-sensors'),
      CDC_TOPIC: freshTopic('run-cdc'),
      PIPELINE_DATA_DIR: await mkdtemp(join(tmpdir(), 'pipeline-run-')),
    };
    const { stdout } = await pipelineRun(env);
    expect(stdout).toContain(`Pipeline run (S3 ${s3Endpoint()}, Kafka ${brokers.join(',')})`);
    expect(stdout).toMatch(/stream {6}4,000 readings produced, 4,000 delivered/);
    expect(stdout).toContain(`Report: s3://${bucket}/results/analytics/generated_marketing/report.html`);
    expect(stdout).toContain(`Run report: s3://${bucket}/results/run/report.html`);
    const model = /model v(\d+) over ([\d,]+) customers(?: \([^)]*\))?, AUC (0\.\d{3})/.exec(stdout);
    expect(model).not.toBeNull();

    const again = await pipelineRun(env);
    expect(again.stdout).toMatch(/\(unchanged since an earlier run: its outputs were reused\)/);
    expect(again.stdout).toMatch(/stream {6}4,000 readings produced, 4,000 delivered/);
    // the statistics hold both runs' readings, each once: twice the first run's valid readings
    const stats = JSON.parse((await run(process.execPath, ['shared/cli/bin.mjs', 'stream', 'stats', '--json'], { env: { ...process.env, ...env } })).stdout) as {
      windows: Array<{ readings: number }>;
      deadLetters: number;
    };
    expect(stats.windows.reduce((sum, w) => sum + w.readings, 0) + stats.deadLetters).toBe(8_000);
    const remodel = /model v(\d+) over ([\d,]+) customers(?: \([^)]*\))?, AUC (0\.\d{3})/.exec(again.stdout);
    expect(Number(remodel![1])).toBeGreaterThan(Number(model![1]));
    expect(remodel![2]).toBe(model![2]);
    expect(remodel![3]).toBe(model![3]);
  }, 400_000);
});
