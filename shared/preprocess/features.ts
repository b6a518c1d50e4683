/**
 * The marketing dataset's schema as the rest of the pipeline sees it: the columns of the cleaned
 * table (the contract H6 and H7 consume), the model features derived from it, and the label.
 *
 * Pure data and two tiny helpers; no imports, so the CDC and analytics functions can load it
 * without pulling in the CSV reader or Parquet.
 */

/** Columns of `cleaned.csv` / `cleaned.parquet`, in this order (constant columns already dropped). */
export const CLEANED_COLUMNS = [
  'ID',
  'Year_Birth',
  'Education',
  'Marital_Status',
  'Income',
  'Kidhome',
  'Teenhome',
  'Dt_Customer',
  'Recency',
  'MntWines',
  'MntFruits',
  'MntMeatProducts',
  'MntFishProducts',
  'MntSweetProducts',
  'MntGoldProds',
  'NumDealsPurchases',
  'NumWebPurchases',
  'NumCatalogPurchases',
  'NumStorePurchases',
  'NumWebVisitsMonth',
  'AcceptedCmp3',
  'AcceptedCmp4',
  'AcceptedCmp5',
  'AcceptedCmp1',
  'AcceptedCmp2',
  'Complain',
  'Response',
  'Age',
  'Children',
  'TotalSpend',
  'TotalPurchases',
  'TotalAcceptedCmp',
  'TenureDays',
] as const;
export type CleanedColumn = (typeof CLEANED_COLUMNS)[number];

/** The spending columns summed into `TotalSpend`. */
export const SPEND_COLUMNS = ['MntWines', 'MntFruits', 'MntMeatProducts', 'MntFishProducts', 'MntSweetProducts', 'MntGoldProds'] as const;

/** The purchase channels summed into `TotalPurchases` (deals are a discount, not a channel). */
export const PURCHASE_COLUMNS = ['NumWebPurchases', 'NumCatalogPurchases', 'NumStorePurchases'] as const;

/** The campaign acceptances summed into `TotalAcceptedCmp`. */
export const CAMPAIGN_COLUMNS = ['AcceptedCmp1', 'AcceptedCmp2', 'AcceptedCmp3', 'AcceptedCmp4', 'AcceptedCmp5'] as const;

/** Columns derived by rule 7, appended after the source columns. */
export const DERIVED_COLUMNS = ['Age', 'Children', 'TotalSpend', 'TotalPurchases', 'TotalAcceptedCmp', 'TenureDays'] as const;

/** The model's label: whether the customer accepted the last campaign (0 or 1). */
export const LABEL = 'Response' as const;

/** The key of a row in `features.parquet` (kept, not standardised, so features join back to customers). */
export const KEY = 'ID' as const;

/**
 * Numeric features, standardised to z-scores in `features.parquet` with the means and
 * (population) standard deviations recorded in `report.json` under `features.scaling`.
 * Year_Birth and Dt_Customer enter through Age and TenureDays; ID and the label are not features.
 */
export const NUMERIC_FEATURES = [
  'Income',
  'Kidhome',
  'Teenhome',
  'Recency',
  ...SPEND_COLUMNS,
  'NumDealsPurchases',
  ...PURCHASE_COLUMNS,
  'NumWebVisitsMonth',
  ...CAMPAIGN_COLUMNS,
  'Complain',
  ...DERIVED_COLUMNS,
] as const;
export type NumericFeature = (typeof NUMERIC_FEATURES)[number];

/**
 * Categorical features, one-hot encoded as `<column>=<value>` columns (0 or 1). The levels listed
 * here always get a column, in this order, so the features table has the same columns for every
 * file; a value outside them gets its own column after these, in sorted order.
 */
export const CATEGORICAL_FEATURES = {
  Education: ['2n Cycle', 'Basic', 'Graduation', 'Master', 'PhD'],
  Marital_Status: ['Divorced', 'Married', 'Single', 'Together', 'Unknown', 'Widow'],
} as const satisfies Record<string, readonly string[]>;
export type CategoricalFeature = keyof typeof CATEGORICAL_FEATURES;

/**
 * Rule 2: odd Marital_Status values and what they become. Anything not listed is kept as it is.
 */
export const MARITAL_STATUS_ALIASES: Readonly<Record<string, string>> = {
  Alone: 'Single',
  Absurd: 'Unknown',
  YOLO: 'Unknown',
};

/** What `report.json` records of the standardisation, per numeric feature. */
export interface FeatureScaling {
  readonly mean: number;
  /** Population standard deviation; 0 for a constant column (its z-scores are then all 0). */
  readonly std: number;
}

/**
 * The name of a one-hot column.
 *
 * @example
 * oneHotName('Education', 'PhD'); // 'Education=PhD'
 */
export function oneHotName(column: string, value: string): string {
  return `${column}=${value}`;
}

/**
 * A z-score with the recorded scaling (0 when the column was constant), for callers that encode a
 * single row the way `features.parquet` does (the CDC model on a change event).
 *
 * @example
 * zScore(70_000, { mean: 52_000, std: 21_000 }); // 0.857...
 */
export function zScore(value: number, scaling: FeatureScaling): number {
  return scaling.std === 0 ? 0 : (value - scaling.mean) / scaling.std;
}
