/**
 * The test runs' Kafka broker, through shared/kafka-broker/broker.ts (the runner behind
 * `npm run kafka:start`).
 *
 * The shared broker starts on demand: the global setup only picks its ports and folder, and the
 * first suite that calls `kafkaBrokers()` (test/helpers/servers.ts) starts it, detached and
 * watched by the vitest process, so a run without Kafka suites pays nothing; the global
 * teardown stops it. Suites that need a broker of their own (to restart it) use
 * {@link startPrivateBroker}.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, stopBroker } from '../../shared/kafka-broker/broker.js';
import { freePort } from './moto.js';

/** Where and how the shared broker of a run is to be started (chosen by the global setup). */
export interface BrokerPlan {
  readonly runDir: string;
  readonly port: number;
  readonly controllerPort: number;
  /** The vitest process: the broker's watchdog stops it if this process dies. */
  readonly ownerPid: number;
}

/**
 * Picks free ports and a fresh folder for this run's broker; starts nothing.
 *
 * @example
 * const plan = await planBroker();
 */
export async function planBroker(): Promise<BrokerPlan> {
  const runDir = await mkdtemp(join(tmpdir(), 'pipeline-kafka-'));
  return { runDir, port: await freePort(), controllerPort: await freePort(), ownerPid: process.pid };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts the planned broker once per run, whichever test process asks first; the others wait
 * for it. Resolves to its bootstrap address. A failed start is reported to every caller.
 *
 * @example
 * const brokers = await ensurePlannedBroker(plan);
 */
export async function ensurePlannedBroker(plan: BrokerPlan): Promise<string[]> {
  const ready = join(plan.runDir, 'brokers');
  const failed = join(plan.runDir, 'failed');
  const lock = join(plan.runDir, 'starting');
  const outcome = async (): Promise<string[] | undefined> => {
    const brokers = await readFile(ready, 'utf8').catch(() => undefined);
    if (brokers !== undefined) return brokers.trim().split(',');
    const problem = await readFile(failed, 'utf8').catch(() => undefined);
    if (problem !== undefined) throw new Error(`the test Kafka broker could not start: ${problem}`);
    return undefined;
  };
  const known = await outcome();
  if (known) return known;
  let owner = false;
  try {
    await mkdir(lock);
    owner = true;
  } catch {
    /* another test process is starting it */
  }
  if (owner) {
    try {
      const broker = await startBroker({
        port: plan.port,
        controllerPort: plan.controllerPort,
        runDir: join(plan.runDir, 'broker'),
        detached: true, // outlives this test file's process; the global teardown stops it
        watchPid: plan.ownerPid,
        quickJit: true,
        timeoutMs: 90_000,
      });
      process.stderr.write(`[kafka] test broker up at ${broker.brokers.join(',')} in ${(broker.startedInMs / 1000).toFixed(1)} s\n`);
      await writeFile(ready, broker.brokers.join(','));
      return broker.brokers;
    } catch (error) {
      await writeFile(failed, (error as Error).message);
      throw error;
    }
  }
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    const brokers = await outcome();
    if (brokers) return brokers;
    await sleep(100);
  }
  throw new Error(`the test Kafka broker did not come up within 180 s (${plan.runDir})`);
}

/**
 * Stops the planned broker if a test started it, and removes its folder.
 *
 * @example
 * await stopPlannedBroker(plan);
 */
export async function stopPlannedBroker(plan: BrokerPlan): Promise<void> {
  await stopBroker({ runDir: join(plan.runDir, 'broker') });
  await rm(plan.runDir, { recursive: true, force: true });
}

/** A broker of one suite's own, which it may stop and start again (restart faults). */
export interface PrivateBroker {
  readonly brokers: string[];
  /** Stops the broker and starts it again on the same ports and data. */
  restart(): Promise<void>;
  /** Stops the broker (data kept until `dispose`). */
  stop(): Promise<void>;
  /** Stops the broker and deletes its data. */
  dispose(): Promise<void>;
}

/**
 * Starts a broker of its own for one suite, on free ports with its own data folder (a few
 * seconds), for tests that restart or stop it. Call `dispose()` in `afterAll`.
 *
 * @example
 * const broker = await startPrivateBroker();
 * await broker.restart();
 * await broker.dispose();
 */
export async function startPrivateBroker(): Promise<PrivateBroker> {
  const plan = await planBroker();
  const runDir = join(plan.runDir, 'broker');
  const start = () =>
    startBroker({ port: plan.port, controllerPort: plan.controllerPort, runDir, detached: false, watchPid: process.pid, quickJit: true, timeoutMs: 90_000 });
  const first = await start();
  return {
    brokers: first.brokers,
    restart: async () => {
      await stopBroker({ runDir });
      await start();
    },
    stop: async () => {
      await stopBroker({ runDir });
    },
    dispose: async () => {
      await stopBroker({ runDir });
      await rm(plan.runDir, { recursive: true, force: true });
    },
  };
}
