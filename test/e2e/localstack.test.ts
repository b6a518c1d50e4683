/**
 * The local stage end to end.
 *
 * - On LocalStack (`LOCALSTACK_ENDPOINT`, or one answering on http://localhost:4566): deploys the
 *   `local` stage with cdklocal, checks the buckets and functions exist and that the raw/
 *   notification points at the preprocess function, then runs the bridge.
 *   That needs LocalStack with Docker: in host mode (no Docker) LocalStack refuses to create a
 *   function ("Error while creating lambda: Docker not available"; README, "On LocalStack").
 * - Without LocalStack: the same bridge run against moto's S3 (the test run's S3 server), on the
 *   bucket names the local stage deploys. Moto's CloudFormation cannot deploy the stage (it has
 *   no AWS::S3::BucketPolicy, and fails the change set), so the deploy checks need LocalStack.
 *
 * The bridge runs the handlers in process (LocalStack without Docker cannot run Lambda code):
 * a generated marketing file dropped under raw/ is cleaned into processed/ and analysed into
 * results/, and a batch produced to the real Kafka broker is aggregated into results/.
 */
import { CreateBucketCommand, GetBucketNotificationConfigurationCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateMarketing } from '../../data/generators/marketing.js';
import { LocalBucketNames } from '../../shared/config.js';
import { localEnvironment, runBridge } from '../../localstack/bridge.js';
import { loadConfig } from '../../shared/config.js';
import { openKafkaLog } from '../../shared/event-logs.js';
import { openStore } from '../../shared/stores.js';
import { freshTopic, kafkaAvailable, kafkaBrokers, s3Endpoint } from '../helpers/servers.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

const localstack = process.env.LOCALSTACK_ENDPOINT ?? ((await answers('http://localhost:4566/_localstack/health')) ? 'http://localhost:4566' : undefined);
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

function marketingCsv(rows: number): Buffer {
  return Buffer.concat([...generateMarketing({ rows, seed: 7 })]);
}

/**
 * Drops a file and produces a batch, runs the bridge until idle, and checks what the handlers
 * wrote. `s3` is the S3 API the local stage's buckets live on.
 */
async function dropProduceAndBridge(s3: string): Promise<void> {
  const sensorTopic = freshTopic('e2e-sensor');
  const env = { ...localEnvironment(s3, {}), KAFKA_BROKERS: (await kafkaBrokers()).join(','), SENSOR_TOPIC: sensorTopic, CDC_TOPIC: freshTopic('e2e-cdc') };
  // The handlers read their configuration from the environment, as in Lambda.
  Object.assign(process.env, env);
  const config = loadConfig(env);
  const data = openStore(config, 'raw');
  await data.put('raw/e2e/marketing_campaign.csv', marketingCsv(200), { contentType: 'text/csv' });

  const log = await openKafkaLog(config, {}, 'the e2e test');
  try {
    await log.ensureTopic(sensorTopic, 2);
    await log.produce(
      sensorTopic,
      Array.from({ length: 40 }, (_, i) => ({
        key: `s-${i % 4}`,
        value: JSON.stringify({ sensorId: `s-${i % 4}`, ts: 1_700_000_000_000 + i * 1000, temperature: 20 + (i % 5), humidity: 40 + (i % 7) }),
      })),
    );
  } finally {
    await log.close();
  }

  const result = await runBridge({ config, mode: 'in-process', functions: ['stream'], untilIdleMs: 3000, pollMs: 250 });

  expect(result.kafka.stream).toMatchObject({ delivered: 40, failed: 0 });
  const partials = await data.list(`results/stream/partials/${sensorTopic}/`);
  expect(partials.length).toBeGreaterThan(0);

  expect(result.objects).toContain('raw/e2e/marketing_campaign.csv');
  const processed = await data.list('processed/e2e/');
  expect(processed.map((o) => o.key)).toEqual(expect.arrayContaining([expect.stringMatching(/cleaned\.parquet$/), expect.stringMatching(/report\.json$/), 'processed/e2e/marketing_campaign/latest.json']));
  // latest.json is the analytics trigger: the bridge delivered it, and analytics wrote results.
  expect(result.objects.some((key) => key.endsWith('latest.json'))).toBe(true);
  expect((await data.list('results/')).some((o) => !o.key.startsWith('results/stream/'))).toBe(true);
}

describe.skipIf(localstack === undefined || !kafkaAvailable())('the local stage on LocalStack', () => {
  const endpoint = localstack!;
  const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  const lambda = new LambdaClient({ endpoint, region: 'us-east-1', credentials });
  let functionNames: Record<string, string>;

  beforeAll(() => {
    const deploy = spawnSync('node', ['localstack/deploy.mjs'], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, AWS_ENDPOINT_URL: endpoint, AWS_ENDPOINT_URL_S3: endpoint },
      timeout: 600_000,
    });
    if (deploy.status !== 0) throw new Error(`local:deploy failed:\n${deploy.stderr.slice(-3000)}`);
    const outputs = JSON.parse(readFileSync(`${repoRoot}cdk.out/local-outputs.json`, 'utf8')) as Record<string, Record<string, string>>;
    functionNames = Object.fromEntries(Object.entries(outputs['Pipeline-local']!).filter(([k]) => k.endsWith('FunctionName')).map(([k, v]) => [k.replace(/FunctionName$/, ''), v]));
  }, 600_000);

  it('deploys the buckets and the four functions', async () => {
    for (const bucket of Object.values(LocalBucketNames)) await expect(s3.send(new HeadBucketCommand({ Bucket: bucket }))).resolves.toBeDefined();
    expect(Object.keys(functionNames).sort()).toEqual(['analytics', 'cdc', 'preprocess', 'stream']);
    for (const name of Object.values(functionNames)) {
      const fn = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
      expect(fn.Configuration).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'] });
    }
  });

  it('points the raw/ notification of the data bucket at the preprocess function', async () => {
    const notification = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: LocalBucketNames.data }));
    const raw = notification.LambdaFunctionConfigurations?.find((c) => c.Filter?.Key?.FilterRules?.some((r) => r.Value === 'raw/'));
    expect(raw?.LambdaFunctionArn).toMatch(new RegExp(`:function:${functionNames.preprocess}$`));
    expect(raw?.Events).toEqual(['s3:ObjectCreated:*']);
  });

  it('processes a dropped file and a produced batch through the bridge', async () => {
    await dropProduceAndBridge(endpoint);
  }, 180_000);
});

describe.skipIf(localstack !== undefined || !s3Endpoint() || !kafkaAvailable())('the local stage on moto (no LocalStack here)', () => {
  beforeAll(async () => {
    const s3 = new S3Client({ endpoint: s3Endpoint(), region: 'us-east-1', forcePathStyle: true, credentials });
    for (const bucket of Object.values(LocalBucketNames)) {
      try {
        await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      } catch (error) {
        if ((error as Error).name !== 'BucketAlreadyOwnedByYou') throw error;
      }
    }
  });

  it('processes a dropped file and a produced batch through the bridge', async () => {
    await dropProduceAndBridge(s3Endpoint()!);
  }, 180_000);
});
