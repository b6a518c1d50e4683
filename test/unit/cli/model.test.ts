import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cdcMessages } from '../../../data/generators/cdc.js';
import { FolderStore } from '../../../shared/adapters/folder-store.js';
import { readCustomers } from '../../../shared/cdc/customers.js';
import { CdcService, type PartitionRecord } from '../../../shared/cdc/index.js';
import { main } from '../../../shared/cli/main.js';

const sampleFile = join(import.meta.dirname, '../../fixtures/cdc/cleaned-sample.csv');

describe('pipeline model', () => {
  let dir: string;
  let records: PartitionRecord[];
  const stdout: string[] = [];
  const stderr: string[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'model-'));
    const customers = await readCustomers(new Uint8Array(await readFile(sampleFile)), 'cleaned-sample.csv');
    const service = new CdcService({ store: new FolderStore(dir), modelName: 'response', log: 'kafka.test' });
    records = [...cdcMessages({ customers, count: 300, seed: 4 })].map((m, offset) => ({ topic: 'customer_updates', partition: 0, offset, key: m.key, value: m.value }));
    await service.handle(records);
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (stdout.push(String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (stderr.push(String(chunk)), true));
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });
  const run = async (...args: string[]) => {
    stdout.length = 0;
    stderr.length = 0;
    return main(['node', 'pipeline', 'model', ...args], { PIPELINE_DATA_DIR: dir });
  };

  it('shows the current model as JSON with its rows, offsets and metrics', async () => {
    expect(await run('show', '--json')).toBe(0);
    const model = JSON.parse(stdout.join(''));
    expect(model).toMatchObject({ format: 'pipeline.cdc-model/1', version: 1, offsets: { topic: 'customer_updates', log: 'kafka.test', partitions: { 0: 305 } }, stale: false });
    expect(model.features).toHaveLength(40);
    expect(model.metrics.auc).toBeGreaterThan(0);
  });

  it('fits the same model from scratch on the CDC state and says it equals the current one', async () => {
    expect(await run('fit')).toBe(0);
    expect(stdout.join('')).toMatch(/fitted from scratch on the CDC state/);
    expect(stdout.join('')).toMatch(/equal to the published model v1 .*largest relative difference 0, within 1e-9/);
  });

  it('exits 1 when the published model is not the fit from scratch, naming the rows and the largest difference', async () => {
    const store = new FolderStore(dir);
    const key = 'models/response/current/customer_updates@kafka.test.json';
    const published = (await store.get(key)).body;
    const doc = JSON.parse(new TextDecoder().decode(published));
    await store.put(key, JSON.stringify({ ...doc, rows: doc.rows + 1, parameters: { ...doc.parameters, intercept: doc.parameters.intercept + 0.5 } }));
    try {
      expect(await run('fit')).toBe(1);
      expect(stdout.join('')).toMatch(new RegExp(`DIFFERENT from the published model v1 \\(${(doc.rows + 1).toLocaleString('en')} customers, against ${doc.rows.toLocaleString('en')} fitted\\): largest relative difference [\\d.e+-]+ \\(intercept\\)\n`));
      expect(stderr.join('')).toBe('pipeline: the published model v1 is not the model fitted from scratch on the CDC state\n');
    } finally {
      await store.put(key, published);
    }
  });

  it('scores a customer of the state by ID, and every row of a cleaned file', async () => {
    expect(await run('predict', '--id', '101', '--json')).toBe(0);
    expect(JSON.parse(stdout.join(''))).toMatchObject({ ID: '101', predicted: expect.any(Number), modelVersion: 1 });
    expect(await run('predict', '--file', sampleFile)).toBe(0);
    const lines = stdout.join('').trim().split('\n');
    expect(lines[0]).toBe('ID,score,predicted');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['101', '102', '103', '104', '105', '106']);
  });

  it('scores every customer of a cleaned dataset of the store by name', async () => {
    const store = new FolderStore(dir);
    await store.put('processed/sample/v1/cleaned.csv', new Uint8Array(await readFile(sampleFile)));
    await store.put('processed/sample/latest.json', JSON.stringify({ cleanedParquet: 'processed/sample/v1/cleaned.csv' }));
    expect(await run('predict', '--dataset', 'sample')).toBe(0);
    expect(stdout.join('').trim().split('\n').slice(1).map((l) => l.split(',')[0])).toEqual(['101', '102', '103', '104', '105', '106']);
    expect(await run('predict', '--dataset', 'nothing')).toBe(1);
    expect(stderr.join('')).toMatch(/no cleaned dataset 'nothing': .*processed\/nothing\/latest\.json does not exist \(the store has sample\); `pipeline preprocess <dir>\/nothing\.csv` makes it\n$/);
  });

  it('names a customer that is not in the state, with IDs that are, and where IDs come from; refuses both --id and --file', async () => {
    expect(await run('predict', '--id', '999999')).toBe(1);
    expect(stderr.join('')).toMatch(
      /customer 999999 is not in the CDC state of customer_updates@kafka\.test \([\d,]+ customers, e\.g\. \d+, \d+, \d+\): its IDs are those of the cleaned table `pipeline produce cdc` read, and of the customers its change events inserted\n$/,
    );
    const example = /e\.g\. (\d+),/.exec(stderr.join(''))![1]!;
    expect(await run('predict', '--id', example)).toBe(0);
    expect(await run('predict', '--id', '1', '--file', sampleFile)).toBe(2);
    expect(stderr.join('')).toBe('pipeline: give --id <ID>, --dataset <name> or --file <cleaned>, one of them.\n');
  });

  it('says where it looked when there is no model', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'model-empty-'));
    stderr.length = 0;
    expect(await main(['node', 'pipeline', 'model', 'show'], { PIPELINE_DATA_DIR: empty })).toBe(1);
    expect(stderr.join('')).toMatch(/no model of topic customer_updates in .*models\/response\/current\/ yet: `pipeline produce cdc` then `pipeline serve cdc --until-idle` make it on Kafka, `npm start` on this machine\n$/);
    await rm(empty, { recursive: true, force: true });
  });

  it("reads one event log's model of a topic, never a mix: several logs need --log, and a stale model says so with its gaps", async () => {
    const other = await mkdtemp(join(tmpdir(), 'model-logs-'));
    const store = new FolderStore(other);
    await new CdcService({ store, modelName: 'response', log: 'kafka.test' }).handle(records.slice(0, 100));
    // another log: offsets 0..9, then 30.. (10..29 never delivered: a gap)
    const inProcess = new CdcService({ store, modelName: 'response', log: 'in-process.ab12' });
    await inProcess.handle(records.slice(0, 10));
    await inProcess.handle(records.slice(30, 60));
    // the configured log is a third one (an MSK cluster), so nothing picks one of the two by default
    const show = (...args: string[]) => main(['node', 'pipeline', 'model', 'show', ...args], { PIPELINE_DATA_DIR: other, MSK_CLUSTER_ARN: 'arn:aws:kafka:us-east-1:123456789012:cluster/other/uuid-1' });
    stderr.length = 0;
    expect(await show()).toBe(1);
    expect(stderr.join('')).toMatch(/2 event logs have results of topic customer_updates in .*: in-process\.ab12, kafka\.test; choose one with --log <id>/);
    stdout.length = 0;
    expect(await show('--log', 'kafka.test', '--json')).toBe(0);
    expect(JSON.parse(stdout.join(''))).toMatchObject({ offsets: { log: 'kafka.test', partitions: { 0: 99 } }, stale: false });
    stdout.length = 0;
    expect(await show('--log', 'in-process.ab12')).toBe(0);
    expect(stdout.join('')).toContain('source: topic customer_updates, event log in-process.ab12');
    expect(stdout.join('')).toContain('STALE: offsets never delivered, whose changes the model lacks: 0@10-29 (partition@offsets)');
    stderr.length = 0;
    expect(await show('--topic', 'other_topic')).toBe(1);
    expect(stderr.join('')).toMatch(/no model of topic other_topic/);
    await rm(other, { recursive: true, force: true });
  });

  it('shows a model written before sources were recorded, saying its log is unknown', async () => {
    const old = await mkdtemp(join(tmpdir(), 'model-legacy-'));
    const store = new FolderStore(old);
    await new CdcService({ store, modelName: 'response', log: 'kafka.test' }).handle(records.slice(0, 20));
    const doc = JSON.parse(new TextDecoder().decode((await store.get('models/response/current/customer_updates@kafka.test.json')).body));
    const { log: _log, ...offsets } = doc.offsets;
    await store.put('models/response/current.json', JSON.stringify({ ...doc, offsets, stale: undefined, states: undefined }));
    await store.delete('models/response/current/customer_updates@kafka.test.json');
    stdout.length = 0;
    expect(await main(['node', 'pipeline', 'model', 'show'], { PIPELINE_DATA_DIR: old })).toBe(0);
    expect(stdout.join('')).toContain('models/response/current.json, written before sources were recorded: its event log is unknown');
    expect(stdout.join('')).toContain('event log unknown (written before sources were recorded)');
    await rm(old, { recursive: true, force: true });
  });
});
