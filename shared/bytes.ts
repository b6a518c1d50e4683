/**
 * A byte buffer that grows as bytes are appended: what the CSV and Parquet writers fill before a
 * file is written in one piece.
 */

/**
 * Appends bytes, doubling (or `growth` times) its storage as needed; `view()` is what was written.
 * Writers that pack values themselves may write into `buf` after `ensure` and move `length`.
 *
 * @example
 * const out = new ByteBuffer(16);
 * out.bytes(new TextEncoder().encode('ID\n'));
 * out.byte(0x31);
 * out.view(); // Uint8Array [73, 68, 10, 49]
 */
export class ByteBuffer {
  buf: Uint8Array;
  length = 0;

  constructor(
    initial = 1024,
    private readonly growth = 2,
  ) {
    this.buf = new Uint8Array(initial);
  }

  /** Makes room for `extra` more bytes. */
  ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.length + extra, Math.floor(this.buf.length * this.growth)));
    grown.set(this.buf.subarray(0, this.length));
    this.buf = grown;
  }

  byte(value: number): void {
    this.ensure(1);
    this.buf[this.length++] = value;
  }

  bytes(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    if (bytes.length < 16) {
      // a short copy by hand: TypedArray.set costs more than the bytes for a field or two
      for (let i = 0; i < bytes.length; i++) this.buf[this.length + i] = bytes[i]!;
    } else {
      this.buf.set(bytes, this.length);
    }
    this.length += bytes.length;
  }

  /** What was written (a view, not a copy). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}
