import fc from 'fast-check';
import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createPartitioner, murmur2, partitionForKey } from '../../../shared/adapters/partitioner.js';

const utf8 = (text: string) => new TextEncoder().encode(text);

describe('murmur2', () => {
  // Apache Kafka's own vectors: org.apache.kafka.common.utils.UtilsTest#testMurmur2
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
    ['', 275646681],
  ])('hashes %j to the Java client value %i', (input, expected) => {
    expect(murmur2(utf8(input))).toBe(expected);
  });
});

describe('partitionForKey', () => {
  it('places keys where the Java client does (toPositive, not abs)', () => {
    // -790332482 & 0x7fffffff = 1357151166
    expect(partitionForKey('foobar', 50)).toBe(16);
    expect(partitionForKey('foobar', 10)).toBe(6);
    expect(partitionForKey('21', 3)).toBe((-973932308 & 0x7fffffff) % 3);
  });

  it('hashes a string as its UTF-8 bytes', () => {
    expect(partitionForKey('capteur-é', 7)).toBe(partitionForKey(utf8('capteur-é'), 7));
  });

  it('agrees with kafkajs DefaultPartitioner on any key and partition count', () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.integer({ min: 1, max: 64 }), (key, count) => {
        const partitionMetadata = Array.from({ length: count }, (_, i) => ({ partitionId: i, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));
        const expected = kafkajs({ topic: 't', partitionMetadata, message: { key: Buffer.from(key), value: null } });
        expect(partitionForKey(key, count)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects a partition count that is not a positive integer', () => {
    expect(() => partitionForKey('k', 0)).toThrow(RangeError);
  });
});

describe('createPartitioner', () => {
  it('sends keyless records round-robin, counting per topic', () => {
    const partition = createPartitioner();
    expect([0, 1, 2, 3].map(() => partition('a', null, 3))).toEqual([0, 1, 2, 0]);
    expect(partition('b', undefined, 3)).toBe(0);
  });

  it('sends a keyed record to its key partition every time', () => {
    const partition = createPartitioner();
    expect(partition('a', 'foobar', 50)).toBe(16);
    expect(partition('a', 'foobar', 50)).toBe(16);
  });
});
