/**
 * The analyses, as data: name -> pure function, description and chart spec builder. The report,
 * the handler, the CLI and the bench all iterate this registry; adding an analysis is one entry.
 */
import { campaignEffectivenessAnalysis } from './analyses/campaign-effectiveness.js';
import { cohortsAnalysis } from './analyses/cohorts.js';
import { correlationsAnalysis } from './analyses/correlations.js';
import { predictedResponseAnalysis } from './analyses/predicted-response.js';
import { rfmAnalysis } from './analyses/rfm.js';
import { segmentProfileAnalysis } from './analyses/segment-profile.js';
import { spendMixAnalysis } from './analyses/spend-mix.js';
import { topCustomersAnalysis } from './analyses/top-customers.js';
import { InputError } from '../errors.js';
import type { Analysis } from './types.js';

/** Every analysis, in report order. */
export const ANALYSES = [
  segmentProfileAnalysis,
  campaignEffectivenessAnalysis,
  rfmAnalysis,
  spendMixAnalysis,
  cohortsAnalysis,
  correlationsAnalysis,
  topCustomersAnalysis,
  predictedResponseAnalysis,
] as const satisfies readonly Analysis[];

/** The analyses' names, in report order. */
export const ANALYSIS_NAMES: readonly string[] = ANALYSES.map((analysis) => analysis.name);

/**
 * The analyses named, in report order; all of them when `names` is undefined or empty. An unknown
 * name is an {@link InputError} listing the known ones.
 *
 * @example
 * selectAnalyses(['rfm', 'cohorts']).map((a) => a.name); // ['rfm', 'cohorts']
 */
export function selectAnalyses(names?: readonly string[]): Analysis[] {
  if (names === undefined || names.length === 0) return [...ANALYSES];
  const unknown = names.filter((name) => !ANALYSIS_NAMES.includes(name));
  if (unknown.length > 0) {
    throw new InputError('analyses', `unknown analysis ${unknown.map((n) => `'${n}'`).join(', ')}; known: ${ANALYSIS_NAMES.join(', ')}`);
  }
  return ANALYSES.filter((analysis) => names.includes(analysis.name));
}
