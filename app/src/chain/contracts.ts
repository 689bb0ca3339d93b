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

/** A typed contract over `iface`: typechain's type on a plain ethers Contract, so the bundle carries only the ABI. */
function contractAt<T>(iface: Interface): (address: string, runner: ContractRunner) => T {
  return (address, runner) => new Contract(address, iface, runner) as unknown as T;
}

export const vaultAt = contractAt<BallastVault>(vaultInterface);
export const rebalancerAt = contractAt<BallastRebalancer>(rebalancerInterface);
export const policyAt = contractAt<BallastPolicy>(policyInterface);
export const breakersAt = contractAt<BallastBreakers>(breakersInterface);
export const routerAt = contractAt<BallastRouter>(routerInterface);
export const timelockAt = contractAt<TimelockController>(timelockInterface);
export const erc20At = contractAt<ERC20>(erc20Interface);
