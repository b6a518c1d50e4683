/**
 * The peer of `pipeline preprocess` in the benchmark: DuckDB, single-threaded, doing the same
 * cleaning contract in SQL on a marketing file, with the same outputs, written the way a DuckDB
 * user would write it:
 *
 *   node --import tsx test/bench/peers/duckdb-preprocess.ts <input.csv> <out-dir>
 *
 * - one typed read (`read_csv` with the column types given, rows that do not parse into
 *   `reject_errors`), dates parsed and Marital_Status aliases mapped in the same statement;
 * - de-duplication as a hash aggregate: `GROUP BY` every column but ID keeping `min(rowid)` (the
 *   first in file order), then the same for rows reusing an earlier ID; the survivors are picked
 *   with semi-joins on rowid, so no window is needed, and put in file order with one sort on rowid;
 * - Income's group medians as one `GROUP BY GROUPING SETS ((Education), ())` joined back;
 * - constant columns found with `min = max` rather than `count(DISTINCT ...)`;
 * - every number DOUBLE or INTEGER (a plain decimal literal would be DECIMAL, which is slow);
 * - `threads = 1`, as the JavaScript side has one thread.
 *
 * Writes cleaned.csv, cleaned.parquet, features.parquet, rejects.csv and report.json (last), and
 * prints the report's counts as JSON on stdout. Set BENCH_DUCKDB_TIMING=1 for per-step times.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MARKETING_COLUMNS } from '../../../data/generators/marketing.js';
import { CATEGORICAL_FEATURES, CLEANED_COLUMNS, DERIVED_COLUMNS, MARITAL_STATUS_ALIASES, NUMERIC_FEATURES, oneHotName } from '../../../shared/preprocess/features.js';
import { MARKETING_LIMITS, MarketingReasons } from '../../../shared/preprocess/marketing.js';

const TEXT_COLUMNS = new Set(['Education', 'Marital_Status', 'Dt_Customer']);
const DATE_FORMATS = `['%d-%m-%Y', '%Y-%m-%d', '%d/%m/%Y']`;
const MISSING = `['', 'NA', 'NaN', 'null']`;
/** The raw file's columns the cleaned table carries; the others may be dropped when constant. */
const CONTRACT = new Set<string>(CLEANED_COLUMNS.filter((c) => !(DERIVED_COLUMNS as readonly string[]).includes(c)));

const q = (name: string): string => `"${name.replaceAll('"', '""')}"`;
const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`;
const double = (value: number): string => `${value}::DOUBLE`;

const timing = process.env.BENCH_DUCKDB_TIMING === '1';
let last = performance.now();
function step(label: string): void {
  if (!timing) return;
  const now = performance.now();
  process.stderr.write(`${label}: ${(now - last).toFixed(0)} ms\n`);
  last = now;
}

async function rows(connection: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  return (await connection.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
}

async function one(connection: DuckDBConnection, sql: string): Promise<Record<string, unknown>> {
  return (await rows(connection, sql))[0]!;
}

/**
 * Cleans `input` into `outDir` and returns the report's counts.
 *
 * @example
 * const counts = await cleanWithDuckDb('data/bench/inputs/marketing-10k-s1-xxxx.csv', 'data/bench/preprocess/duckdb');
 */
export async function cleanWithDuckDb(input: string, outDir: string): Promise<Record<string, unknown>> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const db = await instance.connect();
  const out = (file: string) => literal(join(outDir, file));
  const { minAgeAtEnrolment, maxAgeAtEnrolment, maxIncome } = MARKETING_LIMITS;

  // 1. types and 2. categories, in one read; rowid is the row's place among the rows that parsed
  const types = MARKETING_COLUMNS.map((c) => `${literal(c)}: ${c === 'Income' ? "'DOUBLE'" : TEXT_COLUMNS.has(c) ? "'VARCHAR'" : "'INTEGER'"}`).join(', ');
  const aliases = Object.entries(MARITAL_STATUS_ALIASES).map(([from, to]) => `WHEN ${literal(from)} THEN ${literal(to)}`).join(' ');
  await db.run(`CREATE TEMP TABLE typed AS SELECT * REPLACE (
      try_strptime(Dt_Customer, ${DATE_FORMATS})::DATE AS Dt_Customer,
      CASE Marital_Status ${aliases} ELSE Marital_Status END AS Marital_Status),
    Dt_Customer AS dt_text
    FROM read_csv(${literal(input)}, delim = '\t', header = true, types = {${types}}, nullstr = ${MISSING}, store_rejects = true)`);
  step('read_csv, types and categories');

  // rows that cannot be used: an impossible date, or a missing value other than Income
  const required = MARKETING_COLUMNS.filter((c) => c !== 'Income' && c !== 'Dt_Customer');
  const unusable = `(Dt_Customer IS NULL OR ${required.map((c) => `${q(c)} IS NULL`).join(' OR ')})`;
  // 3. duplicates: equal on every column but ID, the first in file order kept (a hash aggregate)
  const allButId = MARKETING_COLUMNS.filter((c) => c !== 'ID').map(q).join(', ');
  await db.run(`CREATE TEMP TABLE firsts AS SELECT min(rowid) AS r FROM typed WHERE NOT ${unusable} GROUP BY ${allButId}`);
  // ... then an ID already used by an earlier kept row: the first stays
  await db.run(`CREATE TEMP TABLE id_firsts AS SELECT min(rowid) AS r FROM typed WHERE rowid IN (SELECT r FROM firsts) GROUP BY ID`);
  step('duplicates');

  // 4. implausible values, then what became of every row that is not kept
  const age = `(year(Dt_Customer) - Year_Birth)`;
  const implausibleAge = `${age} NOT BETWEEN ${minAgeAtEnrolment} AND ${maxAgeAtEnrolment}`;
  const implausibleIncome = `Income > ${double(maxIncome)}`;
  await db.run(`CREATE TEMP VIEW kept AS SELECT *, rowid AS r FROM typed
    WHERE rowid IN (SELECT r FROM id_firsts) AND NOT (${implausibleAge}) AND (Income IS NULL OR NOT (${implausibleIncome}))`);
  const firstMissing = `CASE ${required.map((c) => `WHEN ${q(c)} IS NULL THEN ${literal(`${c} is missing`)}`).join(' ')} END`;
  // the few rows quarantined, each found from a small set (no pass over every row with a join)
  await db.run(`CREATE TEMP TABLE quarantined AS
      SELECT rowid AS r, CASE WHEN Dt_Customer IS NULL THEN 'invalid-date: Dt_Customer: ' || dt_text || ' is not a date'
        ELSE ${literal(`${MarketingReasons.missingValue}: `)} || ${firstMissing} END AS reason
        FROM typed WHERE ${unusable}
      UNION ALL SELECT rowid, ${literal(`${MarketingReasons.duplicateId}: ID `)} || ID || ' is already used by an earlier row with other values'
        FROM typed WHERE rowid IN (SELECT r FROM firsts ANTI JOIN id_firsts USING (r))
      UNION ALL SELECT rowid, CASE WHEN ${implausibleAge} THEN ${literal(`${MarketingReasons.implausibleAge}: age at enrolment `)} || ${age} || ' is outside ${minAgeAtEnrolment}..${maxAgeAtEnrolment}'
          ELSE ${literal(`${MarketingReasons.implausibleIncome}: Income `)} || Income || ' is above ${maxIncome}' END
        FROM typed WHERE (${implausibleAge} OR ${implausibleIncome}) AND rowid IN (SELECT r FROM id_firsts)`);
  step('quarantine');

  // 5. missing Income: the median of the customer's Education group over the rows kept (else of
  // all), and 6. constant columns (min = max, all or none missing), in one aggregate over the rows
  // kept; only columns outside the contract are dropped
  const sourceColumns = MARKETING_COLUMNS.filter((c) => c !== 'ID');
  await db.run(`CREATE TEMP TABLE groups AS SELECT Education, GROUPING(Education) AS overall, median(Income) AS m,
      count(*) AS n, count(*) - count(Income) AS missing_income, max(Dt_Customer) AS latest,
      ${sourceColumns.map((c) => `min(${q(c)}) IS NOT DISTINCT FROM max(${q(c)}) AND count(${q(c)}) IN (0, count(*)) AS ${q(c)}`).join(', ')}
    FROM kept GROUP BY GROUPING SETS ((Education), ())`);
  const all = await one(db, 'SELECT * EXCLUDE (latest), latest::VARCHAR AS latest, year(latest) AS year FROM groups WHERE overall = 1');
  const overall = Number(all.m ?? 0);
  // five groups: their medians go into the statement as a CASE, not a join (a join may reorder rows)
  const medians = (await rows(db, 'SELECT Education, m FROM groups WHERE overall = 0 AND m IS NOT NULL')).map((g) => `WHEN ${literal(String(g.Education))} THEN ${double(Number(g.m))}`);
  const groupMedian = medians.length === 0 ? 'NULL' : `CASE Education ${medians.join(' ')} END`;
  const latest = { day: all.latest as string | null, year: all.year as number | null };
  const dropped: string[] = Number(all.n) < 2 ? [] : sourceColumns.filter((c) => all[c] === true && !CONTRACT.has(c));
  const keptColumns = MARKETING_COLUMNS.filter((c) => !dropped.includes(c));
  step('medians and constant columns');

  // 7. derived columns, in file order (the optimizer may flip a semi-join's sides, which loses it, so
  // the rows are put back in order on their rowid); dates written as yyyy-mm-dd
  const sum = (columns: readonly string[]) => `(${columns.map(q).join(' + ')})::INTEGER`;
  await db.run(`CREATE TEMP TABLE cleaned AS SELECT
      ${keptColumns.map((c) => (c === 'Dt_Customer' ? `strftime(Dt_Customer, '%Y-%m-%d') AS Dt_Customer` : c === 'Income' ? `coalesce(Income, ${groupMedian}, ${double(overall)}) AS Income` : q(c))).join(', ')},
      (${Number(latest.year ?? 0)} - Year_Birth)::INTEGER AS Age,
      ${sum(['Kidhome', 'Teenhome'])} AS Children,
      ${sum(['MntWines', 'MntFruits', 'MntMeatProducts', 'MntFishProducts', 'MntSweetProducts', 'MntGoldProds'])} AS TotalSpend,
      ${sum(['NumWebPurchases', 'NumCatalogPurchases', 'NumStorePurchases'])} AS TotalPurchases,
      ${sum(['AcceptedCmp1', 'AcceptedCmp2', 'AcceptedCmp3', 'AcceptedCmp4', 'AcceptedCmp5'])} AS TotalAcceptedCmp,
      (${latest.day === null || latest.day === undefined ? 'NULL' : `DATE ${literal(String(latest.day))}`} - Dt_Customer)::INTEGER AS TenureDays
    FROM kept ORDER BY r`);
  step('derived columns');
  await db.run(`COPY cleaned TO ${out('cleaned.csv')} (HEADER, DELIMITER ',')`);
  step('cleaned.csv');
  await db.run(`COPY cleaned TO ${out('cleaned.parquet')} (FORMAT parquet)`);
  step('cleaned.parquet');

  // 8. features: z-scores (population deviation) and one-hot columns
  const numeric = NUMERIC_FEATURES.filter((c) => !dropped.includes(c));
  const moments = await one(db, `SELECT ${numeric.map((c) => `avg(${q(c)}) AS ${q(`${c}.mean`)}, stddev_pop(${q(c)}) AS ${q(`${c}.std`)}`).join(', ')} FROM cleaned`);
  const scaling = Object.fromEntries(numeric.map((c) => [c, { mean: Number(moments[`${c}.mean`] ?? 0), std: Number(moments[`${c}.std`] ?? 0) }]));
  const zScores = numeric.map((c) => {
    const { mean, std } = scaling[c]!;
    return std === 0 ? `0.0::DOUBLE AS ${q(c)}` : `(${q(c)} - ${double(mean)}) / ${double(std)} AS ${q(c)}`;
  });
  const oneHot: string[] = [];
  for (const [column, levels] of Object.entries(CATEGORICAL_FEATURES)) {
    const present = (await rows(db, `SELECT DISTINCT ${q(column)} AS v FROM cleaned ORDER BY 1`)).map((r) => String(r.v));
    const all = [...levels, ...present.filter((v) => !(levels as readonly string[]).includes(v))];
    for (const value of all) oneHot.push(`(${q(column)} = ${literal(value)})::INTEGER AS ${q(oneHotName(column, value))}`);
  }
  await db.run(`COPY (SELECT ID, ${[...zScores, ...oneHot].join(', ')}, Response FROM cleaned) TO ${out('features.parquet')} (FORMAT parquet)`);
  step('features.parquet');

  // rejects: unparsable rows (DuckDB's own line numbers and text) and quarantined rows; a
  // quarantined row's line is its rowid plus the header, plus the unparsable lines before it
  const rawText = `concat_ws('\t', ${MARKETING_COLUMNS.map((c) => (c === 'Dt_Customer' ? 'dt_text' : q(c))).join(', ')})`;
  await db.run(`CREATE TEMP TABLE skipped AS SELECT line - row_number() OVER (ORDER BY line) - 1 AS from_r
    FROM (SELECT DISTINCT line FROM reject_errors)`);
  await db.run(`COPY (
      SELECT * FROM (SELECT line::BIGINT AS line, 'unreadable: ' || first(error_message) AS reason, first(csv_line) AS raw FROM reject_errors GROUP BY line)
      UNION ALL SELECT r + 2 + (SELECT count(*) FROM skipped WHERE from_r <= r), reason, ${rawText}
        FROM quarantined JOIN typed ON typed.rowid = quarantined.r
      ORDER BY line) TO ${out('rejects.csv')} (HEADER, DELIMITER ',')`);
  step('rejects.csv');

  // report.json, written last
  const counts = await one(db, `SELECT
      (SELECT count(*) FROM typed) + (SELECT count(DISTINCT line) FROM reject_errors) AS rowsIn,
      (SELECT count(*) FROM cleaned) AS rowsOut,
      (SELECT count(*) FROM typed WHERE NOT ${unusable}) - (SELECT count(*) FROM firsts) AS duplicatesRemoved,
      (SELECT count(DISTINCT line) FROM reject_errors) + (SELECT count(*) FROM quarantined) AS quarantined,
      (SELECT missing_income FROM groups WHERE overall = 1) AS imputedIncome`);
  const byReason = await rows(db, `SELECT split_part(reason, ':', 1) AS code, count(*) AS n FROM quarantined GROUP BY 1 ORDER BY 1`);
  const unreadable = await one(db, 'SELECT count(DISTINCT line) AS n FROM reject_errors');
  const nullsBefore = await one(db, `SELECT ${MARKETING_COLUMNS.map((c) => `count(*) - count(${q(c)}) AS ${q(c)}`).join(', ')} FROM typed`);
  const cleanedColumns = [...keptColumns, ...DERIVED_COLUMNS];
  const isText = (c: string) => TEXT_COLUMNS.has(c);
  const stats = await one(db, `SELECT ${cleanedColumns.map((c) => [
    `count(*) - count(${q(c)}) AS ${q(`${c}.nulls`)}`,
    `min(${q(c)})::VARCHAR AS ${q(`${c}.min`)}`,
    `max(${q(c)})::VARCHAR AS ${q(`${c}.max`)}`,
    isText(c) ? `NULL AS ${q(`${c}.mean`)}` : `avg(${q(c)}) AS ${q(`${c}.mean`)}`,
  ].join(', ')).join(', ')} FROM cleaned`);
  const quarantinedByReason = Object.fromEntries(byReason.map((r) => [String(r.code), Number(r.n)]));
  if (Number(unreadable.n) > 0) quarantinedByReason.unreadable = Number(unreadable.n);
  const report = {
    engine: 'duckdb',
    rowsIn: Number(counts.rowsIn),
    rowsOut: Number(counts.rowsOut),
    duplicatesRemoved: Number(counts.duplicatesRemoved),
    quarantined: Number(counts.quarantined),
    quarantinedByReason,
    imputed: { Income: Number(counts.imputedIncome) },
    droppedColumns: dropped,
    referenceDate: latest.day ?? null,
    columns: Object.fromEntries(cleanedColumns.map((c) => [c, {
      type: c === 'Income' ? 'number' : isText(c) ? (c === 'Dt_Customer' ? 'date' : 'string') : 'integer',
      nullsBefore: nullsBefore[c] === undefined ? 0 : Number(nullsBefore[c]),
      nullsAfter: Number(stats[`${c}.nulls`]),
      min: stats[`${c}.min`],
      max: stats[`${c}.max`],
      mean: stats[`${c}.mean`] === null ? null : Number(stats[`${c}.mean`]),
    }])),
    features: { scaling },
  };
  writeFileSync(join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  step('report');
  db.closeSync();
  instance.closeSync();
  const { columns: _columns, features: _features, ...summary } = report;
  return summary;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const [input, outDir] = process.argv.slice(2);
  if (!input || !outDir) {
    process.stderr.write('usage: duckdb-preprocess.ts <input.csv> <out-dir>\n');
    process.exit(2);
  }
  process.stdout.write(`${JSON.stringify(await cleanWithDuckDb(input, outDir))}\n`);
}
