/**
 * `pipeline stream stats`: the streaming function's results, merged: per sensor and minute,
 * each metric's count, mean, min, max and standard deviation; anomalies; dead letters.
 */
import type { Command } from 'commander';
import type { CliContext } from '../main.js';
import { pickSource } from '../sources.js';
import { parsePositive, parseTime } from './produce.js';

interface StatsOptions {
  topic?: string;
  log?: string;
  sensor?: string;
  since?: number;
  json?: boolean;
  zScore?: number;
  limit: number;
}

/**
 * Adds `stream stats` to the program.
 *
 * @example
 * register(program, context); // then: pipeline stream stats --sensor s-001 --json
 */
export function register(program: Command, context: CliContext): void {
  program
    .command('stream')
    .description('what the stream function made of the sensor readings: per-sensor minute statistics, anomalies and dead letters')
    .command('stats')
    .description(
      'per sensor: minutes, readings, and each measure\'s mean, min and max; the anomalous minutes; the count of malformed readings. '
      + 'Reads the partial aggregates the stream function wrote under results/stream/partials/<topic>@<log>/ and merges each reading in once',
    )
    .option('--topic <name>', 'the topic whose results to read (default: SENSOR_TOPIC, else sensor_data)')
    .option('--log <id>', "the event log whose results to read, when several have some for the topic (default: the configured one's)")
    .option('--sensor <id>', 'only this sensor (default: every sensor)')
    .option('--since <time>', 'only windows from this time on, ISO-8601 or epoch ms (default: from the first)', parseTime)
    .option('--z-score <z>', 'flag a minute whose max or min lies this many standard deviations from the sensor mean (default: STREAM_ZSCORE, else 4)', parsePositive)
    .option('--json', 'print {"windows": [...], "anomalies": [...], "deadLetters": n} as JSON (deadLetters: every malformed record, not filtered by --sensor or --since) (default: a text summary)')
    .option('--limit <n>', 'anomalies to list in the text output', (text: string) => Number(text), 20)
    .action(async (options: StatsOptions) => {
      const config = context.config();
      const [{ openStore }, { readStreamStats, streamSources }, { StreamPrefixes }] = await Promise.all([
        import('../../stores.js'),
        import('../../stream/read.js'),
        import('../../stream/outputs.js'),
      ]);
      const store = openStore(config, 'results');
      const topic = options.topic ?? config.kafka.topics.sensor.name;
      const found = await streamSources(store);
      const { formatStats } = await import('../../stream/format.js');
      if (options.log === undefined && !found.some((f) => f.source.topic === topic)) {
        context.stdout.write(formatStats(undefined, { anomalies: options.limit, source: `${store.name} for topic ${topic}` }));
        return;
      }
      const { source } = await pickSource(found, { topic, log: options.log }, `${store.name}/${StreamPrefixes.partials}`, context);
      const result = await readStreamStats(store, source, {
        ...(options.sensor === undefined ? {} : { sensor: options.sensor }),
        ...(options.since === undefined ? {} : { since: options.since }),
        ...((options.zScore ?? config.stream.zScore) === undefined ? {} : { zScore: options.zScore ?? config.stream.zScore }),
      });
      for (const key of result.uncovered) context.stderr.write(`warning: ${key} overlaps the other partials and was not counted\n`);
      if (options.json) {
        context.stdout.write(`${JSON.stringify({ windows: result.windows, anomalies: result.anomalies, deadLetters: result.deadLetters }, null, 2)}\n`);
        return;
      }
      const { describeSource } = await import('../../names.js');
      context.stdout.write(formatStats(result, { anomalies: options.limit, source: `${store.name}, ${describeSource(source)}` }));
    });
}
