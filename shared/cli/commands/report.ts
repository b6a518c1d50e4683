/**
 * `pipeline report` (the run report page over the configured store) and `pipeline dashboard` (the
 * same sections, live, on a local web server). Both only read the store's outputs; with
 * `S3_ENDPOINT` set they read that S3 API.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { CliContext } from '../main.js';

/** The dashboard's port unless --port says otherwise. */
export const DEFAULT_PORT = 4173;

/**
 * Parses a TCP port, 0 (any free port) to 65535.
 *
 * @example
 * parsePort('0'); // 0
 */
export function parsePort(text: string): number {
  const value = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= 0 && value <= 65_535)) throw new InvalidArgumentError(`expected a port from 0 (any free one) to 65535, got '${text}'.`);
  return value;
}

/**
 * Resolves on the first SIGINT or SIGTERM (and stops listening for them).
 *
 * @example
 * await untilSignal(); // Ctrl-C
 */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/**
 * Adds `report` and `dashboard` to the program.
 *
 * @example
 * register(program, context); // then: pipeline report, pipeline dashboard --port 0
 */
export function register(program: Command, context: CliContext): void {
  program
    .command('report')
    .description('write the run report: one offline page with every task (preprocess, stream, CDC, analytics) read from the configured store')
    .option('--out <file>', 'write the page to this local file (default: results/run/report.html in the store)')
    .action(async (options: { out?: string }) => {
      const config = context.config();
      const { buildRunReport, writeRunReport } = await import('../../report/index.js');
      const now = () => new Date();
      if (options.out !== undefined) {
        const { writeFile } = await import('node:fs/promises');
        const page = await buildRunReport(config, now);
        await writeFile(options.out, page.html);
        context.stdout.write(`Run report: ${options.out} (${kb(Buffer.byteLength(page.html))}, read in ${ms(page.collectMs)}, drawn in ${ms(page.renderMs)})\n`);
        return;
      }
      const written = await writeRunReport(config, { now });
      context.stdout.write(`Run report: ${written.location} (${kb(written.bytes)}, read in ${ms(written.collectMs)}, drawn in ${ms(written.renderMs)})\n`);
    });

  program
    .command('dashboard')
    .description('serve the run report live on http://127.0.0.1: its sections update as partials, model versions and reports land (Ctrl-C stops it)')
    .option('--port <n>', 'port on 127.0.0.1; 0 takes a free one', parsePort, DEFAULT_PORT)
    .option('--poll-ms <ms>', 'how often the store is looked at', (text: string) => {
      const value = Number(text);
      if (!(Number.isInteger(value) && value >= 100)) throw new InvalidArgumentError(`expected a whole number of milliseconds, at least 100, got '${text}'.`);
      return value;
    }, 1000)
    .action(async (options: { port: number; pollMs: number }) => {
      const config = context.config();
      const { startDashboard } = await import('../../report/dashboard.js');
      const dashboard = await startDashboard({ config, port: options.port, pollMs: options.pollMs, notice: (line) => context.stderr.write(`pipeline dashboard: ${line}\n`) });
      context.stdout.write(`Dashboard: ${dashboard.url} (Ctrl-C stops it)\n`);
      await untilSignal();
      await dashboard.close();
    });
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
const ms = (value: number) => (value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`);
