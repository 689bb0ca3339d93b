/**
 * `npx hardhat keeper` (`npm run keeper -- --network <net> --vault 0x...`): the keeper bot. See
 * docs/keeper.md. Loaded at config time, before typechain-types exist on a clean clone: only
 * `src/keeper/config` (no typechain) is imported here; the action loads the rest lazily.
 */
import { task, types } from "hardhat/config";

import { DEFAULTS } from "../src/keeper/config";
import type { KeeperTaskArgsWithPositional } from "../src/keeper/task";

const seconds = (ms: number): string => String(ms / 1_000);

task("keeper", "Keeps Ballast vaults: rebalances when due (simulated, cost-gated, fee-capped), replaces stuck txs")
  .addOptionalParam(
    "vault",
    "Vault address; several separated by commas (or list them after the flags)",
    undefined,
    types.string,
  )
  .addFlag("dryRun", "Evaluate, simulate and log what would be sent; send nothing")
  .addFlag("once", "Run one cycle, wait for its transactions to confirm, and exit (cron, CI)")
  .addOptionalParam(
    "maxFeeGwei",
    `Cap of maxFeePerGas in gwei; above it the keeper waits (default ${DEFAULTS.maxFeePerGasGwei})`,
    undefined,
    types.string,
  )
  .addOptionalParam(
    "priorityFeeGwei",
    "Priority fee (tip) in gwei (default: the node's eth_maxPriorityFeePerGas)",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "privateRpc",
    "Broadcast signed transactions through this RPC (e.g. Flashbots Protect, MEV Blocker); needs a key account",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "pollInterval",
    `Seconds between checks for a new block (default ${seconds(DEFAULTS.pollIntervalMs)})`,
    undefined,
    types.string,
  )
  .addOptionalParam(
    "trigger",
    `"poll" (eth_blockNumber every --poll-interval) or "block" (the provider's block events) (default ${DEFAULTS.trigger})`,
    undefined,
    types.string,
  )
  .addOptionalParam(
    "confirmations",
    `Blocks before a mined transaction counts as done (default ${DEFAULTS.confirmations})`,
    undefined,
    types.string,
  )
  .addOptionalParam(
    "replaceAfterBlocks",
    `Replace a transaction still pending after this many blocks (default ${DEFAULTS.replaceAfterBlocks})`,
    undefined,
    types.string,
  )
  .addOptionalParam(
    "replaceAfter",
    `Also replace a transaction pending this many seconds; 0 = by blocks only (default ${seconds(DEFAULTS.replaceAfterMs)})`,
    undefined,
    types.string,
  )
  .addOptionalParam(
    "feeBump",
    `Fee increase of a same-nonce replacement, basis points, at least 1250 (default ${DEFAULTS.feeBumpBps})`,
    undefined,
    types.string,
  )
  .addOptionalParam(
    "gasLimitMargin",
    `Gas limit above the estimate, basis points (default ${DEFAULTS.gasLimitMarginBps})`,
    undefined,
    types.string,
  )
  .addOptionalParam(
    "maxRetries",
    `Retries of an RPC call that fails in transport (default ${DEFAULTS.retry.retries})`,
    undefined,
    types.string,
  )
  .addOptionalParam(
    "retryDelay",
    `Seconds before the first retry, doubling each time (default ${seconds(DEFAULTS.retry.baseDelayMs)})`,
    undefined,
    types.string,
  )
  .addOptionalParam(
    "gasToken",
    "Basket asset pricing the gas token, by index, address or symbol (e.g. WETH) (default: the policy's gasTokenOracle)",
    undefined,
    types.string,
  )
  .addOptionalParam("gasTokenUsd", "Fixed USD price of the gas token instead of an oracle", undefined, types.string)
  .addOptionalParam(
    "quoter",
    "Uniswap QuoterV2 address: the keeper plans each rebalance itself (direct pairs, band edges) and sends rebalancePlan, falling back to rebalance()",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "signer",
    "Account sending, by index or address among the network's accounts (default 0)",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "logLevel",
    "debug, info, warn or error (default info); logs are JSON lines on stdout",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "onceTimeout",
    `With --once, seconds to wait for confirmations (default ${seconds(DEFAULTS.onceTimeoutMs)})`,
    undefined,
    types.string,
  )
  .addOptionalVariadicPositionalParam("vaults", "More vault addresses", undefined, types.string)
  .setAction(async (args: KeeperTaskArgsWithPositional, hre) => {
    const { keeperTaskAction } = await import("../src/keeper/task");
    return keeperTaskAction(args, hre);
  });
