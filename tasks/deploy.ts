import { task, types } from "hardhat/config";

/** Comma-separated addresses, or undefined when the flag was not given. */
function list(value: string | undefined): string[] | undefined {
  return value ? value.split(",").map((a) => a.trim()) : undefined;
}

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
  .setAction(
    async (
      args: {
        checkOnly: boolean;
        verify: boolean;
        proposers?: string;
        executors?: string;
        guardian?: string;
        feeRecipient?: string;
        deploymentId?: string;
      },
      hre,
    ) => {
      // Loaded here, not at the top: hardhat.config.ts loads this file before typechain-types exist.
      const { deployFromConfig } = await import("../deploy/run");
      await deployFromConfig(hre, {
        checkOnly: args.checkOnly,
        verify: args.verify,
        governance: {
          proposers: list(args.proposers),
          executors: list(args.executors),
          guardian: args.guardian,
          feeRecipient: args.feeRecipient ?? process.env.BALLAST_FEE_RECIPIENT,
        },
        deploymentId: args.deploymentId,
      });
    },
  );
