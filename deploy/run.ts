import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { deployLocalMarket } from "../src/market";

import { assertAllOk, checkConfig, checkDeployment } from "./check";
import type { CheckResult, DeployedAddresses } from "./check";
import { localConfig } from "./config/local";
import { NETWORKS } from "./config/networks";
import type { NetworkDeployConfig } from "./config/types";
import { deployBallast } from "./deployBallast";
import { deploymentIdFor, LOCAL_NETWORKS } from "./ignition";
import { DeployConfigError, resolveDeployment } from "./resolve";
import type { GovernanceOptions } from "./resolve";

export interface DeployOptions {
  checkOnly?: boolean;
  verify?: boolean;
  governance?: GovernanceOptions;
  deploymentId?: string;
  /** Where progress goes (the task prints; tests stay quiet). */
  log?: (line: string) => void;
}

export interface DeployOutcome {
  config: NetworkDeployConfig;
  preChecks: CheckResult[];
  deployed?: DeployedAddresses;
  postChecks?: CheckResult[];
}

/** The reviewed configuration of the connected chain; on a local chain, a fresh local market's. */
export async function networkConfig(hre: HardhatRuntimeEnvironment): Promise<NetworkDeployConfig> {
  const chainId = Number((await hre.ethers.provider.getNetwork()).chainId);
  // A fork of a live chain keeps Hardhat's chain id: FORK_CHAIN_ID (default mainnet) names the chain.
  if (hre.network.name === "hardhat" && process.env.FORK_URL) {
    const forked = NETWORKS[Number(process.env.FORK_CHAIN_ID ?? 1)];
    if (!forked) throw new DeployConfigError(`no Ballast configuration for FORK_CHAIN_ID ${process.env.FORK_CHAIN_ID}`);
    return { ...forked, chainId };
  }
  if (LOCAL_NETWORKS.has(hre.network.name)) return localConfig(await deployLocalMarket(), hre.network.name, chainId);
  const config = NETWORKS[chainId];
  if (!config) throw new DeployConfigError(`no Ballast configuration for chain ${chainId} (${hre.network.name})`);
  return config;
}

function table(log: (line: string) => void, title: string, results: readonly CheckResult[]): void {
  log(`\n${title}`);
  for (const r of results) log(`  ${r.ok ? "ok  " : "FAIL"} ${r.check}: ${r.detail}`);
}

/**
 * On a live chain the timelock's proposers and the guardian are named, before anything is sent: by
 * default they would be the deployer's key, a hot key that should hold no power once the
 * deployment is done.
 */
function requireGovernance(network: string, governance: GovernanceOptions | undefined): void {
  const missing = [
    ...(governance?.proposers?.length ? [] : ["--proposers"]),
    ...(governance?.guardian ? [] : ["--guardian"]),
  ];
  if (missing.length > 0) {
    throw new DeployConfigError(
      `on ${network} name ${missing.join(" and ")} (e.g. a Safe): by default the deployer's key would propose and guard`,
    );
  }
}

/**
 * `npm run deploy`: checks the network's configuration against the chain, deploys the Ignition
 * module, checks the deployment, and optionally verifies the contracts. Throws on the first failed
 * stage, after reporting every check of it.
 */
export async function deployFromConfig(
  hre: HardhatRuntimeEnvironment,
  options: DeployOptions = {},
): Promise<DeployOutcome> {
  const log = options.log ?? console.log;
  if (!options.checkOnly && !LOCAL_NETWORKS.has(hre.network.name))
    requireGovernance(hre.network.name, options.governance);
  const config = await networkConfig(hre);
  const preChecks = await checkConfig(config, hre.ethers.provider);
  table(log, `Configuration of ${config.network} (chain ${config.chainId}) against the chain:`, preChecks);
  assertAllOk(preChecks);
  if (options.checkOnly) return { config, preChecks };

  const [deployer] = await hre.ethers.getSigners();
  if (!deployer) throw new DeployConfigError(`no deployer account on ${hre.network.name}: set DEPLOYER_PRIVATE_KEY`);
  const resolved = resolveDeployment(config, deployer.address, options.governance);
  const deploymentId = deploymentIdFor(hre, "ballast-local", options.deploymentId);
  const deployed = await deployBallast(hre, resolved, deploymentId);
  log(`\nDeployed on ${config.network}:\n${JSON.stringify(deployed, null, 2)}`);

  const postChecks = await checkDeployment(deployed, resolved, config, deployer.address, hre.ethers.provider);
  table(log, "Deployment check:", postChecks);
  assertAllOk(postChecks);

  if (options.verify) {
    await hre.run({ scope: "ignition", task: "verify" }, { deploymentId: deploymentId ?? `chain-${config.chainId}` });
  }
  return { config, preChecks, deployed, postChecks };
}
