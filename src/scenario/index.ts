/**
 * The scenario simulator (`npm start`). The pure parts (PRNG, price paths, scenarios, options,
 * report) load anywhere; `runScenario` and `deployDevnet` need the Hardhat runtime and
 * typechain-types, so Hardhat tasks import this module inside their action, never at the top.
 */
export * from "./random";
export * from "./prices";
export * from "./scenarios";
export * from "./options";
export * from "./types";
export * from "./format";
export * from "./report";
export * from "./adversaryTables";
export * from "./keeperTables";
export * from "./chart";
export * from "./simulation";
export * from "./start";
