/**
 * `npm run deploy` (the `ballast:deploy` task, scripts/deploy.ts): deploys and checks Ballast with the
 * network's reviewed configuration (deploy/run.ts). Imports typechain-types: loaded lazily by the task.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { deployFromConfig } from "../../deploy/run";
import type { DeployOutcome } from "../../deploy/run";

export interface DeployArgs {
  checkOnly: boolean;
  verify: boolean;
  proposers?: string;
  executors?: string;
  guardian?: string;
  feeRecipient?: string;
  deploymentId?: string;
}

/** Comma-separated addresses, or undefined when the parameter was not given. */
function list(value: string | undefined): string[] | undefined {
  return value ? value.split(",").map((a) => a.trim()) : undefined;
}

export async function deployCommand(hre: HardhatRuntimeEnvironment, args: DeployArgs): Promise<DeployOutcome> {
  return deployFromConfig(hre, {
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
}
