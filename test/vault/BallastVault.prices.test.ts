import { loadFixture, setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";

import { vaultFixture } from "../shared/fixtures";
import type { VaultFixture } from "../shared/fixtures";
import { depositUsdc, oracleNav, rebalanceUntilSettled, Status } from "../shared/vault";

const WAD_PER_ANSWER = 10n ** 10n; // 8-decimal feed answers to 18-decimal prices

async function investedFixture(): Promise<VaultFixture> {
  const f = await vaultFixture();
  const [, alice] = await ethers.getSigners();
  await depositUsdc(f.market, f.vault, alice, 500_000);
  await rebalanceUntilSettled(f.market, f.vault);
  return f;
}

async function feedPrices(f: VaultFixture): Promise<bigint[]> {
  const tokens = await f.vault.basketTokens();
  return Promise.all(
    tokens.map(async (address) => {
      const token = f.market.tokens.find((t) => t.address === address)!;
      const [, answer] = await token.feed.latestRoundData();
      return answer * WAD_PER_ANSWER;
    }),
  );
}

describe("BallastVault last recorded prices", () => {
  it("records every oracle price at deployment", async () => {
    const f = await loadFixture(vaultFixture);
    expect(await f.vault.lastPrices()).to.deep.equal(await feedPrices(f));
  });

  it("values an asset whose oracle fails at its last price, never at zero, and refuses entries", async () => {
    const f = await loadFixture(investedFixture);
    const navBefore = await f.vault.totalAssets();
    expect(navBefore).to.equal(await oracleNav(f.market, f.vault));
    // WBTC's feed stops answering sensibly; the others stay fresh.
    const now = await time.latest();
    await f.market.token("WBTC").feed.setRound(0, now, now);
    expect(await f.vault.totalAssets()).to.equal(navBefore);
    expect(await f.vault.maxDeposit(ethers.ZeroAddress)).to.equal(0n);
    const [status] = await f.rebalancer.rebalanceStatus();
    expect(status).to.equal(Status.PriceUnavailable);
    const [, alice] = await ethers.getSigners();
    await expect(f.vault.connect(alice).deposit(1n, alice.address))
      .to.be.revertedWithCustomError(f.vault, "BallastPriceUnavailable")
      .withArgs(f.market.token("WBTC").address);
  });

  it("treats an oracle adapter that reverts, has no code or answers short data as a failing price: last price, entries refused", async () => {
    const f = await loadFixture(investedFixture);
    const navBefore = await f.vault.totalAssets();
    const oracle = (await f.vault.oracles())[2]; // WBTC's adapter
    // PUSH1 0, PUSH1 0, REVERT: every call reverts with no data.
    await ethers.provider.send("hardhat_setCode", [oracle, "0x60006000fd"]);
    expect(await f.vault.totalAssets()).to.equal(navBefore);
    expect(await f.vault.maxDeposit(ethers.ZeroAddress)).to.equal(0n);
    expect((await f.rebalancer.rebalanceStatus())[0]).to.equal(Status.PriceUnavailable);
    const [, alice] = await ethers.getSigners();
    await expect(f.vault.connect(alice).deposit(1n, alice.address))
      .to.be.revertedWithCustomError(f.vault, "BallastPriceUnavailable")
      .withArgs(f.market.token("WBTC").address);
    // No code at all, or one word where two are due: nothing to decode, and the views still answer.
    for (const code of ["0x", "0x600160005260206000f3"]) {
      await ethers.provider.send("hardhat_setCode", [oracle, code]);
      expect(await f.vault.totalAssets()).to.equal(navBefore);
      expect(await f.vault.maxDeposit(ethers.ZeroAddress)).to.equal(0n);
      expect((await f.rebalancer.rebalanceStatus())[0]).to.equal(Status.PriceUnavailable);
    }
  });

  it("a rebalance meeting a failing oracle records nothing; recordPrices keeps a failing oracle's last price", async () => {
    const f = await loadFixture(investedFixture);
    const before = await f.vault.lastPrices();
    await f.market.setFeedPrice("WETH", 3_100);
    const now = await time.latest();
    await f.market.token("LINK").feed.setRound(-1, now, now);
    // The rebalance reverts whole: the last prices stay those of the last rebalance.
    await expect(f.rebalancer.rebalance())
      .to.be.revertedWithCustomError(f.rebalancer, "BallastPriceUnavailable")
      .withArgs(f.market.token("LINK").address);
    expect(await f.vault.lastPrices()).to.deep.equal(before);
    // The vault's own rule, for any rebalancer governance sets that calls it: each valid price is
    // recorded, a failing oracle's last one kept.
    const rebalancer = await ethers.getImpersonatedSigner(await f.rebalancer.getAddress());
    await setBalance(rebalancer.address, 10n ** 18n);
    const expected = [...before];
    expected[1] = 3_100n * 10n ** 18n; // WETH moved; LINK (index 3) keeps its last price
    await expect(f.vault.connect(rebalancer).recordPrices()).to.emit(f.vault, "PricesRecorded").withArgs(expected);
    expect(await f.vault.lastPrices()).to.deep.equal(expected);
  });

  it("counts a price past 128 bits as failing, so that the record keeps two prices a slot; 2^128 - 1 is recorded whole", async () => {
    const f = await loadFixture(investedFixture);
    const before = await f.vault.lastPrices();
    const navBefore = await f.vault.totalAssets();
    const oracle = (await f.vault.oracles())[2]; // WBTC's adapter
    // An adapter answering (true, price): MSTORE 1 at 0, `price` at 32, RETURN 64 bytes.
    const answering = (price: bigint) => "0x600160005270" + price.toString(16).padStart(34, "0") + "60205260406000f3";
    await ethers.provider.send("hardhat_setCode", [oracle, answering(2n ** 128n)]);
    expect(await f.vault.totalAssets()).to.equal(navBefore);
    expect((await f.rebalancer.rebalanceStatus())[0]).to.equal(Status.PriceUnavailable);
    const [, alice] = await ethers.getSigners();
    await expect(f.vault.connect(alice).deposit(1n, alice.address))
      .to.be.revertedWithCustomError(f.vault, "BallastPriceUnavailable")
      .withArgs(f.market.token("WBTC").address);
    const rebalancer = await ethers.getImpersonatedSigner(await f.rebalancer.getAddress());
    await setBalance(rebalancer.address, 10n ** 18n);
    await expect(f.vault.connect(rebalancer).recordPrices()).to.emit(f.vault, "PricesRecorded").withArgs(before);
    expect(await f.vault.lastPrices()).to.deep.equal(before);
    // The largest price that fits is valid, and recorded as it is, next to its slot's neighbour.
    await ethers.provider.send("hardhat_setCode", [oracle, answering(2n ** 128n - 1n)]);
    const expected = [...before];
    expected[2] = 2n ** 128n - 1n;
    await expect(f.vault.connect(rebalancer).recordPrices()).to.emit(f.vault, "PricesRecorded").withArgs(expected);
    expect(await f.vault.lastPrices()).to.deep.equal(expected);
  });

  it("rebalance records the prices it traded at", async () => {
    const f = await loadFixture(investedFixture);
    await f.market.setFeedPrice("WETH", 3_270);
    await f.market.alignAllPools();
    await time.increase(600);
    await expect(f.rebalancer.rebalance())
      .to.emit(f.vault, "PricesRecorded")
      .withArgs(await feedPrices(f));
  });
});
