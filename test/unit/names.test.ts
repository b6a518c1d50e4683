import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkTopic, InvalidNameError, keyProblem, logIdOf, parseSourceName, prefixProblem, sourceName, topicProblem } from '../../shared/names.js';

describe('object keys', () => {
  it('accepts the keys the pipeline writes', () => {
    for (const key of ['raw/marketing campaign(2).csv', 'processed/a/"x"/cleaned.csv', 'models/response/customer_updates@kafka.Ab_c-1/state/manifests/0.json', 'a']) {
      expect(keyProblem(key)).toBeUndefined();
    }
  });

  it('refuses keys that leave their folder, name a folder, hold a control character or are too long', () => {
    expect(keyProblem('raw/../models/secret.csv')).toBe("it has a '..' segment");
    expect(keyProblem('raw/./a.csv')).toBe("it has a '.' segment");
    expect(keyProblem('..')).toBe("it has a '..' segment");
    expect(keyProblem('raw//a.csv')).toBe("it has an empty segment ('//')");
    expect(keyProblem('/etc/passwd')).toBe("it starts with '/'");
    expect(keyProblem('raw/')).toBe("it ends with '/': it names a folder, not an object");
    expect(keyProblem('raw/a\u0000.csv')).toBe('it holds the control character U+0000');
    expect(keyProblem(`raw/${'é'.repeat(600)}`)).toBe("it is 1,204 bytes long, over S3's 1,024");
    expect(keyProblem('')).toBe('it is empty');
    expect(prefixProblem('results/stream/')).toBeUndefined();
    expect(prefixProblem('')).toBeUndefined();
    expect(prefixProblem('results/../')).toBe("it has a '..' segment");
  });

  it('never accepts a key with a .. segment, whatever surrounds it', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z.]{1,4}$/), { maxLength: 4 }), fc.array(fc.stringMatching(/^[a-z.]{1,4}$/), { maxLength: 4 }), (before, after) => {
        expect(keyProblem([...before, '..', ...after].join('/'))).toBeDefined();
      }),
    );
  });
});

describe('topics and sources', () => {
  it("keeps Kafka's rule for topic names", () => {
    expect(topicProblem('sensor_data')).toBeUndefined();
    expect(topicProblem('customer.updates-v2')).toBeUndefined();
    for (const topic of ['../../../models/response', 'a/b', '..', '.', '', 'x'.repeat(250), 'a\u0000b', 'a@b']) expect(topicProblem(topic)).toBeDefined();
    expect(() => checkTopic('../x')).toThrow(InvalidNameError);
    expect(() => checkTopic('../x')).toThrow('invalid topic "../x": a topic name is 1 to 249 of a-z A-Z 0-9 . _ - (not . or ..)');
  });

  it('names a log by the cluster of its event source ARN, or by its bootstrap servers', () => {
    expect(logIdOf({ eventSource: 'aws:kafka', eventSourceArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/pipeline-dev/7d7131e1-25c5-4e9a-9ac5-ea85bee4da11-14' })).toBe(
      'pipeline-dev.7d7131e1-25c5-4e9a-9ac5-ea85bee4da11-14',
    );
    const a = logIdOf({ eventSource: 'SelfManagedKafka', bootstrapServers: 'b:9092,a:9092' });
    expect(a).toMatch(/^kafka\.[0-9a-f]{16}$/);
    expect(logIdOf({ eventSource: 'SelfManagedKafka', bootstrapServers: 'a:9092, b:9092' })).toBe(a);
    expect(() => logIdOf({ eventSource: 'aws:kafka', eventSourceArn: 'arn:aws:kafka:us-east-1:1:cluster/../../x' })).toThrow(InvalidNameError);
  });

  it('writes a source as <topic>@<log> and reads it back, older topic-only names included', () => {
    expect(sourceName({ topic: 'sensor_data', log: 'in-process.3fa2' })).toBe('sensor_data@in-process.3fa2');
    expect(parseSourceName('sensor_data@in-process.3fa2')).toEqual({ topic: 'sensor_data', log: 'in-process.3fa2' });
    expect(parseSourceName('sensor_data')).toEqual({ topic: 'sensor_data', log: undefined });
    expect(parseSourceName('on-failure@')).toBeUndefined();
    expect(parseSourceName('../x@y')).toBeUndefined();
    expect(() => sourceName({ topic: 'sensor_data', log: '../x' })).toThrow(InvalidNameError);
  });
});
