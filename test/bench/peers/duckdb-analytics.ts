/**
 * The peer of `pipeline analyze` in the benchmark: DuckDB, in memory, doing the same eight
 * analyses in SQL over the same cleaned.parquet, with the same rows out (the bench compares them).
 *
 *   node --import tsx test/bench/peers/duckdb-analytics.ts <cleaned.parquet> <runs> [model.json] [threads]
 *
 * Cold: create the database, load the Parquet file into a table, run every analysis once. Warm:
 * the analyses again, `runs - 1` times, over the loaded table (DuckDB's own in-memory reuse).
 * Each analysis's time includes turning its result into JS objects, as ours includes making its
 * rows. Prints `{"analyses": {name: {rows, ms}}, "timings": {loadMs, coldMs, warmMs, runs}}`,
 * the shape `pipeline analyze --json` prints.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';
import { AGE_BANDS, INCOME_BANDS } from '../../../shared/analytics/bands.js';
import { CAMPAIGNS } from '../../../shared/analytics/analyses/campaign-effectiveness.js';
import { CORRELATED } from '../../../shared/analytics/analyses/correlations.js';
import { RFM_SEGMENTS } from '../../../shared/analytics/analyses/rfm.js';
import { CHANNELS, SPEND_CATEGORIES } from '../../../shared/analytics/analyses/spend-mix.js';
import { PROFILE, TOP } from '../../../shared/analytics/analyses/top-customers.js';
import { linearForm, type ModelNumbers } from '../../../shared/analytics/model.js';
import { median } from '../../../shared/analytics/repeat.js';
import { CATEGORICAL_FEATURES, MARITAL_STATUS_ALIASES } from '../../../shared/preprocess/features.js';

type Row = Record<string, unknown>;
const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`;
const list = (items: readonly string[]) => `[${items.map(literal).join(', ')}]`;

/** `CASE WHEN x < b1 THEN 0 ... ELSE n END`: the band index, as shared/analytics/kernels.ts byBands. */
const bandIndex = (column: string, breaks: readonly number[]) =>
  `CASE ${breaks.map((b, i) => `WHEN ${column} < ${b} THEN ${i}`).join(' ')} ELSE ${breaks.length} END`;

/** Every analysis as SQL over table `t`; `model` is the score expression, or undefined. */
function queries(model: string | undefined): Record<string, string> {
  const campaignSums = CAMPAIGNS.map((c, i) => `sum(${c})::DOUBLE AS c${i}`).join(', ');
  const unpivotCampaigns = CAMPAIGNS.map((c, i) => `c${i} AS ${literal(c)}`).join(', ');
  const spend = Object.entries(SPEND_CATEGORIES);
  const channels = Object.entries(CHANNELS);
  const mixSums = [...spend, ...channels].map(([column], i) => `sum(${column})::DOUBLE AS m${i}`).join(', ');
  const mixUnpivot = (entries: Array<[string, string]>, offset: number) => entries.map(([, label], i) => `m${i + offset} AS ${literal(label)}`).join(', ');
  const cuts = (column: string) => `quantile_cont(${column}, [0.2, 0.4, 0.6, 0.8])`;
  const above = (column: string, cut: string) => [1, 2, 3, 4].map((k) => `(${column} > ${cut}[${k}])::INT`).join(' + ');
  const sql: Record<string, string> = {
    'segment-profile': `SELECT Education, Marital_Status, count(*)::DOUBLE AS customers, count(*) / (SELECT count(*) FROM t) AS share,
        avg(Income) AS meanIncome, avg(TotalSpend) AS meanSpend, avg(TotalPurchases) AS meanPurchases
      FROM t GROUP BY ALL ORDER BY customers DESC, Education, Marital_Status`,
    'campaign-effectiveness': `WITH g AS (
        SELECT CASE WHEN GROUPING(Education) = 0 THEN 1 WHEN GROUPING(band) = 0 THEN 2 WHEN GROUPING(Children) = 0 THEN 3 ELSE 0 END AS d,
          Education, Marital_Status, band, Children, count(*)::DOUBLE AS customers, ${campaignSums}
        FROM (SELECT *, ${bandIndex('Income', INCOME_BANDS.breaks)} AS band FROM t)
        GROUP BY GROUPING SETS ((), (Education, Marital_Status), (band), (Children)))
      SELECT ${list(['all', 'segment', 'income band', 'children'])}[d + 1] AS dimension,
        CASE d WHEN 0 THEN 'all' WHEN 1 THEN Education || ' / ' || Marital_Status WHEN 2 THEN ${list(INCOME_BANDS.labels)}[band + 1] ELSE Children::VARCHAR END AS "group",
        campaign, customers, accepted, accepted / customers AS rate
      FROM g UNPIVOT (accepted FOR campaign IN (${unpivotCampaigns}))
      ORDER BY d, Education, Marital_Status, band, Children, list_position(${list(CAMPAIGNS)}, campaign)`,
    rfm: `WITH q AS (SELECT ${cuts('Recency')} AS r, ${cuts('TotalPurchases')} AS f, ${cuts('TotalSpend')} AS m FROM t),
      s AS (SELECT Recency, TotalPurchases, TotalSpend, 5 - (${above('Recency', 'r')}) AS R, 1 + ${above('TotalPurchases', 'f')} AS F, 1 + ${above('TotalSpend', 'm')} AS M FROM t, q),
      k AS (SELECT *, CASE WHEN R >= 4 THEN (CASE WHEN F + M >= 8 THEN 0 WHEN F + M >= 6 THEN 1 ELSE 2 END)
                           WHEN R = 3 THEN (CASE WHEN F + M >= 6 THEN 1 ELSE 3 END)
                           ELSE (CASE WHEN F + M >= 6 THEN 4 ELSE 5 END) END AS k FROM s)
      SELECT ${list(RFM_SEGMENTS)}[k + 1] AS segment, count(*)::DOUBLE AS customers, count(*) / (SELECT count(*) FROM t) AS share,
        avg(Recency) AS meanRecency, avg(TotalPurchases) AS meanPurchases, avg(TotalSpend) AS meanSpend, sum(TotalSpend)::DOUBLE AS totalSpend,
        sum(TotalSpend) / (SELECT sum(TotalSpend) FROM t) AS valueShare, avg(R) AS meanR, avg(F) AS meanF, avg(M) AS meanM
      FROM k GROUP BY k ORDER BY k`,
    'spend-mix': `WITH g AS (
        SELECT CASE WHEN GROUPING(band) = 0 THEN band + 1 ELSE 0 END AS o, count(*)::DOUBLE AS customers, ${mixSums}
        FROM (SELECT *, ${bandIndex('Age', AGE_BANDS.breaks)} AS band FROM t) GROUP BY GROUPING SETS ((), (band))),
      spend AS (SELECT o, customers, 'spend' AS measure, category, total FROM g UNPIVOT (total FOR category IN (${mixUnpivot(spend, 0)}))),
      purchases AS (SELECT o, customers, 'purchases' AS measure, category, total FROM g UNPIVOT (total FOR category IN (${mixUnpivot(channels, spend.length)}))),
      u AS (SELECT * FROM spend UNION ALL SELECT * FROM purchases)
      SELECT ${list(['all', ...AGE_BANDS.labels])}[o + 1] AS ageBand, customers, measure, category, total, total / customers AS perCustomer,
        CASE WHEN sum(total) OVER (PARTITION BY o, measure) = 0 THEN NULL ELSE total / sum(total) OVER (PARTITION BY o, measure) END AS share
      FROM u ORDER BY o, measure DESC, list_position(${list([...spend, ...channels].map(([, label]) => label))}, category)`,
    cohorts: `SELECT substr(Dt_Customer, 1, 7) AS month, count(*)::DOUBLE AS customers, sum(TotalSpend)::DOUBLE AS totalSpend,
        avg(TotalSpend) AS meanSpend, avg(Response) AS responseRate FROM t GROUP BY 1 ORDER BY 1`,
    // the upper triangle; the rest is mirrored when the rows are read
    correlations: `SELECT ${CORRELATED.flatMap((x, a) => CORRELATED.slice(a).map((y) => `corr(${x}, ${y}) AS "${x}|${y}"`)).join(', ')} FROM t`,
    'top-customers': `SELECT row_number() OVER (ORDER BY TotalSpend DESC, ID) AS rank, ${PROFILE.join(', ')}
      FROM (SELECT * FROM t ORDER BY TotalSpend DESC, ID LIMIT ${TOP}) ORDER BY rank`,
  };
  if (model !== undefined) {
    sql['predicted-response'] = `WITH s AS (SELECT Education, Marital_Status, Response, ${model} AS score FROM t),
      g AS (SELECT GROUPING(Education) AS total, Education, Marital_Status, count(*)::DOUBLE AS customers, avg(Response) AS observed,
          avg(greatest(0, least(1, score))) AS predicted, avg((score >= $threshold)::INT) AS predictedPositive
        FROM s GROUP BY GROUPING SETS ((), (Education, Marital_Status)))
      SELECT CASE WHEN total = 1 THEN 'all' ELSE Education || ' / ' || Marital_Status END AS segment, customers, observed, predicted, predictedPositive,
        predicted - observed AS difference
      FROM g ORDER BY total DESC, Education, Marital_Status`;
  }
  return sql;
}

/** A number as a DOUBLE literal (a plain decimal literal would be a DECIMAL, and DECIMAL arithmetic is slow). */
const double = (value: number) => `${value}::DOUBLE`;

/** The CDC model's score as a SQL expression (shared/analytics/model.ts folds it the same way). */
function modelExpression(path: string): { expression: string; threshold: number } {
  const doc = JSON.parse(readFileSync(path, 'utf8')) as ModelNumbers;
  const { constant, numeric, oneHot: levels } = linearForm(doc);
  const terms = [...numeric].map(([column, weight]) => `${double(weight)} * ${column === 'Income' ? 'round(Income * 100) / 100' : column}`);
  for (const [column, weights] of levels) {
    const known = (CATEGORICAL_FEATURES as Record<string, readonly string[]>)[column]!;
    const aliases = Object.entries(MARITAL_STATUS_ALIASES).map(([from, to]) => `WHEN ${literal(from)} THEN ${literal(to)}`).join(' ');
    const value = column === 'Marital_Status' ? `(CASE trim(${column}) ${aliases} ELSE trim(${column}) END)` : `trim(${column})`;
    const cases = known.map((level) => `WHEN ${literal(level)} THEN ${double(weights.get(level) ?? 0)}`).join(' ');
    terms.push(`(CASE ${value} ${cases} ELSE ${double(weights.get('(other)') ?? 0)} END)`);
  }
  return { expression: `(${double(constant)} + ${terms.join(' + ')})`, threshold: doc.threshold };
}

async function runAll(connection: DuckDBConnection, sql: Record<string, string>, threshold: number): Promise<{ analyses: Record<string, { rows: Row[]; ms: number }>; totalMs: number }> {
  const analyses: Record<string, { rows: Row[]; ms: number }> = {};
  const started = performance.now();
  for (const [name, text] of Object.entries(sql)) {
    const began = performance.now();
    const prepared = await connection.prepare(text.replace('$threshold', double(threshold)));
    let rows = (await prepared.runAndReadAll()).getRowObjectsJS() as Row[];
    if (name === 'correlations') {
      const found = rows[0]!;
      rows = CORRELATED.flatMap((x, a) =>
        CORRELATED.map((y, b) => {
          const r = found[a <= b ? `${x}|${y}` : `${y}|${x}`];
          return { x, y, r: typeof r === 'number' && Number.isFinite(r) ? (x === y ? 1 : r) : null };
        }),
      );
    }
    rows = rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));
    analyses[name] = { rows, ms: performance.now() - began };
  }
  return { analyses, totalMs: performance.now() - started };
}

async function main(): Promise<void> {
  const [input, runsText, modelPath, threadsText] = process.argv.slice(2);
  if (input === undefined) throw new Error('usage: duckdb-analytics.ts <cleaned.parquet> <runs> [model.json|-] [threads]');
  const runs = Math.max(1, Number(runsText ?? '1'));
  const model = modelPath && modelPath !== '-' ? modelExpression(modelPath) : undefined;
  const sql = queries(model?.expression);
  const started = performance.now();
  const instance = await DuckDBInstance.create(':memory:', { threads: threadsText ?? '1' });
  const connection = await instance.connect();
  await connection.run(`CREATE TABLE t AS SELECT * FROM read_parquet(${literal(input)})`);
  const loadMs = performance.now() - started;
  const results: Array<Awaited<ReturnType<typeof runAll>>> = [];
  for (let run = 0; run < runs; run++) results.push(await runAll(connection, sql, model?.threshold ?? 0.5));
  const warm = results.slice(1);
  const analyses = Object.fromEntries(
    Object.keys(sql).map((name) => [name, { rows: results.at(-1)!.analyses[name]!.rows, ms: warm.length > 0 ? median(warm.map((r) => r.analyses[name]!.ms)) : results[0]!.analyses[name]!.ms }]),
  );
  const timings = { loadMs, coldMs: loadMs + results[0]!.totalMs, warmMs: warm.length > 0 ? median(warm.map((r) => r.totalMs)) : null, runs };
  process.stdout.write(`${JSON.stringify({ analyses, timings })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`duckdb-analytics: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
