/**
 * The `local` stage on a real LocalStack, end to end: what `npm run local:deploy` deploys, what
 * LocalStack's own S3 notifications run, and what the bridge feeds from the Kafka broker.
 *
 * 1. Deploys the stage (cdklocal); checks the buckets, the four functions (Active) and the data
 *    bucket's notifications (raw/ -> preprocess, processed/.../latest.json -> analytics).
 * 2. Puts a real-shaped marketing CSV under raw/ through the S3 API; LocalStack's notification runs
 *    preprocess, whose latest.json pointer runs analytics; reads report.json and results.json back.
 * 3. Produces sensor readings and change events (1% malformed) to the broker and runs the bridge
 *    until idle: the deployed stream and cdc functions, invoked through LocalStack's Lambda API,
 *    write partials equal to an independent computation, a model equal to the from-scratch fit of
 *    the events, and a dead letter for each malformed record.
 * 4. The functions' logs are in LocalStack's CloudWatch Logs.
 *
 * Every run uses its own keys and topics, so the suite passes run after run on one LocalStack.
 * LocalStack comes from `npm run local:up`; without it the suite skips (see the global setup).
 */
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetBucketNotificationConfigurationCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { cdcMessages } from '../../data/generators/cdc.js';
import { generateMarketing } from '../../data/generators/marketing.js';
import { sensorMessages } from '../../data/generators/sensors.js';
import { runBridge, stageConfig } from '../../localstack/bridge.js';
import { deployLocal, type DeployedStage } from '../../localstack/deploy.js';
import { readCustomers } from '../../shared/cdc/customers.js';
import { cdcKeys, type ModelDocument } from '../../shared/cdc/index.js';
import type { PipelineConfig } from '../../shared/config.js';
import { NotFoundError } from '../../shared/errors.js';
import { openKafkaLog } from '../../shared/event-logs.js';
import type { ObjectStore } from '../../shared/ports/object-store.js';
import type { PreprocessReport } from '../../shared/preprocess/report.js';
import { openStore } from '../../shared/stores.js';
import { readStreamStats } from '../../shared/stream/read.js';
import { expectFromScratch, finalTables, type Placed } from '../helpers/cdc-oracle.js';
import { kafkaAvailable, kafkaBrokers } from '../helpers/servers.js';
import { expectedStats, expectMatches, type Produced } from '../helpers/stream-oracle.js';
import { logIdOfLog } from '../helpers/log-id.js';

const endpoint = inject('localstackEndpoint');
const run = randomBytes(4).toString('hex');
const aws = { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const MARKETING_ROWS = 2_000;

/** Polls `key` until it exists (LocalStack runs the functions asynchronously). */
async function waitFor(store: ObjectStore, key: string, timeoutMs = 120_000): Promise<Uint8Array> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return (await store.get(key)).body;
    } catch (error) {
      if (!(error instanceof NotFoundError) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

describe.skipIf(endpoint === '' || !kafkaAvailable())('the local stage on LocalStack', () => {
  let stage: DeployedStage;
  let config: PipelineConfig;
  let data: ObjectStore;
  let models: ObjectStore;
  const dataset = `e2e-${run}/customers`;
  const sensorTopic = `e2e-sensor_data-${run}`;
  const cdcTopic = `e2e-customer_updates-${run}`;

  beforeAll(async () => {
    process.env.AWS_ENDPOINT_URL = endpoint;
    stage = await deployLocal({ quiet: true });
    config = stageConfig(stage, { ...process.env, KAFKA_BROKERS: (await kafkaBrokers()).join(','), SENSOR_TOPIC: sensorTopic, CDC_TOPIC: cdcTopic });
    data = openStore(config, 'raw');
    models = openStore(config, 'models');
  }, 600_000);

  it('deploys the buckets, the four functions (Active) and the data bucket notifications', async () => {
    const s3 = new S3Client({ ...aws, forcePathStyle: true });
    for (const bucket of [stage.dataBucket, stage.modelsBucket]) await expect(s3.send(new HeadBucketCommand({ Bucket: bucket }))).resolves.toBeDefined();
    expect(Object.keys(stage.functions).sort()).toEqual(['analytics', 'cdc', 'preprocess', 'stream']);
    const lambda = new LambdaClient(aws);
    for (const name of Object.values(stage.functions)) {
      const fn = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
      expect(fn.Configuration).toMatchObject({ State: 'Active', Runtime: 'nodejs24.x', Handler: 'index.handler' });
    }
    const notification = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: stage.dataBucket }));
    const target = (prefix: string) => notification.LambdaFunctionConfigurations?.find((c) => c.Filter?.Key?.FilterRules?.some((r) => r.Name?.toLowerCase() === 'prefix' && r.Value === prefix));
    expect(target('raw/')?.LambdaFunctionArn).toMatch(new RegExp(`:function:${stage.functions.preprocess}$`));
    expect(target('raw/')?.Events).toEqual(['s3:ObjectCreated:*']);
    expect(target('processed/')?.LambdaFunctionArn).toMatch(new RegExp(`:function:${stage.functions.analytics}$`));
    expect(target('processed/')?.Filter?.Key?.FilterRules).toContainEqual(expect.objectContaining({ Value: 'latest.json' }));
  });

  it("cleans a CSV put under raw/ and analyses it, through LocalStack's own notifications", async () => {
    const csv = Buffer.concat([...generateMarketing({ rows: MARKETING_ROWS, seed: Number.parseInt(run, 16) % 1000 })]);
    const put = Date.now();
    await data.put(`raw/${dataset}.csv`, csv, { contentType: 'text/csv' });
    const pointer = JSON.parse(text(await waitFor(data, `processed/${dataset}/latest.json`))) as { report: string };
    const report = JSON.parse(text(await waitFor(data, pointer.report))) as PreprocessReport;
    const cleanedAfter = Date.now() - put;
    expect(report).toMatchObject({ status: 'cleaned', rowsIn: MARKETING_ROWS });
    expect(report.rowsOut + report.duplicatesRemoved + report.quarantined).toBe(report.rowsIn);
    expect(report.rowsOut).toBeGreaterThan(MARKETING_ROWS * 0.8);

    const results = JSON.parse(text(await waitFor(data, `results/analytics/${dataset}/results.json`))) as { source: { rows: number }; analyses: Record<string, unknown> };
    expect(results.source.rows).toBe(report.rowsOut);
    expect(Object.keys(results.analyses).length).toBe(8);
    console.log(`localstack e2e: PutObject raw/${dataset}.csv -> report.json in ${cleanedAfter} ms, -> results.json in ${Date.now() - put} ms`);
  }, 180_000);

  it('feeds the topics to the deployed stream and cdc functions through the bridge', async () => {
    const pointer = JSON.parse(text(await waitFor(data, `processed/${dataset}/latest.json`))) as { cleanedCsv: string };
    const customers = await readCustomers((await data.get(pointer.cleanedCsv)).body, pointer.cleanedCsv);
    const readings = [...sensorMessages({ count: 3_000, sensors: 8, seed: 5, badRatio: 0.01 })];
    const changes = [...cdcMessages({ customers, count: 1_500, badRatio: 0.01, seed: 6 })];
    const log = await openKafkaLog(config, {}, 'the LocalStack e2e test');
    const producedReadings: Produced[] = [];
    const placedChanges: Placed[] = [];
    // the results of the functions are kept per event log: this broker's
    const logId = await logIdOfLog(log);
    try {
      await log.ensureTopic(sensorTopic, 3);
      await log.ensureTopic(cdcTopic, 3);
      (await log.produce(sensorTopic, readings.map((m) => ({ key: m.key, value: m.value })))).forEach((p, i) =>
        producedReadings.push({ ...p, value: readings[i]!.value, bad: readings[i]!.bad }),
      );
      (await log.produce(cdcTopic, changes.map((m) => ({ key: m.key, value: m.value })))).forEach((p, i) => placedChanges.push({ ...changes[i]!, ...p }));
    } finally {
      await log.close();
    }

    const stats = await runBridge({ config, stage, untilIdleMs: 3_000 });
    expect(stats.stream).toMatchObject({ delivered: readings.length, failed: 0 });
    expect(stats.cdc).toMatchObject({ delivered: changes.length, failed: 0 });

    const expected = expectedStats(producedReadings);
    expect(expected.deadLetters.size).toBeGreaterThan(0);
    expectMatches(await readStreamStats(data, { topic: sensorTopic, log: logId }), expected);

    const keys = cdcKeys(config.modelName, logId);
    const current = JSON.parse(text((await models.get(keys.current(cdcTopic))).body)) as ModelDocument;
    expect(current.offsets.topic).toBe(cdcTopic);
    expectFromScratch(current, finalTables(placedChanges));
    const bad = placedChanges.filter((m) => m.kind === 'bad');
    expect(bad.length).toBeGreaterThan(0);
    for (const m of bad) {
      const letter = JSON.parse(text((await models.get(keys.deadLetter(cdcTopic, m.partition, m.offset))).body)) as Record<string, unknown>;
      expect(letter).toMatchObject({ topic: cdcTopic, partition: m.partition, offset: m.offset });
    }
  }, 300_000);

  it("ships the functions' logs to LocalStack's CloudWatch Logs", async () => {
    const logs = new CloudWatchLogsClient(aws);
    // LocalStack 4.14 writes to /aws/lambda/<function>, not to the log group the stack configures
    const messages = async (fn: string): Promise<string> => {
      const out = await logs.send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${fn}`, startTime: Date.now() - 3_600_000 }));
      return (out.events ?? []).map((e) => e.message ?? '').join('');
    };
    const deadline = Date.now() + 30_000;
    for (const [name, fn] of Object.entries(stage.functions)) {
      let text = await messages(fn);
      while (!text.includes('REPORT RequestId') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        text = await messages(fn);
      }
      expect(text, name).toMatch(/START RequestId: \S+ Version: \$LATEST/);
      expect(text, name).toMatch(/REPORT RequestId: \S+\tDuration: [\d.]+ ms/);
    }
    expect(await messages(stage.functions.preprocess!)).toContain(`"key":"raw/${dataset}.csv"`);
  }, 60_000);
});
