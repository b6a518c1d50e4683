/**
 * The README's and docs' commands work as written. Every shell block of README.md and docs/*.md
 * runs, in order per page, in one shell session per page, in a fresh checkout-like folder (an
 * empty `data/`), and its output is checked against the `<!-- expect: ... -->` comments above it
 * (test/helpers/doc-blocks.ts says how blocks are annotated). Every block must also end with exit
 * code 0 and print no stack trace and no AWS SDK Node-version warning.
 *
 * The servers are the test run's own: its Kafka broker for `localhost:9092`, its S3 API server
 * (moto) for `http://127.0.0.1:5000`, and LocalStack at `http://127.0.0.1:4566` when it answers
 * (CI starts it). Bucket and topic names are fresh for each page, and so is the dashboard's port.
 * A block that needs what this run lacks is skipped, with the rest of its page, and says so in
 * one line (under CI=true it fails instead, Kaggle's file aside); a block marked `skip:` (an AWS
 * account, the whole benchmark) prints its reason.
 */
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { checkoutLike, parseBlocks, ShellSession, substitute, type DocBlock, type Need } from '../helpers/doc-blocks.js';
import { freePort } from '../helpers/moto.js';
import { REAL_FILE } from '../helpers/real-data.js';
import { freshTopic, kafkaAvailable, kafkaBrokers, s3Endpoint } from '../helpers/servers.js';

const repoRoot = join(import.meta.dirname, '..', '..');
const pages = ['README.md', ...(await readdir(join(repoRoot, 'docs'))).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const parsed = await Promise.all(pages.map(async (page) => ({ page, blocks: parseBlocks(await readFile(join(repoRoot, page), 'utf8'), page) })));

/** The reader's environment: none of the test run's own settings, and nothing that hides noise. */
function readerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(VITEST|AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED$|KAFKA_|S3_|PIPELINE_|SENSOR_|CDC_|MODEL_NAME$|ANALYTICS_|LOCALSTACK_|AWS_ENDPOINT_URL|NODE_ENV$|TEST$)/.test(name)) continue;
    env[name] = value;
  }
  return { ...env, CI: '', NO_COLOR: '1', npm_config_update_notifier: 'false', npm_config_fund: 'false' };
}

/** Why a need cannot be met in this run, or undefined when it can. */
function missing(need: Need): string | undefined {
  if (need === 'kafka') return kafkaAvailable() ? undefined : inject('kafkaProblem') || 'no Kafka broker in this run';
  if (need === 's3') return s3Endpoint() === undefined ? inject('s3Problem') || 'no S3 API server in this run' : undefined;
  if (need === 'localstack') return inject('localstackEndpoint') === '' ? inject('localstackProblem') : undefined;
  if (need === 'aws-cli') return awsCli.status === 0 ? undefined : 'the AWS CLI (`aws`) is not installed';
  return existsSync(REAL_FILE) ? undefined : `Kaggle's marketing_campaign.csv is not at ${REAL_FILE}`;
}

const awsCli = spawnSync('aws', ['--version'], { encoding: 'utf8' });

const STACK_TRACE = /^\s+at .+:\d+:\d+\)?$/m;
const SDK_WARNING = /NodeVersionSupportWarning|AWS SDK for JavaScript \(v3\)/;

/** What is wrong with a block's run, as lines; none when it did what its text says. */
function problems(block: DocBlock, run: { code: number | null; output: string }): string[] {
  const found: string[] = [];
  if (run.code !== 0) found.push(`exit code ${run.code}`);
  for (const expected of block.expects) {
    const ok = typeof expected === 'string' ? run.output.includes(expected) : expected.test(run.output);
    if (!ok) found.push(`no ${typeof expected === 'string' ? JSON.stringify(expected) : String(expected)} in the output`);
  }
  if (STACK_TRACE.test(run.output)) found.push('a stack trace in the output');
  if (SDK_WARNING.test(run.output)) found.push("the AWS SDK's Node.js version warning in the output");
  return found;
}

const say = (line: string) => process.stderr.write(`[doc test] ${line}\n`);

describe('the shell blocks of the pages, run as written', () => {
  it('finds shell blocks to run, each annotated block well-formed', () => {
    const all = parsed.flatMap((p) => p.blocks);
    expect(all.length).toBeGreaterThan(20);
    expect(all.filter((b) => b.skip === undefined).length).toBeGreaterThan(15);
  });

  for (const { page, blocks } of parsed) {
    if (blocks.length === 0) continue;
    it.concurrent(`${page}: every block works in order and prints what its text says`, async () => {
      const dir = await checkoutLike(repoRoot, await mkdtemp(join(tmpdir(), 'docs-')));
      const topics = { sensor: freshTopic('docs-sensor_data'), cdc: freshTopic('docs-customer_updates') };
      const values: Record<string, string> = {
        sensor_data: topics.sensor,
        customer_updates: topics.cdc,
        'my-bucket': freshTopic('docs-bucket'),
        '4173': String(await freePort()),
      };
      const env = { ...readerEnv(), SENSOR_TOPIC: topics.sensor, CDC_TOPIC: topics.cdc };
      const session = new ShellSession(dir, env);
      const failures: string[] = [];
      try {
        for (const block of blocks) {
          const where = `${page}:${block.line}`;
          if (block.skip !== undefined) {
            say(`${where} skipped: ${block.skip}`);
            continue;
          }
          const lacking = block.needs.map((need) => [need, missing(need)] as const).find(([, why]) => why !== undefined);
          if (lacking) {
            // under CI every server and tool is there, so a missing one fails; Kaggle's file may never be
            if (process.env.CI === 'true' && lacking[0] !== 'kaggle') failures.push(`${where}: CI=true and the block needs ${lacking[0]}: ${lacking[1]}`);
            else say(`${where} and the rest of ${page} skipped: the block needs ${lacking[0]}: ${lacking[1]}`);
            break;
          }
          if (block.needs.includes('kafka')) {
            values['localhost:9092'] = (await kafkaBrokers()).join(',');
            await session.exportIfUnset('KAFKA_BROKERS', values['localhost:9092']);
          }
          if (block.needs.includes('s3')) values['http://127.0.0.1:5000'] = s3Endpoint()!;
          if (block.needs.includes('localstack')) values['http://127.0.0.1:4566'] = inject('localstackEndpoint');
          if (block.needs.includes('kaggle') && !existsSync(join(dir, 'data', 'raw', 'marketing_campaign.csv'))) {
            // the reader downloaded it from Kaggle into data/raw/
            await mkdir(join(dir, 'data', 'raw'), { recursive: true });
            await copyFile(REAL_FILE, join(dir, 'data', 'raw', 'marketing_campaign.csv'));
          }
          const code = substitute(block.code, values);
          const run = block.background
            ? await session.runInBackground(code, block.background, async (match) => {
                if (match[1]?.startsWith('http')) {
                  const response = await fetch(match[1]);
                  if (!response.ok) throw new Error(`GET ${match[1]} answered ${response.status}`);
                }
              }, 180_000)
            : await session.run(code, 300_000);
          const wrong = problems(block, run);
          if (wrong.length > 0) {
            failures.push(`${where} (${(run.ms / 1000).toFixed(1)} s): ${wrong.join('; ')}\n--- the block ---\n${code}--- its output (the end) ---\n${run.output.slice(-4000)}`);
            break;
          }
        }
      } finally {
        if (failures.length === 0) await rm(dir, { recursive: true, force: true });
      }
      expect(failures, failures.join('\n')).toEqual([]);
    }, 900_000);
  }
});
