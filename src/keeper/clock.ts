/**
 * The keeper's time. Everything in the keeper that measures time (replacement by age, the idle
 * tick, `runOnce`'s deadline, log timestamps) reads the injected clock, so that tests and the
 * simulation, whose clock is the chain's, drive it; this is the only place that reads wall time.
 */

/** Milliseconds since the epoch. */
export type Clock = () => number;

/** Wall time: the clock when none is injected. */
export const systemClock: Clock = () => Date.now();

/** A reading of a clock as an ISO-8601 timestamp. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
