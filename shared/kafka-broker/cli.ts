/**
 * `npm run kafka:start` / `kafka:stop` / `kafka:status` / `kafka:fetch`: a local Kafka broker for
 * development and CI (./broker.ts).
 *
 *   tsx shared/kafka-broker/cli.ts start   [--port 9092] [--runtime auto|docker|java]
 *   tsx shared/kafka-broker/cli.ts stop    [--port 9092]
 *   tsx shared/kafka-broker/cli.ts status  [--port 9092]
 *   tsx shared/kafka-broker/cli.ts fetch   (only download the broker's jars into the cache)
 *
 * `start` is a no-op when a broker already answers (KAFKA_BROKERS, else localhost:<port>). With a
 * Docker engine it runs the `kafka` service of localstack/docker-compose.yml; without one it runs
 * the broker's jars on the machine's Java 17+ as a detached process, and returns only once a
 * topic can be created and a message round-trips.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { join } from 'node:path';
import { isEntryPoint } from '../cli/entry.js';
import { brokerAnswers, ComposeFile, defaultCacheDir, defaultRunDir, dockerAvailable, ensureJars, javaProblem, KAFKA_VERSION, roundTrip, startBroker, stopBroker, tail } from './broker.js';

type Env = Readonly<Record<string, string | undefined>>;

function compose(args: readonly string[], options: SpawnSyncOptions = {}) {
  for (const command of [['docker', 'compose'], ['docker-compose']] as const) {
    const result = spawnSync(command[0], [...command.slice(1), '-f', ComposeFile, ...args], { encoding: 'utf8', ...options });
    if (!result.error && !(result.status !== 0 && /unknown (command|shorthand flag)|is not a docker command/i.test(String(result.stderr)))) return result;
  }
  throw new Error('neither `docker compose` nor `docker-compose` is installed');
}

interface CliOptions {
  port?: string;
  runtime?: string;
}

function parseArgs(argv: readonly string[]): { command: string; options: CliOptions } {
  const [command = 'help', ...rest] = argv;
  const options: CliOptions = {};
  for (let i = 0; i < rest.length; i++) {
    const match = /^--(port|runtime)(?:=(.*))?$/.exec(rest[i]!);
    if (!match) throw new Error(`unknown option '${rest[i]}' (see the usage at the top of shared/kafka-broker/cli.ts)`);
    options[match[1] as keyof CliOptions] = match[2] ?? rest[++i];
  }
  return { command, options };
}

function localTarget(env: Env, options: CliOptions): { brokers: string[]; port: number; local: boolean } {
  const configured = (env.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter(Boolean);
  if (configured.length > 0) {
    const [host = '', port] = configured[0]!.split(':');
    return { brokers: configured, port: Number(port), local: configured.length === 1 && /^(localhost|127\.0\.0\.1)$/.test(host) };
  }
  const port = Number(options.port ?? 9092);
  return { brokers: [`localhost:${port}`], port, local: true };
}

/**
 * Runs one command of the broker runner.
 *
 * @example
 * await runCommand(['start', '--port', '9092']);
 */
export async function runCommand(argv: readonly string[], env: Env = process.env): Promise<void> {
  const say = (line: string) => process.stderr.write(`kafka: ${line}\n`);
  const { command, options } = parseArgs(argv);
  const target = localTarget(env, options);
  const cacheDir = defaultCacheDir(env);
  const runDir = defaultRunDir(target.port, cacheDir);
  switch (command) {
    case 'start': {
      const started = Date.now();
      if (await brokerAnswers(target.brokers)) {
        say(`a broker already answers at ${target.brokers.join(',')}; nothing to do`);
        return;
      }
      if (!target.local) throw new Error(`KAFKA_BROKERS=${target.brokers.join(',')} does not answer, and only a broker on localhost can be started here`);
      const runtime = options.runtime ?? env.KAFKA_RUNTIME ?? 'auto';
      if (!['auto', 'docker', 'java'].includes(runtime)) throw new Error(`--runtime must be auto, docker or java, got '${runtime}'`);
      const useDocker = runtime !== 'java' && dockerAvailable();
      if (runtime === 'docker' && !useDocker) throw new Error('no Docker engine answers (`docker info` failed)');
      if (useDocker) {
        if (target.port !== 9092) throw new Error('the Docker broker listens on 9092; use --runtime java for another port');
        say('starting the kafka service of localstack/docker-compose.yml');
        const up = compose(['up', '-d', 'kafka'], { stdio: ['ignore', 'inherit', 'pipe'] });
        if (up.status !== 0) throw new Error(`docker compose up failed: ${tail(String(up.stderr ?? ''), 2)}`);
        await roundTrip(['localhost:9092'], { timeoutMs: 120_000 });
      } else {
        const problem = javaProblem(env);
        if (problem) throw new Error(`kafka:start needs a Docker engine or Java 17+, and has neither (${problem}); or set KAFKA_BROKERS to a running broker`);
        await startBroker({ port: target.port, cacheDir, runDir, detached: true, log: say });
        say(`logs: ${join(runDir, 'broker.log')}`);
      }
      say(`Kafka is up at localhost:${target.port} in ${((Date.now() - started) / 1000).toFixed(1)} s (export KAFKA_BROKERS=localhost:${target.port})`);
      return;
    }
    case 'stop': {
      if (await stopBroker({ runDir })) {
        say(`stopped the broker of ${runDir}`);
      } else if (dockerAvailable() && String(compose(['ps', '-q', 'kafka']).stdout).trim() !== '') {
        compose(['stop', 'kafka'], { stdio: 'inherit' });
        say('stopped the kafka service of localstack/docker-compose.yml');
      } else {
        say('no broker started by kafka:start is running');
      }
      return;
    }
    case 'status': {
      const up = await brokerAnswers(target.brokers);
      say(up ? `a broker answers at ${target.brokers.join(',')}` : `no broker answers at ${target.brokers.join(',')}`);
      process.exitCode = up ? 0 : 1;
      return;
    }
    case 'fetch': {
      const libs = await ensureJars({ cacheDir, log: say });
      say(`Kafka ${KAFKA_VERSION} jars are in ${libs}`);
      return;
    }
    default:
      throw new Error(`unknown command '${command}': use start, stop, status or fetch`);
  }
}

if (isEntryPoint(import.meta.url)) {
  runCommand(process.argv.slice(2)).then(
    () => process.exit(process.exitCode ?? 0),
    (error: unknown) => {
      process.stderr.write(`kafka: ${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}
