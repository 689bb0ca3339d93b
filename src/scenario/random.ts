/**
 * A small seeded PRNG for the scenario simulator. Pure TypeScript, no chain: the same seed gives
 * the same prices, flows and report on any machine, which is what makes a scenario reproducible
 * and its report testable. Math.random cannot be seeded, hence this.
 */

/** 2^-32: turns a uint32 into a float in [0, 1). */
const UINT32_TO_UNIT = 1 / 4_294_967_296;

/** FNV-1a over a string: derives independent sub-seeds from labels ("prices", "flows"). */
function hashLabel(label: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * mulberry32 (Tommy Ettinger): a 32-bit state, full 2^32 period, passes the usual statistical
 * batteries at the scale a simulation of a few thousand steps needs, and is four lines.
 */
export class Rng {
  private state: number;
  /** The second normal of the last Box-Muller pair, kept so that each pair costs one draw. */
  private spare: number | undefined;

  constructor(readonly seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`seed ${seed} must be an integer in [0, 4294967295]`);
    }
    this.state = seed >>> 0;
  }

  /** A uniform float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) * UINT32_TO_UNIT;
  }

  /** A uniform float in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** A uniform integer in [min, max] (both included). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("pick from an empty array");
    return items[Math.floor(this.next() * items.length)];
  }

  /** A standard normal draw (Box-Muller; the pair's second value is kept for the next call). */
  normal(): number {
    if (this.spare !== undefined) {
      const spare = this.spare;
      this.spare = undefined;
      return spare;
    }
    // 1 - next() is in (0, 1]: the log never sees 0.
    const radius = Math.sqrt(-2 * Math.log(1 - this.next()));
    const angle = 2 * Math.PI * this.next();
    this.spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  /** A log-uniform float in [min, max): deposit sizes spread over orders of magnitude. */
  logUniform(min: number, max: number): number {
    return Math.exp(this.uniform(Math.log(min), Math.log(max)));
  }

  /**
   * An independent generator for one part of the simulation, derived from this one's seed and a
   * label, so that (for example) changing how depositors behave leaves the price path unchanged.
   */
  fork(label: string): Rng {
    return new Rng((Math.imul(this.seed ^ hashLabel(label), 0x9e3779b1) ^ hashLabel(`${label}:${this.seed}`)) >>> 0);
  }
}
