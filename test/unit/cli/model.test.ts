import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cdcMessages } from '../../../data/generators/cdc.js';
import { FolderStore } from '../../../shared/adapters/folder-store.js';
import { readCustomers } from '../../../shared/cdc/customers.js';
import { CdcService } from '../../../shared/cdc/index.js';
import { main } from '../../../shared/cli/main.js';

const sampleFile = join(import.meta.dirname, '../../fixtures/cdc/cleaned-sample.csv');

describe('pipeline model', () => {
  let dir: string;
  const stdout: string[] = [];
  const stderr: string[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'model-'));
    const customers = await readCustomers(new Uint8Array(await readFile(sampleFile)), 'cleaned-sample.csv');
    const service = new CdcService({ store: new FolderStore(dir), modelName: 'response' });
    const records = [...cdcMessages({ customers, count: 300, seed: 4 })].map((m, offset) => ({ topic: 'customer_updates', partition: 0, offset, key: m.key, value: m.value }));
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
    expect(model).toMatchObject({ format: 'pipeline.cdc-model/1', version: 1, offsets: { topic: 'customer_updates', partitions: { 0: 305 } } });
    expect(model.features).toHaveLength(40);
    expect(model.metrics.auc).toBeGreaterThan(0);
  });

  it('fits the same model from scratch on the CDC state and says it equals the current one', async () => {
    expect(await run('fit')).toBe(0);
    expect(stdout.join('')).toMatch(/fitted from scratch on the CDC state/);
    expect(stdout.join('')).toMatch(/equal to current\.json v1 .*largest relative difference 0, within 1e-9/);
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
      /customer 999999 is not in the CDC state of customer_updates \([\d,]+ customers, e\.g\. \d+, \d+, \d+\): its IDs are those of the cleaned table `pipeline produce cdc` read, and of the customers its change events inserted\n$/,
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
    expect(stderr.join('')).toMatch(/no CDC model at .*models\/response\/current\.json yet: `pipeline produce cdc` then `pipeline serve cdc --until-idle` make it on Kafka, `npm start` on this machine\n$/);
    await rm(empty, { recursive: true, force: true });
  });
});
