import type { HardhatRuntimeEnvironment } from "hardhat/types";

import type { DeployedAddresses } from "./check";
import { ballastModule } from "./modules/Ballast";
import type { ResolvedDeployment } from "./modules/Ballast";

/**
 * Runs the Ballast Ignition module. On a live network Ignition journals every transaction under
 * `deploy/deployments/<deploymentId>/` (default `chain-<id>`), so an interrupted deployment resumes
 * where it stopped and `deployed_addresses.json` records the addresses per chain id.
 */
export async function deployBallast(
  hre: HardhatRuntimeEnvironment,
  resolved: ResolvedDeployment,
  deploymentId?: string,
): Promise<DeployedAddresses> {
  const deployed = await hre.ignition.deploy(ballastModule(resolved), {
    ...(deploymentId ? { deploymentId } : {}),
  });
  return {
    vault: await deployed.vault.getAddress(),
    policy: await deployed.policy.getAddress(),
    breakers: await deployed.breakers.getAddress(),
    rebalancer: await deployed.rebalancer.getAddress(),
    planner: await deployed.planner.getAddress(),
    timelock: await deployed.timelock.getAddress(),
    router: await deployed.router.getAddress(),
  };
}
