/**
 * The metrics a sensor reading may carry, in the order outputs list them. Kept apart from the
 * schema so the configuration can name them without loading zod.
 */
export const Metrics = ['temperature', 'humidity', 'pressure', 'battery'] as const;
export type Metric = (typeof Metrics)[number];
