/**
 * The local event-source emulator: Lambda's Kafka event source mapping over any EventLog, and the
 * invocation records it writes for batches it gives up on. The Kafka event codec it encodes with
 * lives in shared/lambda/kafka-event.ts, where the handlers decode with it.
 */
export { createEventSource, EventSourceDefaults, EventSourceLimits } from './event-source.js';
export type { EventSource, EventSourceEvent, EventSourceOptions, EventSourceStats, KafkaHandler } from './event-source.js';
export { failureKey, FailureConditions, invocationRecord } from './on-failure.js';
export type { FailureCondition, InvocationRecord } from './on-failure.js';
