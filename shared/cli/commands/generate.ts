/**
 * `pipeline generate <dataset>`: writes synthetic input files. `generate marketing` writes
 * customers shaped like Kaggle's marketing_campaign.csv (data/generators/marketing.ts).
 */
import type { Command } from 'commander';
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InputError } from '../../errors.js';
import type { CliContext } from '../main.js';
import { parseCount, parseSeed } from '../options.js';

/**
 * The `generate` command, created on first use, so that another module can add its own dataset
 * as a subcommand beside `marketing`.
 *
 * @example
 * generateCommand(program).command('sensors').option('--rows <n>', 'readings', parseCount).action(...);
 */
export function generateCommand(program: Command): Command {
  return (
    program.commands.find((command) => command.name() === 'generate')
    ?? program.command('generate').description('write a generated input file: customers shaped like the real marketing file, with its kinds of dirt').exitOverride()
  );
}

/**
 * Adds `generate marketing` to the program.
 *
 * @example
 * register(program, context); // then: pipeline generate marketing --rows 1M --out data/raw/m.csv
 */
export function register(program: Command, context: CliContext): void {
  generateCommand(program)
    .command('marketing')
    .description('customers shaped like marketing_campaign.csv (tab-separated, dd-mm-yyyy, CRLF), with its kinds of dirt')
    .requiredOption('--rows <n>', 'data rows to write, e.g. 2240, 100k, 1M (required)', (text: string) => parseCount(text))
    .requiredOption('--out <file>', 'the file to write, e.g. data/raw/marketing-10k.csv; its folder is created (required)')
    .option('--seed <n>', 'the same seed writes the same file', parseSeed, 1)
    .action(async (options: { rows: number; out: string; seed: number }) => {
      const { writeMarketing } = await import('../../../data/generators/marketing.js');
      const { progress } = await import('../progress.js');
      await checkOutput(options.out);
      const bar = progress('generating', options.rows, ' rows');
      const started = performance.now();
      const stats = await writeMarketing(options.out, { rows: options.rows, seed: options.seed }, (rows) => bar.update(rows));
      const seconds = (performance.now() - started) / 1000;
      bar.done(`in ${seconds.toFixed(1)} s`);
      context.stdout.write(
        `wrote ${options.out}: ${stats.rows.toLocaleString('en')} rows, ${(stats.bytes / 1e6).toFixed(1)} MB, seed ${options.seed}; `
        + `${stats.duplicates.toLocaleString('en')} re-listed customers, ${stats.missingIncome.toLocaleString('en')} missing Income, `
        + `${stats.oddMaritalStatus.toLocaleString('en')} odd Marital_Status, ${stats.implausibleBirthYear.toLocaleString('en')} implausible Year_Birth, `
        + `${stats.outlierIncome.toLocaleString('en')} Income of 666666\n`,
      );
    });
}

async function checkOutput(path: string): Promise<void> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) throw new InputError(path, 'generate writes a local file; give a path, not a URL');
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory()) throw new InputError(path, 'is a folder; give a file name such as data/raw/marketing.csv');
  await mkdir(dirname(path), { recursive: true }).catch((error: unknown) => {
    throw new InputError(path, `cannot create its folder: ${(error as Error).message}`, { cause: error });
  });
}
