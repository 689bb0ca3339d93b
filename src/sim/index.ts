/**
 * Ballast's strategy lab: a simulator whose rebalancing policy is the vault's own (see
 * docs/simulator.md). Pure TypeScript: no Hardhat, no chain, so it runs in tests, tasks and
 * benchmarks alike.
 */
export * from "./errors";
export * from "./random";
export * from "./linalg";
export * from "./paths";
export * from "./feeds";
export * from "./csv";
export * from "./uniswap";
export * from "./market";
export * from "./policies";
export * from "./simulate";
export * from "./breakers";
export * as vaultModel from "./vaultModel";
export * from "./report";
export * from "./runningCost";
export * from "./backtest";
export * from "./sweep";
export * from "./flows";
