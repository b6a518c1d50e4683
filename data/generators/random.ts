/**
 * A small seeded pseudo-random generator for the synthetic-data generators: sfc32 (Chris
 * Doty-Humphrey's "small fast counting" generator, 128-bit state, passes PractRand), seeded through
 * splitmix32 so that nearby seeds give unrelated streams.
 *
 * Written here rather than taken from a package because no runtime dependency offers one (pure-rand
 * is only a transitive dependency of fast-check, a dev dependency), it is twenty lines, and the
 * generators call it tens of millions of times, where a monomorphic class V8 can inline matters.
 * Not for cryptography.
 *
 * @example
 * const rng = new Random(42);
 * rng.float(); // the same first value for seed 42, on every machine
 * rng.normal(50_000, 20_000);
 */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare = Number.NaN;

  /** @param seed any integer; the same seed always gives the same sequence. */
  constructor(seed: number) {
    let s = Math.trunc(seed) >>> 0;
    // splitmix32 spreads the seed over the four state words
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
      return (z ^ (z >>> 15)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** The next 32-bit unsigned integer. */
  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A float uniform in [0, 1). */
  float(): number {
    return this.uint32() / 4294967296;
  }

  /** An integer uniform in [0, n). */
  below(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** A normal deviate (Box-Muller, the second value of each pair kept for the next call). */
  normal(mean = 0, sd = 1): number {
    let z = this.spare;
    if (Number.isNaN(z)) {
      const u = 1 - this.float();
      const v = this.float();
      const r = Math.sqrt(-2 * Math.log(u));
      z = r * Math.cos(2 * Math.PI * v);
      this.spare = r * Math.sin(2 * Math.PI * v);
    } else {
      this.spare = Number.NaN;
    }
    return mean + sd * z;
  }

  /**
   * An index drawn from cumulative weights (`cumulative[i]` is the sum of weights 0..i, the last
   * entry the total), as built by {@link cumulativeWeights}.
   */
  pick(cumulative: readonly number[]): number {
    const x = this.float() * cumulative[cumulative.length - 1]!;
    let i = 0;
    while (x >= cumulative[i]! && i < cumulative.length - 1) i++;
    return i;
  }
}

/**
 * Running sums of `weights`, the form {@link Random.pick} draws from.
 *
 * @example
 * const rng = new Random(7);
 * const colours = ['red', 'green', 'blue'] as const;
 * const colour = colours[rng.pick(cumulativeWeights([0.5, 0.3, 0.2]))];
 */
export function cumulativeWeights(weights: readonly number[]): number[] {
  let sum = 0;
  return weights.map((w) => (sum += w));
}
