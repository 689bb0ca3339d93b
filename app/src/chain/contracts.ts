/**
 * Typed contracts from the compiled artifacts' ABIs (virtual:ballast-abis) and typechain's types.
 * The typechain imports are type-only: the bundle gets no factory and no bytecode.
 */
import { Contract, Interface } from "ethers";
import type { ContractRunner } from "ethers";
import {
  breakersAbi,
  erc20Abi,
  oracleAbi,
  policyAbi,
  rebalancerAbi,
  routerAbi,
  timelockAbi,
  vaultAbi,
} from "virtual:ballast-abis";

import type {
  BallastBreakers,
  BallastPolicy,
  BallastRebalancer,
  BallastRouter,
  BallastVault,
  ERC20,
  TimelockController,
} from "../../../typechain-types";

export const vaultInterface = new Interface(vaultAbi);
export const rebalancerInterface = new Interface(rebalancerAbi);
export const policyInterface = new Interface(policyAbi);
export const breakersInterface = new Interface(breakersAbi);
export const routerInterface = new Interface(routerAbi);
export const timelockInterface = new Interface(timelockAbi);
export const erc20Interface = new Interface(erc20Abi);
export const oracleInterface = new Interface(oracleAbi);

/** Every ABI whose errors a failed call may carry, the router's first (it wraps the vault). */
export const ERROR_INTERFACES: readonly Interface[] = [
  routerInterface,
  vaultInterface,
  rebalancerInterface,
  policyInterface,
  breakersInterface,
  oracleInterface,
  erc20Interface,
  timelockInterface,
];

export const vaultAt = (address: string, runner: ContractRunner) =>
  new Contract(address, vaultInterface, runner) as unknown as BallastVault;
export const rebalancerAt = (address: string, runner: ContractRunner) =>
  new Contract(address, rebalancerInterface, runner) as unknown as BallastRebalancer;
export const policyAt = (address: string, runner: ContractRunner) =>
  new Contract(address, policyInterface, runner) as unknown as BallastPolicy;
export const breakersAt = (address: string, runner: ContractRunner) =>
  new Contract(address, breakersInterface, runner) as unknown as BallastBreakers;
export const routerAt = (address: string, runner: ContractRunner) =>
  new Contract(address, routerInterface, runner) as unknown as BallastRouter;
export const timelockAt = (address: string, runner: ContractRunner) =>
  new Contract(address, timelockInterface, runner) as unknown as TimelockController;
export const erc20At = (address: string, runner: ContractRunner) =>
  new Contract(address, erc20Interface, runner) as unknown as ERC20;
