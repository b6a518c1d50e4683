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
    expect(config.kafka.topics.sensor.name).toBe('sensor_data');
    expect(config.kafka.topics.cdc.name).toBe('customer_updates');
    expect(config.buckets).toEqual({ raw: 'pipeline', processed: 'pipeline', models: 'pipeline', results: 'pipeline' });
  });

  it('switches to S3 with path-style addressing when an endpoint is set', () => {
    const config = loadConfig({ S3_ENDPOINT: 'http://localhost:4566', PIPELINE_BUCKET: 'b', MODELS_BUCKET: 'm' });
    expect(config.store).toBe('s3');
    expect(config.s3.forcePathStyle).toBe(true);
    expect(config.buckets.raw).toBe('b');
    expect(config.buckets.models).toBe('m');
  });

  it('signs with placeholder credentials only for a local endpoint without real ones', () => {
    expect(loadConfig({ S3_ENDPOINT: 'http://localhost:4566' }).s3.placeholderCredentials).toBe(true);
    expect(loadConfig({ S3_ENDPOINT: 'http://localhost:4566', AWS_ACCESS_KEY_ID: 'AKIA' }).s3.placeholderCredentials).toBe(false);
    expect(loadConfig({ S3_ENDPOINT: 'http://localhost:4566', AWS_PROFILE: 'dev' }).s3.placeholderCredentials).toBe(false);
    expect(loadConfig({}).s3.placeholderCredentials).toBe(false);
  });

  it('takes the S3 endpoint from S3_ENDPOINT, else the SDK\'s AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL', () => {
    expect(loadConfig({ AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' }).s3.endpoint).toBe('http://127.0.0.1:4566');
    expect(loadConfig({ AWS_ENDPOINT_URL: 'http://a:1', AWS_ENDPOINT_URL_S3: 'http://b:2' }).s3.endpoint).toBe('http://b:2');
    expect(loadConfig({ AWS_ENDPOINT_URL: 'http://a:1', AWS_ENDPOINT_URL_S3: 'http://b:2', S3_ENDPOINT: 'http://c:3' }).s3.endpoint).toBe('http://c:3');
    expect(loadConfig({ AWS_ENDPOINT_URL: 'http://a:1' }).store).toBe('s3');
    expect(() => loadConfig({ AWS_ENDPOINT_URL_S3: 'nope' })).toThrow(/^AWS_ENDPOINT_URL_S3 must be a URL/);
  });

  it('bounds every S3 request by S3_TIMEOUT_MS, 30 s unless set', () => {
    expect(loadConfig({}).s3.requestTimeoutMs).toBe(30_000);
    expect(loadConfig({ S3_TIMEOUT_MS: '500' }).s3.requestTimeoutMs).toBe(500);
  });

  it('reads each topic\'s name and partitions from its variables', () => {
    const config = loadConfig({ SENSOR_TOPIC: 'readings', CDC_PARTITIONS: '6' });
    expect(config.kafka.topics).toEqual({ sensor: { name: 'readings', partitions: 3 }, cdc: { name: 'customer_updates', partitions: 6 } });
  });

  it('treats a blank variable as unset', () => {
    expect(loadConfig({ SENSOR_PARTITIONS: ' ', PIPELINE_BUCKET: '' })).toEqual(loadConfig({}));
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
    ['KAFKA_AUTH', 'kerberos'],
    ['S3_TIMEOUT_MS', '0'],
  ])('names %s in the error when it is malformed', (key, value) => {
    expect(() => loadConfig({ [key]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [key]: value })).toThrow(new RegExp(`^${key} `));
  });
});

describe('loadConfig, the stream settings', () => {
  it('reads hard limits per measure, an empty side meaning no bound', () => {
    expect(loadConfig({ STREAM_LIMITS: 'temperature=-10:50, battery=5:' }).stream.limits).toEqual({ temperature: { min: -10, max: 50 }, battery: { min: 5 } });
    expect(loadConfig({}).stream).toEqual({ limits: {}, zScore: undefined, timeRange: {} });
    expect(loadConfig({ STREAM_TIME_RANGE: '2020-01-01T00:00:00Z/' }).stream.timeRange).toEqual({ earliest: Date.UTC(2020, 0, 1) });
    expect(loadConfig({ STREAM_TIME_RANGE: '/2030-01-01T00:00:00+01:00' }).stream.timeRange).toEqual({ latest: Date.UTC(2029, 11, 31, 23) });
    for (const bad of ['2020-01-01', '2030-01-01T00:00:00Z/2020-01-01T00:00:00Z', 'yesterday/', 'a/b/c']) {
      expect(() => loadConfig({ STREAM_TIME_RANGE: bad })).toThrow(/^STREAM_TIME_RANGE must be <from>\/<to>, ISO-8601 instants with a zone/);
    }
  });

  it.each([
    [{ STREAM_LIMITS: 'temp=1:2' }, /STREAM_LIMITS .* got 'temp=1:2'/],
    [{ STREAM_LIMITS: 'battery=x:1' }, /STREAM_LIMITS/],
    [{ STREAM_ZSCORE: '0' }, /STREAM_ZSCORE must be a positive number/],
  ])('names the malformed setting %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe('required', () => {
  it('names the missing key and passes present values through', () => {
    expect(() => required(undefined, 'KAFKA_BROKERS', 'is required by consume')).toThrow('KAFKA_BROKERS is required by consume');
    expect(required('x', 'K')).toBe('x');
  });
});
