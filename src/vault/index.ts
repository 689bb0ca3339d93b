export * from "./deployVault";
