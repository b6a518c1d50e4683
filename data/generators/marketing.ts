/**
 * Synthetic customers shaped like Kaggle's "Customer Personality Analysis" file
 * (`marketing_campaign.csv`): the same 29 columns in the same order, tab-separated, dd-mm-yyyy
 * dates, CRLF line ends, a header, and a blank line at the end, with the same kinds of dirt at
 * about the rates of the real 2,240 rows (see {@link MARKETING_DIRT}).
 *
 * The values follow the real file's distributions and its main correlations, so the analyses and
 * the response model find the same story: income drives spending (r about 0.8), children at home
 * cut it, older customers have teenagers and take more deals, richer ones browse the web shop
 * less, campaigns 1 and 5 are accepted by big spenders, and Response rises with spending, earlier
 * campaigns accepted, tenure and a recent purchase (low Recency).
 *
 * Deterministic: the same rows and seed give the same bytes on every machine. Streams in chunks,
 * so a million rows (about 100 MB) never sit in memory as one string.
 */
import { open, rename, rm } from 'node:fs/promises';
import { Random, cumulativeWeights } from './random.js';

/** The columns of the real file, in its order. */
export const MARKETING_COLUMNS = [
  'ID', 'Year_Birth', 'Education', 'Marital_Status', 'Income', 'Kidhome', 'Teenhome', 'Dt_Customer',
  'Recency', 'MntWines', 'MntFruits', 'MntMeatProducts', 'MntFishProducts', 'MntSweetProducts',
  'MntGoldProds', 'NumDealsPurchases', 'NumWebPurchases', 'NumCatalogPurchases', 'NumStorePurchases',
  'NumWebVisitsMonth', 'AcceptedCmp3', 'AcceptedCmp4', 'AcceptedCmp5', 'AcceptedCmp1', 'AcceptedCmp2',
  'Complain', 'Z_CostContact', 'Z_Revenue', 'Response',
] as const;

/**
 * Share of rows carrying each kind of dirt, taken from the real file (count / 2,240):
 * 24 rows without Income, 182 rows re-listing an earlier customer under a new ID, 3 'Alone',
 * 2 'Absurd' and 2 'YOLO' marital statuses, 3 birth years before 1901, and one income of 666666.
 */
export const MARKETING_DIRT = {
  missingIncome: 24 / 2240,
  duplicate: 182 / 2240,
  maritalAlone: 3 / 2240,
  maritalAbsurd: 2 / 2240,
  maritalYolo: 2 / 2240,
  implausibleBirthYear: 3 / 2240,
  outlierIncome: 1 / 2240,
} as const;

/** The values the dirt takes. */
export const IMPLAUSIBLE_BIRTH_YEARS = [1893, 1899, 1900] as const;
export const OUTLIER_INCOME = 666666;

/** What {@link generateMarketing} writes. */
export interface MarketingOptions {
  /** Data rows to write (the header and the final blank line are extra). */
  readonly rows: number;
  /** Any integer; the same seed gives the same file. @default 1 */
  readonly seed?: number;
  /** Rows per yielded chunk. @default 8192 */
  readonly chunkRows?: number;
}

/** What a generated file holds, counted while writing it. */
export interface MarketingStats {
  readonly rows: number;
  /** Rows that re-list an earlier customer (every column equal but ID). */
  readonly duplicates: number;
  /** Among the other rows: the dirt injected into them. */
  readonly missingIncome: number;
  readonly oddMaritalStatus: number;
  readonly implausibleBirthYear: number;
  readonly outlierIncome: number;
}

const EDUCATION = ['Graduation', 'PhD', 'Master', '2n Cycle', 'Basic'] as const;
const EDUCATION_WEIGHTS = cumulativeWeights([1127, 486, 370, 203, 54]);
// mean and deviation of Income per Education in the real file
const INCOME_BY_EDUCATION: ReadonlyArray<readonly [number, number]> = [
  [52_200, 21_300], [56_100, 20_600], [52_900, 20_200], [47_600, 22_100], [20_300, 6_200],
];
const MARITAL = ['Married', 'Together', 'Single', 'Divorced', 'Widow', 'Alone', 'Absurd', 'YOLO'] as const;
const ODD_MARITAL = MARKETING_DIRT.maritalAlone + MARKETING_DIRT.maritalAbsurd + MARKETING_DIRT.maritalYolo;
const MARITAL_WEIGHTS = cumulativeWeights([
  ...[864, 580, 480, 232, 77].map((n) => (n / 2233) * (1 - ODD_MARITAL)),
  MARKETING_DIRT.maritalAlone, MARKETING_DIRT.maritalAbsurd, MARKETING_DIRT.maritalYolo,
]);
// customers living without a partner (Single and after it in MARITAL) answer the last campaign more often
const PARTNERLESS_FROM = 2;
const ODD_MARITAL_FROM = 5;

// MntWines, MntFruits, MntMeatProducts, MntFishProducts, MntSweetProducts, MntGoldProds
const SPEND_SHARES = [0.5, 0.04, 0.26, 0.058, 0.04, 0.068] as const;
const SPEND_MAX = [1493, 199, 1725, 259, 263, 362] as const;

const FIRST_DAY = Date.UTC(2012, 6, 30); // 30-07-2012, the first enrolment in the real file
const DAYS = 700; // through 29-06-2014
const DAY_MS = 86_400_000;
const DATES: readonly string[] = Array.from({ length: DAYS }, (_, i) => {
  const d = new Date(FIRST_DAY + i * DAY_MS);
  return `${pad2(d.getUTCDate())}-${pad2(d.getUTCMonth() + 1)}-${d.getUTCFullYear()}`;
});

// duplicates re-list one of the last RECENT customers (in the real file they sit about 650 rows apart)
const RECENT = 4096;
// the longest possible row after its ID is about 130 bytes
const SLOT = 256;

const TAB = 9;
const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const EDUCATION_BYTES = EDUCATION.map(ascii);
const MARITAL_BYTES = MARITAL.map(ascii);
const DATE_BYTES = DATES.map(ascii);
const CONSTANTS_BYTES = ascii('3\t11\t'); // Z_CostContact, Z_Revenue

/**
 * Yields the file as byte chunks (the header first, the closing blank line last) and returns what
 * it wrote. Pure: no I/O, no clock; the seed fixes every byte. Rows are written as bytes into a
 * reused buffer rather than built as strings: at a million rows, string building spends most of
 * its time in the garbage collector.
 *
 * @example
 * const text = Buffer.concat([...generateMarketing({ rows: 100, seed: 7 })]).toString();
 * text.split('\r\n')[0]; // 'ID\tYear_Birth\tEducation\t...'
 */
export function* generateMarketing(options: MarketingOptions): Generator<Uint8Array, MarketingStats, undefined> {
  const rows = checkRows(options.rows);
  const chunkRows = Math.max(1, Math.floor(options.chunkRows ?? 8192));
  const rng = new Random(options.seed ?? 1);
  const ids = idSequence(rows, rng);
  const out = new ByteWriter(chunkRows * (SLOT + 16) + 2);
  const recent = new ByteWriter(RECENT * SLOT);
  const recentLength = new Int32Array(RECENT);
  let recentCount = 0;
  let duplicates = 0;
  let missingIncome = 0;
  let oddMaritalStatus = 0;
  let implausibleBirthYear = 0;
  let outlierIncome = 0;

  yield ascii(`${MARKETING_COLUMNS.join('\t')}\r\n`);
  for (let row = 0; row < rows; row++) {
    out.int(ids.next());
    out.byte(TAB);
    if (recentCount > 0 && rng.chance(MARKETING_DIRT.duplicate)) {
      const slot = rng.below(recentCount);
      out.copy(recent.bytes, slot * SLOT, recentLength[slot]!);
      duplicates++;
    } else {
      const start = out.length;
      const dirt = writeCustomer(rng, out);
      if (dirt & Dirt.MissingIncome) missingIncome++;
      if (dirt & Dirt.OutlierIncome) outlierIncome++;
      if (dirt & Dirt.OddMarital) oddMaritalStatus++;
      if (dirt & Dirt.BirthYear) implausibleBirthYear++;
      const slot = recentCount < RECENT ? recentCount++ : rng.below(RECENT);
      recent.bytes.set(out.bytes.subarray(start, out.length), slot * SLOT);
      recentLength[slot] = out.length - start;
    }
    out.byte(13);
    out.byte(10);
    if ((row + 1) % chunkRows === 0) yield out.take();
  }
  out.byte(13);
  out.byte(10);
  yield out.take();
  return { rows, duplicates, missingIncome, oddMaritalStatus, implausibleBirthYear, outlierIncome };
}

/**
 * Writes a generated file to `path` chunk by chunk, through a temporary file renamed into place at
 * the end, so an interrupted run never leaves a half-written file under the final name.
 * `onRows` is told how many data rows are written so far (for a progress bar).
 *
 * @example
 * const stats = await writeMarketing('data/raw/marketing-1m.csv', { rows: 1_000_000, seed: 1 });
 * console.log(`${stats.duplicates} duplicates, ${stats.bytes} bytes`);
 */
export async function writeMarketing(
  path: string,
  options: MarketingOptions,
  onRows?: (rowsWritten: number) => void,
): Promise<MarketingStats & { readonly bytes: number }> {
  const temporary = `${path}.${process.pid}.partial`;
  const file = await open(temporary, 'w');
  const chunkRows = options.chunkRows ?? 8192;
  let bytes = 0;
  let rowsWritten = 0;
  try {
    const chunks = generateMarketing({ ...options, chunkRows });
    let step = chunks.next();
    for (let index = 0; !step.done; index++, step = chunks.next()) {
      await file.write(step.value);
      bytes += step.value.length;
      if (index > 0) {
        rowsWritten = Math.min(options.rows, rowsWritten + chunkRows);
        onRows?.(rowsWritten);
      }
    }
    await file.close();
    await rename(temporary, path);
    return { ...step.value, bytes };
  } catch (error) {
    await file.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Bit flags of the dirt written into a row. */
const Dirt = { MissingIncome: 1, OutlierIncome: 2, OddMarital: 4, BirthYear: 8 } as const;

const weights = new Float64Array(SPEND_SHARES.length);
const amounts = new Int32Array(SPEND_SHARES.length);

/** Draws one customer and writes every field after ID; returns the {@link Dirt} flags it carries. */
function writeCustomer(rng: Random, out: ByteWriter): number {
  const education = rng.pick(EDUCATION_WEIGHTS);
  const maritalIndex = rng.pick(MARITAL_WEIGHTS);
  const bornIn = clamp(Math.round(rng.normal(1969, 11.7)), 1940, 1996);
  const [incomeMean, incomeSd] = INCOME_BY_EDUCATION[education]!;
  // older customers earn a little more (r about -0.2 between Year_Birth and Income)
  const income = clamp(Math.round(rng.normal(incomeMean, incomeSd) + (1969 - bornIn) * 350), 1730, 162_000);
  const day = rng.below(DAYS);
  const tenure = DAYS - 1 - day;

  const kidOdds = clamp(0.42 + 0.012 * (bornIn - 1969) - 0.000014 * (income - 52_000), 0.02, 0.95);
  const kids = rng.chance(kidOdds) ? (rng.chance(0.05) ? 2 : 1) : 0;
  const teenOdds = clamp(0.48 - 0.017 * (bornIn - 1969), 0.03, 0.9);
  const teens = rng.chance(teenOdds) ? (rng.chance(0.05) ? 2 : 1) : 0;

  // total spend saturates with income; children at home cut it
  const affluence = 2400 / (1 + Math.exp(-(income - 66_000) / 11_000));
  const family = 0.5 ** kids * 0.7 ** teens;
  const spendTarget = Math.max(5, affluence * family * Math.exp(rng.normal(0, 0.35)) + rng.below(40));
  let weightSum = 0;
  for (let i = 0; i < weights.length; i++) weightSum += weights[i] = SPEND_SHARES[i]! * Math.exp(rng.normal(0, 0.5));
  let spend = 0;
  for (let i = 0; i < amounts.length; i++) {
    spend += amounts[i] = clamp(Math.round((spendTarget * weights[i]!) / weightSum), 0, SPEND_MAX[i]!);
  }

  const deals = clamp(Math.round(0.2 + 0.9 * kids + 1.0 * teens + Math.abs(rng.normal(0, 1.5))), 0, 15);
  const web = clamp(Math.round(1.8 + spend / 420 + 0.3 * deals + rng.normal(0, 2)), 0, 27);
  const catalog = clamp(Math.round(spend / 260 + rng.normal(0.1, 1.5)), 0, 28);
  const store = clamp(Math.round(3.2 + spend / 230 + rng.normal(0, 2)), 0, 13);
  const visits = clamp(Math.round(9.1 - income / 12_000 + 1.1 * kids + rng.normal(0, 2.2)), 0, 20);

  const wealth = (spend - 600) / 600;
  const cmp3 = rng.chance(logistic(-2.5 - 0.1 * wealth)) ? 1 : 0;
  const cmp4 = rng.chance(logistic(-2.95 + 0.8 * wealth)) ? 1 : 0;
  const cmp5 = rng.chance(logistic(-4.95 + 2.2 * wealth)) ? 1 : 0;
  const cmp1 = rng.chance(logistic(-4.45 + 1.8 * wealth)) ? 1 : 0;
  const cmp2 = rng.chance(logistic(-5.2 + 1.0 * wealth)) ? 1 : 0;
  const complain = rng.chance(0.0094) ? 1 : 0;
  const recency = rng.below(100);
  const accepted = cmp1 + cmp2 + cmp3 + cmp4 + cmp5;
  const responseLogit = -2.8 + 0.2 * wealth - 0.028 * (recency - 49) + 0.95 * accepted
    + (maritalIndex >= PARTNERLESS_FROM ? 0.75 : 0) + 0.0035 * (tenure - 350);
  const response = rng.chance(logistic(responseLogit)) ? 1 : 0;

  let dirt = maritalIndex >= ODD_MARITAL_FROM ? Dirt.OddMarital : 0;
  if (rng.chance(MARKETING_DIRT.missingIncome)) dirt |= Dirt.MissingIncome;
  else if (rng.chance(MARKETING_DIRT.outlierIncome)) dirt |= Dirt.OutlierIncome;
  if (rng.chance(MARKETING_DIRT.implausibleBirthYear)) dirt |= Dirt.BirthYear;

  out.int(dirt & Dirt.BirthYear ? IMPLAUSIBLE_BIRTH_YEARS[rng.below(IMPLAUSIBLE_BIRTH_YEARS.length)]! : bornIn);
  out.byte(TAB);
  out.ascii(EDUCATION_BYTES[education]!);
  out.byte(TAB);
  out.ascii(MARITAL_BYTES[maritalIndex]!);
  out.byte(TAB);
  if (!(dirt & Dirt.MissingIncome)) out.int(dirt & Dirt.OutlierIncome ? OUTLIER_INCOME : income);
  out.byte(TAB);
  out.field(kids);
  out.field(teens);
  out.ascii(DATE_BYTES[day]!);
  out.byte(TAB);
  out.field(recency);
  for (let i = 0; i < amounts.length; i++) out.field(amounts[i]!);
  out.field(deals);
  out.field(web);
  out.field(catalog);
  out.field(store);
  out.field(visits);
  out.field(cmp3);
  out.field(cmp4);
  out.field(cmp5);
  out.field(cmp1);
  out.field(cmp2);
  out.field(complain);
  out.ascii(CONSTANTS_BYTES);
  out.int(response);
  return dirt;
}

/** Appends ASCII bytes and decimal integers to a growable buffer. */
class ByteWriter {
  bytes: Uint8Array;
  length = 0;

  constructor(capacity: number) {
    this.bytes = new Uint8Array(capacity);
  }

  byte(b: number): void {
    this.bytes[this.length++] = b;
  }

  ascii(text: Uint8Array): void {
    for (let i = 0; i < text.length; i++) this.bytes[this.length++] = text[i]!;
  }

  copy(from: Uint8Array, start: number, length: number): void {
    this.bytes.set(from.subarray(start, start + length), this.length);
    this.length += length;
  }

  /** A non-negative integer in decimal. */
  int(n: number): void {
    let digits = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
    let at = this.length + digits;
    this.length = at;
    do {
      this.bytes[--at] = 48 + (n % 10);
      n = Math.floor(n / 10);
    } while (n > 0);
  }

  /** An integer field followed by a tab. */
  field(n: number): void {
    this.int(n);
    this.bytes[this.length++] = TAB;
  }

  /** A copy of what was written, and an empty buffer for what comes next. */
  take(): Uint8Array {
    const chunk = this.bytes.slice(0, this.length);
    this.length = 0;
    return chunk;
  }
}

/**
 * Unique IDs in a scrambled order over [0, 5 x rows), like the real file's 2,240 IDs spread over
 * 0..11191: a step coprime with the range walks every value once.
 */
function idSequence(rows: number, rng: Random): { next(): number } {
  const range = Math.max(16, rows * 5);
  let step = Math.floor(range * 0.618_033_988_75) + rng.below(1000);
  while (gcd(step, range) !== 1) step++;
  let id = rng.below(range);
  return {
    next() {
      const current = id;
      id = (id + step) % range;
      return current;
    },
  };
}

function checkRows(rows: number): number {
  if (!Number.isSafeInteger(rows) || rows < 0) throw new RangeError(`rows must be a whole number >= 0, got ${rows}`);
  return rows;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function logistic(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
