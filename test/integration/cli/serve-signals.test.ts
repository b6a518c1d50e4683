/**
 * `pipeline serve` stopped by a signal, as a user stops it: the real CLI in a child process on the
 * run's Kafka broker, its function stuck on an object store that accepts connections and never
 * answers (a frozen S3 server). `serve --until-idle` and plain `serve` both end within a few
 * seconds of SIGTERM or Ctrl-C, commit nothing they did not finish, and say why they stopped.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaLog } from '../../../shared/adapters/kafka-log.js';
import { pipeline, stop } from '../../helpers/cli.js';
import { freshTopic, kafkaAvailable, kafkaBrokers } from '../../helpers/servers.js';

describe.skipIf(!kafkaAvailable())('pipeline serve and signals', () => {
  let frozen: Server;
  const sockets = new Set<Socket>();
  let connections = 0;
  let env: Record<string, string>;
  let log: KafkaLog;
  let topic: string;

  beforeAll(async () => {
    // an "S3 server" that takes every connection and answers nothing
    frozen = createServer((socket) => {
      sockets.add(socket);
      connections++;
    });
    await new Promise<void>((listening) => frozen.listen(0, '127.0.0.1', () => listening()));
    const brokers = await kafkaBrokers();
    topic = freshTopic('serve-signals');
    log = new KafkaLog({ brokers, clientId: 'serve-signals', ssl: false, source: 'test broker' });
    await log.ensureTopic(topic, 1);
    await log.produce(topic, Array.from({ length: 20 }, (_, i) => ({ key: String(i), value: JSON.stringify({ op: 'c', after: { ID: i } }) })));
    env = {
      KAFKA_BROKERS: brokers.join(','),
      CDC_TOPIC: topic,
      CDC_PARTITIONS: '1',
      S3_ENDPOINT: `http://127.0.0.1:${(frozen.address() as { port: number }).port}`,
      PIPELINE_BUCKET: 'frozen',
      AWS_REGION: 'us-east-1',
    };
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    frozen.close();
    await log.close();
  });

  for (const [mode, args] of [
    ['serve --until-idle', ['serve', 'cdc', '--until-idle', '--group', 'until-idle']],
    ['plain serve', ['serve', 'cdc', '--group', 'plain']],
  ] as const) {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      it(`${mode} ends within a few seconds of ${signal} while its function waits on a frozen store, committing nothing`, async () => {
        const group = `${args.at(-1)}-${signal}`;
        const before = connections;
        const running = pipeline([...args.slice(0, -1), group], env);
        // the function is invoked and hangs on its first request to the store
        while (connections === before) {
          if (running.child.exitCode !== null) throw new Error(`serve exited: ${running.stderr}`);
          await new Promise((r) => setTimeout(r, 50));
        }
        const { ms, code } = await stop(running, signal);
        expect(ms).toBeLessThan(10_000);
        expect(running.stderr).toContain(`cdc: ${signal}: stopping`);
        if (mode === 'serve --until-idle') {
          expect(code).toBe(signal === 'SIGTERM' ? 143 : 130);
          expect(running.stderr).toMatch(new RegExp(`the cdc function was stopped before it was idle .*\\(${signal}\\)`));
        } else {
          expect(code).toBe(0);
          expect(running.stdout).toContain(`(stopped by ${signal})`);
        }
        // the batch the function never finished stays uncommitted: the next run gets it again
        expect(await log.committed(group, topic, 0)).toBe(0);
      }, 60_000);
    }
  }
});
