/**
 * Every invalid input to the simulator is refused with a SimError naming the offending field, so a
 * mistyped backtest flag or CSV cell fails at once with a message, never as NaN in a results table.
 */
export class SimError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SimError";
  }
}

/** Throws a SimError unless `value` is a finite number in [min, max]. */
export function checkNumber(what: string, value: number, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new SimError(`${what}: ${String(value)} must be a number in [${min}, ${max}]`);
  }
  return value;
}

/** Throws a SimError unless `value` is an integer in [min, max]. */
export function checkInteger(what: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new SimError(`${what}: ${String(value)} must be an integer in [${min}, ${max}]`);
  }
  return value;
}
