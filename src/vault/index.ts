export * from "./deployVault";
export * from "./routes";
