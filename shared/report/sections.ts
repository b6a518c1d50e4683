/**
 * The sections of the run report and the dashboard, in page order, with what each reads from the
 * store and the command that makes it: the empty-section notes and the empty-store error say both.
 */
import type { Area } from '../stores.js';

export const SectionNames = ['summary', 'preprocess', 'stream', 'cdc', 'analytics'] as const;
export type SectionName = (typeof SectionNames)[number];

/** A place in the store a section reads. */
export interface Source {
  readonly area: Area;
  readonly prefix: string;
}

export interface SectionInfo {
  readonly title: string;
  /** What the section reads, for the dashboard's change detection. */
  sources(modelName: string): readonly Source[];
  /** What it looks for, in words, for "nothing here" notes. */
  looksFor(modelName: string): string;
  /** The command that makes it. */
  readonly makes: string;
}

export const Sections: Readonly<Record<SectionName, SectionInfo>> = {
  summary: {
    title: 'Summary',
    sources: () => [{ area: 'results', prefix: 'results/run/' }],
    looksFor: () => 'results/run/summary.json',
    makes: 'npm start (pipeline run)',
  },
  preprocess: {
    title: '1. Preprocessing',
    sources: () => [{ area: 'processed', prefix: 'processed/' }],
    looksFor: () => 'processed/<dataset>/latest.json',
    makes: 'npm start, or pipeline preprocess <file>',
  },
  stream: {
    title: '2. Streaming',
    sources: () => [{ area: 'results', prefix: 'results/stream/' }],
    looksFor: () => 'results/stream/partials/',
    makes: 'npm start, or pipeline serve stream with KAFKA_BROKERS set',
  },
  cdc: {
    title: '3. Incremental model (CDC)',
    sources: (model) => [
      { area: 'models', prefix: `models/${model}/versions/` },
      { area: 'models', prefix: `models/${model}/dead-letter/` },
    ],
    looksFor: (model) => `models/${model}/current/<topic>@<log>.json`,
    makes: 'npm start, or pipeline serve cdc with KAFKA_BROKERS set',
  },
  analytics: {
    title: '4. In-memory analytics',
    sources: () => [{ area: 'results', prefix: 'results/analytics/' }],
    looksFor: () => 'results/analytics/<dataset>/results.json',
    makes: 'npm start, or pipeline analyze',
  },
};
