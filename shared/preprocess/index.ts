/**
 * Task 1, preprocessing: the cleaning core (`cleanTable`, `cleanCsv`), its report and outputs,
 * and the run used by the Lambda, the CLI and `npm start` (`preprocessObject`, `preprocessBytes`).
 * The only public surface of `shared/preprocess`; the feature schema is also importable on its own
 * from `./features.js` (no heavy imports).
 */
export { chooseSchema, cleanCsv, cleanTable, type CleanOptions } from './clean.js';
export { cleanMarketing, MARKETING_LIMITS, MARKETING_TYPES, MarketingReasons, isMarketingHeader } from './marketing.js';
export { cleanAuto, MAX_ONE_HOT_LEVELS } from './auto.js';
export { OUTPUT_FILES, REJECTED_FILES, renderOutputs, rejectsCsv } from './outputs.js';
export {
  cleanInput,
  datasetPrefix,
  OutputError,
  preprocessBytes,
  preprocessObject,
  processedPrefix,
  PROCESSED_PREFIX,
  RAW_PREFIX,
  writeCleaned,
  type CleanedInput,
  type LatestPointer,
  type ObjectOutcome,
  type OutputLocation,
} from './run.js';
export { SchemaNames, type CleanResult, type ColumnReport, type FeaturesReport, type PreprocessReport, type SchemaName } from './report.js';
export type { Reject } from './rows.js';
export * from './features.js';
