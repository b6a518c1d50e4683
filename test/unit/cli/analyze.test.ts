import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FolderStore } from '../../../shared/adapters/folder-store.js';
import { readCleanedParquet } from '../../../shared/analytics/table.js';
import { main } from '../../../shared/cli/main.js';
import { generatedCsv, stageDataset } from '../analytics/helpers.js';

describe('pipeline analyze', () => {
  let dir: string;
  let parquet: string;
  const stdout: string[] = [];
  const stderr: string[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'analyze-'));
    const store = new FolderStore(join(dir, 'store'));
    const pointer = await stageDataset(store, store, 'customers', generatedCsv(1_200, 5));
    parquet = join(dir, 'store', pointer.cleanedParquet);
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (stdout.push(String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (stderr.push(String(chunk)), true));
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });
  const run = (env: Record<string, string>, ...args: string[]) => main(['node', 'pipeline', 'analyze', ...args], env);

  it('prints the analyses and the cold and warm timings as JSON, one cold run and N-1 warm', async () => {
    stdout.length = 0;
    expect(await run({ PIPELINE_DATA_DIR: join(dir, 'store') }, '--input', parquet, '--repeat', '4', '--json', '--no-report')).toBe(0);
    const printed = JSON.parse(stdout.join(''));
    expect(Object.keys(printed)).toEqual(['analyses', 'timings']);
    expect(printed.timings).toMatchObject({ runs: 4 });
    // durations are the bench's business; here, that each is reported
    for (const ms of [printed.timings.loadMs, printed.timings.coldMs, printed.timings.warmMs]) expect(ms).toBeGreaterThanOrEqual(0);
    expect(printed.analyses.rfm.rows.length).toBeGreaterThan(0);
    expect(typeof printed.analyses.rfm.ms).toBe('number');
    expect(printed.analyses['predicted-response']).toMatchObject({ rows: [], skipped: expect.stringMatching(/no CDC model under .*models\/response\/current\/ yet/) });
  });

  it('analyses the newest cleaned dataset of the configured store by default and writes the report there', async () => {
    stdout.length = 0;
    expect(await run({ PIPELINE_DATA_DIR: join(dir, 'store') }, '--analyses', 'rfm,cohorts')).toBe(0);
    expect(stdout.join('')).toMatch(/rows; load \d+ ms, cold run \d+ ms\n\s+rfm\s+\d+ rows/);
    const written = JSON.parse(await readFile(join(dir, 'store', 'results', 'analytics', 'customers', 'results.json'), 'utf8'));
    expect(Object.keys(written.analyses)).toEqual(['rfm', 'cohorts']);
    expect(await readFile(join(dir, 'store', 'results', 'analytics', 'customers', 'report.html'), 'utf8')).toContain('<svg');
  });

  it("writes results.json in the analytics function's shape, so that the run report reads what the command wrote", async () => {
    stdout.length = 0;
    expect(await run({ PIPELINE_DATA_DIR: join(dir, 'store') }, '--repeat', '3')).toBe(0);
    const written = JSON.parse(await readFile(join(dir, 'store', 'results', 'analytics', 'customers', 'results.json'), 'utf8'));
    expect(written).toMatchObject({
      dataset: 'customers',
      source: { rows: expect.any(Number), bytes: expect.any(Number), etag: expect.stringMatching(/^"[0-9a-f]{32}"$/), pointer: expect.stringContaining('processed/customers/latest.json') },
      cache: { state: 'cold', uses: 3 },
      timings: { analysesMs: expect.any(Number), analyses: expect.objectContaining({ rfm: expect.any(Number) }) },
      repeat: { runs: 3 },
    });
    stdout.length = 0;
    expect(await main(['node', 'pipeline', 'report'], { PIPELINE_DATA_DIR: join(dir, 'store') })).toBe(0);
    const page = await readFile(join(dir, 'store', 'results', 'run', 'report.html'), 'utf8');
    expect(page).toContain('data-section="analytics"');
    expect(page).toMatch(/8 analyses over [\d,]+ customers/);
  });

  it('writes into --out and uses the model given with --model', async () => {
    const out = join(dir, 'out');
    const model = join(dir, 'model.json');
    // a tiny linear model: the score is 0.1 plus 0.01 per web visit
    await writeFile(model, JSON.stringify({ kind: 'test', threshold: 0.5, features: ['NumWebVisitsMonth'], standardisation: { mean: [0], std: [1] }, parameters: { intercept: 0.1, coefficients: [0.01] } }));
    expect(await run({}, '--input', parquet, '--model', model, '--out', out, '--analyses', 'predicted-response')).toBe(0);
    const written = JSON.parse(await readFile(join(out, 'results.json'), 'utf8'));
    const table = await readCleanedParquet(await readFile(parquet), parquet);
    const visits = table.array('NumWebVisitsMonth') as Int32Array;
    const meanVisits = visits.reduce((a, b) => a + b, 0) / visits.length;
    const overall = written.analyses['predicted-response'].rows[0];
    expect(overall).toMatchObject({ segment: 'all', customers: table.numRows() });
    expect(overall.predicted).toBeCloseTo(0.1 + 0.01 * meanVisits, 10);
  });

  it('says what it looked for and which command makes a dataset when the store has none, or not the one named', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'analyze-empty-'));
    stderr.length = 0;
    expect(await run({ PIPELINE_DATA_DIR: empty })).toBe(1);
    expect(stderr.join('')).toBe(
      `pipeline: no cleaned dataset in ${join(empty, 'processed')}/ (looked for processed/<name>/latest.json): \`pipeline preprocess <file.csv>\` or \`npm start\` makes one\n`,
    );
    stderr.length = 0;
    expect(await run({ PIPELINE_DATA_DIR: join(dir, 'store') }, '--dataset', 'marketing-1m')).toBe(1);
    expect(stderr.join('')).toBe(
      `pipeline: no cleaned dataset 'marketing-1m': ${join(dir, 'store', 'processed', 'marketing-1m', 'latest.json')} does not exist (the store has customers); \`pipeline preprocess <dir>/marketing-1m.csv\` makes it\n`,
    );
    await rm(empty, { recursive: true, force: true });
  });

  it('exits 1 naming the file when the input is missing or not Parquet, and 2 on a bad option', async () => {
    stderr.length = 0;
    expect(await run({}, '--input', join(dir, 'nope.parquet'))).toBe(1);
    expect(stderr.join('')).toContain(`${join(dir, 'nope.parquet')}: does not exist`);
    await writeFile(join(dir, 'text.parquet'), 'ID,Income\n1,2\n');
    expect(await run({}, '--input', join(dir, 'text.parquet'), '--no-report')).toBe(1);
    expect(stderr.join('')).toContain('text.parquet: is not a readable Parquet file');
    expect(await run({}, '--input', parquet, '--analyses', 'rfm,churn')).toBe(1);
    expect(stderr.join('')).toMatch(/unknown analysis 'churn'/);
    expect(await run({}, '--repeat', '0')).toBe(2);
  });
});
