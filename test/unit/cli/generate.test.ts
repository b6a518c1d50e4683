import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateMarketing } from '../../../data/generators/marketing.js';
import { generateCommand } from '../../../shared/cli/commands/generate.js';
import { main } from '../../../shared/cli/main.js';

describe('pipeline generate marketing', () => {
  let dir: string;
  const output: string[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'generate-'));
    // the CLI writes its messages to the process streams; keep them out of the test report
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (output.push(String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (output.push(String(chunk)), true));
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });
  const run = (...args: string[]) => main(['node', 'pipeline', 'generate', 'marketing', ...args], {});

  it('writes the generator\'s file for the seed, creating its folder, and summarises it', async () => {
    const out = join(dir, 'nested', 'm.csv');
    expect(await run('--rows', '2k', '--seed', '11', '--out', out)).toBe(0);
    const expected = Buffer.concat([...generateMarketing({ rows: 2000, seed: 11 })]);
    expect((await readFile(out)).equals(expected)).toBe(true);
    expect(output.join('')).toMatch(/wrote .*m\.csv: 2,000 rows, .* seed 11; \d+ re-listed customers/);
  });

  it('exits 2 with a one-line reason on a bad option value', async () => {
    output.length = 0;
    expect(await run('--rows', 'many', '--out', join(dir, 'x.csv'))).toBe(2);
    expect(output.join('')).toMatch(/--rows <n>' argument 'many' is invalid/);
    expect(await run('--rows', '10', '--out', join(dir, 'x.csv'), '--seed', '-3')).toBe(2);
    expect(await run('--rows', '10')).toBe(2);
    expect(existsSync(join(dir, 'x.csv'))).toBe(false);
  });

  it('exits 1 naming the path when the output is a folder or a URL', async () => {
    output.length = 0;
    expect(await run('--rows', '10', '--out', dir)).toBe(1);
    expect(await run('--rows', '10', '--out', 's3://bucket/m.csv')).toBe(1);
    expect(output.join('')).toMatch(/is a folder/);
    expect(output.join('')).toMatch(/s3:\/\/bucket\/m\.csv: generate writes a local file/);
  });

  it('replaces an existing file whole', async () => {
    const out = join(dir, 'existing.csv');
    await writeFile(out, 'old contents that are longer than nothing');
    expect(await run('--rows', '3', '--out', out)).toBe(0);
    expect((await readFile(out)).equals(Buffer.concat([...generateMarketing({ rows: 3, seed: 1 })]))).toBe(true);
  });
});

describe('generateCommand', () => {
  it('creates `generate` once, so other datasets join it as subcommands', () => {
    const program = new Command('pipeline');
    const first = generateCommand(program);
    first.command('marketing');
    const again = generateCommand(program);
    again.command('sensors');
    expect(again).toBe(first);
    expect(program.commands.map((command) => command.name())).toEqual(['generate']);
    expect(first.commands.map((command) => command.name())).toEqual(['marketing', 'sensors']);
  });
});
