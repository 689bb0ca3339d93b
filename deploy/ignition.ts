import {
  errorDeploymentResultToExceptionMessage,
  HardhatArtifactResolver,
} from "@nomicfoundation/hardhat-ignition/helpers";
import { deploy, DeploymentResultType } from "@nomicfoundation/ignition-core";
import type { Artifact, ArtifactResolver, IgnitionModule, IgnitionModuleResult } from "@nomicfoundation/ignition-core";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

/** The networks a deployment may be governed by a direct admin on: the in-process one and a local node. */
export const LOCAL_NETWORKS: ReadonlySet<string> = new Set(["hardhat", "localhost"]);

/**
 * The deployment id of a deployment on `hre`'s network: the one given; on `localhost` otherwise a
 * fresh one (`<prefix>-<time>`), so that each deployment on a long-running node starts afresh rather
 * than resuming another's journal under `chain-31337`. Undefined leaves Ignition's default
 * (`chain-<id>`): a live deployment that was interrupted resumes.
 */
export function deploymentIdFor(hre: HardhatRuntimeEnvironment, prefix: string, given?: string): string | undefined {
  return given ?? (hre.network.name === "localhost" ? `${prefix}-${Date.now()}` : undefined);
}

/**
 * The project's artifacts without their build info. Ignition reads a contract's build info (the
 * whole solc input and output, 8-18 MB of JSON here) for every contract it deploys, to journal it
 * for verification; the in-process network keeps no journal, and the reads were three seconds of a
 * vault's four.
 */
class ArtifactsOnly implements ArtifactResolver {
  private readonly artifacts: HardhatArtifactResolver;

  constructor(hre: HardhatRuntimeEnvironment) {
    this.artifacts = new HardhatArtifactResolver(hre);
  }

  loadArtifact(contractName: string): Promise<Artifact> {
    return this.artifacts.loadArtifact(contractName);
  }

  async getBuildInfo(): Promise<undefined> {
    return undefined;
  }
}

/**
 * Deploys an Ignition module from `defaultSender` and returns its contracts' addresses by result
 * name. On a live network or `localhost`, `hre.ignition.deploy` (journaled under
 * `deploy/deployments/<deploymentId>/`); on the in-process network, the same Ignition deployment
 * (ignition-core's `deploy`, which `hre.ignition.deploy` runs) without reading build infos.
 */
export async function deployModule<
  ModuleIdT extends string,
  ContractNameT extends string,
  ResultsT extends IgnitionModuleResult<ContractNameT>,
>(
  hre: HardhatRuntimeEnvironment,
  module: IgnitionModule<ModuleIdT, ContractNameT, ResultsT>,
  options: { defaultSender: string; deploymentId?: string },
): Promise<Readonly<Record<string, string>>> {
  if (hre.network.name !== "hardhat") {
    const deployed = await hre.ignition.deploy(module, options);
    return Object.fromEntries(
      await Promise.all(Object.entries(deployed).map(async ([name, contract]) => [name, await contract.getAddress()])),
    );
  }
  const result = await deploy({
    // As `hre.ignition.deploy` on an automining network: one confirmation, whatever the config says
    // for live chains (more would wait for blocks that never come).
    config: { ...hre.config.ignition, requiredConfirmations: 1 },
    artifactResolver: new ArtifactsOnly(hre),
    provider: hre.network.provider,
    ignitionModule: module,
    deploymentParameters: {},
    accounts: (await hre.network.provider.request({ method: "eth_accounts" })) as string[],
    defaultSender: options.defaultSender,
  });
  if (result.type !== DeploymentResultType.SUCCESSFUL_DEPLOYMENT) {
    throw new Error(errorDeploymentResultToExceptionMessage(result));
  }
  return Object.fromEntries(
    Object.entries(module.results).map(([name, future]) => [name, result.contracts[future.id].address]),
  );
}
