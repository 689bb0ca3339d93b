export * from "./deployVault";
export * from "./routes";
export * from "./feedRounds";
export * from "./prices";
