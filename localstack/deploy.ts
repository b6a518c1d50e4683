/**
 * `npm run local:deploy`: deploys the `local` stage of the CDK app to LocalStack with cdklocal and
 * writes the stack outputs to cdk.out/local-outputs.json (the bridge and the e2e test read them).
 *
 * 1. LocalStack must answer (AWS_ENDPOINT_URL, default http://127.0.0.1:4566), else one line
 *    says how to start it.
 * 2. A stack left in a state CloudFormation cannot update (ROLLBACK_COMPLETE after a failed first
 *    deploy, ...) is deleted first; the CDK bootstrap stack is made once.
 * 3. `cdklocal deploy`, then the four functions are waited for until Active.
 *
 * The credentials are LocalStack's placeholders, so a real AWS account is never touched.
 * Extra arguments go to `cdklocal deploy`.
 */
import { CloudFormationClient, DeleteStackCommand, DescribeStacksCommand, waitUntilStackDeleteComplete } from '@aws-sdk/client-cloudformation';
import { GetFunctionCommand, LambdaClient, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { alive, Endpoint, localstackAnswers } from './localstack.js';
import { isEntryPoint } from '../shared/cli/entry.js';

const root = fileURLToPath(new URL('..', import.meta.url));
export const StackName = 'Pipeline-local';
export const OutputsFile = join(root, 'cdk.out', 'local-outputs.json');
const Unupdatable = new Set(['ROLLBACK_COMPLETE', 'ROLLBACK_FAILED', 'DELETE_FAILED', 'CREATE_FAILED', 'UPDATE_ROLLBACK_FAILED']);

/** The environment of every AWS call here: LocalStack's endpoint and placeholder credentials. */
export function localAwsEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const endpoint = env.AWS_ENDPOINT_URL ?? Endpoint;
  const local: NodeJS.ProcessEnv = {
    ...env,
    AWS_ENDPOINT_URL: endpoint,
    // cdklocal would otherwise address S3 as s3.localhost.localstack.cloud, a name that needs DNS
    AWS_ENDPOINT_URL_S3: env.AWS_ENDPOINT_URL_S3 ?? endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: env.AWS_REGION ?? 'us-east-1',
    AWS_DEFAULT_REGION: env.AWS_REGION ?? 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // cdklocal drops every AWS_ variable not allow-listed before it runs the CDK CLI, which then warns
    AWS_ENVAR_ALLOWLIST: [env.AWS_ENVAR_ALLOWLIST, 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'].filter(Boolean).join(','),
  };
  delete local.AWS_PROFILE;
  delete local.AWS_SESSION_TOKEN;
  return local;
}

/** What the bridge needs from the deployed stage: its function names and buckets. */
export interface DeployedStage {
  readonly functions: Readonly<Record<string, string>>;
  readonly dataBucket: string;
  readonly modelsBucket: string;
}

/**
 * Reads the deployed stage from cdklocal's outputs file.
 *
 * @example
 * deployedStage().functions.stream; // 'Pipeline-local-FunctionsStreamFunction3-...'
 */
export function deployedStage(outputsFile = OutputsFile): DeployedStage {
  if (!existsSync(outputsFile)) throw new Error(`${outputsFile} does not exist: deploy the local stage first with \`npm run local:deploy\``);
  const outputs = (JSON.parse(readFileSync(outputsFile, 'utf8')) as Record<string, Record<string, string>>)[StackName] ?? {};
  const functions = Object.fromEntries(
    Object.entries(outputs)
      .filter(([key]) => key.endsWith('FunctionName'))
      .map(([key, value]) => [key.replace(/FunctionName$/, ''), value]),
  );
  const [dataBucket, modelsBucket] = [outputs.DataBucketName, outputs.ModelsBucketName];
  if (dataBucket === undefined || modelsBucket === undefined) throw new Error(`${outputsFile} has no bucket outputs for ${StackName}: deploy again with \`npm run local:deploy\``);
  return { functions, dataBucket, modelsBucket };
}

async function stackStatus(cloudformation: CloudFormationClient, name: string): Promise<string | undefined> {
  try {
    const out = await cloudformation.send(new DescribeStacksCommand({ StackName: name }));
    return out.Stacks?.[0]?.StackStatus;
  } catch (error) {
    if (/does not exist/.test((error as Error).message)) return undefined;
    throw error;
  }
}

function cdklocal(args: readonly string[], env: NodeJS.ProcessEnv, quiet: boolean): void {
  if (!quiet) process.stderr.write(`$ cdklocal ${args.join(' ')}\n`);
  const result = spawnSync(join(root, 'node_modules', '.bin', 'cdklocal'), args, { cwd: root, stdio: quiet ? 'pipe' : 'inherit', encoding: 'utf8', env });
  if (result.status !== 0) {
    const output = quiet ? `\n${`${result.stdout}${result.stderr}`.trim().split('\n').slice(-30).join('\n')}` : '';
    throw new Error(`cdklocal ${args[0]} failed (exit ${result.status ?? result.signal}); LocalStack's log: localstack/.state/localstack.log${output}`);
  }
}

/**
 * Deploys the local stage; resolves with what was deployed.
 *
 * @example
 * const stage = await deployLocal(); // { functions: { preprocess: 'Pipeline-local-FunctionsPreprocess...', ... }, dataBucket: ... }
 */
export async function deployLocal(options: { readonly extraArgs?: readonly string[]; readonly quiet?: boolean } = {}): Promise<DeployedStage> {
  const release = await deployLock(options.quiet ?? false);
  try {
    return await deploy(options);
  } finally {
    release();
  }
}

const LockFile = join(root, 'cdk.out', 'local-deploy.lock');

/**
 * One deploy of the stage at a time on this machine: two at once would race on cdk.out/local and
 * on the stack (CloudFormation refuses an update while one runs). A lock whose writer is gone is
 * taken over at once; a live one is waited for.
 */
async function deployLock(quiet: boolean): Promise<() => void> {
  mkdirSync(dirname(LockFile), { recursive: true });
  const deadline = Date.now() + 15 * 60_000;
  let told = false;
  for (;;) {
    try {
      writeFileSync(LockFile, String(process.pid), { flag: 'wx' });
      return () => rmSync(LockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(readFileSync(LockFile, 'utf8').trim());
    if (!alive(holder)) {
      rmSync(LockFile, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`another deploy of ${StackName} (process ${holder}) has held ${LockFile} for 15 minutes`);
    if (!quiet && !told) process.stderr.write(`waiting for another deploy of ${StackName} (process ${holder}) to finish\n`);
    told = true;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function deploy(options: { readonly extraArgs?: readonly string[]; readonly quiet?: boolean }): Promise<DeployedStage> {
  const quiet = options.quiet ?? false;
  const env = localAwsEnvironment();
  const endpoint = env.AWS_ENDPOINT_URL!;
  if (!(await localstackAnswers(endpoint))) throw new Error(`LocalStack does not answer at ${endpoint}: start it with \`npm run local:up\``);
  const aws = { endpoint, region: env.AWS_REGION!, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  const cloudformation = new CloudFormationClient(aws);
  const status = await stackStatus(cloudformation, StackName);
  if (status !== undefined && Unupdatable.has(status)) {
    if (!quiet) process.stderr.write(`${StackName} is ${status}, which CloudFormation cannot update: deleting it first\n`);
    await cloudformation.send(new DeleteStackCommand({ StackName }));
    await waitUntilStackDeleteComplete({ client: cloudformation, maxWaitTime: 300 }, { StackName });
  }
  if ((await stackStatus(cloudformation, 'CDKToolkit')) === undefined) cdklocal(['bootstrap', '-c', 'stage=local', '--output', 'cdk.out/local'], env, quiet);
  cdklocal(['deploy', StackName, '-c', 'stage=local', '--output', 'cdk.out/local', '--require-approval', 'never', '--outputs-file', OutputsFile, ...(options.extraArgs ?? [])], env, quiet);
  const stage = deployedStage();
  const lambda = new LambdaClient(aws);
  for (const name of Object.values(stage.functions)) {
    await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 120 }, { FunctionName: name });
    const fn = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
    if (fn.Configuration?.State !== 'Active') throw new Error(`${name} is ${fn.Configuration?.State}: ${fn.Configuration?.StateReason ?? ''}`);
  }
  return stage;
}

if (isEntryPoint(import.meta.url)) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const started = Date.now();
  deployLocal({ extraArgs: process.argv.slice(2) }).then(
    (stage) => {
      process.stderr.write(`\n${StackName} deployed in ${((Date.now() - started) / 1000).toFixed(1)} s; buckets ${stage.dataBucket}, ${stage.modelsBucket}; functions (all Active):\n`);
      for (const [name, deployed] of Object.entries(stage.functions)) process.stderr.write(`  ${name.padEnd(11)} ${deployed}\n`);
      process.stderr.write('next: drop a CSV under raw/ (see docs/localstack.md), and `npm run local:bridge` for the Kafka functions\n');
    },
    (error: unknown) => {
      process.stderr.write(`local:deploy: ${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}
