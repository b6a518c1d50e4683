import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FolderStore } from '../../../shared/adapters/folder-store.js';
import { InputError } from '../../../shared/errors.js';
import type { ObjectStore, PutOptions } from '../../../shared/ports/object-store.js';
import { CLEANED_COLUMNS } from '../../../shared/preprocess/features.js';
import { cleanInput, datasetPrefix, OUTPUT_FILES, OutputError, preprocessBytes, preprocessObject, processedPrefix, writeCleaned, type PreprocessReport } from '../../../shared/preprocess/index.js';
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
  /** Keys in the order their writes started, and in the order they finished. */
  readonly started: string[] = [];
  readonly writes: string[] = [];
  /** How many writes had finished when report.json's began. */
  finishedBeforeReport = -1;
  failOn: string | undefined;
  override async put(key: string, body: Uint8Array | string, options?: PutOptions) {
    this.started.push(key);
    if (key.endsWith('report.json')) this.finishedBeforeReport = this.writes.length;
    if (key === this.failOn) throw new Error(`disk full writing ${key}`);
    const result = await super.put(key, body, options);
    this.writes.push(key);
    return result;
  }
}

const json = async (store: ObjectStore, key: string) => JSON.parse(new TextDecoder().decode((await store.get(key)).body)) as Record<string, unknown>;

describe('preprocessBytes', () => {
  it('writes the five outputs in order, report.json only once the others are written', async () => {
    const store = new RecordingStore(await tempDir());
    await preprocessBytes(small, { source: 'marketing-small.tsv' }, { store, prefix: 'out/' });
    const outputs = OUTPUT_FILES.map((f) => `out/${f}`);
    expect(store.started).toEqual(outputs);
    // the data files' writes overlap (each is made while the ones before it are written); report.json says the run is complete
    expect([...store.writes].sort()).toEqual([...outputs].sort());
    expect(store.finishedBeforeReport).toBe(outputs.length - 1);
  });

  it('writes the same bytes for the same input', async () => {
    const [a, b] = [new FolderStore(await tempDir()), new FolderStore(await tempDir())];
    await preprocessBytes(small, { source: 's' }, { store: a, prefix: '' });
    await preprocessBytes(small, { source: 's' }, { store: b, prefix: '' });
    for (const file of OUTPUT_FILES) expect(Buffer.from((await a.get(file)).body).equals(Buffer.from((await b.get(file)).body)), file).toBe(true);
  });

  it('leaves no output at all when a write fails midway, removing an earlier report, and throws the storage error as it is', async () => {
    const store = new RecordingStore(await tempDir());
    await preprocessBytes(small, { source: 's' }, { store, prefix: '' });
    store.failOn = 'features.parquet';
    await expect(preprocessBytes(small, { source: 's' }, { store, prefix: '' })).rejects.toThrow('disk full');
    expect(await store.list('')).toEqual([]);
  });

  it('removes what it wrote and names the file when an output cannot be made', async () => {
    const store = new FolderStore(await tempDir());
    const cleaned = cleanInput(small, { source: 'raw/s.tsv' });
    const broken = {
      ...cleaned,
      result: {
        ...cleaned.result,
        features: () => {
          throw new RangeError('Invalid typed array length: -1');
        },
      },
    };
    const error = await writeCleaned(broken, { store, prefix: 'out/' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputError);
    expect((error as Error).message).toBe('raw/s.tsv: features.parquet could not be made: RangeError: Invalid typed array length: -1');
    expect(await store.list('')).toEqual([]);
  });

  it('cleans a header with no data rows into empty outputs and a report, with either schema', async () => {
    for (const file of ['marketing-small.tsv', 'auto-simple.csv']) {
      const header = readFileSync(join(repoRoot, 'test', 'fixtures', 'preprocess', file)).toString().split('\n')[0]!;
      const store = new FolderStore(await tempDir());
      const report = await preprocessBytes(Buffer.from(`${header}\n`), { source: file }, { store, prefix: '' });
      expect(report).toMatchObject({ status: 'cleaned', rowsIn: 0, rowsOut: 0, quarantined: 0 });
      expect((await store.list('')).map((o) => o.key)).toEqual([...OUTPUT_FILES].sort());
      for (const parquet of ['cleaned.parquet', 'features.parquet']) expect((await readParquet((await store.get(parquet)).body)).numRows(), `${file} ${parquet}`).toBe(0);
      expect(new TextDecoder().decode((await store.get('cleaned.csv')).body).split('\n')).toHaveLength(2);
    }
  });

  it('refuses files beyond the limits with the limit they cross, writing nothing', async () => {
    const store = new FolderStore(await tempDir());
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['a 50 MB line with no line break', Buffer.alloc(50 * 1024 * 1024, 'x'), /^long\.csv:1: the header is 52,428,800 bytes, over the limit of 262,144$/],
      ['a header of a million columns', Buffer.from(`${Array.from({ length: 1_000_000 }, (_, i) => `c${i}`).join(',')}\n1\n`), /^long\.csv:1: the header has more than 2,000 columns, the limit$/],
      ['a 2 MB field', Buffer.from(`a,b\n1,"${'y'.repeat(2 * 1024 * 1024)}"\n`), /^long\.csv:2: field 2 is 2,097,152 bytes, over the limit of 1,048,576$/],
    ];
    for (const [what, bytes, message] of cases) {
      const error = await preprocessBytes(bytes, { source: 'long.csv' }, { store, prefix: '' }).catch((e: unknown) => e);
      expect(error, what).toBeInstanceOf(InputError);
      expect((error as Error).message, what).toMatch(message);
    }
    expect(await store.list('')).toEqual([]);
    // the shape of real files is far inside the limits: a wide table with long text still cleans
    const wide = `${Array.from({ length: 500 }, (_, i) => `column_${i}`).join(',')}\n${Array.from({ length: 500 }, (_, i) => (i === 7 ? `"${'z'.repeat(100_000)}"` : String(i))).join(',')}\n`;
    expect((await preprocessBytes(Buffer.from(wide), { source: 'wide.csv' }, { store, prefix: 'wide/' })).rowsOut).toBe(1);
  });

  it('writes text a spreadsheet would run as a formula with a leading quote in the CSV outputs, keeps Parquet values exact, and makes features.parquet column names safe and unique', async () => {
    const store = new FolderStore(await tempDir());
    const input = ['id,note,kind,=cmd,b=x,b', '1,=1+2,@SUM(A1),3,1,x', '2,+cmd|calc,=HYPERLINK("x"),4,2,y', '3,-,@SUM(A1),5,3,x', '4,plain,\tx,6,4,y', '5,"-2.5",a,-7,5,x', ''].join('\n');
    await preprocessBytes(Buffer.from(input), { source: 'f.csv', schema: 'auto' }, { store, prefix: '' });
    const csv = new TextDecoder().decode((await store.get('cleaned.csv')).body).split('\n');
    expect(csv.slice(0, 4)).toEqual(["id,note,kind,'=cmd,b=x,b", "1,'=1+2,'@SUM(A1),3,1,x", `2,'+cmd|calc,"'=HYPERLINK(""x"")",4,2,y`, "3,'-,'@SUM(A1),5,3,x"]);
    expect(csv[5]).toBe("5,'-2.5,a,-7,5,x"); // a number column keeps its negative numbers as numbers; text is text
    const cleaned = await readParquet((await store.get('cleaned.parquet')).body);
    expect(cleaned.array('note')).toContain('=1+2');
    expect(cleaned.columnNames()).toContain('=cmd');
    const features = await readParquet((await store.get('features.parquet')).body);
    for (const name of features.columnNames()) expect(name, name).not.toMatch(/^[=+\-@\t\r]/);
    expect(features.columnNames()).toContain("'=cmd");
    // the numeric column b=x and the one-hot column of level x of b were one column, the second overwriting the first
    expect(features.columnNames().filter((name) => name.startsWith('b=x'))).toEqual(['b=x', 'b=x~2']);

    // rejects.csv: the raw text of a quarantined row
    const header = small.toString().split('\n')[0]!;
    const row = small.toString().split('\n')[1]!.replace(/^\d+/, '=1+2');
    await preprocessBytes(Buffer.from(`${header}\n${row}\n`), { source: 'm.tsv' }, { store, prefix: 'm/' });
    const rejects = new TextDecoder().decode((await store.get('m/rejects.csv')).body).split('\n');
    expect(rejects[1]).toMatch(/^2,.*,'=1\+2\t/);
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
