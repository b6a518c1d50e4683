import { describe, expect, it } from 'vitest';
import { rejectsCsv } from '../../../shared/preprocess/outputs.js';
import { EXAMPLES_PER_REASON, rejectExamples } from '../../../shared/report/preprocess-view.js';

describe('rejectExamples', () => {
  it("reads back rejects.csv's lines with their raw text exactly, a few per reason code, in file order", () => {
    const raw = '<script>alert("x")</script>\tsecond, "quoted"\nline';
    const bytes = rejectsCsv([
      { line: 3, code: 'column-count', message: 'expected 29 fields, found 2', raw },
      ...Array.from({ length: 5 }, (_, i) => ({ line: 10 + i, code: 'implausible-age', message: `age ${120 + i}`, raw: `row ${i}` })),
    ]);
    const examples = rejectExamples(bytes);
    expect(examples.get('column-count')).toEqual([{ line: 3, reason: 'column-count: expected 29 fields, found 2', raw }]);
    expect(examples.get('implausible-age')!.map((e) => e.line)).toEqual([10, 11, 12].slice(0, EXAMPLES_PER_REASON));
  });

  it('gives no examples for an empty or unreadable file rather than failing the report', () => {
    expect(rejectExamples(new Uint8Array()).size).toBe(0);
    expect(rejectExamples(Uint8Array.of(0xff, 0xfe, 0x00)).size).toBe(0);
  });
});
