/**
 * The peer of `pipeline preprocess` in the benchmark: DuckDB, single-threaded, doing the same
 * cleaning contract (issue 2) in SQL on a marketing file, with the same outputs.
 *
 *   node --import tsx test/bench/peers/duckdb-preprocess.ts <input.csv> <out-dir>
 *
 * Reads the tab-separated file with typed columns (rows that do not parse go to DuckDB's reject
 * table), parses Dt_Customer in any of dd-mm-yyyy, yyyy-mm-dd, dd/mm/yyyy, maps Marital_Status
 * aliases, drops duplicates on every column but ID keeping the first in file order, quarantines
 * ages at enrolment outside 16..100 and Income above 600,000, imputes Income with its Education
 * group's median, drops the columns it finds constant, adds the derived columns, writes
 * cleaned.csv and cleaned.parquet, standardises the numeric features and one-hot encodes the
 * categorical ones into features.parquet, writes rejects.csv, and report.json last. Prints the
 * report's counts as JSON on stdout.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MARKETING_COLUMNS } from '../../../data/generators/marketing.js';
import { CATEGORICAL_FEATURES, MARITAL_STATUS_ALIASES, NUMERIC_FEATURES, oneHotName } from '../../../shared/preprocess/features.js';

const TEXT_COLUMNS = new Set(['Education', 'Marital_Status', 'Dt_Customer']);
const DATE_FORMATS = `['%d-%m-%Y', '%Y-%m-%d', '%d/%m/%Y']`;
const MISSING = `['', 'NA', 'NaN', 'null']`;

const q = (name: string): string => `"${name.replaceAll('"', '""')}"`;
const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`;

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
  await db.run('SET threads = 1');
  await db.run('SET preserve_insertion_order = true');
  const out = (file: string) => literal(join(outDir, file));

  // 1. types: columns by name, unparsable rows into reject_errors, dates in three formats
  const types = MARKETING_COLUMNS.map((c) => `${literal(c)}: ${c === 'Income' ? "'DOUBLE'" : TEXT_COLUMNS.has(c) ? "'VARCHAR'" : "'INTEGER'"}`).join(', ');
  await db.run(`CREATE TEMP TABLE raw AS SELECT row_number() OVER () + 1 AS line_no, *
    FROM read_csv(${literal(input)}, delim = '\t', header = true, types = {${types}}, nullstr = ${MISSING}, store_rejects = true)`);
  const aliases = Object.entries(MARITAL_STATUS_ALIASES).map(([from, to]) => `WHEN ${literal(from)} THEN ${literal(to)}`).join(' ');
  step('read_csv');
  // 2. category fixes
  await db.run(`CREATE TEMP TABLE typed AS SELECT * REPLACE (
      try_strptime(Dt_Customer, ${DATE_FORMATS})::DATE AS Dt_Customer,
      CASE Marital_Status ${aliases} ELSE Marital_Status END AS Marital_Status),
    Dt_Customer AS dt_text FROM raw`);

  step('types and categories');
  // 3. duplicates: equal on every column but ID, the first in file order kept
  const allButId = MARKETING_COLUMNS.filter((c) => c !== 'ID').map(q).join(', ');
  await db.run(`CREATE TEMP TABLE deduped AS SELECT * FROM typed WHERE Dt_Customer IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY ${allButId} ORDER BY line_no) = 1`);

  step('duplicates');
  // 4. implausible values quarantined
  await db.run(`CREATE TEMP TABLE flagged AS SELECT *, CASE
      WHEN year(Dt_Customer) - Year_Birth NOT BETWEEN 16 AND 100 THEN 'age at enrolment outside 16..100'
      WHEN Income > 600000 THEN 'Income above 600000' END AS reason FROM deduped`);

  step('quarantine');
  // 5. missing Income: the median of the customer's Education group over the rows kept
  await db.run(`CREATE TEMP TABLE kept AS SELECT * EXCLUDE (reason, dt_text) REPLACE (
      coalesce(Income, median(Income) OVER (PARTITION BY Education), median(Income) OVER ()) AS Income),
    Income IS NULL AS imputed FROM flagged WHERE reason IS NULL`);

  step('imputation');
  // 6. constant columns, detected
  const sourceColumns = MARKETING_COLUMNS.filter((c) => c !== 'ID');
  const distinct = await one(db, `SELECT ${sourceColumns.map((c) => `count(DISTINCT ${q(c)}) AS ${q(c)}`).join(', ')} FROM kept`);
  const dropped: string[] = sourceColumns.filter((c) => Number(distinct[c]) <= 1);
  const keptColumns = MARKETING_COLUMNS.filter((c) => !dropped.includes(c));

  step('constant columns');
  // 7. derived columns, in file order; dates written as yyyy-mm-dd
  await db.run(`CREATE TEMP TABLE cleaned AS SELECT
      ${keptColumns.map((c) => (c === 'Dt_Customer' ? `strftime(Dt_Customer, '%Y-%m-%d') AS Dt_Customer` : q(c))).join(', ')},
      (max(year(Dt_Customer)) OVER () - Year_Birth)::INTEGER AS Age,
      (Kidhome + Teenhome)::INTEGER AS Children,
      (MntWines + MntFruits + MntMeatProducts + MntFishProducts + MntSweetProducts + MntGoldProds)::INTEGER AS TotalSpend,
      (NumWebPurchases + NumCatalogPurchases + NumStorePurchases)::INTEGER AS TotalPurchases,
      (AcceptedCmp1 + AcceptedCmp2 + AcceptedCmp3 + AcceptedCmp4 + AcceptedCmp5)::INTEGER AS TotalAcceptedCmp,
      (max(Dt_Customer) OVER () - Dt_Customer)::INTEGER AS TenureDays
    FROM kept ORDER BY line_no`);
  await db.run(`COPY cleaned TO ${out('cleaned.csv')} (HEADER, DELIMITER ',')`);
  await db.run(`COPY cleaned TO ${out('cleaned.parquet')} (FORMAT parquet)`);

  step('derived columns, cleaned.csv and .parquet');
  // 8. features: z-scores (population deviation) and one-hot columns
  const numeric = NUMERIC_FEATURES.filter((c) => !dropped.includes(c));
  const moments = await one(db, `SELECT ${numeric.map((c) => `avg(${q(c)}) AS ${q(`${c}.mean`)}, stddev_pop(${q(c)}) AS ${q(`${c}.std`)}`).join(', ')} FROM cleaned`);
  const scaling = Object.fromEntries(numeric.map((c) => [c, { mean: Number(moments[`${c}.mean`]), std: Number(moments[`${c}.std`]) }]));
  const zScores = numeric.map((c) => {
    const { mean, std } = scaling[c]!;
    return std === 0 ? `0.0 AS ${q(c)}` : `(${q(c)} - ${mean}) / ${std} AS ${q(c)}`;
  });
  const oneHot: string[] = [];
  for (const [column, levels] of Object.entries(CATEGORICAL_FEATURES)) {
    const present = (await rows(db, `SELECT DISTINCT ${q(column)} AS v FROM cleaned ORDER BY 1`)).map((r) => String(r.v));
    const all = [...levels, ...present.filter((v) => !(levels as readonly string[]).includes(v))];
    for (const value of all) oneHot.push(`(${q(column)} = ${literal(value)})::INTEGER AS ${q(oneHotName(column, value))}`);
  }
  await db.run(`COPY (SELECT ID, ${[...zScores, ...oneHot].join(', ')}, Response FROM cleaned) TO ${out('features.parquet')} (FORMAT parquet)`);

  step('features.parquet');
  // rejects: unparsable rows, impossible dates, quarantined rows (line, reason, raw text)
  const rawText = `concat_ws('\t', ${MARKETING_COLUMNS.map((c) => (c === 'Dt_Customer' ? 'dt_text' : q(c))).join(', ')})`;
  await db.run(`COPY (
      SELECT line::BIGINT AS line, error_message AS reason, csv_line AS raw FROM reject_errors
      UNION ALL SELECT line_no, 'impossible date', ${rawText} FROM typed WHERE Dt_Customer IS NULL
      UNION ALL SELECT line_no, reason, ${rawText} FROM flagged WHERE reason IS NOT NULL
      ORDER BY line) TO ${out('rejects.csv')} (HEADER, DELIMITER ',')`);

  step('rejects.csv');
  // report.json, written last
  const counts = await one(db, `SELECT
      (SELECT count(*) FROM raw) + (SELECT count(*) FROM reject_errors) AS rowsIn,
      (SELECT count(*) FROM cleaned) AS rowsOut,
      (SELECT count(*) FROM typed WHERE Dt_Customer IS NOT NULL) - (SELECT count(*) FROM deduped) AS duplicatesRemoved,
      (SELECT count(*) FROM reject_errors) + (SELECT count(*) FROM typed WHERE Dt_Customer IS NULL)
        + (SELECT count(*) FROM flagged WHERE reason IS NOT NULL) AS quarantined,
      (SELECT count(*) FROM kept WHERE imputed) AS imputedIncome`);
  const byReason = await rows(db, `SELECT reason, count(*) AS n FROM flagged WHERE reason IS NOT NULL GROUP BY reason ORDER BY reason`);
  const nullsBefore = await one(db, `SELECT ${MARKETING_COLUMNS.map((c) => `count(*) - count(${q(c)}) AS ${q(c)}`).join(', ')} FROM typed`);
  const cleanedColumns = [...keptColumns, 'Age', 'Children', 'TotalSpend', 'TotalPurchases', 'TotalAcceptedCmp', 'TenureDays'];
  const isText = (c: string) => TEXT_COLUMNS.has(c);
  const stats = await one(db, `SELECT ${cleanedColumns.map((c) => [
    `count(*) - count(${q(c)}) AS ${q(`${c}.nulls`)}`,
    `min(${q(c)})::VARCHAR AS ${q(`${c}.min`)}`,
    `max(${q(c)})::VARCHAR AS ${q(`${c}.max`)}`,
    isText(c) ? `NULL AS ${q(`${c}.mean`)}` : `avg(${q(c)}) AS ${q(`${c}.mean`)}`,
  ].join(', ')).join(', ')} FROM cleaned`);
  const report = {
    engine: 'duckdb',
    rowsIn: Number(counts.rowsIn),
    rowsOut: Number(counts.rowsOut),
    duplicatesRemoved: Number(counts.duplicatesRemoved),
    quarantined: Number(counts.quarantined),
    quarantinedByReason: Object.fromEntries(byReason.map((r) => [String(r.reason), Number(r.n)])),
    imputed: { Income: Number(counts.imputedIncome) },
    droppedColumns: dropped,
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
  step('report');
  writeFileSync(join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
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
