import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../shared/cli/main.js';
import { REAL_FILE, realFileMissing } from '../../helpers/real-data.js';

const repoRoot = join(import.meta.dirname, '..', '..', '..');
const small = join(repoRoot, 'test', 'fixtures', 'preprocess', 'marketing-small.tsv');

describe('pipeline preprocess', () => {
  let dir: string;
  const stdout: string[] = [];
  const stderr: string[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'preprocess-cli-'));
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (stdout.push(String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (stderr.push(String(chunk)), true));
  });
  beforeEach(() => {
    stdout.length = 0;
    stderr.length = 0;
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });
  const run = (...args: string[]) => main(['node', 'pipeline', 'preprocess', ...args], { PIPELINE_DATA_DIR: join(dir, 'data') });

  it.skipIf(realFileMissing('test/unit/cli/preprocess.test.ts: cleans the real file and prints the summary the issue asks for'))('cleans the real file and prints the summary the issue asks for', async () => {
    const out = join(dir, 'real');
    expect(await run(REAL_FILE, '--out', out)).toBe(0);
    const text = stdout.join('');
    expect(text).toMatch(/^preprocessed .*marketing_campaign\.csv \(marketing schema\) in \d+\.\d\d s\n/);
    expect(text).toContain('rows in 2,240, out 2,053: 183 duplicates removed, 4 quarantined (implausible-age 3, implausible-income 1)');
    expect(text).toContain('imputed Income 24; dropped Z_CostContact, Z_Revenue');
    expect(text).toContain(`wrote ${out}/ (cleaned.csv, cleaned.parquet, features.parquet, rejects.csv, report.json)`);
    expect((await readdir(out)).sort()).toEqual(['cleaned.csv', 'cleaned.parquet', 'features.parquet', 'rejects.csv', 'report.json']);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    expect(report).toMatchObject({ rowsIn: 2240, rowsOut: 2053, duplicatesRemoved: 183, quarantined: 4, imputed: { Income: 24 } });
    expect(stderr.join('')).toBe('');
  });

  it('writes what the preprocess function writes by default: the input under raw/, processed/<name>/<version>/ and latest.json', async () => {
    const data = join(dir, 'data');
    expect(await run(small)).toBe(0);
    const md5 = createHash('md5').update(await readFile(small)).digest('hex');
    const prefix = `processed/marketing-small/${md5}/`;
    expect(await readFile(join(data, 'raw', 'marketing-small.tsv'))).toEqual(await readFile(small));
    expect((await readdir(join(data, prefix))).sort()).toEqual(['cleaned.csv', 'cleaned.parquet', 'features.parquet', 'rejects.csv', 'report.json']);
    const pointer = JSON.parse(await readFile(join(data, 'processed', 'marketing-small', 'latest.json'), 'utf8'));
    expect(pointer).toMatchObject({ source: 'raw/marketing-small.tsv', version: md5, prefix, cleanedParquet: `${prefix}cleaned.parquet`, rowsOut: 7 });
    const text = stdout.join('');
    expect(text).toContain(`copied it to ${join(data, 'raw', 'marketing-small.tsv')}`);
    expect(text).toContain(`wrote ${join(data, prefix)} (cleaned.csv, `);
    expect(text).toContain(`${join(data, 'processed', 'marketing-small', 'latest.json')} points to it: dataset marketing-small`);

    // again, from where it now lies under raw/: nothing copied, nothing rewritten
    stdout.length = 0;
    expect(await run(join(data, 'raw', 'marketing-small.tsv'))).toBe(0);
    expect(stdout.join('')).not.toContain('copied');
    expect(stdout.join('')).toContain(`these bytes were cleaned before: reused ${join(data, prefix)}`);
  });

  it('refuses to overwrite another file of the same name under raw/', async () => {
    const other = join(dir, 'elsewhere');
    await mkdir(other, { recursive: true });
    await writeFile(join(other, 'marketing-small.tsv'), 'ID,Year_Birth\n1,1970\n');
    expect(await run(join(other, 'marketing-small.tsv'))).toBe(1);
    expect(stderr.join('')).toMatch(/raw\/marketing-small\.tsv already holds another file of that name; rename the input, or clean it into a folder of its own with --out <dir>\n$/);
  });

  it('records an unreadable file as the function does and exits 1 naming the input and the record', async () => {
    const input = join(dir, 'binary.csv');
    await writeFile(input, Uint8Array.of(0x00, 0x01));
    expect(await run(input)).toBe(1);
    expect(stderr.join('')).toMatch(/^pipeline: .*binary\.csv:1: binary data, not text \(NUL byte at offset 0\) \(recorded in .*processed\/binary\/[0-9a-f]{32}\/report\.json\)\n$/);
  });

  it('cleans with inferred types when asked for --schema auto', async () => {
    expect(await run(small, '--schema', 'auto', '--out', join(dir, 'auto'))).toBe(0);
    expect(stdout.join('')).toContain('(auto schema)');
  });

  const bad: Array<[string, string | Uint8Array, RegExp]> = [
    ['an empty file', '', /: the file is empty$/],
    ['binary bytes', Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00), /:3: binary data, not text \(NUL byte at offset 8\)$/],
    ['another encoding', Uint8Array.from([...Buffer.from('ID,Name\n1,Jos'), 0xe9, 0x0a]), /:2: not UTF-8 text \(byte 0xe9 at offset 13/],
    ['no header', '5524\t1957\tGraduation\tSingle\t58138\n2174\t1954\tGraduation\tSingle\t46344\n', /:1: no header: the first line holds values/],
  ];
  for (const [name, content, message] of bad) {
    it(`exits non-zero with one line for ${name}, writing nothing`, async () => {
      const input = join(dir, `${name.replaceAll(' ', '-')}.csv`);
      await writeFile(input, content);
      const out = join(dir, `out-${name.replaceAll(' ', '-')}`);
      expect(await run(input, '--out', out)).toBe(1);
      const lines = stderr.join('').split('\n').filter((line) => line !== '');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^pipeline: /);
      expect(lines[0]).toMatch(message);
      expect(existsSync(out)).toBe(false);
    });
  }

  it('exits non-zero naming a missing input, and the missing columns of --schema marketing on another file', async () => {
    expect(await run(join(dir, 'nope.csv'))).toBe(1);
    expect(stderr.join('')).toMatch(/nope\.csv: does not exist \(`pipeline generate marketing --rows 10k --out <file>` writes a marketing file to try\)\n$/);
    stderr.length = 0;
    const other = join(dir, 'other.csv');
    await writeFile(other, 'a,b\n1,2\n');
    expect(await run(other, '--schema', 'marketing')).toBe(1);
    expect(stderr.join('')).toMatch(/other\.csv:1: not the marketing schema: the header lacks ID, Year_Birth/);
  });
});
