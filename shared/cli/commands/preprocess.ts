/**
 * `pipeline preprocess <input>`: task 1 on one file, local or on S3, with the same core as the
 * preprocessing Lambda. Prints a short summary and where the outputs went.
 */
import { Option, type Command } from 'commander';
import type { CliContext } from '../main.js';

interface PreprocessOptions {
  readonly out?: string;
  readonly schema?: 'marketing' | 'auto';
}

/**
 * Adds `preprocess` to the program.
 *
 * @example
 * register(program, context); // then: pipeline preprocess data/raw/marketing_campaign.csv --out data/processed/marketing
 */
export function register(program: Command, context: CliContext): void {
  program
    .command('preprocess')
    .description('clean a CSV (marketing schema, or inferred types) into cleaned.csv, cleaned.parquet, features.parquet, rejects.csv and report.json')
    .argument('<input>', 'the CSV: a path or s3://bucket/key')
    .option('--out <location>', 'folder or s3://bucket/prefix for the outputs (default: <PIPELINE_DATA_DIR>/processed/<input name>/)')
    .addOption(new Option('--schema <name>', 'marketing, or auto to infer the columns (default: marketing when the header matches, else auto)').choices(['marketing', 'auto']))
    .action(async (input: string, options: PreprocessOptions) => {
      const { runPreprocess } = await import('./preprocess-run.js');
      await runPreprocess(input, options, context);
    });
}

export type { PreprocessOptions };
