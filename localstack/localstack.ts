/**
 * `npm run local:up` / `npm run local:down` / `npm run local:status`: LocalStack and the Kafka
 * broker the bridge reads, on this machine.
 *
 * - With a Docker engine: `docker compose -f localstack/docker-compose.yml up -d` (LocalStack with
 *   its Docker Lambda executor, and Kafka).
 * - Without one (host mode): LocalStack itself runs as a Python process. `up` finds a Python of
 *   3.12 or newer (PATH, then pyenv), makes a venv under localstack/.venv, installs the pinned
 *   LocalStack (localstack/requirements.txt) and the project's Lambda executor plugin
 *   (localstack/host-executor, which runs the Node.js functions as host processes), starts it on
 *   127.0.0.1:4566 with its log in localstack/.state/localstack.log, and waits until it answers;
 *   then it starts the Kafka broker (`npm run kafka:start`).
 *
 * `up` is a no-op for whatever already answers (LocalStack on :4566, a broker on :9092).
 * `down` stops what `up` started. `--no-kafka` leaves the broker out (CI's tests run their own). Environment: LOCALSTACK_MODE=host|docker forces a mode;
 * LOCALSTACK_PYTHON names the Python to use.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isEntryPoint } from '../shared/cli/entry.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..');
export const Endpoint = 'http://127.0.0.1:4566';
const venv = join(here, '.venv');
const state = join(here, '.state');
const logFile = join(state, 'localstack.log');
const pidFile = join(state, 'localstack.pid');
const requirements = join(here, 'requirements.txt');
const executor = join(here, 'host-executor');
const composeFile = join(here, 'docker-compose.yml');
const MinPython = [3, 12] as const;
const withKafka = !process.argv.includes('--no-kafka');

const say = (line: string): void => void process.stderr.write(`local: ${line}\n`);

class LocalError extends Error {}

/**
 * Whether LocalStack answers at `endpoint` (its health route), within `timeoutMs`.
 *
 * @example
 * await localstackAnswers('http://127.0.0.1:4566'); // true when it is up
 */
export async function localstackAnswers(endpoint = Endpoint, timeoutMs = 2000): Promise<boolean> {
  try {
    return (await fetch(`${endpoint}/_localstack/health`, { signal: AbortSignal.timeout(timeoutMs) })).ok;
  } catch {
    return false;
  }
}

function run(command: string, args: readonly string[], options: { cwd?: string; quiet?: boolean } = {}): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd: options.cwd ?? root, encoding: 'utf8', stdio: options.quiet ? 'pipe' : ['ignore', 'inherit', 'inherit'] });
}

function dockerEngine(): boolean {
  if (process.env.LOCALSTACK_MODE === 'host') return false;
  const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', stdio: 'pipe', timeout: 5000 });
  const available = info.status === 0;
  if (process.env.LOCALSTACK_MODE === 'docker' && !available) throw new LocalError('LOCALSTACK_MODE=docker, but no Docker engine answers (`docker info` failed)');
  return available;
}

function pythonVersion(python: string): readonly [number, number] | undefined {
  const out = spawnSync(python, ['-c', 'import sys; print(sys.version_info[0], sys.version_info[1])'], { encoding: 'utf8', stdio: 'pipe' });
  if (out.status !== 0) return undefined;
  const [major, minor] = out.stdout.trim().split(' ').map(Number);
  return major === undefined || minor === undefined ? undefined : [major, minor];
}

const newEnough = (v: readonly [number, number]): boolean => v[0] > MinPython[0] || (v[0] === MinPython[0] && v[1] >= MinPython[1]);

/**
 * A Python LocalStack can run on: LOCALSTACK_PYTHON, else the newest of python3.13/3.12/python3
 * on PATH and pyenv's installed versions that is 3.12 or newer.
 */
function findPython(): string {
  const explicit = process.env.LOCALSTACK_PYTHON;
  if (explicit) {
    const version = pythonVersion(explicit);
    if (version === undefined || !newEnough(version)) throw new LocalError(`LOCALSTACK_PYTHON=${explicit} is not a Python ${MinPython.join('.')} or newer`);
    return explicit;
  }
  const candidates = ['python3.14', 'python3.13', 'python3.12', 'python3'];
  const pyenvRoot = spawnSync('pyenv', ['root'], { encoding: 'utf8', stdio: 'pipe' });
  const pyenvVersions = pyenvRoot.status === 0 ? join(pyenvRoot.stdout.trim(), 'versions') : join(process.env.HOME ?? '/root', '.pyenv', 'versions');
  if (existsSync(pyenvVersions)) {
    for (const name of readdirSync(pyenvVersions).sort().reverse()) candidates.push(join(pyenvVersions, name, 'bin', 'python'));
  }
  const found = candidates.map((python) => ({ python, version: pythonVersion(python) })).filter((c) => c.version !== undefined && newEnough(c.version));
  found.sort((a, b) => b.version![0] - a.version![0] || b.version![1] - a.version![1]);
  if (found.length === 0) {
    throw new LocalError(`LocalStack needs Python ${MinPython.join('.')} or newer, and none was found on PATH or under pyenv: install one (e.g. \`pyenv install 3.13\`) or set LOCALSTACK_PYTHON`);
  }
  return found[0]!.python;
}

/** Makes the venv and installs the pinned LocalStack and the executor plugin, unless already done for these pins. */
function ensureVenv(): string {
  const python = join(venv, 'bin', 'python');
  const wanted = createHash('sha256').update(readFileSync(requirements)).update(readFileSync(join(executor, 'pyproject.toml'))).digest('hex');
  const stamp = join(venv, '.installed');
  if (existsSync(python) && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return python;
  if (!existsSync(python)) {
    const base = findPython();
    say(`making a Python venv in localstack/.venv with ${base}`);
    if (run(base, ['-m', 'venv', venv]).status !== 0) throw new LocalError(`\`${base} -m venv ${venv}\` failed`);
  }
  say('installing LocalStack and the host Lambda executor into localstack/.venv (about a minute, once)');
  const pip = run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirements, '-e', `${executor}[test]`]);
  if (pip.status !== 0) throw new LocalError('pip could not install LocalStack (see above); PyPI must be reachable');
  writeFileSync(stamp, wanted);
  return python;
}

async function waitUntilAnswering(timeoutMs: number, process_?: { exitCode: number | null }): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await localstackAnswers(Endpoint, 1000)) return;
    if (process_?.exitCode != null) throw new LocalError(`LocalStack exited with status ${process_.exitCode}: ${tail(logFile)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new LocalError(`LocalStack did not answer at ${Endpoint} within ${timeoutMs / 1000} s: ${tail(logFile)}`);
}

function tail(file: string, lines = 8): string {
  if (!existsSync(file)) return `(no log at ${file})`;
  return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
}

/** The environment of LocalStack in host mode. */
function hostEnvironment(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GATEWAY_LISTEN: '127.0.0.1:4566',
    // the project's executor runs the functions as host processes, on this Node.js
    LAMBDA_RUNTIME_EXECUTOR: 'host',
    PIPELINE_LAMBDA_NODE: process.execPath,
    // LocalStack's state and caches stay inside the repository's git-ignored folder
    FILESYSTEM_ROOT: join(state, 'filesystem'),
    // no network beyond this machine: no certificate download, no usage events, no DNS server
    SKIP_SSL_CERT_DOWNLOAD: '1',
    DISABLE_EVENTS: '1',
    DNS_ADDRESS: '0',
  };
}

async function upHost(): Promise<void> {
  const python = ensureVenv();
  mkdirSync(state, { recursive: true });
  const out = openSync(logFile, 'a');
  const child = spawn(python, ['-m', 'localstack.runtime.main'], { cwd: root, env: hostEnvironment(), detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  writeFileSync(pidFile, String(child.pid));
  child.unref();
  await waitUntilAnswering(90_000, child);
}

async function up(): Promise<void> {
  const started = Date.now();
  if (await localstackAnswers()) say(`LocalStack already answers at ${Endpoint}`);
  else if (dockerEngine()) {
    say('starting LocalStack and Kafka with docker compose');
    if (run('docker', ['compose', '-f', composeFile, 'up', '-d', '--wait', ...(withKafka ? [] : ['localstack'])]).status !== 0) throw new LocalError('docker compose up failed (see above)');
  } else {
    say('no Docker engine: starting LocalStack in host mode');
    await upHost();
  }
  say(`LocalStack answers at ${Endpoint} (log: ${existsSync(logFile) ? logFile : 'docker compose logs localstack'})`);
  if (withKafka && run('npm', ['run', '--silent', 'kafka:start']).status !== 0) throw new LocalError('the Kafka broker did not start (see above)');
  say(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s; next: npm run local:deploy`);
}

async function down(): Promise<void> {
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8'));
    try {
      process.kill(-pid, 'SIGTERM');
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline && alive(pid)) await new Promise((resolve) => setTimeout(resolve, 200));
      if (alive(pid)) process.kill(-pid, 'SIGKILL');
      say('stopped LocalStack (host mode)');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
    rmSync(pidFile, { force: true });
  } else if (dockerEngine()) {
    run('docker', ['compose', '-f', composeFile, 'stop', 'localstack']);
  } else if (await localstackAnswers()) {
    say(`LocalStack at ${Endpoint} was not started by local:up; stop it where it was started`);
  }
  if (withKafka) run('npm', ['run', '--silent', 'kafka:stop']);
}

/**
 * Whether a process is alive: signal 0 reaches it, or it exists but belongs to someone else (EPERM).
 *
 * @example
 * alive(process.pid); // true
 */
export function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function status(): Promise<void> {
  const answers = await localstackAnswers();
  process.stdout.write(`LocalStack ${answers ? `answers at ${Endpoint}` : 'is not running'}\n`);
  if (answers) {
    const health = (await (await fetch(`${Endpoint}/_localstack/health`)).json()) as { version?: string; services?: Record<string, string> };
    const used = ['s3', 'lambda', 'iam', 'cloudformation', 'logs', 'sqs'].map((name) => `${name}: ${health.services?.[name] ?? '?'}`);
    process.stdout.write(`version ${health.version ?? '?'}; ${used.join(', ')}\n`);
  }
  run('npm', ['run', '--silent', 'kafka:status']);
  if (!answers) process.exitCode = 1;
}

if (isEntryPoint(import.meta.url)) {
  const commands: Record<string, () => Promise<void>> = { up, down, status };
  const command = commands[process.argv[2] ?? ''];
  if (command === undefined) {
    process.stderr.write('usage: tsx localstack/localstack.ts up|down|status\n');
    process.exit(2);
  }
  command().catch((error: unknown) => {
    say(error instanceof LocalError ? error.message : String((error as Error)?.stack ?? error));
    process.exit(1);
  });
}
