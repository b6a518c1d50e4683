/** Reading the customers of a cleaned table (the cleaned-table contract) for the CDC tools. */

/** A cleaned-table row: column name to value. */
export type Customer = Record<string, string | number>;

const STRING_COLUMNS = new Set(['Education', 'Marital_Status', 'Dt_Customer']);

/**
 * Reads a cleaned table (`cleaned.csv` or `cleaned.parquet` bytes, told apart by `name`) into
 * customers with the contract's types: strings for Education, Marital_Status and Dt_Customer,
 * numbers for everything else (set explicitly, not inferred).
 *
 * @example
 * const customers = await readCustomers(await readFile('data/processed/m/cleaned.parquet'), 'cleaned.parquet');
 */
export async function readCustomers(bytes: Uint8Array, name: string): Promise<Customer[]> {
  if (/\.parquet$/i.test(name)) {
    const { readParquet } = await import('../parquet.js');
    return (await readParquet(bytes)).objects() as Customer[];
  }
  const aq = await import('arquero');
  const text = new TextDecoder().decode(bytes);
  const header = text.slice(0, text.search(/\r?\n|$/)).split(',');
  const parse = Object.fromEntries(header.map((h) => [h, STRING_COLUMNS.has(h) ? String : Number]));
  return aq.fromCSV(text, { parse }).objects() as Customer[];
}
