/**
 * The vault's rebalancing rules, mirrored from the contracts in bigint so that the simulator decides
 * and sizes exactly what the chain would, one module a contract concern:
 *
 * - valuation.ts, VaultLogic (contracts/libraries/VaultLogic.sol): `valuationAt`, `maxDrift`,
 *   `minValueOut`;
 * - planner.ts, BallastPlanner (contracts/BallastPlanner.sol) and PlanReview: the plan, its trades,
 *   the drift it removes, and `_executeLegs`' buy scaling on the base actually received;
 * - triggers.ts, BallastPolicy's `decision` (its status, as `evaluate`) and setter bounds,
 *   BallastRebalancer's `_usableBand` (target band capped at effectiveTriggerBand / (2 (n - 1)));
 * - volatility.ts, BallastPolicy's `observe` and `effectiveTriggerBand`;
 * - costGate.ts, BallastPolicy's `assessCost` and BallastRebalancer's keeper reward;
 * - status.ts, BallastRebalancer's `rebalanceStatus`.
 *
 * Every multiplication-then-division is OpenZeppelin's `Math.mulDiv` with the contract's rounding
 * direction (math.ts); `test/sim/differential.test.ts` holds the two to the same numbers on random
 * states. Units: weights and bands in bps, prices USD WAD per whole token, values in raw base-asset
 * units, balances in each token's raw units, times in seconds.
 */
export { Status } from "../../vault/enums";
export type { StatusCode } from "../../vault/enums";
export { BPS, bps, lessBpsDown, mulDiv, WAD, weightBps, YEAR } from "./math";
export * from "./valuation";
export * from "./planner";
export * from "./triggers";
export * from "./volatility";
export * from "./costGate";
export * from "./status";
