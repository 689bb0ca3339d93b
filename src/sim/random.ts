import { SimError } from "./errors";

/**
 * A seeded pseudo-random generator: xoshiro128** (Blackman and Vigna), seeded through splitmix32.
 * Chosen over Math.random because every simulation must replay exactly from its seed (a backtest
 * that compares policies runs them all on the same path, and a failing test must be reproducible),
 * and over a cryptographic generator because the inner loop draws millions of normals per second.
 * All state is four 32-bit integers, so the generator never allocates after construction.
 *
 * The one generator of the project (issue 18): the lab's paths, and `npm start`'s prices, flows and
 * the devnet's ticks, each from a {@link Rng.fork} of the run's seed.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** The second normal of the last polar-method pair, used by the next call. */
  private spare = 0;
  private hasSpare = false;

  constructor(readonly seed: number | string) {
    let x = typeof seed === "string" ? hashString(seed) : seed;
    if (typeof seed === "number" && (!Number.isFinite(seed) || !Number.isInteger(seed))) {
      throw new SimError(`seed: ${String(seed)} must be an integer or a string`);
    }
    x = x >>> 0;
    const next = (): number => {
      // splitmix32: decorrelates nearby seeds (1, 2, 3...) before they reach the main state.
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** Next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits (two draws), so tail probabilities are not quantised. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [min, max). */
  between(min: number, max: number): number {
    return min + (max - min) * this.uniform();
  }

  /** A uniform integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.uniform() * (max - min + 1));
  }

  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new SimError("pick: the array is empty");
    return items[Math.floor(this.uniform() * items.length)];
  }

  /** Log-uniform in [min, max): sizes spread over orders of magnitude, small ones as likely per decade. */
  logUniform(min: number, max: number): number {
    return Math.exp(this.between(Math.log(min), Math.log(max)));
  }

  /**
   * An independent generator for one part of a simulation, seeded from this one's seed and a label
   * (`seed/label`), so that, for example, how depositors behave never shifts the price path.
   */
  fork(label: string): Rng {
    return new Rng(`${String(this.seed)}/${label}`);
  }

  /** Standard normal by Marsaglia's polar method (no trigonometry; the pair's second value is kept). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * m;
    this.hasSpare = true;
    return u * m;
  }

  /**
   * Fills `out` with independent standard normals (polar method, both values of each pair used).
   * The path generators' hot loop: one call per step keeps the state in registers.
   */
  fillNormal(out: Float64Array): void {
    const n = out.length;
    let i = 0;
    if (this.hasSpare && n > 0) {
      out[i++] = this.spare;
      this.hasSpare = false;
    }
    while (i < n) {
      const u = 2 * this.uniform() - 1;
      const v = 2 * this.uniform() - 1;
      const s = u * u + v * v;
      if (s >= 1 || s === 0) continue;
      const m = Math.sqrt((-2 * Math.log(s)) / s);
      out[i++] = u * m;
      if (i < n) out[i++] = v * m;
      else {
        this.spare = v * m;
        this.hasSpare = true;
      }
    }
  }

  /** Poisson(mean) by inversion: the simulator only asks for small means (jumps within one step). */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 30) {
      // Not used by the path generators (one step holds far fewer jumps); a normal approximation
      // keeps the method total rather than looping for ever.
      return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    }
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.uniform();
    while (p > limit) {
      k++;
      p *= this.uniform();
    }
    return k;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** FNV-1a of a string: lets a seed be a readable label ("backtest-2024"). */
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
