/**
 * The local event-source emulator (DESIGN.md): Lambda's Kafka event source mapping over any
 * EventLog, and the Kafka event codec the Kafka-triggered handlers read their events with.
 */
export { backoffMs, createEventSource, EventSourceDefaults, EventSourceLimits } from './event-source.js';
export type { EventSource, EventSourceEvent, EventSourceOptions, EventSourceStats, KafkaHandler, RetrySettings } from './event-source.js';
export { decodeKafkaEvent, encodedSize, encodeKafkaEvent } from './msk-event.js';
export type { EventSourceIdentity, KafkaEvent, KafkaEventRecord } from './msk-event.js';
export { failureKey, FailureConditions, invocationRecord, padOffset } from './on-failure.js';
export type { FailureCondition, InvocationRecord } from './on-failure.js';
