import { describe, expect, it } from 'vitest';
import { KafkaLog } from '../../shared/adapters/kafka-log.js';
import { MemoryLog } from '../../shared/adapters/memory-log.js';
import { loadConfig } from '../../shared/config.js';
import { PipelineError } from '../../shared/errors.js';
import { kafkaConnection, openEventLog, openKafkaLog } from '../../shared/event-logs.js';
import { bootstrapFixture, CLUSTER_ARN, recordedMskClient, SERVERLESS_ARN } from '../helpers/msk.js';

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

describe('kafkaConnection', () => {
  it('looks the brokers up with GetBootstrapBrokers for --cluster-arn, over MSK_CLUSTER_ARN', async () => {
    const client = recordedMskClient(bootstrapFixture('provisioned'));
    const config = loadConfig({ MSK_CLUSTER_ARN: SERVERLESS_ARN, KAFKA_BROKERS: 'localhost:9092' });
    const connection = await kafkaConnection(config, { clusterArn: CLUSTER_ARN, client });
    expect(client.requests).toEqual([{ ClusterArn: CLUSTER_ARN }]);
    expect(connection).toMatchObject({ ssl: true, sasl: { region: 'eu-west-1' }, source: CLUSTER_ARN });
  });

  it('uses MSK_CLUSTER_ARN when no option is given', async () => {
    const client = recordedMskClient(bootstrapFixture('serverless'));
    await kafkaConnection(loadConfig({ MSK_CLUSTER_ARN: SERVERLESS_ARN }), { client });
    expect(client.requests).toEqual([{ ClusterArn: SERVERLESS_ARN }]);
  });

  it('uses KAFKA_BROKERS as plaintext, or with TLS and IAM in AWS_REGION when KAFKA_AUTH=aws-iam', async () => {
    expect(await kafkaConnection(loadConfig({ KAFKA_BROKERS: 'localhost:9092,localhost:9093' }))).toEqual({
      brokers: ['localhost:9092', 'localhost:9093'],
      clientId: 'pipeline',
      ssl: false,
      source: 'KAFKA_BROKERS',
    });
    expect(await kafkaConnection(loadConfig({ KAFKA_BROKERS: 'b-1.x:9098', KAFKA_AUTH: 'aws-iam', AWS_REGION: 'ap-south-1' }))).toMatchObject({
      ssl: true,
      sasl: { mechanism: 'aws-iam', region: 'ap-south-1' },
    });
  });

  it('answers undefined (the in-process log) when nothing is configured', async () => {
    expect(await kafkaConnection(loadConfig({}))).toBeUndefined();
  });

  it('wraps a failed lookup in a PipelineError naming the cluster, retriable only for server-side failures', async () => {
    const denied = Object.assign(new Error('User is not authorized'), { $metadata: { httpStatusCode: 403 } });
    const failure = kafkaConnection(loadConfig({}), { clusterArn: CLUSTER_ARN, client: recordedMskClient(denied) });
    await expect(failure).rejects.toBeInstanceOf(PipelineError);
    await expect(failure).rejects.toMatchObject({ retriable: false, message: expect.stringContaining(CLUSTER_ARN) });
    const throttled = Object.assign(new Error('Rate exceeded'), { $metadata: { httpStatusCode: 429 } });
    await expect(kafkaConnection(loadConfig({}), { clusterArn: CLUSTER_ARN, client: recordedMskClient(throttled) })).rejects.toMatchObject({ retriable: true });
  });
});
