import { describe, expect, it } from 'vitest';
import { civilFromDays, daysFromCivil, isoDate, NOT_A_DATE, parseDateBytes, yearOfDays } from '../../../shared/csv/index.js';

const parse = (text: string) => parseDateBytes(new TextEncoder().encode(text), 0, text.length);

describe('day numbers', () => {
  it('counts days from 1970-01-01 like Date.UTC, over four centuries', () => {
    for (let days = -146097; days <= 146097; days += 97) {
      const [y, m, d] = civilFromDays(days);
      expect(Date.UTC(y, m - 1, d) / 86_400_000).toBe(days);
      expect(daysFromCivil(y, m, d)).toBe(days);
    }
  });

  it('formats ISO dates and years', () => {
    expect(isoDate(15587)).toBe('2012-09-04');
    expect(isoDate(daysFromCivil(2000, 2, 29))).toBe('2000-02-29');
    expect(yearOfDays(daysFromCivil(2014, 12, 31))).toBe(2014);
  });
});

describe('parseDateBytes', () => {
  it.each([
    ['04-09-2012', '2012-09-04'],
    ['2012-09-04', '2012-09-04'],
    ['04/09/2012', '2012-09-04'],
    ['4-9-2012', '2012-09-04'],
    ['2012-9-4', '2012-09-04'],
    ['29-02-2012', '2012-02-29'],
    ['29/02/2000', '2000-02-29'],
  ])('reads %s', (text, iso) => {
    expect(isoDate(parse(text))).toBe(iso);
  });

  it.each(['31-02-2013', '29-02-2013', '29-02-1900', '00-01-2012', '01-13-2012', '2012/09/04', '04-09/2012', '04.09.2012', '2012-09-04T00:00', '12-09-04', '', '04-09-20121', 'abc'])(
    'rejects %j',
    (text) => {
      expect(parse(text)).toBe(NOT_A_DATE);
    },
  );
});
