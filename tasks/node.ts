/**
 * `npm run node` (`hardhat ballast:node`): Hardhat's JSON-RPC node on localhost:8545 with the
 * local market and a Ballast vault deployed, accounts #1-#9 funded with USDC and every address
 * printed (src/demo/devnet.ts), for a wallet such as MetaMask and for the keeper.
 *
 * It runs Hardhat's own `node` task and deploys from the TASK_NODE_SERVER_READY subtask, on the
 * very chain the server exposes. The override does nothing unless `ballast:node` started the node,
 * so a plain `npx hardhat node` stays an empty chain. Loaded with the config, before
 * typechain-types exist on a clean clone: the devnet module is imported inside the action.
 */
import path from "node:path";

import { TASK_COMPILE, TASK_NODE, TASK_NODE_SERVER_READY } from "hardhat/builtin-tasks/task-names";
import { subtask, task, types } from "hardhat/config";
import { HardhatPluginError } from "hardhat/plugins";
import type { EIP1193Provider } from "hardhat/types";

import type { DevnetOptions } from "../src/demo/devnet";

interface NodeArgs {
  hostname?: string;
  port: number;
  assets: string;
  deposit: string;
  fundAccounts: string;
  fundUsdc: string;
  tick: string;
  seed: string;
}

interface ServerReadyArgs {
  address: string;
  port: number;
  provider: EIP1193Provider;
}

/** Set by `ballast:node` before it starts the node: what the server-ready hook deploys. */
let requested: DevnetOptions | undefined;

/** A whole number flag, or a HardhatPluginError naming it (no stack trace for a typo). */
function wholeNumber(flag: string, value: string): number {
  const text = value.trim().replace(/_/g, "");
  if (!/^\d+$/.test(text))
    throw new HardhatPluginError("ballast:node", `${flag} must be a whole number, got "${value}"`);
  return Number(text);
}

subtask(TASK_NODE_SERVER_READY).setAction(async (args: ServerReadyArgs, hre, runSuper) => {
  await runSuper(args);
  if (!requested) return;
  const { onNodeReady } = await import("../src/demo/devnet");
  // The node turns request logging on unless the config turns it off; restore that after deploying.
  const loggingEnabled = hre.userConfig.networks?.hardhat?.loggingEnabled ?? true;
  const host = args.address === "0.0.0.0" || args.address === "::" ? "127.0.0.1" : args.address;
  const { stopTicker } = await onNodeReady(
    args.provider,
    requested,
    `http://${host}:${args.port}`,
    (line) => console.log(line),
    loggingEnabled,
  );
  process.once("SIGINT", stopTicker);
});

task("ballast:node", "Starts a local JSON-RPC node with the local market and a Ballast vault deployed")
  .addOptionalParam("hostname", "Host to bind (default 127.0.0.1; 0.0.0.0 in Docker)", undefined, types.string)
  .addOptionalParam("port", "Port to listen on", 8545, types.int)
  .addOptionalParam(
    "assets",
    "Risky assets in the vault besides USDC, 1-7 (WETH, WBTC, LINK, UNI, ...)",
    "4",
    types.string,
  )
  .addOptionalParam(
    "deposit",
    "USDC the operator deposits and the vault invests at start (0: empty vault)",
    "1000000",
    types.string,
  )
  .addOptionalParam("fundAccounts", "Accounts #1..#N funded with USDC", "9", types.string)
  .addOptionalParam("fundUsdc", "USDC each funded account gets", "1000000", types.string)
  .addOptionalParam(
    "tick",
    "Seconds between price ticks (calm random walk, pools realigned); 0: prices stay put",
    "600",
    types.string,
  )
  .addOptionalParam("seed", "Seed of the price ticks", "7", types.string)
  .setAction(async (args: NodeArgs, hre) => {
    const options = {
      assets: wholeNumber("--assets", args.assets),
      deposit: wholeNumber("--deposit", args.deposit),
      fundAccounts: wholeNumber("--fund-accounts", args.fundAccounts),
      fundUsdc: wholeNumber("--fund-usdc", args.fundUsdc),
      tickSeconds: wholeNumber("--tick", args.tick),
      seed: wholeNumber("--seed", args.seed),
      addressesFile: path.join(hre.config.paths.root, "reports", "node-addresses.json"),
    };
    await hre.run(TASK_COMPILE, { quiet: true });
    // Imported after compiling: the module needs typechain-types.
    const { checkDevnetOptions, DevnetOptionsError } = await import("../src/demo/devnet");
    try {
      checkDevnetOptions(options);
    } catch (error) {
      if (error instanceof DevnetOptionsError) throw new HardhatPluginError("ballast:node", error.message);
      throw error;
    }
    requested = options;
    await hre.run(TASK_NODE, { hostname: args.hostname, port: args.port });
  });
