/**
 * What a sensor reading may measure, in the order outputs list them. (These are the readings'
 * measures; the pipeline's CloudWatch metrics are in shared/lambda/telemetry.ts.) Kept apart
 * from the schema so the configuration can name them without loading zod.
 */
export const Measures = ['temperature', 'humidity', 'pressure', 'battery'] as const;
export type Measure = (typeof Measures)[number];
