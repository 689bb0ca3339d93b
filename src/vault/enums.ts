/**
 * The names of the policy's and the breakers' enums, by value, for everything off chain that reads them (the keeper,
 * the operator tasks, `npm start`). Pure: safe to import before typechain-types exist.
 */

/** `IBallastPolicy.Status`, by value. */
export const STATUS_NAMES = [
  "Due",
  "DueByCalendar",
  "NotDue",
  "Cooldown",
  "Paused",
  "PriceUnavailable",
  "BreakerTripped",
  "Uneconomic",
  "LegUnfit",
] as const;
export type StatusName = (typeof STATUS_NAMES)[number];

/** `IBallastBreakers.Trip`, by value. */
export const TRIP_NAMES = [
  "None",
  "OracleTwapDivergence",
  "SpotTwapDivergence",
  "Dislocation",
  "SequencerDown",
  "TwapUnavailable",
  "InvalidPrice",
] as const;
export type TripName = (typeof TRIP_NAMES)[number];
