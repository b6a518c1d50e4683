import { Command, CommanderError } from 'commander';
import type { loadConfig as LoadConfig, PipelineConfig } from '../config.js';
import { Interrupted, PipelineError } from '../errors.js';
import { endQuietlyOnClosedPipe } from './closed-pipe.js';

/** What every command receives: the configuration, read once, and the output streams. */
export interface CliContext {
  readonly config: () => PipelineConfig;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WriteStream;
}

/** A command module adds its command(s) to the program; heavy imports stay inside the action. */
export type CommandModule = { register(program: Command, context: CliContext): void };

// Each module is imported lazily by name, so `pipeline --help` loads no data libraries.
const commandModules: ReadonlyArray<() => Promise<CommandModule>> = [
  () => import('./commands/generate.js'),
  () => import('./commands/preprocess.js'),
  () => import('./commands/topics.js'),
  () => import('./commands/consume.js'),
  () => import('./commands/produce.js'),
  () => import('./commands/produce-cdc.js'),
  () => import('./commands/serve.js'),
  () => import('./commands/stream.js'),
  () => import('./commands/analyze.js'),
  () => import('./commands/model.js'),
  () => import('./commands/run.js'),
  () => import('./commands/report.js'),
];

/**
 * Runs the CLI and resolves to the process exit code: 0 on success, 1 on an error (one line, no
 * stack trace unless `--debug`), 2 on a usage error.
 *
 * @example
 * process.exitCode = await main(process.argv);
 */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  endQuietlyOnClosedPipe();
  let config: PipelineConfig | undefined;
  // the configuration's schema (zod) is loaded before a command runs, never for --help
  let configModule: { loadConfig: typeof LoadConfig } | undefined;
  const context: CliContext = {
    config: () => (config ??= configModule!.loadConfig(env)),
    stdout: process.stdout,
    stderr: process.stderr,
  };
  // commander prints the usage errors it finds while parsing; one thrown from an action it does not
  let commanderPrinted = false;
  const program = new Command('pipeline')
    .description('Serverless data-processing pipeline: preprocessing, streaming, CDC and in-memory analytics.')
    .option('--debug', 'print stack traces on errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeErr: (text) => {
        commanderPrinted = true;
        process.stderr.write(text);
      },
    });
  program.hook('preAction', async () => {
    configModule ??= await import('../config.js');
  });
  for (const load of commandModules) (await load()).register(program, context);
  for (const command of program.commands) command.exitOverride();

  try {
    await program.parseAsync(argv as string[]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version are "errors" to commander
      if (error.exitCode === 0 || error.code === 'commander.helpDisplayed') return 0;
      if (!commanderPrinted) process.stderr.write(`pipeline: ${error.message.replace(/^error: /, '')}\n`);
      return 2;
    }
    const debug = argv.includes('--debug');
    process.stderr.write(`pipeline: ${describe(error)}\n`);
    if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return error instanceof Interrupted ? error.exitCode : 1;
  }
}

function describe(error: unknown): string {
  if (error instanceof PipelineError) return error.message;
  if (error instanceof Error) return `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}`.split('\n')[0]!;
  return String(error);
}
