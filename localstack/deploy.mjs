#!/usr/bin/env node
/**
 * `npm run local:deploy`: deploys the `local` stage of the CDK app to LocalStack with cdklocal
 * (bootstrap, then deploy) and writes the stack outputs to cdk.out/local-outputs.json.
 * LocalStack answers at AWS_ENDPOINT_URL (default http://localhost:4566); the credentials are
 * LocalStack's dummy ones, so a real AWS account can never be touched by this command.
 * Extra arguments go to `cdklocal deploy`.
 */
import { spawnSync } from 'node:child_process';

// Without AWS_ENDPOINT_URL, cdklocal finds LocalStack on localhost:4566 itself; with it (another
// host or port), S3 must be named too, and path-style addressing on the same URL is the safe bet.
const endpoint = process.env.AWS_ENDPOINT_URL;
const env = {
  ...process.env,
  ...(endpoint === undefined ? {} : { AWS_ENDPOINT_URL_S3: process.env.AWS_ENDPOINT_URL_S3 ?? endpoint }),
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
  AWS_DEFAULT_REGION: process.env.AWS_REGION ?? 'us-east-1',
};
delete env.AWS_PROFILE;
delete env.AWS_SESSION_TOKEN;

function run(args) {
  process.stderr.write(`$ cdklocal ${args.join(' ')}\n`);
  const result = spawnSync('npx', ['cdklocal', ...args], { stdio: 'inherit', env });
  if (result.status !== 0) {
    process.stderr.write(`cdklocal ${args[0]} failed (exit ${result.status}); is LocalStack running at ${endpoint ?? 'http://localhost:4566'}?\n`);
    process.exit(result.status ?? 1);
  }
}

run(['bootstrap', '-c', 'stage=local']);
run(['deploy', '-c', 'stage=local', '--require-approval', 'never', '--outputs-file', 'cdk.out/local-outputs.json', ...process.argv.slice(2)]);
