import { describe, expect, it } from 'vitest';
import { kafkajsConfig } from '../../../shared/adapters/kafka-log.js';
import { CLUSTER_ARN } from '../../helpers/msk.js';

describe('kafkajsConfig', () => {
  it('builds TLS with SASL OAUTHBEARER for an IAM connection, and plaintext otherwise', () => {
    const iam = kafkajsConfig({ brokers: ['b-1:9098'], clientId: 'pipeline', ssl: true, sasl: { mechanism: 'aws-iam', region: 'eu-west-1' }, source: CLUSTER_ARN });
    expect(iam).toMatchObject({ brokers: ['b-1:9098'], clientId: 'pipeline', ssl: true, sasl: { mechanism: 'oauthbearer' } });
    expect(typeof (iam.sasl as { oauthBearerProvider?: unknown }).oauthBearerProvider).toBe('function');
    const plain = kafkajsConfig({ brokers: ['localhost:9092'], clientId: 'pipeline', ssl: false, source: 'KAFKA_BROKERS' });
    expect(plain).toMatchObject({ ssl: false });
    expect(plain.sasl).toBeUndefined();
  });
});
