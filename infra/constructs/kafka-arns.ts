import { Fn, Token } from 'aws-cdk-lib';

/**
 * IAM resource ARNs of an MSK cluster's topics and consumer groups, derived from the cluster ARN
 * (`arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>`): the data-plane actions
 * (`kafka-cluster:*`) are scoped to these, never to `*`. Works on a literal ARN (returns literal
 * strings) and on a token (returns `Fn::Join` of `Fn::Split` pieces).
 */
export interface KafkaArns {
  readonly cluster: string;
  /** `arn:...:topic/<name>/<uuid>/<topic>` */
  topic(name: string): string;
  /** `arn:...:group/<name>/<uuid>/<group>` */
  group(name: string): string;
  /** The cluster's name, the `Cluster Name` dimension of MSK's CloudWatch metrics. */
  readonly clusterName: string;
}

/**
 * @example
 * const arns = kafkaArns('arn:aws:kafka:eu-west-1:123456789012:cluster/pipeline/0f1e-2');
 * arns.topic('sensor_data'); // 'arn:aws:kafka:eu-west-1:123456789012:topic/pipeline/0f1e-2/sensor_data'
 */
export function kafkaArns(clusterArn: string): KafkaArns {
  if (!Token.isUnresolved(clusterArn)) {
    const [head, tail] = clusterArn.split(':cluster/', 2) as [string, string];
    return {
      cluster: clusterArn,
      topic: (name) => `${head}:topic/${tail}/${name}`,
      group: (name) => `${head}:group/${tail}/${name}`,
      clusterName: tail.split('/')[0]!,
    };
  }
  const head = Fn.select(0, Fn.split(':cluster/', clusterArn, 2));
  const tail = Fn.select(1, Fn.split(':cluster/', clusterArn, 2));
  const under = (kind: 'topic' | 'group', name: string): string => Fn.join('', [head, `:${kind}/`, tail, `/${name}`]);
  return {
    cluster: clusterArn,
    topic: (name) => under('topic', name),
    group: (name) => under('group', name),
    clusterName: Fn.select(1, Fn.split('/', clusterArn, 3)),
  };
}
