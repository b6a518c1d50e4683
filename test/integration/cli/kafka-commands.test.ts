import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KafkaLog } from '../../../shared/adapters/kafka-log.js';
import { main } from '../../../shared/cli/main.js';
import { freshTopic, kafkaAvailable, kafkaBrokers } from '../../helpers/servers.js';

const repoRoot = join(import.meta.dirname, '..', '..', '..');

/** `pipeline topics ensure` and `pipeline consume` against the run's real broker. */
describe.skipIf(!kafkaAvailable())('Kafka commands on a real broker', () => {
  let brokers: string;
  let log: KafkaLog;
  let stdout: string[];
  let stderr: string[];
  beforeAll(async () => {
    brokers = (await kafkaBrokers()).join(',');
    log = new KafkaLog({ brokers: brokers.split(','), clientId: 'cli-test', ssl: false, source: 'test broker' });
  });
  afterAll(async () => {
    await log?.close();
  });
  const run = async (argv: string[], env: Record<string, string> = {}) => {
    stdout = [];
    stderr = [];
    // the CLI writes to the process streams; keep its output for the assertions
    const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (stdout.push(String(chunk)), true));
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (stderr.push(String(chunk)), true));
    try {
      return await main(['node', 'pipeline', ...argv], { KAFKA_BROKERS: brokers, ...env });
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  };

  it('topics ensure creates the configured topics with their partitions, then leaves them alone', async () => {
    const env = { SENSOR_TOPIC: freshTopic('sensors'), CDC_TOPIC: freshTopic('cdc'), SENSOR_PARTITIONS: '4', CDC_PARTITIONS: '2' };
    expect(await run(['topics', 'ensure'], env)).toBe(0);
    expect(stdout.join('')).toBe(
      `created ${env.SENSOR_TOPIC} with 4 partition(s) on ${brokers}\ncreated ${env.CDC_TOPIC} with 2 partition(s) on ${brokers}\n`,
    );
    expect(await log.partitions(env.SENSOR_TOPIC)).toEqual([0, 1, 2, 3]);

    expect(await run(['topics', 'ensure'], { ...env, SENSOR_PARTITIONS: '8' })).toBe(0);
    expect(stdout.join('')).toContain(`${env.SENSOR_TOPIC} exists with 4 partition(s) on ${brokers} (the configuration asks for 8`);
    expect(stdout.join('')).toContain(`${env.CDC_TOPIC} exists with 2 partition(s) on ${brokers}\n`);
    expect(await log.partitions(env.SENSOR_TOPIC)).toEqual([0, 1, 2, 3]);
  });

  it('consume --from-beginning --json prints every record of every partition, decoded, and stops at --max', async () => {
    const topic = freshTopic();
    await log.ensureTopic(topic, 3);
    await log.produce(topic, [
      { key: 's-1', value: JSON.stringify({ sensorId: 's-1', temperature: 21.5 }), timestamp: Date.UTC(2026, 0, 1), headers: { trace: 't1' } },
      { key: 's-2', value: 'not json', timestamp: Date.UTC(2026, 0, 1) },
      { key: null, value: new Uint8Array([0xff, 0]), timestamp: Date.UTC(2026, 0, 1), partition: 2 },
    ]);
    expect(await run(['consume', topic, '--from-beginning', '--json', '--max', '3'])).toBe(0);
    const lines = stdout.join('').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(3);
    const byKey = new Map(lines.map((l) => [JSON.stringify(l.key), l]));
    expect(byKey.get('"s-1"')).toMatchObject({ topic, offset: 0, timestamp: '2026-01-01T00:00:00.000Z', headers: { trace: 't1' }, value: { sensorId: 's-1', temperature: 21.5 } });
    expect(byKey.get('"s-2"')).toMatchObject({ value: 'not json' });
    expect(byKey.get('null')).toMatchObject({ partition: 2, value: { base64: '/wA=' } });
    expect(stderr.join('')).toContain(`consumed 3 record(s) from ${topic}`);
  });

  it('consume without --from-beginning prints only records produced after it starts', async () => {
    const topic = freshTopic();
    await log.ensureTopic(topic, 2);
    await log.produce(topic, [{ key: 'k', value: 'old' }]);
    let running = true;
    const consumed = run(['consume', topic, '--max', '1']).finally(() => (running = false));
    // keep producing until the consumer, whenever it has started, has printed one
    while (running) {
      await log.produce(topic, [{ key: 'k', value: 'new' }]);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await consumed).toBe(0);
    expect(stdout.join('')).toMatch(new RegExp(`^${topic}/\\d@\\d+ \\S+ key=k new\\n$`));
  });

  it('consume ends once nothing has arrived for --idle-ms', async () => {
    const topic = freshTopic();
    await log.ensureTopic(topic, 2);
    const started = Date.now();
    expect(await run(['consume', topic, '--from-beginning', '--idle-ms', '500'])).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(stderr.join('')).toContain(`consumed 0 record(s) from ${topic}`);
  });

  it('consume names a topic that does not exist, and the commands that create topics', async () => {
    const topic = freshTopic('absent');
    expect(await run(['consume', topic, '--max', '1'])).toBe(1);
    expect(stderr.join('')).toContain(`topic ${topic} does not exist on ${brokers}: \`pipeline topics ensure\` creates the pipeline's topics`);
  });

  it('`consume <topic> --from-beginning | head -3` prints three records and exits 0 quietly once head has gone', async () => {
    const topic = freshTopic('pipe');
    await log.ensureTopic(topic, 3);
    await log.produce(topic, Array.from({ length: 3_000 }, (_, i) => ({ key: `s-${i % 7}`, value: JSON.stringify({ sensorId: `s-${i % 7}`, reading: i, pad: 'x'.repeat(100) }) })));
    const shell = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" shared/cli/bin.mjs consume ${topic} --from-beginning | head -3`], {
      cwd: repoRoot,
      env: { ...process.env, KAFKA_BROKERS: brokers },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(shell.stderr).toBe('');
    expect(shell.stdout.trim().split('\n')).toHaveLength(3);
    expect(shell.stdout).toMatch(new RegExp(`^${topic}/\\d@\\d+ `));
    expect(shell.status).toBe(0);
  });

  it('refuses to run without Kafka, saying what to set', async () => {
    expect(await run(['topics', 'ensure'], { KAFKA_BROKERS: '' })).toBe(1);
    expect(stderr.join('')).toMatch(/^pipeline: KAFKA_BROKERS \(or --cluster-arn \/ MSK_CLUSTER_ARN\) is required by `pipeline topics ensure`.*npm run kafka:start/);
  });
});
