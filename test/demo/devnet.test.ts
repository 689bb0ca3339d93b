import { expect } from "chai";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ethers, network } from "hardhat";

import {
  DEFAULT_DEVNET_OPTIONS,
  DevnetOptionsError,
  checkDevnetOptions,
  onNodeReady,
  priceTick,
} from "../../src/demo/devnet";
import { Rng } from "../../src/sim/random";
import { poolChecksOf } from "../shared/breakers";

/**
 * What `npm run node` deploys once its server listens, called directly on the in-process chain
 * (no port opened): the same function the TASK_NODE_SERVER_READY override runs.
 */
describe("npm run node: the deployment when the node is ready", function () {
  this.timeout(240_000);

  it("deploys the market and an invested vault, funds accounts and prints how to connect", async () => {
    const addressesFile = path.join(mkdtempSync(path.join(os.tmpdir(), "ballast-node-")), "node-addresses.json");
    const lines: string[] = [];
    const { devnet, stopTicker } = await onNodeReady(
      network.provider,
      { ...DEFAULT_DEVNET_OPTIONS, deposit: 100_000, fundAccounts: 3, tickSeconds: 0, addressesFile },
      "http://127.0.0.1:8545",
      (line) => lines.push(line),
      false,
    );
    stopTicker();
    const { vault, rebalancer, breakers, market } = devnet;

    // Invested at target weights.
    const nav = Number(ethers.formatUnits(await vault.totalAssets(), 6));
    expect(nav).to.be.closeTo(100_000, 1_000);
    expect(await rebalancer.maxDrift()).to.be.below(200n);
    expect((await vault.basketTokens()).length).to.equal(5);

    // Accounts #1-#3 hold USDC for a wallet to deposit; #4 does not.
    const usdc = market.token("USDC").contract;
    const signers = await ethers.getSigners();
    expect(devnet.funded).to.deep.equal(signers.slice(1, 4).map((s) => s.address));
    for (const account of devnet.funded) expect(await usdc.balanceOf(account)).to.be.at.least(1_000_000n * 10n ** 6n);

    // The breakers are on and the pools have the TWAP history they need: the rebalancer's check
    // would find nothing.
    expect((await breakers.breakerParams()).twapWindow).to.equal(1_800n);
    const basketPrices = [...(await vault.basketState()).prices];
    expect(await breakers.refusal(rebalancer, basketPrices, await poolChecksOf(market, vault))).to.deep.equal([
      0n,
      0n,
      false,
    ]);

    // A wallet's deposit works.
    const alice = signers[1];
    await usdc.connect(alice).approve(vault, 5_000n * 10n ** 6n);
    await expect(vault.connect(alice).deposit(5_000n * 10n ** 6n, alice.address)).to.emit(vault, "Deposit");

    // Everything a wallet or keeper needs is printed and written.
    const text = lines.join("\n");
    const vaultAddress = await vault.getAddress();
    expect(devnet.addresses.BallastVault).to.equal(vaultAddress);
    for (const name of [
      "BallastPolicy",
      "BallastRouter",
      "TimelockController",
      "SwapRouter",
      "QuoterV2",
      "USDC",
      "WETH/USD feed",
    ]) {
      expect(devnet.addresses[name], name).to.match(/^0x[0-9a-fA-F]{40}$/);
      expect(text).to.include(devnet.addresses[name]);
    }
    expect(text).to.include("chain ID 31337");
    expect(text).to.include(`--vault ${vaultAddress}`);
    const written = JSON.parse(readFileSync(addressesFile, "utf8")).addresses;
    expect(written.BallastVault).to.equal(vaultAddress);
    expect(written.BallastRouter).to.equal(await devnet.router.getAddress());

    // A price tick moves the feeds and the arbitrageur keeps the pools on them.
    const before = await market.feedPrice("WETH");
    const prices = await priceTick(devnet, new Rng(1), 3_600);
    expect(prices.WETH).to.not.equal(before);
    expect(await market.feedPrice("WETH")).to.equal(prices.WETH);
    const pool = market.pool("WETH", "USDC", 500);
    expect(await market.poolPrice(pool, "WETH")).to.be.closeTo(prices.WETH, prices.WETH * 1e-4);
  });

  it("refuses options out of range with the flag's name", () => {
    expect(() => checkDevnetOptions({ ...DEFAULT_DEVNET_OPTIONS, assets: 9 })).to.throw(
      DevnetOptionsError,
      /--assets must be a whole number from 1 to 7, got 9/,
    );
    expect(() => checkDevnetOptions({ ...DEFAULT_DEVNET_OPTIONS, tickSeconds: 5 })).to.throw(
      DevnetOptionsError,
      /--tick/,
    );
  });
});
