/**
 * `npm run bench [-- <part>...] [--sizes 10k,100k,1M] [--repeats N] [--seed S]`
 *
 * Runs every benchmark part in test/bench/parts/ (or only those named), prints each part's table
 * and targets, and writes them to data/bench/results-<part>.json.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseCount, parseSeed } from '../../shared/cli/options.js';
import { marketingInput } from './lib/inputs.js';
import type { BenchContext, BenchPart, BenchReport } from './lib/part.js';
import { parseSizes } from './lib/sizes.js';
import { formatTable } from './lib/table.js';

// the AWS SDK's notice about its Node 22 releases is noise in a benchmark's output
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const repoRoot = resolve(import.meta.dirname, '..', '..');
const benchDir = join(repoRoot, 'data', 'bench');
const partsDir = join(import.meta.dirname, 'parts');

interface Options {
  readonly sizes: number[];
  readonly repeats?: number;
  readonly seed: number;
}

/** Repeats by size when --repeats is not given: small inputs are cheap and noisy; three runs give a median and a spread at any size. */
function defaultRepeats(rows: number): number {
  return rows <= 20_000 ? 5 : 3;
}

async function loadParts(): Promise<BenchPart[]> {
  const files = readdirSync(partsDir).filter((file) => file.endsWith('.ts')).sort();
  const parts: BenchPart[] = [];
  for (const file of files) {
    const part = (await import(pathToFileURL(join(partsDir, file)).href)) as Partial<BenchPart>;
    if (typeof part.name !== 'string' || typeof part.run !== 'function') {
      throw new Error(`test/bench/parts/${file} must export 'name' and 'run(context)'`);
    }
    parts.push(part as BenchPart);
  }
  return parts;
}

function printReport(part: BenchPart, report: BenchReport): void {
  const out = process.stdout;
  out.write(`\n## ${part.name}: ${part.description}\n\n${formatTable(report.columns, report.rows)}\n`);
  if (report.targets?.length) {
    out.write('\nTargets:\n');
    for (const target of report.targets) {
      const mark = target.met === undefined ? 'not measured' : target.met ? 'met' : 'MISSED';
      out.write(`- ${target.name}: ${target.measured} (${mark})\n`);
    }
  }
  for (const note of report.notes ?? []) out.write(`\n${note}\n`);
}

async function main(argv: readonly string[]): Promise<void> {
  const available = await loadParts();
  const program = new Command('bench')
    .description('Run the benchmark parts in test/bench/parts/ and compare each with its peer.')
    .argument('[parts...]', 'parts to run (default: all)')
    .addOption(
      new Option('--sizes <list>', 'input sizes in rows, e.g. 10k,100k')
        .argParser((text: string) => {
          try {
            return parseSizes(text);
          } catch (error) {
            throw new InvalidArgumentError((error as Error).message);
          }
        })
        .default([10_000, 100_000, 1_000_000], '10k,100k,1M'),
    )
    .option('--repeats <n>', 'runs per measurement, the median reported (default: 5 up to 20k rows, else 3)', (text: string) => parseCount(text, { min: 1 }))
    .option('--seed <n>', 'seed of the generated inputs', parseSeed, 1)
    .addHelpText('after', `\nParts:\n${available.map((part) => `  ${part.name.padEnd(11)} ${part.description}`).join('\n')}\n`)
    .showHelpAfterError();
  program.parse(argv as string[]);
  const options = program.opts<Options>();
  const names = program.args;

  const unknown = names.filter((name) => !available.some((part) => part.name === name));
  if (unknown.length > 0) {
    throw new Error(`no benchmark part named ${unknown.join(', ')}; there are: ${available.map((part) => part.name).join(', ')}`);
  }
  const selected = names.length > 0 ? available.filter((part) => names.includes(part.name)) : available;
  // the CLI is measured as users run it: from the bundle npm's prepare builds, rebuilt when a source changed since
  const { buildCli, freshBundle } = (await import(pathToFileURL(join(repoRoot, 'shared', 'cli', 'build.mjs')).href)) as { buildCli(): Promise<boolean>; freshBundle(): string | undefined };
  if (freshBundle() === undefined) {
    process.stderr.write('building the CLI bundle (npm run prepare)\n');
    if (!(await buildCli())) process.stderr.write('  the bundle could not be built: the CLI runs through tsx, slower to start\n');
  }
  const real = join(repoRoot, '..', 'shared', 'data', 'marketing_campaign.csv');
  const log = (line: string) => process.stderr.write(`  ${line}\n`);
  process.stdout.write(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 1e9).toFixed(0)} GB, Node ${process.version}\n`);

  for (const part of selected) {
    const workDir = join(benchDir, part.name);
    mkdirSync(workDir, { recursive: true });
    const context: BenchContext = {
      sizes: options.sizes,
      seed: options.seed,
      repeats: (rows) => options.repeats ?? defaultRepeats(rows),
      repoRoot,
      workDir,
      marketingInput: (rows) => marketingInput(benchDir, rows, options.seed, log),
      realMarketingFile: existsSync(real) ? real : undefined,
      log,
    };
    process.stderr.write(`${part.name}...\n`);
    let report: BenchReport;
    try {
      report = await part.run(context);
    } catch (error) {
      // one broken part must not hide the others' figures
      process.stdout.write(`\n## ${part.name}: FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
      continue;
    }
    printReport(part, report);
    const resultsFile = join(benchDir, `results-${part.name}.json`);
    const results = {
      part: part.name,
      description: part.description,
      finishedAt: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryBytes: totalmem(), node: process.version, platform: process.platform },
      options: { sizes: options.sizes, repeats: options.repeats ?? 'by size', seed: options.seed },
      ...report,
    };
    writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`\n(results in data/bench/${basename(resultsFile)})\n`);
  }
}

main(process.argv).catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
