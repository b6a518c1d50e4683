import { describe, expect, it } from 'vitest';
import { ByteBuffer } from '../../shared/bytes.js';

describe('ByteBuffer', () => {
  it('keeps every byte appended, in order, across growth', () => {
    const out = new ByteBuffer(2, 1.5);
    const expected: number[] = [];
    for (let i = 0; i < 500; i++) {
      if (i % 3 === 0) {
        out.byte(i & 0xff);
        expected.push(i & 0xff);
      } else {
        const chunk = Uint8Array.from({ length: i % 40 }, (_, j) => (i + j) & 0xff);
        out.bytes(chunk);
        expected.push(...chunk);
      }
    }
    expect([...out.view()]).toEqual(expected);
    expect(out.length).toBe(expected.length);
  });

  it('lets a writer fill the buffer itself after ensure', () => {
    const out = new ByteBuffer(1);
    out.ensure(3);
    out.buf.set([1, 2, 3], out.length);
    out.length += 3;
    out.byte(4);
    expect([...out.view()]).toEqual([1, 2, 3, 4]);
  });
});
