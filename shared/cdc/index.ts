/**
 * Incremental processing (CDC): a customer table kept from Debezium-style change events, and a
 * ridge classifier of the campaign response maintained exactly from it (see docs/cdc.md).
 */
export { applyChanges, gapsAfter, inGaps } from './apply.js';
export type { ApplyResult, PartitionView, Rejected, Span } from './apply.js';
export { CorruptStateError, StaleStateError, lostRace } from './errors.js';
export { OPS, parseRecord } from './events.js';
export type { CdcRecord, ChangeEvent, Op } from './events.js';
export { ExactStats } from './exact-stats.js';
export type { StatsJson } from './exact-stats.js';
export { evaluate, FIT_DEFAULTS, fitFromStats, metricsOf, scorer, scoreValues } from './fit.js';
export type { Fit, FitOptions, Metrics } from './fit.js';
export { cdcKeys, legacyModelKey, modelSourceOf, modelSources, type ModelSourceInfo } from './keys.js';
export type { CdcKeys } from './keys.js';
export { encodeCustomer, featureValue, LAYOUT, NUMERIC_SCALE, OTHER_LEVEL } from './layout.js';
export type { Encoded, FeatureDef, Layout, Row } from './layout.js';
export { lagBucket, lagDigest, lagQuantile, mergeLag } from './lag.js';
export type { LagDigest } from './lag.js';
export { allRows, fitCurrentTable, ModelPublisher, publishModel, PublishDefaults } from './model.js';
export type { EventTimes, ModelDocument, PublishedAt, PublishOptions, PublishReport } from './model.js';
export { CdcService } from './service.js';
export { rebuildFromLog, type RebuildOptions, type Rebuilt } from './rebuild.js';
export type { BatchReport, CdcCounters, CdcServiceOptions, PartitionRecord } from './service.js';
export { CdcStateStore, StateDefaults } from './state-store.js';
export type { DeadLetter, Gap, Manifest, PartitionState, StateOptions } from './state-store.js';
