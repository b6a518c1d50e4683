/**
 * The fault suite (issue 10): the CDC and stream functions as users run them, `pipeline serve` in
 * child processes, on the run's real Kafka broker, the CDC function on a private S3 API server
 * (moto, behind a proxy) and the stream function on the embedded folder store, while:
 *
 * - the S3 server is stopped (connections refused) for 30 s, then frozen (SIGSTOP) for 30 s;
 * - both consumers are killed with SIGKILL ten times, some of them while S3 is down;
 * - batches are given up: 15 changes arrive while S3 throttles the models bucket, and a mapping
 *   that gives a failing batch up at once (`--retry-attempts 0`) sends them to the on-failure
 *   destination and moves on; later an operator moves the consumer group past 50 changes;
 * - a new consumer group replays the topic from the earliest offset.
 *
 * Then the published model equals a from-scratch fit of the table the topic describes (rebuilt
 * from the topic itself, and by an independent fold of what was produced), it was stale while the
 * skipped changes were missing (its gaps exactly the offsets given up and skipped) and is not
 * after the replay, the stream statistics equal a clean run's, and no lock or temporary file is
 * left in the folder store.
 */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cdcMessages, type CdcMessage } from '../../../data/generators/cdc.js';
import { sensorMessages } from '../../../data/generators/sensors.js';
import { createStreamHandler } from '../../../functions/stream/handler.js';
import { FolderStore } from '../../../shared/adapters/folder-store.js';
import { KafkaLog } from '../../../shared/adapters/kafka-log.js';
import { MemoryStore } from '../../../shared/adapters/memory-store.js';
import { readCustomers } from '../../../shared/cdc/customers.js';
import { cdcKeys, rebuildFromLog, type ModelDocument } from '../../../shared/cdc/index.js';
import { loadConfig } from '../../../shared/config.js';
import { createEventSource } from '../../../shared/emulator/index.js';
import { openStore, s3ClientFor } from '../../../shared/stores.js';
import { readStreamStats } from '../../../shared/stream/read.js';
import { expectFromScratch, finalTables, type Placed } from '../../helpers/cdc-oracle.js';
import { pipeline, type Running } from '../../helpers/cli.js';
import { startMoto } from '../../helpers/moto.js';
import { tcpProxy, type Proxy } from '../../helpers/proxy.js';
import { freshTopic, kafkaAvailable, kafkaBrokers, s3Endpoint } from '../../helpers/servers.js';
import { logIdOfLog } from '../../helpers/log-id.js';

const sample = readFileSync(join(import.meta.dirname, '../../fixtures/cdc/cleaned-sample.csv'));
const customers = await readCustomers(new Uint8Array(sample), 'cleaned-sample.csv');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const OUTAGE_MS = 30_000;

/** Offset ranges by partition, adjacent and overlapping ones merged, in order (as the CDC state keeps its gaps). */
function spans(ranges: ReadonlyArray<readonly [partition: number, first: number, last: number]>): Record<string, Array<[number, number]>> {
  const out: Record<string, Array<[number, number]>> = {};
  for (const [partition, first, last] of [...ranges].sort((a, b) => a[0] - b[0] || a[1] - b[1])) {
    const list = (out[String(partition)] ??= []);
    const previous = list[list.length - 1];
    if (previous !== undefined && first <= previous[1] + 1) previous[1] = Math.max(previous[1], last);
    else list.push([first, last]);
  }
  return out;
}

describe.skipIf(!kafkaAvailable() || !s3Endpoint())('the fault suite: S3 stopped and frozen, consumers killed, changes skipped and replayed', () => {
  let moto: Awaited<ReturnType<typeof startMoto>>;
  let proxy: Proxy;
  let log: KafkaLog;
  const running = new Set<Running>();

  beforeAll(async () => {
    // a private S3 server: the one of the run is shared with other suites, and this one is stopped and frozen
    moto = await startMoto();
    proxy = await tcpProxy(moto.port);
    log = new KafkaLog({ brokers: await kafkaBrokers(), clientId: 'fault-suite', ssl: false, source: 'test broker' });
  });

  afterAll(async () => {
    for (const child of running) child.child.kill('SIGKILL');
    process.kill(moto.pid, 'SIGCONT');
    await proxy.close();
    await moto.stop();
    await log.close();
  });

  it('keeps the model exact and the stream statistics equal to a clean run, and leaves nothing behind', async () => {
    const cdcTopic = freshTopic('faults-cdc');
    const sensorTopic = freshTopic('faults-sensors');
    const bucket = `faults-${Date.now()}`;
    const modelsBucket = `${bucket}-models`;
    const direct = s3ClientFor(loadConfig({ S3_ENDPOINT: moto.endpoint, AWS_REGION: 'us-east-1' }));
    for (const name of [bucket, modelsBucket]) await direct.send(new CreateBucketCommand({ Bucket: name }));
    const dataDir = await mkdtemp(join(tmpdir(), 'faults-'));
    const env = {
      KAFKA_BROKERS: (await kafkaBrokers()).join(','),
      CDC_TOPIC: cdcTopic,
      SENSOR_TOPIC: sensorTopic,
      S3_ENDPOINT: `http://127.0.0.1:${proxy.port}`,
      PIPELINE_BUCKET: bucket,
      // the models in a bucket of their own, that S3 can throttle while the on-failure destination works
      MODELS_BUCKET: modelsBucket,
      AWS_REGION: 'us-east-1',
      // a frozen server fails a request after 5 s (retriably), not after the default 30 s
      S3_TIMEOUT_MS: '5000',
    };
    const streamEnv = { ...env, PIPELINE_STORE: 'folder', PIPELINE_DATA_DIR: dataDir };
    await log.ensureTopic(cdcTopic, 3);
    await log.ensureTopic(sensorTopic, 3);

    // 20,000 changes after the snapshot, and 20,000 readings (1% malformed): the changes in four
    // parts and a run of 15 the CDC function gives up on, the readings in four parts
    const changes = [...cdcMessages({ customers, count: 20_000, updateRatio: 0.3, deleteRatio: 0.1, badRatio: 0.005, seed: 21 })];
    const readings = [...sensorMessages({ count: 20_000, sensors: 12, seed: 22, badRatio: 0.01 })];
    const GIVEN_UP = 15;
    const cuts = [0, 5_000, 5_000 + GIVEN_UP, 10_000, 15_000, 20_000];
    const placed: Placed[] = [];
    const produceChanges = async (batch: readonly CdcMessage[]) => {
      for (let i = 0; i < batch.length; i += 2_000) {
        const chunk = batch.slice(i, i + 2_000);
        (await log.produce(cdcTopic, chunk.map((m) => ({ key: m.key, value: m.value })))).forEach((p, j) => placed.push({ ...chunk[j]!, ...p }));
      }
    };
    let part = 0;
    const produceNext = async () => {
      await produceChanges(changes.slice(cuts[part === 0 ? 0 : part + 1], cuts[part + 2] ?? cuts[part + 1]));
      await log.produce(sensorTopic, readings.slice((part * readings.length) / 4, ((part + 1) * readings.length) / 4).map((m) => ({ key: m.key, value: m.value })));
      part++;
    };

    const serve = (name: 'cdc' | 'stream', ...extra: string[]) => {
      const child = pipeline(['serve', name, '--group', `faults-${name}`, '--batch-size', '200', ...extra], name === 'cdc' ? env : streamEnv);
      running.add(child);
      void child.exited.then(() => {
        running.delete(child);
        if (name === 'cdc') said.push(child.stderr);
      });
      return child;
    };
    // what the CDC consumers said, killed or not: every failed attempt, with its reason
    const said: string[] = [];
    const finish = async (child: Running) => {
      const { code } = await child.exited;
      expect(code, child.stderr).toBe(0);
      return child;
    };
    let consumers = [serve('cdc'), serve('stream')];
    let kills = 0;
    const killAndRestart = async (restart = true) => {
      for (const child of consumers) child.child.kill('SIGKILL');
      await Promise.all(consumers.map((c) => c.exited));
      kills++;
      consumers = restart ? [serve('cdc'), serve('stream')] : [];
    };

    await produceNext();
    for (let i = 0; i < 3; i++) {
      await sleep(2_500);
      await killAndRestart();
    }
    await sleep(2_500);
    await killAndRestart(false);

    // a batch given up: the CDC function caught up, then 15 changes while S3 throttles the models
    // bucket, served by a mapping that gives a failing batch up at once (as one with a bounded
    // retry does after its retries); the on-failure destination takes them, the group moves past
    await finish(serve('cdc', '--until-idle', '--idle-ms', '1000', '--batch-size', '1000'));
    await produceChanges(changes.slice(cuts[1], cuts[2]));
    proxy.throttle(modelsBucket);
    const givingUp = await finish(serve('cdc', '--until-idle', '--idle-ms', '1000', '--batch-size', '1', '--retry-attempts', '0'));
    proxy.throttle(undefined);
    const givenUp = [...givingUp.stderr.matchAll(/gave up on (\d+)@(\d+)-(\d+)/g)].map(([, p, first, last]) => [Number(p), Number(first), Number(last)] as const);
    expect(givenUp.reduce((sum, [, first, last]) => sum + last - first + 1, 0), givingUp.stderr).toBe(GIVEN_UP);
    const results = openStore(loadConfig(env), 'results');
    expect(await results.list('results/cdc/on-failure/')).toHaveLength(givenUp.length);
    consumers = [serve('cdc'), serve('stream')];

    /** An outage of OUTAGE_MS: changes produced as it starts, the consumers killed and restarted at `restartsAt` ms into it, and once more 6 s after it ends. */
    const outage = async (begin: () => unknown, end: () => unknown, restartsAt: readonly number[], lastRestart: boolean) => {
      await begin();
      await produceNext();
      let elapsed = 0;
      for (const at of restartsAt) {
        await sleep(at - elapsed);
        elapsed = at;
        await killAndRestart();
      }
      await sleep(OUTAGE_MS - elapsed);
      await end();
      await sleep(6_000);
      await killAndRestart(lastRestart);
    };
    // S3 stopped for 30 s: two kills while it is down, a restart finding it down
    await outage(() => proxy.down(), () => proxy.up(), [10_000, 20_000], true);
    // S3 frozen for 30 s: connections open, nothing answered (the second consumer lives through the
    // SDK's three tries of 5 s each, and reports the timeout)
    await outage(() => process.kill(moto.pid, 'SIGSTOP'), () => process.kill(moto.pid, 'SIGCONT'), [6_000, 28_000], false);
    expect(kills).toBe(10);
    // the outages were reported as they happened, each attempt naming the object and why, none given up
    expect(said.join('')).toMatch(new RegExp(`cdc: \\d+@\\d+-\\d+ attempt \\d+ failed: s3://${modelsBucket}/\\S+: failed for now: connect ECONNREFUSED`));
    expect(said.join('')).toMatch(/cdc: .*; \d invocations? under way for over 5 s \(the longest: \d+@\d+-\d+, for \d+ s\)\n/);
    expect(said.join('')).toMatch(new RegExp(`cdc: \\d+@\\d+-\\d+ attempt \\d+ failed: s3://${modelsBucket}/\\S+: failed for now: .*exceeded the configured 5000 ms requestTimeout`));
    expect(said.filter((text) => text !== givingUp.stderr).join('')).not.toMatch(/gave up/);

    // the CDC function caught up (a killed one may have applied past its group's offset), then with
    // both consumers down the last part is sent, and an operator moves the CDC group past 50 changes of partition 0
    await finish(serve('cdc', '--until-idle', '--idle-ms', '1000', '--batch-size', '1000'));
    await produceNext();
    const committed = (await log.committed('faults-cdc', cdcTopic, 0))!;
    const { high } = await log.offsets(cdcTopic, 0);
    expect(high - committed).toBeGreaterThan(50);
    await log.commit('faults-cdc', cdcTopic, 0, committed + 50);

    await Promise.all([finish(serve('cdc', '--until-idle', '--idle-ms', '1500')), finish(serve('stream', '--until-idle', '--idle-ms', '1500'))]);

    const logId = await logIdOfLog(log);
    const models = openStore(loadConfig(env), 'models');
    const keys = cdcKeys('response', logId);
    const published = async () => JSON.parse(text((await models.get(keys.current(cdcTopic))).body)) as ModelDocument;
    // the skipped changes are missing, and the model says so
    const stale = await published();
    const missing = spans([...givenUp, [0, committed, committed + 49]]);
    expect(stale.stale).toBe(true);
    expect(stale.gaps).toEqual(missing);
    const shown = pipeline(['model', 'show'], env);
    await shown.exited;
    const listed = Object.entries(missing).flatMap(([p, list]) => list.map(([first, last]) => `${p}@${first}${last === first ? '' : `-${last}`}`));
    expect(shown.stdout).toContain(`STALE: offsets never delivered, whose changes the model lacks: ${listed.join(', ')} (partition@offsets)`);

    // the replay: a new consumer group from the earliest offset; what was applied is skipped, the gap is filled
    await finish(pipeline(['serve', 'cdc', '--group', 'faults-cdc-replay', '--from', 'earliest', '--until-idle', '--idle-ms', '1500', '--batch-size', '1000'], env));
    const model = await published();
    expect(model.stale).toBe(false);
    expect(model.gaps).toBeUndefined();

    // the model equals the from-scratch fit of the final table: the topic itself replayed, and an independent fold of what was produced
    const rebuilt = await rebuildFromLog(log, cdcTopic, { scratch: new MemoryStore(), modelName: 'response', logId });
    expect(rebuilt.records).toBe(placed.length);
    expect(model.rows).toBe(rebuilt.model.rows);
    expect(model.parameters).toEqual(rebuilt.model.parameters);
    expect(model.standardisation).toEqual(rebuilt.model.standardisation);
    expectFromScratch(model, finalTables(placed));
    const check = await finish(pipeline(['model', 'fit', '--from-topic'], env));
    expect(check.stdout).toMatch(/equal to the published model v\d+ \([\d,]+ customers\): largest relative difference 0, within 1e-9/);

    // the stream statistics equal a clean run's: the same topic through the same function, once, into a store of its own
    const clean = new MemoryStore();
    const source = createEventSource({ log, topic: sensorTopic, group: 'faults-stream-clean', batchSize: 1_000, maxBatchingWindowMs: 20, handler: createStreamHandler({ store: clean }) });
    await source.runUntilIdle({ idleMs: 1_000, timeoutMs: 120_000 });
    await source.stop();
    const streamSource = { topic: sensorTopic, log: logId };
    const cleanStats = await readStreamStats(clean, streamSource);
    const faultedStats = await readStreamStats(new FolderStore(dataDir), streamSource);
    expect(faultedStats.uncovered).toEqual([]);
    expect(faultedStats.windows).toEqual(cleanStats.windows);
    expect(faultedStats.anomalies).toEqual(cleanStats.anomalies);
    expect(faultedStats.deadLetters).toBe(cleanStats.deadLetters);
    expect(cleanStats.windows.reduce((sum, w) => sum + w.readings, 0) + cleanStats.deadLetters).toBe(readings.length);

    // nothing half-written is left by ten kills: no lock, no temporary file, not even the store's own folder
    const leftovers = (await readdir(dataDir, { recursive: true })).filter((name) => name.endsWith('.lock') || name.endsWith('.tmp') || name.split(/[\\/]/)[0] === '.store');
    expect(leftovers).toEqual([]);
  }, 360_000);
});
