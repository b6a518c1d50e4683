/**
 * The pure part of the `Custom::KafkaTopic` resource: from a CloudFormation request and what the
 * cluster holds now, decide what to do. No Kafka, no AWS, no clock: unit-tested on its own.
 */

/** The resource's properties as the template gives them (CloudFormation passes numbers as strings). */
export interface TopicProperties {
  readonly clusterArn: string;
  readonly topic: string;
  readonly partitions: number;
}

/** What the handler does to the cluster. */
export type TopicAction =
  | { readonly kind: 'create'; readonly topic: string; readonly partitions: number }
  | { readonly kind: 'grow'; readonly topic: string; readonly partitions: number }
  | { readonly kind: 'delete'; readonly topic: string }
  | { readonly kind: 'none' };

/** Physical IDs of topics this resource made start with this, so a failed create can be told apart. */
export const PhysicalIdPrefix = 'kafka-topic:';

/**
 * Reads and checks the resource properties, naming the bad one.
 *
 * @example
 * parseTopicProperties({ ClusterArn: 'arn:aws:kafka:...', Topic: 'sensor_data', Partitions: '3' });
 */
export function parseTopicProperties(raw: Readonly<Record<string, unknown>>): TopicProperties {
  const clusterArn = raw.ClusterArn;
  const topic = raw.Topic;
  const partitions = Number(raw.Partitions);
  if (typeof clusterArn !== 'string' || !/^arn:aws[\w-]*:kafka:[\w-]+:\d{12}:cluster\//.test(clusterArn)) {
    throw new Error(`ClusterArn must be an MSK cluster ARN, got ${JSON.stringify(clusterArn)}`);
  }
  if (typeof topic !== 'string' || !/^[a-zA-Z0-9._-]{1,249}$/.test(topic)) {
    throw new Error(`Topic must be a Kafka topic name (letters, digits, '.', '_', '-'), got ${JSON.stringify(topic)}`);
  }
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new Error(`Partitions must be a positive whole number, got ${JSON.stringify(raw.Partitions)}`);
  }
  return { clusterArn, topic, partitions };
}

/**
 * Decides the action for a request. `current` is the topic's partition count on the cluster now
 * (undefined when it does not exist). Kafka cannot shrink a topic, so asking for fewer
 * partitions fails with a message saying so, rather than silently keeping more.
 *
 * @example
 * planTopic('Update', { clusterArn, topic: 't', partitions: 6 }, { clusterArn, topic: 't', partitions: 3 }, 3);
 * // { kind: 'grow', topic: 't', partitions: 6 }
 */
export function planTopic(
  requestType: 'Create' | 'Update' | 'Delete',
  wanted: TopicProperties,
  previous: TopicProperties | undefined,
  current: number | undefined,
): TopicAction {
  if (requestType === 'Delete') return current === undefined ? { kind: 'none' } : { kind: 'delete', topic: wanted.topic };
  // A renamed topic is a new resource: CloudFormation sends Delete for the old name afterwards.
  if (requestType === 'Update' && previous !== undefined && previous.topic !== wanted.topic && current === undefined) {
    return { kind: 'create', topic: wanted.topic, partitions: wanted.partitions };
  }
  if (current === undefined) return { kind: 'create', topic: wanted.topic, partitions: wanted.partitions };
  if (wanted.partitions > current) return { kind: 'grow', topic: wanted.topic, partitions: wanted.partitions };
  if (wanted.partitions < current) {
    throw new Error(
      `topic '${wanted.topic}' has ${current} partitions and Kafka cannot reduce them to ${wanted.partitions}; ` +
        'keep the count or create a topic with a new name',
    );
  }
  return { kind: 'none' };
}
