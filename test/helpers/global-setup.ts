/**
 * Vitest global setup: finds or starts the real servers the integration suites need, once per
 * run, and hands their addresses to the tests through `provide`.
 *
 * - S3 API: `S3_ENDPOINT` when set; otherwise moto's server mode (`moto_server`) on a free port.
 * - Kafka: `KAFKA_BROKERS` when set; otherwise a KRaft broker from shared/kafka-broker on free
 *   ports with its own data folder, started by the first suite that needs it (test/helpers/kafka.ts)
 *   and stopped here at teardown. Without Java 17 (or Maven, the first time) there is none.
 *
 * - LocalStack: `LOCALSTACK_ENDPOINT` or http://127.0.0.1:4566, if it answers (see below).
 *
 * A server that cannot be had is reported loudly; under `CI=true` it fails the run, otherwise
 * the suites that need it skip (see `test/helpers/servers.ts`).
 */
import type { TestProject } from 'vitest/node';
import { brokerAnswers, javaProblem } from '../../shared/kafka-broker/broker.js';
import { planBroker, stopPlannedBroker, type BrokerPlan } from './kafka.js';
import { startMoto } from './moto.js';
import { localstackAnswers } from '../../localstack/localstack.js';

declare module 'vitest' {
  export interface ProvidedContext {
    s3Endpoint: string;
    s3Problem: string;
    /** `KAFKA_BROKERS` of the environment, comma-separated, or '' (then see `kafkaPlan`). */
    kafkaBrokers: string;
    /** Where the run's own broker is to be started, or null when KAFKA_BROKERS is set or Kafka cannot run. */
    kafkaPlan: BrokerPlan | null;
    kafkaProblem: string;
    /** LocalStack's endpoint, or '' when none answers (then see `localstackProblem`). */
    localstackEndpoint: string;
    localstackProblem: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stops: Array<() => Promise<void>> = [];
  const ci = process.env.CI === 'true';

  let s3Endpoint = process.env.S3_ENDPOINT ?? '';
  let s3Problem = '';
  if (s3Endpoint === '') {
    try {
      const moto = await startMoto();
      s3Endpoint = moto.endpoint;
      stops.push(moto.stop);
    } catch (error) {
      s3Problem = `no S3 API server: ${(error as Error).message}`;
      if (ci) throw new Error(`CI=true and ${s3Problem}`);
      process.stderr.write(`\n!!! ${s3Problem}; the S3 integration suites are SKIPPED !!!\n\n`);
    }
  }
  project.provide('s3Endpoint', s3Endpoint);
  project.provide('s3Problem', s3Problem);

  const kafkaBrokers = (process.env.KAFKA_BROKERS ?? '').trim();
  let kafkaPlan: BrokerPlan | null = null;
  let kafkaProblem = '';
  if (kafkaBrokers !== '') {
    if (!(await brokerAnswers(kafkaBrokers.split(',')))) kafkaProblem = `KAFKA_BROKERS=${kafkaBrokers} does not answer`;
  } else {
    const java = javaProblem();
    if (java === undefined) {
      const plan = await planBroker();
      kafkaPlan = plan;
      stops.push(() => stopPlannedBroker(plan));
    } else {
      kafkaProblem = `no Kafka broker: KAFKA_BROKERS is unset and the test broker cannot run (${java})`;
    }
  }
  if (kafkaProblem !== '') {
    if (ci) throw new Error(`CI=true and ${kafkaProblem}`);
    process.stderr.write(`\n!!! ${kafkaProblem}; the Kafka integration suites are SKIPPED !!!\n\n`);
  }
  project.provide('kafkaBrokers', kafkaProblem === '' ? kafkaBrokers : '');
  project.provide('kafkaPlan', kafkaPlan);
  project.provide('kafkaProblem', kafkaProblem);

  // LocalStack is started by `npm run local:up` (CI does it before `npm test`), never here: it is
  // a long-lived service the suite deploys to, not a server private to the run.
  const localstack = process.env.LOCALSTACK_ENDPOINT ?? 'http://127.0.0.1:4566';
  const localstackProblem = (await localstackAnswers(localstack)) ? '' : `no LocalStack answers at ${localstack} (start it with \`npm run local:up\`)`;
  if (localstackProblem !== '') {
    if (ci) throw new Error(`CI=true and ${localstackProblem}`);
    process.stderr.write(`\n!!! ${localstackProblem}; the LocalStack end-to-end suite (test/e2e/localstack.test.ts) is SKIPPED !!!\n\n`);
  }
  project.provide('localstackEndpoint', localstackProblem === '' ? localstack : '');
  project.provide('localstackProblem', localstackProblem);

  return async () => {
    for (const stop of stops.reverse()) await stop();
  };
}
