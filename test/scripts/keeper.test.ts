import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import hre, { ethers } from "hardhat";

import { KeeperConfigError } from "../../src/keeper";
import type { CycleResult, LogRecord } from "../../src/keeper";
import type { Env } from "../../src/cli/script";
import { main as keeper } from "../../scripts/keeper";
import { driftedFixture, nonceOf, rebalancesSince } from "../keeper/helpers";

/** Runs scripts/keeper.ts with `env` as its environment, capturing its JSON-lines stdout. */
async function runKeeper(env: Env): Promise<{ results: CycleResult[]; logs: LogRecord[] }> {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    const results = await keeper(hre, env);
    const logs = lines
      .join("")
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as LogRecord);
    return { results, logs };
  } finally {
    process.stdout.write = write;
  }
}

/** scripts/keeper.ts, with the assertions of the keeper task's tests (test/keeper/task.test.ts). */
describe("scripts/keeper.ts", () => {
  it("ONCE=true DRY_RUN=true evaluates a vault, logs JSON lines and sends nothing", async () => {
    const { vault } = await loadFixture(driftedFixture);
    const [deployer] = await ethers.getSigners();
    const nonce = await nonceOf(deployer);
    const block = await ethers.provider.getBlockNumber();

    const { results, logs } = await runKeeper({
      BALLAST_VAULT: await vault.getAddress(),
      ONCE: "true",
      DRY_RUN: "true",
    });
    expect(results).to.have.length(1);
    expect(results[0]).to.include({ vault: await vault.getAddress(), action: "would_send", kind: "rebalance" });
    const started = logs.find((r) => r.event === "keeper_started");
    expect(started).to.include({
      dryRun: true,
      maxFeePerGasGwei: "100.0",
      privateRpc: false,
      account: deployer.address,
    });
    const dryRun = logs.find((r) => r.event === "dry_run");
    expect(dryRun).to.include({ level: "info", vault: await vault.getAddress(), kind: "rebalance" });
    for (const record of logs) expect(Object.keys(record).slice(0, 3)).to.deep.equal(["ts", "level", "event"]);
    expect(await nonceOf(deployer)).to.equal(nonce);
    expect(await ethers.provider.getBlockNumber()).to.equal(block);
  });

  it("ONCE=true sends the rebalance with the network's first account", async () => {
    const { vault } = await loadFixture(driftedFixture);
    const block = await ethers.provider.getBlockNumber();
    const { results, logs } = await runKeeper({
      BALLAST_VAULT: await vault.getAddress(),
      ONCE: "true",
      MAX_FEE_GWEI: "50",
      PRIORITY_FEE_GWEI: "0.5",
      LOG_LEVEL: "warn",
    });
    expect(results[0]).to.include({ action: "confirmed", reason: "rebalanced" });
    expect(await rebalancesSince(vault, block)).to.equal(1);
    expect(logs.filter((r) => r.level === "info" || r.level === "debug")).to.deep.equal([]);
  });

  it("refuses bad variables with the task's errors", async () => {
    const { vault } = await loadFixture(driftedFixture);
    const address = await vault.getAddress();
    const cases: [Env, RegExp][] = [
      [{}, /--vault is required/],
      [{ BALLAST_VAULT: "0x1234" }, /vault "0x1234" is not an address/],
      [{ BALLAST_VAULT: `${address},${address.toLowerCase()}` }, /listed twice/],
      [{ BALLAST_VAULT: address, MAX_FEE_GWEI: "ten" }, /maxFeePerGasGwei must be a non-negative decimal/],
      [{ BALLAST_VAULT: address, REPLACE_AFTER: "-1" }, /--replace-after must be a non-negative decimal/],
      [{ BALLAST_VAULT: address, POLL_INTERVAL: "0" }, /--poll-interval must be positive/],
      [{ BALLAST_VAULT: address, FEE_BUMP: "500" }, /feeBumpBps must be an integer from 1250/],
      [{ BALLAST_VAULT: address, CONFIRMATIONS: "1.5" }, /--confirmations must be a whole number/],
      [{ BALLAST_VAULT: address, PRIVATE_RPC: "not a url" }, /--private-rpc "not a url" is not a URL/],
      [
        { BALLAST_VAULT: address, GAS_TOKEN: "WETH", GAS_TOKEN_USD: "3000" },
        /--gas-token or --gas-token-usd, not both/,
      ],
      [{ BALLAST_VAULT: address, LOG_LEVEL: "loud" }, /--log-level must be one of/],
      [{ BALLAST_VAULT: address, TRIGGER: "sometimes" }, /trigger must be "poll" or "block"/],
      [{ BALLAST_VAULT: address, SIGNER: "99" }, /no account 99 on network hardhat/],
    ];
    for (const [env, message] of cases) {
      await expect(runKeeper({ ONCE: "true", ...env }), JSON.stringify(env)).to.be.rejectedWith(
        KeeperConfigError,
        message,
      );
    }
    // A switch takes true or false only, as on the command line.
    await expect(runKeeper({ BALLAST_VAULT: address, ONCE: "yes" })).to.be.rejectedWith(
      /Invalid value yes for argument ONCE of type boolean/,
    );
  });
});
