import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FolderStore } from '../../../shared/adapters/folder-store.js';
import { InputError } from '../../../shared/errors.js';
import type { ObjectStore, PutOptions } from '../../../shared/ports/object-store.js';
import { CLEANED_COLUMNS } from '../../../shared/preprocess/features.js';
import { datasetPrefix, OUTPUT_FILES, preprocessBytes, preprocessObject, processedPrefix, type PreprocessReport } from '../../../shared/preprocess/index.js';
import { readParquet } from '../../../shared/parquet.js';
import { REAL_FILE, realFileMissing } from '../../helpers/real-data.js';

const repoRoot = join(import.meta.dirname, '..', '..', '..');
const small = readFileSync(join(repoRoot, 'test', 'fixtures', 'preprocess', 'marketing-small.tsv'));
const temps: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'preprocess-'));
  temps.push(dir);
  return dir;
};
afterAll(async () => Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true }))));

/** A folder store that records the order of writes and can be told to fail on one key. */
class RecordingStore extends FolderStore {
  readonly writes: string[] = [];
  failOn: string | undefined;
  override async put(key: string, body: Uint8Array | string, options?: PutOptions) {
    if (key === this.failOn) throw new Error(`disk full writing ${key}`);
    const result = await super.put(key, body, options);
    this.writes.push(key);
    return result;
  }
}

const json = async (store: ObjectStore, key: string) => JSON.parse(new TextDecoder().decode((await store.get(key)).body)) as Record<string, unknown>;

describe('preprocessBytes', () => {
  it('writes the five outputs with report.json last', async () => {
    const store = new RecordingStore(await tempDir());
    await preprocessBytes(small, { source: 'marketing-small.tsv' }, { store, prefix: 'out/' });
    expect(store.writes).toEqual(OUTPUT_FILES.map((f) => `out/${f}`));
  });

  it('writes the same bytes for the same input', async () => {
    const [a, b] = [new FolderStore(await tempDir()), new FolderStore(await tempDir())];
    await preprocessBytes(small, { source: 's' }, { store: a, prefix: '' });
    await preprocessBytes(small, { source: 's' }, { store: b, prefix: '' });
    for (const file of OUTPUT_FILES) expect(Buffer.from((await a.get(file)).body).equals(Buffer.from((await b.get(file)).body)), file).toBe(true);
  });

  it('leaves no report beside partial outputs when a write fails, removing an earlier report', async () => {
    const store = new RecordingStore(await tempDir());
    await preprocessBytes(small, { source: 's' }, { store, prefix: '' });
    store.failOn = 'features.parquet';
    await expect(preprocessBytes(small, { source: 's' }, { store, prefix: '' })).rejects.toThrow('disk full');
    expect(await store.head('report.json')).toBeUndefined();
    expect(await store.head('cleaned.csv')).toBeDefined();
  });

  it('writes nothing for an input that is not CSV text', async () => {
    const dir = await tempDir();
    await expect(preprocessBytes(new Uint8Array(0), { source: 'empty.csv' }, { store: new FolderStore(dir), prefix: '' })).rejects.toThrow(InputError);
    expect(await readdir(dir)).toEqual([]);
  });

  it('writes cleaned.csv comma-separated with LF and cleaned.parquet with the contract columns and types', async () => {
    const store = new FolderStore(await tempDir());
    await preprocessBytes(small, { source: 's' }, { store, prefix: '' });
    const csv = new TextDecoder().decode((await store.get('cleaned.csv')).body);
    expect(csv.split('\n')[0]).toBe(CLEANED_COLUMNS.join(','));
    expect(csv).not.toContain('\r');
    const parquet = await readParquet((await store.get('cleaned.parquet')).body);
    expect(parquet.columnNames()).toEqual([...CLEANED_COLUMNS]);
    // the reader gives INT32 columns as Int32Array, DOUBLE as Float64Array, UTF8 as strings
    expect(parquet.column('ID')).toBeInstanceOf(Int32Array);
    expect(parquet.column('Income')).toBeInstanceOf(Float64Array);
    expect(typeof parquet.get('Dt_Customer', 0)).toBe('string');
    expect(parquet.column('TenureDays')).toBeInstanceOf(Int32Array);
    expect(parquet.get('Dt_Customer', 0)).toBe('2012-09-04');
    const rejects = new TextDecoder().decode((await store.get('rejects.csv')).body).split('\n');
    expect(rejects[0]).toBe('line,reason,raw');
    expect(rejects[1]).toMatch(/^7,"implausible-age: age at enrolment 114/);
  });
});

describe('output keys', () => {
  it('derives the prefix from the key under raw/ and the version', () => {
    expect(processedPrefix('raw/marketing_campaign.csv', '"abc123"')).toBe('processed/marketing_campaign/abc123/');
    expect(processedPrefix('raw/2024/q1 data.tsv', 'v7')).toBe('processed/2024/q1 data/v7/');
    expect(datasetPrefix('raw/noext')).toBe('processed/noext/');
    expect(datasetPrefix('raw/.hidden')).toBe('processed/.hidden/');
  });
});

describe('preprocessObject', () => {
  it('cleans a raw object into its version prefix, points latest.json at it, and reuses the run for the same version', async () => {
    const store = new FolderStore(await tempDir());
    await store.put('raw/marketing small.tsv', small);
    const first = await preprocessObject(store, 'raw/marketing small.tsv', store);
    const { etag } = (await store.head('raw/marketing small.tsv'))!;
    expect(first).toMatchObject({ status: 'cleaned', prefix: processedPrefix('raw/marketing small.tsv', etag) });
    expect(await json(store, 'processed/marketing small/latest.json')).toMatchObject({
      source: 'raw/marketing small.tsv',
      version: etag.replaceAll('"', ''),
      cleanedParquet: `${first.prefix}cleaned.parquet`,
      rowsOut: 7,
    });
    const report = (await store.get(`${first.prefix}report.json`)).body;
    const again = await preprocessObject(store, 'raw/marketing small.tsv', store);
    expect(again).toMatchObject({ status: 'cleaned', prefix: first.prefix, reused: true });
    expect(Buffer.from((await store.get(`${first.prefix}report.json`)).body).equals(Buffer.from(report))).toBe(true);
  });

  it('reports an unreadable file with rejects.csv and report.json, and returns normally', async () => {
    const store = new FolderStore(await tempDir());
    await store.put('raw/binary.csv', Uint8Array.of(1, 2, 0, 3));
    const outcome = await preprocessObject(store, 'raw/binary.csv', store);
    expect(outcome.status).toBe('rejected');
    const report = (await json(store, `${outcome.prefix}report.json`)) as unknown as PreprocessReport;
    expect(report).toMatchObject({ status: 'rejected', source: 'raw/binary.csv', rowsIn: 0 });
    expect(report.error).toMatch(/^binary data/);
    const rejects = new TextDecoder().decode((await store.get(`${outcome.prefix}rejects.csv`)).body);
    expect(rejects).toMatch(/^line,reason,raw\n1,"unreadable: binary data, not text \(NUL byte at offset 2\)",\n$/);
    expect(await store.head('processed/binary/latest.json')).toBeUndefined();
  });

  it('says the object is missing instead of failing when it was deleted before processing', async () => {
    const store = new FolderStore(await tempDir());
    expect(await preprocessObject(store, 'raw/gone.csv', store)).toMatchObject({ status: 'missing' });
  });
});

describe.skipIf(realFileMissing('test/unit/preprocess/run.test.ts: the real file through the embedded store'))('the real file through the embedded store', () => {
  it('gives the report the issue asks for, with the four quarantined IDs', async () => {
    const store = new FolderStore(await tempDir());
    await store.put('raw/marketing_campaign.csv', await readFile(REAL_FILE));
    const outcome = await preprocessObject(store, 'raw/marketing_campaign.csv', store);
    const report = outcome.report!;
    expect(report).toMatchObject({ rowsIn: 2240, duplicatesRemoved: 183, quarantined: 4, rowsOut: 2053, imputed: { Income: 24 }, droppedColumns: ['Z_CostContact', 'Z_Revenue'] });
    const rejects = new TextDecoder().decode((await store.get(`${outcome.prefix}rejects.csv`)).body);
    const ids = rejects.trim().split('\n').slice(1).map((line) => /,"?(\d+)\t/.exec(line)![1]);
    expect(ids.sort()).toEqual(['11004', '1150', '7829', '9432']);
  });
});
