export * from "./config";
export * from "./LocalMarket";
export * from "./uniswapMath";
