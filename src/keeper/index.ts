/**
 * The Ballast keeper bot: `Keeper` (the library), `runKeeper` (a process with signal handling) and
 * their pieces. See docs/keeper.md. Imports typechain-types: load it lazily from Hardhat tasks.
 */
export * from "./clock";
export * from "./config";
export * from "./decide";
export * from "./errors";
export * from "./fees";
export * from "./Keeper";
export * from "./logger";
export * from "./retry";
export * from "./run";
export * from "./transactions";
export * from "./types";
