/**
 * `pipeline analyze`: the analytics function's work, run locally and repeatedly over one in-memory
 * table: the first run cold (fetch, parse, analyse), the next N-1 warm (analyse only), as a warm
 * Lambda container would; then results.json and report.html.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { CliContext } from '../main.js';
import { parseCount } from '../options.js';

interface AnalyzeOptions {
  readonly input?: string;
  readonly dataset?: string;
  readonly analyses?: string[];
  readonly model?: string;
  readonly out?: string;
  readonly repeat: number;
  readonly report: boolean;
  readonly json: boolean;
}

const list = (text: string): string[] => {
  const names = text.split(',').map((name) => name.trim()).filter((name) => name !== '');
  if (names.length === 0) throw new InvalidArgumentError('expected analysis names separated by commas, e.g. rfm,cohorts.');
  return names;
};

/**
 * Adds `analyze` to the program.
 *
 * @example
 * register(program, context); // then: pipeline analyze --input data/out/cleaned.parquet --repeat 5 --json
 */
export function register(program: Command, context: CliContext): void {
  program
    .command('analyze')
    .description('run the analytics over a cleaned table held in memory: the first run cold, the rest warm; write results.json and report.html')
    .option('--input <location>', 'cleaned.parquet as a path or s3://bucket/key (default: the newest cleaned dataset in the configured store)')
    .option('--dataset <name>', 'with no --input: the dataset under processed/ (default: ANALYTICS_DATASET, else the newest)')
    .option('--analyses <names>', 'comma-separated analyses to run (default: all eight)', list)
    .option('--model <location>', 'the CDC model JSON, a path or s3://bucket/key (default: models/<MODEL_NAME>/current.json in the configured store)')
    .option('--out <location>', 'folder (or s3://bucket/prefix) for results.json and report.html (default: results/analytics/<dataset>/ in the configured store)')
    .option('--repeat <n>', 'runs over the same in-memory table: 1 cold, n-1 warm', (text: string) => parseCount(text, { min: 1 }), 1)
    .option('--no-report', 'do not write results.json and report.html (default: write them)')
    .option('--json', 'print {"analyses": {...}, "timings": {...}} as JSON on stdout (default: a text summary)')
    .action(async (options: AnalyzeOptions) => {
      const { analyze } = await import('./analyze-run.js');
      await analyze(options, context);
    });
}

export type { AnalyzeOptions };
