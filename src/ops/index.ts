/**
 * Operator commands for a Ballast vault, as functions (the Hardhat tasks in `tasks/ops.ts` and
 * `tasks/governance.ts` parse parameters, call these and print): status, deposit, redeem,
 * redeem in kind, rebalance, and timelocked governance with Safe Transaction Builder files.
 *
 * This module imports typechain-types: tasks load it lazily, inside their actions.
 */
export * from "./calls";
export * from "./context";
export * from "./errors";
export * from "./flows";
export * from "./governance";
export * from "./safe";
export * from "./send";
export * from "./status";
export * from "./timelock";
export * from "./units";
