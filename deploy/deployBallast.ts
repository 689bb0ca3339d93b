import type { HardhatRuntimeEnvironment } from "hardhat/types";

import type { DeployedAddresses } from "./check";
import { deployModule, deploymentIdFor, LOCAL_NETWORKS } from "./ignition";
import { ballastModule, isDirect } from "./modules/Ballast";
import type { LiveDeployment, ResolvedDeployment } from "./modules/Ballast";

/** What {@link deployBallast} deployed: the live deployment's addresses and each asset's oracle. */
export type BallastAddresses = Omit<DeployedAddresses, "timelock"> & {
  /** The governing timelock; none when an address governs directly. */
  timelock?: string;
  planner: string;
  router: string;
  /** Basket order. */
  oracles: string[];
};

/**
 * Runs the Ballast Ignition module from `resolved.deployer`: the one recipe of `npm run deploy` and
 * of `deployVault` (tests, the demo, the benchmarks). On a live network Ignition journals every
 * transaction under `deploy/deployments/<deploymentId>/` (default `chain-<id>`), so an interrupted
 * deployment resumes where it stopped and `deployed_addresses.json` records the addresses per chain id.
 */
export async function deployBallast(
  hre: HardhatRuntimeEnvironment,
  resolved: LiveDeployment,
  deploymentId?: string,
): Promise<BallastAddresses & { timelock: string }>;
export async function deployBallast(
  hre: HardhatRuntimeEnvironment,
  resolved: ResolvedDeployment,
  deploymentId?: string,
): Promise<BallastAddresses>;
export async function deployBallast(
  hre: HardhatRuntimeEnvironment,
  resolved: ResolvedDeployment,
  deploymentId?: string,
): Promise<BallastAddresses> {
  // A direct admin is for the in-process network and a local node (tests, the demo): on any other
  // chain only a timelock may govern, whatever the caller's types said.
  if (isDirect(resolved.governance) && !LOCAL_NETWORKS.has(hre.network.name)) {
    throw new Error(`a direct admin governs only on a local network, not on ${hre.network.name}: deploy a timelock`);
  }
  const deployed = await deployModule(hre, ballastModule(resolved), {
    defaultSender: resolved.deployer,
    deploymentId: deploymentIdFor(hre, "ballast-local", deploymentId),
  });
  const address = (name: string): string => {
    const found = deployed[name];
    if (!found) throw new Error(`the Ballast module deployed no ${name}`);
    return found;
  };
  return {
    vault: address("vault"),
    policy: address("policy"),
    breakers: address("breakers"),
    rebalancer: address("rebalancer"),
    planner: address("planner"),
    router: address("router"),
    // There unless an address governs directly.
    ...(deployed.timelock ? { timelock: deployed.timelock } : {}),
    oracles: resolved.assets.map((asset) => address(`oracle${asset.symbol}`)),
  };
}
