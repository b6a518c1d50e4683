import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GetBootstrapBrokersCommand, GetBootstrapBrokersResponse } from '@aws-sdk/client-kafka';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'kafka');

/** A recorded GetBootstrapBrokers answer: test/fixtures/kafka/get-bootstrap-brokers-<name>.json. */
export function bootstrapFixture(name: 'provisioned' | 'serverless' | 'tls' | 'scram'): GetBootstrapBrokersResponse {
  return JSON.parse(readFileSync(join(fixtures, `get-bootstrap-brokers-${name}.json`), 'utf8')) as GetBootstrapBrokersResponse;
}

export const CLUSTER_ARN = 'arn:aws:kafka:eu-west-1:123456789012:cluster/pipeline/0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e-4';
export const SERVERLESS_ARN = 'arn:aws:kafka:us-east-2:123456789012:cluster/pipeline-serverless/9a8b7c6d-5e4f-3a2b-1c0d-9e8f7a6b5c4d-s2';

/**
 * An MSK control-plane client for unit tests: answers GetBootstrapBrokers with a recorded
 * response (or fails with `response` when it is an Error) and keeps the requests it got.
 */
export function recordedMskClient(response: GetBootstrapBrokersResponse | Error) {
  const requests: Array<{ ClusterArn?: string }> = [];
  return {
    requests,
    send: async (command: GetBootstrapBrokersCommand) => {
      requests.push(command.input);
      if (response instanceof Error) throw response;
      return response;
    },
  } as unknown as { requests: typeof requests; send: never };
}
