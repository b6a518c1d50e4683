/**
 * Calendar dates as whole days since 1970-01-01 (proleptic Gregorian, no time zone), parsed
 * straight from bytes. Accepted forms: `yyyy-mm-dd`, `dd-mm-yyyy` and `dd/mm/yyyy` (day and month
 * may have one digit).
 */

/**
 * Days since 1970-01-01 of a civil date (H. Hinnant's `days_from_civil`); no validation.
 *
 * @example
 * daysFromCivil(2012, 9, 4); // 15587
 */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * The civil date of a day number (inverse of {@link daysFromCivil}).
 *
 * @example
 * civilFromDays(15587); // [2012, 9, 4]
 */
export function civilFromDays(days: number): [year: number, month: number, day: number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

/**
 * The year of a day number.
 *
 * @example
 * yearOfDays(15587); // 2012
 */
export function yearOfDays(days: number): number {
  return civilFromDays(days)[0];
}

/**
 * ISO `yyyy-mm-dd` of a day number (years 0..9999).
 *
 * @example
 * isoDate(15587); // '2012-09-04'
 */
export function isoDate(days: number): string {
  const [y, m, d] = civilFromDays(days);
  return `${String(y).padStart(4, '0')}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`;
}

const daysIn = (year: number, month: number): number =>
  month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;

/** Returned by {@link parseDateBytes} when the bytes are not a date in an accepted form. */
export const NOT_A_DATE = -0x80000000;

/**
 * Parses `bytes[start, end)` as a date in one of the accepted forms and returns its day number,
 * or {@link NOT_A_DATE} (wrong shape, or an impossible date such as 31-02-2013).
 *
 * @example
 * parseDateBytes(new TextEncoder().encode('04-09-2012'), 0, 10); // 15587
 */
export function parseDateBytes(bytes: Uint8Array, start: number, end: number): number {
  // three digit groups split by one separator, '-' or '/', used twice
  const a = digits(bytes, start, end);
  if (a.end >= end) return NOT_A_DATE;
  const sep = bytes[a.end]!;
  if (sep !== 45 /* - */ && sep !== 47 /* / */) return NOT_A_DATE;
  const b = digits(bytes, a.end + 1, end);
  if (b.end >= end || bytes[b.end] !== sep) return NOT_A_DATE;
  const c = digits(bytes, b.end + 1, end);
  if (c.end !== end) return NOT_A_DATE;
  let year: number;
  let day: number;
  if (a.length === 4 && sep === 45 && short(b) && short(c)) {
    year = a.value;
    day = c.value;
  } else if (c.length === 4 && short(a) && short(b)) {
    year = c.value;
    day = a.value;
  } else {
    return NOT_A_DATE;
  }
  const month = b.value;
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return NOT_A_DATE;
  return daysFromCivil(year, month, day);
}

const short = (group: Digits): boolean => group.length === 1 || group.length === 2;

interface Digits {
  value: number;
  length: number;
  /** Offset after the last digit. */
  end: number;
}

/** Reads up to five ASCII digits from `p`. */
function digits(bytes: Uint8Array, p: number, end: number): Digits {
  let value = 0;
  let length = 0;
  while (p < end && length < 5) {
    const digit = bytes[p]! - 48;
    if (digit < 0 || digit > 9) break;
    value = value * 10 + digit;
    length++;
    p++;
  }
  return { value, length, end: p };
}
