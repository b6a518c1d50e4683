/**
 * `Custom::KafkaTopic`: creates, grows and deletes one topic on an MSK cluster with IAM auth
 * (MSK Serverless has no CloudFormation topic resource). It finds the bootstrap brokers with
 * GetBootstrapBrokers and talks to them with kafkajs over TLS, signing with
 * aws-msk-iam-sasl-signer-js (both through the pipeline's MSK adapter, shared/adapters/msk.ts),
 * and answers CloudFormation at the pre-signed ResponseURL.
 * The decision itself is the pure `planTopic`.
 */
import type { CloudFormationCustomResourceEvent, CloudFormationCustomResourceResponse, Context } from 'aws-lambda';
import { Kafka, type Admin } from 'kafkajs';
import { kafkajsConfig } from '../../shared/adapters/kafka-log.js';
import { mskConnection } from '../../shared/adapters/msk.js';
import { parseTopicProperties, PhysicalIdPrefix, planTopic, type TopicAction, type TopicProperties } from './topic-plan.js';

async function partitionCount(admin: Admin, topic: string): Promise<number | undefined> {
  const topics = await admin.listTopics();
  if (!topics.includes(topic)) return undefined;
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  return metadata.topics[0]?.partitions.length;
}

async function apply(admin: Admin, action: TopicAction): Promise<void> {
  switch (action.kind) {
    case 'create':
      // Replication factor -1: the cluster's default (MSK Serverless allows no other value).
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic: action.topic, numPartitions: action.partitions, replicationFactor: -1 }] });
      return;
    case 'grow':
      await admin.createPartitions({ topicPartitions: [{ topic: action.topic, count: action.partitions }] });
      return;
    case 'delete':
      await admin.deleteTopics({ topics: [action.topic] });
      return;
    case 'none':
      return;
  }
}

async function respond(event: CloudFormationCustomResourceEvent, response: CloudFormationCustomResourceResponse): Promise<void> {
  const body = JSON.stringify(response);
  const res = await fetch(event.ResponseURL, { method: 'PUT', body, headers: { 'content-type': '', 'content-length': String(Buffer.byteLength(body)) } });
  if (!res.ok) throw new Error(`CloudFormation did not accept the response: HTTP ${res.status}`);
}

/**
 * The custom resource handler.
 *
 * @example
 * // CloudFormation invokes it; locally: await handler(createEvent, context)
 */
export async function handler(event: CloudFormationCustomResourceEvent, context: Context): Promise<void> {
  const base = { StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId };
  const physicalId = event.RequestType === 'Create' ? undefined : event.PhysicalResourceId;
  let wanted: TopicProperties | undefined;
  try {
    // A Delete after a failed Create has nothing to undo.
    if (event.RequestType === 'Delete' && !physicalId?.startsWith(PhysicalIdPrefix)) {
      await respond(event, { ...base, Status: 'SUCCESS', PhysicalResourceId: physicalId ?? context.logStreamName });
      return;
    }
    wanted = parseTopicProperties(event.ResourceProperties);
    const previous = event.RequestType === 'Update' ? parseTopicProperties(event.OldResourceProperties) : undefined;
    const connection = await mskConnection(wanted.clusterArn, { clientId: 'pipeline-topics' });
    const brokers = connection.brokers.join(',');
    const admin = new Kafka(kafkajsConfig(connection, { logLevel: 'warn' })).admin();
    await admin.connect();
    try {
      const current = await partitionCount(admin, wanted.topic);
      const action = planTopic(event.RequestType, wanted, previous, current);
      console.log(JSON.stringify({ message: 'topic action', requestType: event.RequestType, current, action }));
      await apply(admin, action);
    } finally {
      await admin.disconnect();
    }
    await respond(event, {
      ...base,
      Status: 'SUCCESS',
      PhysicalResourceId: `${PhysicalIdPrefix}${wanted.topic}`,
      Data: { BootstrapBrokers: brokers, Topic: wanted.topic },
    });
  } catch (error) {
    const reason = `${wanted === undefined ? '' : `topic '${wanted.topic}': `}${(error as Error).message}`;
    console.error(JSON.stringify({ message: 'topic request failed', reason }));
    await respond(event, { ...base, Status: 'FAILED', Reason: reason.slice(0, 1000), PhysicalResourceId: physicalId ?? `failed:${event.RequestId}` });
  }
}
