/** The build-time modules of app/vite.config.ts. */
declare module "virtual:ballast-abis" {
  import type { InterfaceAbi } from "ethers";
  export const vaultAbi: InterfaceAbi;
  export const rebalancerAbi: InterfaceAbi;
  export const policyAbi: InterfaceAbi;
  export const breakersAbi: InterfaceAbi;
  export const routerAbi: InterfaceAbi;
  export const timelockAbi: InterfaceAbi;
  export const erc20Abi: InterfaceAbi;
  export const oracleAbi: InterfaceAbi;
}

declare module "virtual:ballast-chains" {
  import type { ChainConfig } from "./chain/config";
  export const chains: ChainConfig[];
}
declare module "*.css";
