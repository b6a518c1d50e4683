import { describe, expect, it } from 'vitest';
import { connectionFromBootstrap, mskIamTokenProvider, regionOfClusterArn } from '../../../shared/adapters/msk.js';
import { ConfigError } from '../../../shared/errors.js';
import { bootstrapFixture, CLUSTER_ARN, SERVERLESS_ARN } from '../../helpers/msk.js';

describe('regionOfClusterArn', () => {
  it('reads the region of provisioned and serverless cluster ARNs', () => {
    expect(regionOfClusterArn(CLUSTER_ARN)).toBe('eu-west-1');
    expect(regionOfClusterArn(SERVERLESS_ARN)).toBe('us-east-2');
  });

  it('names the setting when the text is not a cluster ARN', () => {
    expect(() => regionOfClusterArn('arn:aws:s3:::bucket', '--cluster-arn')).toThrow(ConfigError);
    expect(() => regionOfClusterArn('pipeline', '--cluster-arn')).toThrow(/--cluster-arn must be an MSK cluster ARN/);
  });
});

describe('connectionFromBootstrap', () => {
  it('prefers the IAM brokers over TLS and plaintext, with TLS and IAM signed for the cluster region', () => {
    expect(connectionFromBootstrap(bootstrapFixture('provisioned'), { clusterArn: CLUSTER_ARN, clientId: 'pipeline' })).toEqual({
      brokers: ['b-1.pipeline.a1b2c3.c4.kafka.eu-west-1.amazonaws.com:9098', 'b-2.pipeline.a1b2c3.c4.kafka.eu-west-1.amazonaws.com:9098'],
      clientId: 'pipeline',
      ssl: true,
      sasl: { mechanism: 'aws-iam', region: 'eu-west-1' },
      source: CLUSTER_ARN,
    });
  });

  it('connects to a serverless cluster with IAM', () => {
    expect(connectionFromBootstrap(bootstrapFixture('serverless'), { clusterArn: SERVERLESS_ARN, clientId: 'p' })).toMatchObject({
      brokers: ['boot-abcd1234.c2.kafka-serverless.us-east-2.amazonaws.com:9098'],
      ssl: true,
      sasl: { mechanism: 'aws-iam', region: 'us-east-2' },
    });
  });

  it('uses TLS without SASL when the cluster offers only TLS', () => {
    const connection = connectionFromBootstrap(bootstrapFixture('tls'), { clusterArn: CLUSTER_ARN, clientId: 'p' });
    expect(connection).toMatchObject({ brokers: ['b-1.pipeline.a1b2c3.c4.kafka.eu-west-1.amazonaws.com:9094'], ssl: true });
    expect(connection.sasl).toBeUndefined();
  });

  it('refuses a cluster that offers only SASL/SCRAM, saying how to fix it', () => {
    expect(() => connectionFromBootstrap(bootstrapFixture('scram'), { clusterArn: CLUSTER_ARN, clientId: 'p' })).toThrow(/only SASL\/SCRAM.*enable IAM/);
  });
});

describe('mskIamTokenProvider', () => {
  it('signs a kafka-cluster:Connect token for the region, offline, from the credentials given', async () => {
    const credentials = async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' });
    const { value } = await mskIamTokenProvider('eu-west-1', credentials)();
    const url = new URL(Buffer.from(value, 'base64url').toString('utf8'));
    expect(url.hostname).toBe('kafka.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('Action')).toBe('kafka-cluster:Connect');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^AKIDEXAMPLE\/\d{8}\/eu-west-1\/kafka-cluster\/aws4_request$/);
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reports missing credentials as a PipelineError naming the region', async () => {
    const none = async () => ({ accessKeyId: '', secretAccessKey: '' });
    await expect(mskIamTokenProvider('eu-west-1', none)()).rejects.toThrow(/MSK IAM token for eu-west-1/);
  });
});
