import type { LogRecord } from '../ports/event-log.js';
import type { EventSourceIdentity, KafkaEvent } from '../lambda/kafka-event.js';
import { encodedSize } from '../lambda/kafka-event.js';
import { sourceName } from '../names.js';
import { padOffset } from '../offsets.js';

/** Why a batch went to the on-failure destination, in Lambda's words. */
export const FailureConditions = ['RetryAttemptsExhausted', 'MaximumPayloadSizeExceeded'] as const;
export type FailureCondition = (typeof FailureConditions)[number];

/**
 * The invocation record Lambda writes to an S3 on-failure destination of a Kafka event source
 * mapping ("Capturing discarded batches for an Amazon MSK event source"), with the whole event as
 * `payload`. `errorInfo` is the emulator's addition: the error the handler last threw.
 */
export interface InvocationRecord {
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: FailureCondition;
    readonly approximateInvokeCount: number;
  };
  readonly responseContext: { readonly statusCode: number; readonly executedVersion: string; readonly functionError: string } | null;
  readonly version: '1.0';
  readonly timestamp: string;
  readonly KafkaBatchInfo: {
    readonly batchSize: number;
    readonly eventSourceArn?: string;
    readonly bootstrapServers: string;
    readonly payloadSize: number;
    readonly recordsInfo: Record<
      string,
      { readonly firstRecordOffset: string; readonly lastRecordOffset: string; readonly firstRecordTimestamp: string; readonly lastRecordTimestamp: string }
    >;
  };
  readonly errorInfo?: { readonly errorType: string; readonly errorMessage: string };
  readonly payload: KafkaEvent;
}

export interface FailureDetails {
  readonly condition: FailureCondition;
  readonly approximateInvokeCount: number;
  readonly error?: unknown;
  readonly functionArn: string;
  readonly requestId: string;
  /** When the batch was given up, epoch milliseconds. */
  readonly at: number;
}

/**
 * The invocation record of a batch given up on (records of one partition, in offset order).
 *
 * @example
 * const record = invocationRecord(records, event, source, { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 11, error, functionArn, requestId, at: Date.now() });
 * record.KafkaBatchInfo.recordsInfo['sensor_data-0'].firstRecordOffset; // '1200'
 */
export function invocationRecord(records: readonly LogRecord[], event: KafkaEvent, source: EventSourceIdentity, details: FailureDetails): InvocationRecord {
  const recordsInfo: InvocationRecord['KafkaBatchInfo']['recordsInfo'] = {};
  const byGroup = new Map<string, LogRecord[]>();
  for (const record of records) {
    const group = `${record.topic}-${record.partition}`;
    byGroup.set(group, [...(byGroup.get(group) ?? []), record]);
  }
  for (const [group, list] of byGroup) {
    const first = list[0]!;
    const last = list[list.length - 1]!;
    recordsInfo[group] = {
      firstRecordOffset: String(first.offset),
      lastRecordOffset: String(last.offset),
      firstRecordTimestamp: new Date(first.timestamp).toISOString(),
      lastRecordTimestamp: new Date(last.timestamp).toISOString(),
    };
  }
  const error = details.error;
  return {
    requestContext: {
      requestId: details.requestId,
      functionArn: details.functionArn,
      condition: details.condition,
      approximateInvokeCount: details.approximateInvokeCount,
    },
    responseContext:
      details.condition === 'MaximumPayloadSizeExceeded' ? null : { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: new Date(details.at).toISOString(),
    KafkaBatchInfo: {
      batchSize: records.length,
      ...(source.eventSource === 'aws:kafka' ? { eventSourceArn: source.eventSourceArn } : {}),
      bootstrapServers: source.bootstrapServers,
      payloadSize: records.reduce((sum, r) => sum + encodedSize(r), 0),
      recordsInfo,
    },
    ...(error === undefined
      ? {}
      : { errorInfo: { errorType: error instanceof Error ? error.name : typeof error, errorMessage: error instanceof Error ? error.message : String(error) } }),
    payload: event,
  };
}

/**
 * The object key of a failed batch under `prefix`: one per source (topic and event log, see
 * shared/names.ts), partition and offset range, so the same batch failing again after a restart
 * overwrites its record instead of adding another, and batches of different logs never meet.
 *
 * @example
 * failureKey('results/stream/on-failure/', records, 'kafka.q1w2');
 * // 'results/stream/on-failure/sensor_data@kafka.q1w2/0/00000000000000001200-00000000000000001299.json'
 */
export function failureKey(prefix: string, records: readonly LogRecord[], log: string): string {
  const first = records[0]!;
  const last = records[records.length - 1]!;
  return `${prefix}${sourceName({ topic: first.topic, log })}/${first.partition}/${padOffset(first.offset)}-${padOffset(last.offset)}.json`;
}
