/**
 * The streaming core (task 2): validate `sensor_data` readings, aggregate them per sensor and
 * minute into exact, mergeable partials named by offset range, and merge those back into the
 * stream's statistics.
 */
export { aggregatePartition, byWindow, DefaultLimits, DefaultTimeBounds, mergeMetric, mergeWindow, mergeWindows, Scale, WindowMs } from './aggregate.js';
export type { BatchPartial, DeadLetter, LimitAnomaly, Limits, MetricPartial, PartitionResult, StreamInput, TimeBounds, WindowPartial } from './aggregate.js';
export { chooseCover, type OffsetRange } from './cover.js';
export { Measures, type Measure } from './measures.js';
export { deadLetterKey, parseBatchKey, partialKey, StreamPrefixes, streamObjects } from './outputs.js';
export type { BatchRange, DeadLetterFile, StreamObject, StreamObjectCounts } from './outputs.js';
export { readStreamStats, streamSources, type StreamReadResult, type StreamSourceInfo } from './read.js';
export { MaxSensorIdLength, MetricBound, parseReading, quickReading, SensorReadingSchema, validSensorId } from './schema.js';
export type { ParseResult, SensorReading } from './schema.js';
export { DefaultZScore, summarize, summarizeMetric } from './stats.js';
export type { Anomaly, MetricSummary, StreamStats, SummaryOptions, WindowSummary, ZScoreAnomaly } from './stats.js';
