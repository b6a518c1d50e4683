import { describe, expect, it } from 'vitest';
import { loadConfig, required } from '../../shared/config.js';
import { ConfigError } from '../../shared/errors.js';

describe('loadConfig', () => {
  it('defaults to the embedded store and the standard topics when nothing is set', () => {
    const config = loadConfig({});
    expect(config.store).toBe('folder');
    expect(config.dataDir).toBe('data');
    expect(config.s3.endpoint).toBeUndefined();
    expect(config.kafka.brokers).toEqual([]);
    expect(config.kafka.sensorTopic).toBe('sensor_data');
    expect(config.kafka.cdcTopic).toBe('customer_updates');
    expect(config.buckets).toEqual({ raw: 'pipeline', processed: 'pipeline', models: 'pipeline', results: 'pipeline' });
  });

  it('switches to S3 with path-style addressing when an endpoint is set', () => {
    const config = loadConfig({ S3_ENDPOINT: 'http://localhost:4566', PIPELINE_BUCKET: 'b', MODELS_BUCKET: 'm' });
    expect(config.store).toBe('s3');
    expect(config.s3.forcePathStyle).toBe(true);
    expect(config.buckets.raw).toBe('b');
    expect(config.buckets.models).toBe('m');
  });

  it("falls back to the AWS SDK's endpoint variables, S3's own first", () => {
    expect(loadConfig({ AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' }).s3.endpoint).toBe('http://127.0.0.1:4566');
    expect(loadConfig({ AWS_ENDPOINT_URL: 'http://a:1', AWS_ENDPOINT_URL_S3: 'http://b:2' }).s3.endpoint).toBe('http://b:2');
    expect(loadConfig({ AWS_ENDPOINT_URL_S3: 'http://b:2', S3_ENDPOINT: 'http://c:3' }).s3.endpoint).toBe('http://c:3');
  });

  it('signs with placeholder credentials only for a local endpoint without real ones', () => {
    expect(loadConfig({ S3_ENDPOINT: 'http://localhost:4566' }).s3.placeholderCredentials).toBe(true);
    expect(loadConfig({ S3_ENDPOINT: 'http://localhost:4566', AWS_ACCESS_KEY_ID: 'AKIA' }).s3.placeholderCredentials).toBe(false);
    expect(loadConfig({ S3_ENDPOINT: 'http://localhost:4566', AWS_PROFILE: 'dev' }).s3.placeholderCredentials).toBe(false);
    expect(loadConfig({}).s3.placeholderCredentials).toBe(false);
  });

  it('parses a comma-separated broker list', () => {
    expect(loadConfig({ KAFKA_BROKERS: 'a:9092, b:9093' }).kafka.brokers).toEqual(['a:9092', 'b:9093']);
  });

  it.each([
    ['KAFKA_BROKERS', 'localhost'],
    ['SENSOR_PARTITIONS', 'three'],
    ['S3_ENDPOINT', 'not a url'],
    ['PIPELINE_STORE', 'tape'],
    ['S3_FORCE_PATH_STYLE', 'maybe'],
  ])('names %s in the error when it is malformed', (key, value) => {
    expect(() => loadConfig({ [key]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [key]: value })).toThrow(new RegExp(`^${key} `));
  });
});

describe('required', () => {
  it('names the missing key and passes present values through', () => {
    expect(() => required(undefined, 'KAFKA_BROKERS', 'is required by consume')).toThrow('KAFKA_BROKERS is required by consume');
    expect(required('x', 'K')).toBe('x');
  });
});
