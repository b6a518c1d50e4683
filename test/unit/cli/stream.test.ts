import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sensorMessages } from '../../../data/generators/sensors.js';
import { MemoryLog } from '../../../shared/adapters/memory-log.js';
import { serveFunction } from '../../../shared/emulator/functions.js';
import { main } from '../../../shared/cli/main.js';
import { loadConfig } from '../../../shared/config.js';
import { logIdOfLog } from '../../helpers/log-id.js';

/** Runs the CLI and returns its exit code and what it printed. */
async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
  try {
    const code = await main(['node', 'pipeline', ...args], { PATH: process.env.PATH, ...env });
    return { code, out, err };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('serve and stream stats', () => {
  it('runs the stream function until idle, and stream stats --json prints the merged windows', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'serve-'));
    const config = loadConfig({ PIPELINE_DATA_DIR: dataDir });
    const log = new MemoryLog();
    await log.ensureTopic(config.kafka.topics.sensor.name, 3);
    const messages = [...sensorMessages({ count: 2_000, seed: 4, badRatio: 0.02 })];
    await log.produce(config.kafka.topics.sensor.name, messages.map((m) => ({ key: m.key, value: m.value })));
    const stats = await serveFunction('stream', log, config, { untilIdleMs: 100 });
    expect(stats).toMatchObject({ delivered: 2_000, failed: 0 });

    const { code, out } = await cli(['stream', 'stats', '--json'], { PIPELINE_DATA_DIR: dataDir });
    expect(code).toBe(0);
    const printed = JSON.parse(out) as { windows: Array<Record<string, unknown>>; anomalies: unknown[]; deadLetters: number };
    expect(Object.keys(printed)).toEqual(['windows', 'anomalies', 'deadLetters']);
    expect(printed.deadLetters).toBe(messages.filter((m) => m.bad !== undefined).length);
    expect(printed.windows.reduce((a, w) => a + (w.readings as number), 0)).toBe(2_000 - printed.deadLetters);
    expect(printed.windows[0]).toMatchObject({ sensorId: 's-001', windowStart: '2024-05-01T00:00:00.000Z', temperature: { count: expect.any(Number), mean: expect.any(Number), min: expect.any(Number), max: expect.any(Number), stddev: expect.any(Number) } });

    const sensor = await cli(['stream', 'stats', '--json', '--sensor', 's-002', '--since', '2024-05-01T00:02:00Z'], { PIPELINE_DATA_DIR: dataDir });
    const filtered = JSON.parse(sensor.out) as { windows: Array<{ sensorId: string; windowStart: string }> };
    expect(filtered.windows.length).toBeGreaterThan(0);
    for (const w of filtered.windows) expect(w.sensorId === 's-002' && w.windowStart >= '2024-05-01T00:02:00.000Z').toBe(true);

    const text = await cli(['stream', 'stats'], { PIPELINE_DATA_DIR: dataDir });
    expect(text.out).toMatch(/sensor-minutes from 10 sensors/);
    expect(text.out).toMatch(/malformed records dead-lettered/);
  });

  it("reads one event log's results of a topic, never a merge: 10 sensors of one run are 10, whatever another run left", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'serve-logs-'));
    const config = loadConfig({ PIPELINE_DATA_DIR: dataDir });
    const topic = config.kafka.topics.sensor.name;
    // two runs on two logs: 10 sensors and 5% malformed, then 20 other sensors and no malformed
    const runs = [
      { sensors: 10, badRatio: 0.05, seed: 1 },
      { sensors: 20, badRatio: 0, seed: 2 },
    ];
    const logs: string[] = [];
    for (const options of runs) {
      const log = new MemoryLog();
      await log.ensureTopic(topic, 3);
      await log.produce(topic, [...sensorMessages({ count: 1_000, ...options })].map((m) => ({ key: m.key, value: m.value })));
      await serveFunction('stream', log, config, { untilIdleMs: 100 });
      logs.push((await logIdOfLog(log)));
    }
    const ambiguous = await cli(['stream', 'stats'], { PIPELINE_DATA_DIR: dataDir });
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.err).toMatch(new RegExp(`2 event logs have results of topic ${topic} .*choose one with --log <id>`));
    const first = await cli(['stream', 'stats', '--json', '--log', logs[0]!], { PIPELINE_DATA_DIR: dataDir });
    const printed = JSON.parse(first.out) as { windows: Array<{ sensorId: string }>; deadLetters: number };
    expect(new Set(printed.windows.map((w) => w.sensorId)).size).toBe(10);
    expect(printed.deadLetters).toBe([...sensorMessages({ count: 1_000, ...runs[0]! })].filter((m) => m.bad !== undefined).length);
    const second = JSON.parse((await cli(['stream', 'stats', '--json', '--log', logs[1]!], { PIPELINE_DATA_DIR: dataDir })).out) as { windows: Array<{ sensorId: string }>; deadLetters: number };
    expect([new Set(second.windows.map((w) => w.sensorId)).size, second.deadLetters]).toEqual([20, 0]);
    const other = await cli(['stream', 'stats', '--topic', 'other_topic'], { PIPELINE_DATA_DIR: dataDir });
    expect(other.out).toMatch(/no stream results .* for topic other_topic/);
  });

  it('says there is nothing yet when the function has not run', async () => {
    const { code, out } = await cli(['stream', 'stats'], { PIPELINE_DATA_DIR: await mkdtemp(join(tmpdir(), 'empty-')) });
    expect(code).toBe(0);
    expect(out).toMatch(/no stream results/);
  });

  it('rejects a function it does not know, and needs Kafka to produce or serve', async () => {
    expect((await cli(['serve', 'nope'])).code).toBe(2);
    const produce = await cli(['produce', 'sensors', '--count', '10']);
    expect(produce.code).toBe(1);
    expect(produce.err).toMatch(/KAFKA_BROKERS .*required by pipeline produce/);
    expect((await cli(['produce', 'sensors', '--count', '10', '--duration', '5'])).code).not.toBe(0);
  });
});
