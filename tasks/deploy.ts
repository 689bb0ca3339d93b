/**
 * `npm run deploy` (`hardhat ballast:deploy`): the parameters; the command is src/cli/deploy.ts, which
 * scripts/deploy.ts runs too.
 */
import { task, types } from "hardhat/config";

import type { DeployArgs } from "../src/cli/deploy";

task("ballast:deploy", "Deploys Ballast (vault, policy, oracles, timelock) with the network's reviewed configuration")
  .addFlag("checkOnly", "Only compare the network's configuration with the chain; deploy nothing")
  .addFlag("verify", "Verify every contract on the block explorer afterwards (ETHERSCAN_API_KEY)")
  .addOptionalParam("proposers", "Timelock proposers, comma-separated (default: the deployer)", undefined, types.string)
  .addOptionalParam(
    "executors",
    "Timelock executors, comma-separated (default: the proposers)",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "guardian",
    "May pause the vault at once, e.g. a Safe (default: the deployer)",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "feeRecipient",
    "Receives the management fee (required if the config sets one)",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "deploymentId",
    "Ignition deployment id (default: chain-<id>; a fresh one on localhost)",
    undefined,
    types.string,
  )
  .setAction(async (args: DeployArgs, hre) => {
    // Loaded here, not at the top: hardhat.config.ts loads this file before typechain-types exist.
    const { deployCommand } = await import("../src/cli/deploy");
    return deployCommand(hre, args);
  });
