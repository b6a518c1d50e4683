/**
 * Output checks of the benchmark: a peer's files against ours, in the same run, so that a fast
 * wrong answer fails. Uses DuckDB (a dev dependency) in the harness process; nothing here is timed.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`;
const q = (name: string): string => `"${name.replaceAll('"', '""')}"`;

let shared: Promise<DuckDBConnection> | undefined;
const connection = (): Promise<DuckDBConnection> => (shared ??= DuckDBInstance.create(':memory:').then((db) => db.connect()));

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  return (await (await connection()).runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
}

/**
 * 'yes' when two Parquet files hold the same columns (names and types, in order) and the same
 * rows in the same order, doubles equal to `tolerance` relative; else 'no: ' and the first
 * differences.
 *
 * @example
 * await compareParquet('ours/cleaned.parquet', 'duckdb/cleaned.parquet'); // 'yes'
 */
export async function compareParquet(ours: string, theirs: string, tolerance = 1e-9): Promise<string> {
  const describe = async (file: string) => (await rows(`DESCRIBE SELECT * FROM read_parquet(${literal(file)})`)).map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
  const [a, b] = await Promise.all([describe(ours), describe(theirs)]);
  const shape = (columns: typeof a) => columns.map((c) => `${c.name}:${c.type}`).join(', ');
  if (shape(a) !== shape(b)) return `no: columns differ (${shape(a).slice(0, 200)} vs ${shape(b).slice(0, 200)})`;
  const same = a.map(({ name, type }) =>
    type === 'DOUBLE' || type === 'FLOAT'
      ? `coalesce((x.${q(name)} IS NULL AND y.${q(name)} IS NULL) OR abs(x.${q(name)} - y.${q(name)}) <= ${tolerance} * greatest(1, abs(y.${q(name)})), false)`
      : `x.${q(name)} IS NOT DISTINCT FROM y.${q(name)}`,
  );
  const found = await rows(`SELECT count(*) AS n, min(file_row_number) AS first,
      (SELECT count(*) FROM read_parquet(${literal(ours)})) AS ours, (SELECT count(*) FROM read_parquet(${literal(theirs)})) AS theirs
    FROM read_parquet(${literal(ours)}, file_row_number = true) x FULL JOIN read_parquet(${literal(theirs)}, file_row_number = true) y USING (file_row_number)
    WHERE NOT (${same.join(' AND ')})`);
  const { n, first, ours: rowsOurs, theirs: rowsTheirs } = found[0]!;
  if (Number(n) === 0) return 'yes';
  const at = Number(first);
  const [x, y] = await Promise.all([ours, theirs].map(async (file) => (await rows(`SELECT * FROM read_parquet(${literal(file)}) LIMIT 1 OFFSET ${at}`))[0] ?? {}));
  const columns = a.map((c) => c.name).filter((name) => String(x![name]) !== String(y![name])).slice(0, 3);
  return `no: ${Number(n).toLocaleString('en')} rows differ (${Number(rowsOurs)} vs ${Number(rowsTheirs)} rows); row ${at}: ${columns.map((c) => `${c} ${String(x![c])}/${String(y![c])}`).join(', ')}`;
}

/**
 * 'yes' when two rejects.csv files quarantine the same lines for the same reason codes (the text
 * before the first ':' of the reason); the messages and raw text are not compared.
 *
 * @example
 * await compareRejects('ours/rejects.csv', 'duckdb/rejects.csv'); // 'yes'
 */
export async function compareRejects(ours: string, theirs: string): Promise<string> {
  const read = (file: string) => `SELECT line::BIGINT AS line, split_part(reason, ':', 1) AS code FROM read_csv(${literal(file)}, header = true, all_varchar = true)`;
  const [diff] = await rows(`SELECT
      (SELECT count(*) FROM (${read(ours)} EXCEPT ALL ${read(theirs)})) AS only_ours,
      (SELECT count(*) FROM (${read(theirs)} EXCEPT ALL ${read(ours)})) AS only_theirs,
      (SELECT min(line) FROM (${read(ours)} EXCEPT ALL ${read(theirs)})) AS first_ours,
      (SELECT min(line) FROM (${read(theirs)} EXCEPT ALL ${read(ours)})) AS first_theirs`);
  const onlyOurs = Number(diff!.only_ours);
  const onlyTheirs = Number(diff!.only_theirs);
  if (onlyOurs === 0 && onlyTheirs === 0) return 'yes';
  return `no: ${onlyOurs} rejects only ours (first line ${String(diff!.first_ours)}), ${onlyTheirs} only theirs (first line ${String(diff!.first_theirs)})`;
}
