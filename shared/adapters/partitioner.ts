/**
 * Kafka's default partitioner, as the Java client and kafkajs's `DefaultPartitioner` place records:
 * a keyed record goes to `toPositive(murmur2(keyBytes)) % partitions`; a record without a key goes
 * round-robin. Both Kafka adapters use it, so a key lands on the same partition whichever log holds
 * it, and the same one a Java or kafkajs producer would pick.
 *
 * (Java clients since 2.4 spread keyless records with a "sticky" partitioner instead; kafkajs, which
 * the Kafka adapter uses, keeps round-robin, and so does this.)
 */

const encoder = new TextEncoder();

/**
 * Kafka's murmur2 hash of `bytes` (seed 0x9747b28c), as a signed 32-bit integer, bit for bit the
 * value of `org.apache.kafka.common.utils.Utils.murmur2`.
 *
 * @example
 * murmur2(new TextEncoder().encode('foobar')); // -790332482
 */
export function murmur2(bytes: Uint8Array): number {
  const m = 0x5bd1e995;
  const length = bytes.length;
  let h = 0x9747b28c ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const rest = length & 3;
  if (rest === 3) h ^= bytes[whole + 2]! << 16;
  if (rest >= 2) h ^= bytes[whole + 1]! << 8;
  if (rest >= 1) h = Math.imul(h ^ bytes[whole]!, m);
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's `Utils.toPositive`: clears the sign bit (not the absolute value). */
const toPositive = (n: number): number => n & 0x7fffffff;

/**
 * The partition Kafka's default partitioner gives a key among `partitions` partitions.
 * A string key is hashed as its UTF-8 bytes, as the Java client's StringSerializer sends it.
 *
 * @example
 * partitionForKey('foobar', 50); // 16
 */
export function partitionForKey(key: string | Uint8Array, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError(`partitions must be a positive integer, got ${partitions}`);
  const bytes = typeof key === 'string' ? encoder.encode(key) : key;
  return toPositive(murmur2(bytes)) % partitions;
}

/** Chooses the partition of one record of a topic. */
export type Partitioner = (topic: string, key: string | Uint8Array | null | undefined, partitions: number) => number;

/**
 * A partitioner with its own round-robin counters (one per topic) for keyless records; keyed
 * records go where {@link partitionForKey} puts them. Each producer owns one, as in Kafka.
 *
 * @example
 * const partition = createPartitioner();
 * partition('sensor_data', 'sensor-007', 3); // always the same partition for this key
 * partition('sensor_data', null, 3); // 0, then 1, 2, 0...
 */
export function createPartitioner(): Partitioner {
  const counters = new Map<string, number>();
  return (topic, key, partitions) => {
    if (key !== null && key !== undefined) return partitionForKey(key, partitions);
    if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError(`partitions must be a positive integer, got ${partitions}`);
    const next = counters.get(topic) ?? 0;
    counters.set(topic, (next + 1) | 0);
    return toPositive(next) % partitions;
  };
}
