/**
 * Rewrites a plain tab-separated file (no quotes, like the real marketing file) into another
 * format carrying the same data: another delimiter, every field quoted, a BOM, other line
 * endings, shuffled columns, padded values, Dt_Customer in the three accepted date forms.
 * Blank lines stay blank and short rows stay short, so rejects keep their line numbers.
 */
export interface Format {
  readonly delimiter: '\t' | ',' | ';';
  readonly quoteAll?: boolean;
  readonly bom?: boolean;
  readonly eol?: '\n' | '\r\n';
  /** Column order: a permutation of the source's column indices. */
  readonly order?: readonly number[];
  readonly pad?: boolean;
  /** Write Dt_Customer as dd-mm-yyyy, yyyy-mm-dd and dd/mm/yyyy in turn, row by row. */
  readonly mixDates?: boolean;
}

/** A fixed shuffle of `n` column indices (reverse, then odd positions first): no randomness in tests. */
export function shuffledOrder(n: number): number[] {
  const reversed = Array.from({ length: n }, (_, i) => n - 1 - i);
  return [...reversed.filter((_, i) => i % 2 === 1), ...reversed.filter((_, i) => i % 2 === 0)];
}

export function reformat(tsv: string, format: Format): string {
  const lines = tsv.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  const header = lines[0]!.split('\t');
  const dateColumn = header.indexOf('Dt_Customer');
  const order = format.order ?? header.map((_, i) => i);
  const eol = format.eol ?? '\n';
  let dataRow = 0;
  const out = lines.map((line, index) => {
    if (line.trim() === '') return '';
    let fields = line.split('\t');
    if (index > 0 && format.mixDates && fields[dateColumn] !== undefined) fields[dateColumn] = mixDate(fields[dateColumn]!, dataRow);
    if (index > 0) dataRow++;
    fields = order.filter((i) => i < fields.length).map((i) => fields[i]!);
    return fields
      .map((field) => {
        const padded = format.pad ? `  ${field} ` : field;
        const quote = format.quoteAll || padded.includes(format.delimiter) || padded.includes('"');
        return quote ? `"${padded.replaceAll('"', '""')}"` : padded;
      })
      .join(format.delimiter);
  });
  return `${format.bom ? '\uFEFF' : ''}${out.join(eol)}${eol}`;
}

function mixDate(ddmmyyyy: string, row: number): string {
  const match = /^(\d{2})-(\d{2})-(\d{4})$/.exec(ddmmyyyy);
  if (!match) return ddmmyyyy;
  const [, d, m, y] = match;
  return row % 3 === 0 ? ddmmyyyy : row % 3 === 1 ? `${y}-${m}-${d}` : `${d}/${m}/${y}`;
}
