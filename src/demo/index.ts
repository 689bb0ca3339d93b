/**
 * The demo (`npm start`): a market scenario played against a vault on a local chain, and its report
 * (`npm run node`'s deployment too). The pure parts (scenarios, options, report) load anywhere; its
 * random numbers and price paths are the strategy lab's (src/sim: `Rng`, `generatePath`).
 * `runScenario` and `deployDevnet` need the Hardhat runtime and typechain-types, so Hardhat tasks
 * import this module inside their action, never at the top.
 */
export * from "./scenarios";
export * from "./options";
export * from "./types";
export * from "./format";
export * from "./report";
export * from "./adversaryTables";
export * from "./keeperTables";
export * from "./chart";
export * from "./run";
export * from "./start";
