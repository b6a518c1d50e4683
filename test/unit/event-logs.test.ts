import { describe, expect, it } from 'vitest';
import { KafkaLog } from '../../shared/adapters/kafka-log.js';
import { MemoryLog } from '../../shared/adapters/memory-log.js';
import { loadConfig } from '../../shared/config.js';
import { openEventLog, openKafkaLog } from '../../shared/event-logs.js';
import { bootstrapFixture, CLUSTER_ARN, recordedMskClient } from '../helpers/msk.js';

describe('openEventLog', () => {
  it('opens the in-process log when no Kafka is configured', async () => {
    const log = await openEventLog(loadConfig({}));
    expect(log).toBeInstanceOf(MemoryLog);
    await log.close();
  });

  it('opens Kafka, without connecting yet, for brokers or a cluster ARN', async () => {
    const local = await openEventLog(loadConfig({ KAFKA_BROKERS: 'localhost:9092' }));
    expect(local).toBeInstanceOf(KafkaLog);
    await local.close();
    const msk = await openEventLog(loadConfig({}), { clusterArn: CLUSTER_ARN, mskClient: recordedMskClient(bootstrapFixture('provisioned')) });
    expect((msk as KafkaLog).connection).toMatchObject({ ssl: true, sasl: { mechanism: 'aws-iam', region: 'eu-west-1' } });
    await msk.close();
  });

  it('refuses a Kafka-only command without Kafka, naming what to set', async () => {
    await expect(openKafkaLog(loadConfig({}), {}, 'pipeline consume')).rejects.toThrow(/KAFKA_BROKERS .*required by pipeline consume/);
  });
});
