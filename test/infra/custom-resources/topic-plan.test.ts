import { describe, expect, it } from 'vitest';
import { parseTopicProperties, planTopic } from '../../../infra/custom-resources/topic-plan.js';

const clusterArn = 'arn:aws:kafka:eu-west-1:123456789012:cluster/pipeline/0a1b-2';
const props = (topic: string, partitions: number) => ({ clusterArn, topic, partitions });

describe('parseTopicProperties', () => {
  it('reads the partition count CloudFormation passes as a string', () => {
    expect(parseTopicProperties({ ClusterArn: clusterArn, Topic: 'sensor_data', Partitions: '3', ServiceToken: 'x' })).toEqual(props('sensor_data', 3));
  });

  it('names the property that is wrong', () => {
    expect(() => parseTopicProperties({ ClusterArn: 'nope', Topic: 't', Partitions: 1 })).toThrow(/ClusterArn/);
    expect(() => parseTopicProperties({ ClusterArn: clusterArn, Topic: 'bad topic', Partitions: 1 })).toThrow(/Topic/);
    expect(() => parseTopicProperties({ ClusterArn: clusterArn, Topic: 't', Partitions: '0' })).toThrow(/Partitions/);
  });
});

describe('planTopic', () => {
  it('creates a topic that does not exist yet', () => {
    expect(planTopic('Create', props('t', 3), undefined, undefined)).toEqual({ kind: 'create', topic: 't', partitions: 3 });
  });

  it('adopts a topic that already has the wanted partitions', () => {
    expect(planTopic('Create', props('t', 3), undefined, 3)).toEqual({ kind: 'none' });
  });

  it('grows a topic to more partitions', () => {
    expect(planTopic('Update', props('t', 6), props('t', 3), 3)).toEqual({ kind: 'grow', topic: 't', partitions: 6 });
  });

  it('refuses to shrink a topic and says why', () => {
    expect(() => planTopic('Update', props('t', 2), props('t', 3), 3)).toThrow(/has 3 partitions and Kafka cannot reduce them to 2/);
  });

  it('creates the new topic when the name changes', () => {
    expect(planTopic('Update', props('u', 3), props('t', 3), undefined)).toEqual({ kind: 'create', topic: 'u', partitions: 3 });
  });

  it('deletes an existing topic and ignores one already gone', () => {
    expect(planTopic('Delete', props('t', 3), undefined, 3)).toEqual({ kind: 'delete', topic: 't' });
    expect(planTopic('Delete', props('t', 3), undefined, undefined)).toEqual({ kind: 'none' });
  });
});
