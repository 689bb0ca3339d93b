/**
 * The contracts' enums, by value, for everything off chain that reads them: the keeper, the operator
 * tasks, `npm start`, the lab's vault model, the app and the tests. Pure (no node, no hardhat, no
 * typechain-types): the app's browser bundle imports it, and so can code that runs before compiling.
 *
 * Written out rather than generated so that it needs no build step; test/enums.test.ts holds every
 * table to the compiler's AST, and fails when a member is added, removed, renamed or moved, or when
 * a contract's ABI carries an enum that has no table here.
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

/** `IBallastErrors.Parameter`, by value: which bound a `BallastParameterOutOfRange` is about. */
export const PARAMETER_NAMES = [
  "SlippageBps",
  "MaxTradeBps",
  "MaxLossBps",
  "MinTradeValue",
  "TriggerBandBps",
  "Heartbeat",
  "TargetBandBps",
  "Cooldown",
  "CalendarInterval",
  "ReferenceVolBps",
  "MinBandBps",
  "MaxBandBps",
  "AveragingTime",
  "MinObservationInterval",
  "TwapWindow",
  "MaxOracleTwapDeviationBps",
  "MaxSpotTwapTicks",
  "MaxMoveBps",
  "MoveWindow",
  "BreakerCooldown",
  "SequencerGracePeriod",
  "RampDuration",
  "BenefitPerBpWad",
  "MaxCostRatioBps",
  "GasBase",
  "GasPerHop",
  "ManagementFeeBps",
  "EntryFeeBps",
  "ExitFeeBps",
  "MaxPoolGapBps",
  "RampStart",
  "DeviationBps",
  "RewardPremiumBps",
  "MaxRewardBps",
  "MaxReward",
  "MinDriftCutBps",
  "CostToleranceBps",
] as const;
export type ParameterName = (typeof PARAMETER_NAMES)[number];

/** Each name of `T` with its position as a literal type: `{ Due: 0; DueByCalendar: 1; ... }`. */
export type EnumValues<T extends readonly string[]> = {
  readonly [I in keyof T & `${number}` as T[I] & string]: I extends `${infer N extends number}` ? N : never;
};

/** The value of each name of a table, as the ABI encodes it (a uint8). */
export function enumValues<T extends readonly string[]>(names: T): EnumValues<T> {
  return Object.fromEntries(names.map((name, value) => [name, value])) as EnumValues<T>;
}

export const Status = enumValues(STATUS_NAMES);
export const Trip = enumValues(TRIP_NAMES);
export const Parameter = enumValues(PARAMETER_NAMES);
export type StatusCode = (typeof Status)[StatusName];

/**
 * A value no table names: a contract newer than this code, or a misread. Printed with its number, so
 * that it is never mistaken for a member (an unknown status shown as "NotDue" hides a problem).
 */
export type UnknownName = `Unknown(${string})`;

function nameOf<N extends string>(names: readonly N[], value: bigint | number): N | UnknownName {
  const index = Number(value);
  return Number.isInteger(index) && index >= 0 && index < names.length ? names[index] : `Unknown(${String(value)})`;
}

/** `IBallastPolicy.Status` by name, `Unknown(n)` off the table. */
export function statusName(value: bigint | number): StatusName | UnknownName {
  return nameOf(STATUS_NAMES, value);
}

/** `IBallastBreakers.Trip` by name, `Unknown(n)` off the table. */
export function tripName(value: bigint | number): TripName | UnknownName {
  return nameOf(TRIP_NAMES, value);
}

/** `IBallastErrors.Parameter` by name, `Unknown(n)` off the table. */
export function parameterName(value: bigint | number): ParameterName | UnknownName {
  return nameOf(PARAMETER_NAMES, value);
}

/** Whether a name is one no table has. */
export function isUnknown(name: string): name is UnknownName {
  return name.startsWith("Unknown(");
}
