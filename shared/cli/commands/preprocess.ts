/**
 * `pipeline preprocess <input>`: task 1 on one file, local or on S3, with the preprocessing
 * function's own code. Into the configured store by default (the function's layout, so the later
 * commands find the dataset by name), or into a plain folder with `--out`.
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
 * register(program, context); // then: pipeline preprocess data/raw/marketing_campaign.csv
 */
export function register(program: Command, context: CliContext): void {
  program
    .command('preprocess')
    .summary('clean a CSV into the store, as the preprocess function does (or into a folder with --out)')
    .description(
      'clean a CSV (marketing schema, or inferred types) into cleaned.csv, cleaned.parquet, features.parquet, rejects.csv and report.json, '
      + 'as the preprocess function does: under processed/<name>/<version>/ of the configured store, with processed/<name>/latest.json pointing to it',
    )
    .argument('<input>', 'the CSV: a path or s3://bucket/key (it is copied under raw/ of the store unless it is there already)')
    .option('--out <location>', 'write the five files into this plain folder or s3://bucket/prefix instead (default: the store, as above)')
    .addOption(new Option('--schema <name>', 'marketing, or auto to infer the columns (default: marketing when the header matches, else auto)').choices(['marketing', 'auto']))
    .action(async (input: string, options: PreprocessOptions) => {
      const { runPreprocess } = await import('./preprocess-run.js');
      await runPreprocess(input, options, context);
    });
}

export type { PreprocessOptions };
