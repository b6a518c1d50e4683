import type { GetBootstrapBrokersResponse, KafkaClient } from '@aws-sdk/client-kafka';
import type { generateAuthTokenFromCredentialsProvider } from 'aws-msk-iam-sasl-signer-js';
import { ConfigError, PipelineError } from '../errors.js';
import { classifyAwsError, describeAwsError } from './aws-errors.js';

/**
 * How to reach a Kafka cluster, independent of the client library: the brokers, whether the
 * connection is TLS, and whether it authenticates with IAM (MSK's SASL/OAUTHBEARER with a
 * SigV4-signed token). The Kafka adapter turns it into its client's configuration.
 */
export interface KafkaConnection {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly ssl: boolean;
  /** IAM authentication, signed for `region`; absent means no SASL. */
  readonly sasl?: { readonly mechanism: 'aws-iam'; readonly region: string };
  /** Where the brokers came from, for messages: `KAFKA_BROKERS` or the cluster ARN. */
  readonly source: string;
}

/** Where the IAM signer takes its credentials from (an AWS SDK credential provider). */
export type CredentialsProvider = Parameters<typeof generateAuthTokenFromCredentialsProvider>[0]['awsCredentialsProvider'];

const ARN = /^arn:aws[\w-]*:kafka:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):cluster\/[\w-]+\/[\w-]+$/;

/**
 * The region of an MSK cluster ARN (`arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>`).
 * Throws a {@link ConfigError} naming `key` when the text is not such an ARN.
 *
 * @example
 * regionOfClusterArn('arn:aws:kafka:eu-west-1:123456789012:cluster/pipeline/0b1c2d3e-1'); // 'eu-west-1'
 */
export function regionOfClusterArn(arn: string, key = 'MSK_CLUSTER_ARN'): string {
  const match = ARN.exec(arn.trim());
  if (!match) throw new ConfigError(key, `must be an MSK cluster ARN such as arn:aws:kafka:us-east-1:123456789012:cluster/name/uuid, got '${arn}'`);
  return match[1]!;
}

const split = (list: string | undefined): string[] => (list ?? '').split(',').map((b) => b.trim()).filter((b) => b !== '');

/**
 * Chooses how to connect from a GetBootstrapBrokers answer: IAM over TLS when the cluster offers
 * it (private, then public endpoints), else TLS alone, else plaintext. SASL/SCRAM is not used.
 *
 * @example
 * connectionFromBootstrap({ BootstrapBrokerStringSaslIam: 'b-1.x:9098' }, { clusterArn, clientId: 'pipeline' });
 * // { brokers: ['b-1.x:9098'], ssl: true, sasl: { mechanism: 'aws-iam', region: 'us-east-1' }, ... }
 */
export function connectionFromBootstrap(
  response: GetBootstrapBrokersResponse,
  options: { readonly clusterArn: string; readonly clientId: string },
): KafkaConnection {
  const region = regionOfClusterArn(options.clusterArn);
  const base = { clientId: options.clientId, source: options.clusterArn };
  const iam = split(response.BootstrapBrokerStringSaslIam).concat(split(response.BootstrapBrokerStringPublicSaslIam));
  if (iam.length > 0) {
    const brokers = split(response.BootstrapBrokerStringSaslIam);
    return { ...base, brokers: brokers.length > 0 ? brokers : iam, ssl: true, sasl: { mechanism: 'aws-iam', region } };
  }
  const tls = split(response.BootstrapBrokerStringTls);
  const publicTls = split(response.BootstrapBrokerStringPublicTls);
  if (tls.length > 0 || publicTls.length > 0) return { ...base, brokers: tls.length > 0 ? tls : publicTls, ssl: true };
  const plaintext = split(response.BootstrapBrokerString);
  if (plaintext.length > 0) return { ...base, brokers: plaintext, ssl: false };
  const scram = [...split(response.BootstrapBrokerStringSaslScram), ...split(response.BootstrapBrokerStringPublicSaslScram)];
  throw new ConfigError(
    'MSK_CLUSTER_ARN',
    scram.length === 0
      ? `cluster ${options.clusterArn} reported no bootstrap brokers`
      : `cluster ${options.clusterArn} offers only SASL/SCRAM, which the pipeline does not use: enable IAM authentication on it`,
  );
}

/**
 * Looks up the bootstrap brokers of an MSK cluster (GetBootstrapBrokers) and how to connect to
 * them. `client` defaults to a Kafka control-plane client in the cluster's region.
 *
 * @example
 * const connection = await mskConnection('arn:aws:kafka:us-east-1:123456789012:cluster/p/uuid', { clientId: 'pipeline' });
 */
export async function mskConnection(
  clusterArn: string,
  options: { readonly clientId: string; readonly client?: Pick<KafkaClient, 'send'> },
): Promise<KafkaConnection> {
  const region = regionOfClusterArn(clusterArn);
  const { KafkaClient: Client, GetBootstrapBrokersCommand } = await import('@aws-sdk/client-kafka');
  const client = options.client ?? new Client({ region });
  let response: GetBootstrapBrokersResponse;
  try {
    response = await client.send(new GetBootstrapBrokersCommand({ ClusterArn: clusterArn }));
  } catch (error) {
    const kind = classifyAwsError(error);
    throw new PipelineError(`GetBootstrapBrokers for ${clusterArn} ${describeAwsError(error, kind)}`, { cause: error, retriable: kind.failure === 'transient' });
  }
  return connectionFromBootstrap(response, { clusterArn, clientId: options.clientId });
}

/**
 * An OAUTHBEARER token provider for MSK IAM: each call signs a fresh token for `region` with
 * `aws-msk-iam-sasl-signer-js`, from the default credential chain unless `credentials` is given.
 *
 * @example
 * const provider = mskIamTokenProvider('us-east-1');
 * const { value } = await provider(); // base64url of a presigned kafka-cluster:Connect URL
 */
export function mskIamTokenProvider(
  region: string,
  credentials?: CredentialsProvider,
): () => Promise<{ value: string }> {
  return async () => {
    const signer = await import('aws-msk-iam-sasl-signer-js');
    try {
      const { token } = credentials
        ? await signer.generateAuthTokenFromCredentialsProvider({ region, awsCredentialsProvider: credentials })
        : await signer.generateAuthToken({ region });
      return { value: token };
    } catch (error) {
      throw new PipelineError(`could not sign an MSK IAM token for ${region}: ${(error as Error).message}`, { cause: error, retriable: true });
    }
  };
}
