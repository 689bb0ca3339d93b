import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import hre, { ethers } from "hardhat";

import { KeeperConfigError } from "../../src/keeper";
import type { CycleResult, LogRecord } from "../../src/keeper";
import { ENTRIES } from "../shared/entry";
import type { Args, Entry } from "../shared/entry";

import { driftedFixture, nonceOf, rebalancesSince } from "./helpers";

/** Runs the keeper through `entry`, parsing its JSON-lines stdout. */
async function runKeeper(entry: Entry, args: Args): Promise<{ results: CycleResult[]; logs: LogRecord[] }> {
  const { result: results, output } = await entry.run<CycleResult[]>("keeper", args);
  // Every line is one JSON object: what log pipelines rely on.
  const logs = output
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as LogRecord);
  return { results, logs };
}

describe("keeper", () => {
  for (const entry of ENTRIES) {
    describe(`as a ${entry.name}`, () => {
      it("once, in a dry run, evaluates a vault on the hardhat network, logs JSON lines and sends nothing", async () => {
        const { vault } = await loadFixture(driftedFixture);
        const [deployer] = await ethers.getSigners();
        const nonce = await nonceOf(deployer);
        const block = await ethers.provider.getBlockNumber();

        const { results, logs } = await runKeeper(entry, { vault: await vault.getAddress(), once: true, dryRun: true });
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

      it("once, sends the rebalance with the network's first account", async () => {
        const { vault } = await loadFixture(driftedFixture);
        const block = await ethers.provider.getBlockNumber();
        const { results, logs } = await runKeeper(entry, {
          vault: await vault.getAddress(),
          once: true,
          maxFeeGwei: "50",
          priorityFeeGwei: "0.5",
          logLevel: "warn",
        });
        expect(results[0]).to.include({ action: "confirmed", reason: "rebalanced" });
        expect(await rebalancesSince(vault, block)).to.equal(1);
        // At warn, the info lines (sent, rebalanced) are filtered out.
        expect(logs.filter((r) => r.level === "info" || r.level === "debug")).to.deep.equal([]);
      });

      it("refuses bad arguments with an error naming the flag", async () => {
        const { vault } = await loadFixture(driftedFixture);
        const address = await vault.getAddress();
        const cases: [Args, RegExp][] = [
          [{}, /--vault is required/],
          [{ vault: "0x1234" }, /vault "0x1234" is not an address/],
          [{ vault: `${address},${address.toLowerCase()}` }, /listed twice/],
          [{ vault: address, maxFeeGwei: "ten" }, /maxFeePerGasGwei must be a non-negative decimal/],
          [{ vault: address, replaceAfter: "-1" }, /--replace-after must be a non-negative decimal/],
          [{ vault: address, pollInterval: "0" }, /--poll-interval must be positive/],
          [{ vault: address, feeBump: "500" }, /feeBumpBps must be an integer from 1250/],
          [{ vault: address, confirmations: "1.5" }, /--confirmations must be a whole number/],
          [{ vault: address, privateRpc: "not a url" }, /--private-rpc "not a url" is not a URL/],
          [{ vault: address, gasToken: "WETH", gasTokenUsd: "3000" }, /--gas-token or --gas-token-usd, not both/],
          [{ vault: address, logLevel: "loud" }, /--log-level must be one of/],
          [{ vault: address, trigger: "sometimes" }, /trigger must be "poll" or "block"/],
          [{ vault: address, signer: "99" }, /no account 99 on network hardhat/],
        ];
        for (const [args, message] of cases) {
          await expect(runKeeper(entry, { once: true, ...args }), JSON.stringify(args)).to.be.rejectedWith(
            KeeperConfigError,
            message,
          );
        }
      });
    });
  }

  it("as a task, takes the vaults as positional arguments too", async () => {
    const { vault } = await loadFixture(driftedFixture);
    const results = (await hre.run("keeper", {
      vaults: [await vault.getAddress()],
      once: true,
      dryRun: true,
      logLevel: "error",
    })) as CycleResult[];
    expect(results[0]).to.include({ vault: await vault.getAddress(), action: "would_send" });
  });
});
