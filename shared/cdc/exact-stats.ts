/**
 * Exact sufficient statistics of a table of integer rows: every sum of products `Σ v_i v_j` of the
 * augmented vector `v = [1, q_1 .. q_F, y]` (so the matrix holds the count, the sums, the sums of
 * squares and cross-products, and the label's sums too), kept EXACTLY.
 *
 * Why exact: an insert followed by a delete must leave the statistics where they were, bit for bit,
 * whatever happened in between. Floating-point sums do not (each addition rounds), and their error
 * grows with the number of changes and is amplified by the centring `Σx² - n·x̄²`. Integer sums
 * make the incremental state equal to a from-scratch one, so every derived number is equal too.
 *
 * How, cheaply: each stored value q (|q| < 2^31) is split as `q = a·2^16 + b` with `0 <= b < 2^16`;
 * a product then is `a·a'·2^32 + (a·b' + b·a')·2^16 + b·b'`, three terms below 2^32 each, added into
 * three float64 "limbs" (hi, mid, lo) that stay exact integers below 2^53. Carrying between limbs
 * every 2^19 rows (and before any read) keeps them in range. The cost per row is about
 * 3·N(N+1)/2 multiply-adds for its N nonzero values (about half of the model's 42), and an update
 * touches only the sums of the values it changes (`update`), against ~15 µs a row with BigInt.
 */

const LIMB = 65536;
/** Rows between carries: each add moves a limb by < 2^32, so 2^19 of them stay below 2^52. */
const CARRY_EVERY = 2 ** 19;

/** The serialised form: the upper triangle of the matrix, row by row, as decimal integer strings. */
export type StatsJson = readonly string[];

/**
 * Exact `Σ v vᵀ` over the rows added, minus those removed (see the module comment).
 *
 * @example
 * const stats = new ExactStats(2); // rows of 2 features + label
 * stats.add([150, 3, 1]);
 * stats.add([250, 1, 0]);
 * stats.count(); // 2
 * stats.remove([250, 1, 0]);
 * stats.equals(ExactStats.of(2, [[150, 3, 1]])); // true
 */
export class ExactStats {
  /** Number of features F; rows have F + 1 elements (features, label). */
  readonly features: number;
  /** Size of the augmented vector `[1, features, label]`. */
  readonly dim: number;
  private readonly hi: Float64Array;
  private readonly mid: Float64Array;
  private readonly lo: Float64Array;
  private readonly a: Float64Array;
  private readonly b: Float64Array;
  /** The old row's limbs in {@link update}. */
  private readonly oa: Float64Array;
  private readonly ob: Float64Array;
  /** Where row i of the upper triangle starts in the packed limbs. */
  private readonly rowStart: Int32Array;
  /** Indices of a row's nonzero values, and of the values an update changes. */
  private readonly picked: Int32Array;
  /** In an update: indices where the old or the new row is nonzero (only their products can move). */
  private readonly live: Int32Array;
  private readonly changed: Uint8Array;
  private pending = 0;

  constructor(features: number) {
    this.features = features;
    this.dim = features + 2;
    const size = (this.dim * (this.dim + 1)) / 2;
    this.hi = new Float64Array(size);
    this.mid = new Float64Array(size);
    this.lo = new Float64Array(size);
    this.a = new Float64Array(this.dim);
    this.b = new Float64Array(this.dim);
    this.oa = new Float64Array(this.dim);
    this.ob = new Float64Array(this.dim);
    this.rowStart = Int32Array.from({ length: this.dim }, (_, i) => i * this.dim - (i * (i - 1)) / 2);
    this.picked = new Int32Array(this.dim);
    this.live = new Int32Array(this.dim);
    this.changed = new Uint8Array(this.dim);
  }

  /**
   * Statistics of a whole table, built row by row.
   *
   * @example
   * ExactStats.of(1, [[100, 0], [300, 1]]).count(); // 2
   */
  static of(features: number, rows: Iterable<ArrayLike<number>>): ExactStats {
    const stats = new ExactStats(features);
    for (const row of rows) stats.add(row);
    return stats;
  }

  /**
   * Reads the serialised form written by {@link toJSON}.
   *
   * @example
   * const copy = ExactStats.fromJSON(2, stats.toJSON());
   */
  static fromJSON(features: number, json: StatsJson): ExactStats {
    const stats = new ExactStats(features);
    if (!Array.isArray(json) || json.length !== stats.hi.length) {
      throw new RangeError(`statistics have ${Array.isArray(json) ? json.length : 'no'} entries, expected ${stats.hi.length}`);
    }
    json.forEach((text, k) => {
      if (typeof text !== 'string' || !/^-?\d+$/.test(text)) throw new RangeError(`statistics entry ${k} is not an integer: ${String(text)}`);
      let v = BigInt(text);
      stats.lo[k] = Number(v & 0xffffn);
      v >>= 16n;
      stats.mid[k] = Number(v & 0xffffn);
      stats.hi[k] = Number(v >> 16n);
    });
    return stats;
  }

  /** Adds a row `[q_1 .. q_F, y]` of integers below 2^31 in magnitude (or takes it out: sign -1). */
  add(row: ArrayLike<number>, sign: 1 | -1 = 1): void {
    const { dim, a, b, hi, mid, lo, rowStart, picked } = this;
    if (row.length !== dim - 1) throw new RangeError(`a row has ${row.length} values, expected ${dim - 1}`);
    // only the products of nonzero values move a sum: a customer's row is about half zeros (one-hot
    // levels, campaigns not accepted), so this visits about a quarter of the triangle
    a[0] = 0;
    b[0] = 1;
    picked[0] = 0;
    let n = 1;
    for (let i = 1; i < dim; i++) {
      const q = row[i - 1]!;
      if (q === 0) continue;
      const high = Math.floor(q / LIMB);
      a[i] = high;
      b[i] = q - high * LIMB;
      picked[n++] = i;
    }
    for (let x = 0; x < n; x++) {
      const i = picked[x]!;
      const ai = sign * a[i]!;
      const bi = sign * b[i]!;
      const base = rowStart[i]! - i;
      for (let y = x; y < n; y++) {
        const j = picked[y]!;
        const k = base + j;
        const aj = a[j]!;
        const bj = b[j]!;
        hi[k] += ai * aj;
        mid[k] += ai * bj + bi * aj;
        lo[k] += bi * bj;
      }
    }
    if (++this.pending >= CARRY_EVERY) this.carry();
  }

  /**
   * Replaces a row by another: the same sums as `remove(old)` then `add(row)`, but only the sums
   * of products involving a value that differs are touched (an update changes a few values, so
   * this is several times cheaper than taking the whole row out and putting it back).
   *
   * @example
   * stats.update([150, 3, 1], [150, 4, 1]); // as stats.remove([150, 3, 1]); stats.add([150, 4, 1])
   */
  update(old: ArrayLike<number>, row: ArrayLike<number>): void {
    const { dim, a, b, oa, ob, hi, mid, lo, rowStart, picked, live, changed } = this;
    if (row.length !== dim - 1 || old.length !== dim - 1) throw new RangeError(`a row has ${row.length === dim - 1 ? old.length : row.length} values, expected ${dim - 1}`);
    a[0] = 0;
    b[0] = 1;
    oa[0] = 0;
    ob[0] = 1;
    let n = 0;
    // the constant 1 of the augmented vector is always live
    live[0] = 0;
    let m = 1;
    for (let i = 1; i < dim; i++) {
      const q = row[i - 1]!;
      const p = old[i - 1]!;
      // zero in both rows: no product with it moves (a row is about half zeros)
      if (q === 0 && p === 0) continue;
      live[m++] = i;
      let high = Math.floor(q / LIMB);
      a[i] = high;
      b[i] = q - high * LIMB;
      high = Math.floor(p / LIMB);
      oa[i] = high;
      ob[i] = p - high * LIMB;
      changed[i] = q === p ? 0 : 1;
      if (q !== p) picked[n++] = i;
    }
    for (let x = 0; x < n; x++) {
      const d = picked[x]!;
      const ad = a[d]!;
      const bd = b[d]!;
      const oad = oa[d]!;
      const obd = ob[d]!;
      for (let y = 0; y < m; y++) {
        const j = live[y]!;
        // a pair of two changed values is visited once, from its smaller index
        if (changed[j] === 1 && j < d) continue;
        const k = j >= d ? rowStart[d]! + j - d : rowStart[j]! + d - j;
        const aj = a[j]!;
        const bj = b[j]!;
        const oaj = oa[j]!;
        const obj = ob[j]!;
        hi[k] += ad * aj - oad * oaj;
        mid[k] += ad * bj + bd * aj - (oad * obj + obd * oaj);
        lo[k] += bd * bj - obd * obj;
      }
    }
    for (let x = 0; x < n; x++) changed[picked[x]!] = 0;
    // each sum moved by a product out and one in: two rows' worth towards the carry
    this.pending += 2;
    if (this.pending >= CARRY_EVERY) this.carry();
  }

  /** Takes a row out (the inverse of {@link add}). */
  remove(row: ArrayLike<number>): void {
    this.add(row, -1);
  }

  /** Adds another table's statistics (the union of two disjoint tables). */
  merge(other: ExactStats): void {
    if (other.dim !== this.dim) throw new RangeError(`cannot merge statistics of ${other.features} features into ${this.features}`);
    this.carry();
    other.carry();
    for (let k = 0; k < this.hi.length; k++) {
      this.hi[k] += other.hi[k]!;
      this.mid[k] += other.mid[k]!;
      this.lo[k] += other.lo[k]!;
    }
    this.pending = 1;
    this.carry();
  }

  /** An independent copy. */
  clone(): ExactStats {
    this.carry();
    const copy = new ExactStats(this.features);
    copy.hi.set(this.hi);
    copy.mid.set(this.mid);
    copy.lo.set(this.lo);
    return copy;
  }

  /** Number of rows (the `Σ 1·1` entry). */
  count(): number {
    this.carry();
    return this.hi[0]! * LIMB * LIMB + this.mid[0]! * LIMB + this.lo[0]!;
  }

  /** Whether both hold exactly the same sums. */
  equals(other: ExactStats): boolean {
    if (other.dim !== this.dim) return false;
    this.carry();
    other.carry();
    for (let k = 0; k < this.hi.length; k++) {
      if (this.hi[k] !== other.hi[k] || this.mid[k] !== other.mid[k] || this.lo[k] !== other.lo[k]) return false;
    }
    return true;
  }

  /** The exact sums as a symmetric `dim x dim` matrix of BigInts, `m[i][j] = Σ v_i v_j`. */
  matrix(): bigint[][] {
    this.carry();
    const m: bigint[][] = Array.from({ length: this.dim }, () => new Array<bigint>(this.dim));
    let k = 0;
    for (let i = 0; i < this.dim; i++) {
      for (let j = i; j < this.dim; j++, k++) {
        const v = (BigInt(this.hi[k]!) << 32n) + (BigInt(this.mid[k]!) << 16n) + BigInt(this.lo[k]!);
        m[i]![j] = v;
        m[j]![i] = v;
      }
    }
    return m;
  }

  /** The serialised form: exact decimal strings of the upper triangle. */
  toJSON(): StatsJson {
    this.carry();
    const { hi, mid, lo } = this;
    const out = new Array<string>(hi.length);
    for (let k = 0; k < hi.length; k++) {
      // after a carry mid and lo are in [0, 2^16): below 2^20 in hi the sum is an exact double, and
      // printing it needs no BigInt (written once per batch, for ~900 sums, this was most of a commit)
      const h = hi[k]!;
      out[k] = Math.abs(h) < 2 ** 20 ? String(h * 2 ** 32 + mid[k]! * LIMB + lo[k]!) : ((BigInt(h) << 32n) + (BigInt(mid[k]!) << 16n) + BigInt(lo[k]!)).toString();
    }
    return out;
  }

  // Moves whole multiples of 2^16 from lo to mid and from mid to hi; exact, as every limb is an
  // integer below 2^53 and the divisor is a power of two.
  private carry(): void {
    if (this.pending === 0) return;
    const { hi, mid, lo } = this;
    for (let k = 0; k < hi.length; k++) {
      let c = Math.floor(lo[k]! / LIMB);
      lo[k] -= c * LIMB;
      mid[k] += c;
      c = Math.floor(mid[k]! / LIMB);
      mid[k] -= c * LIMB;
      hi[k] += c;
    }
    this.pending = 0;
  }
}
