import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";

import { vaultFixture } from "../shared/fixtures";
import type { VaultFixture } from "../shared/fixtures";
import { depositUsdc, oracleNav, rebalanceUntilSettled } from "../shared/vault";

/** $1M invested, then ETH +9% so that a rebalance is due. */
async function dueFixture(): Promise<VaultFixture> {
  const f = await vaultFixture();
  const [, alice] = await ethers.getSigners();
  await depositUsdc(f.market, f.vault, alice, 1_000_000);
  await rebalanceUntilSettled(f.market, f.vault);
  await f.market.setFeedPrice("WETH", 3_270);
  await f.market.alignAllPools();
  await time.increase(600);
  return f;
}

/** Oracle value of an account's token balances, in USDC units. */
async function holdings(f: VaultFixture, account: string): Promise<bigint> {
  let total = 0n;
  const [, usdcAnswer] = await f.market.token("USDC").feed.latestRoundData();
  for (const token of f.market.tokens) {
    const balance = await token.contract.balanceOf(account);
    const [, answer] = await token.feed.latestRoundData();
    total += (balance * answer * 10n ** 6n) / (10n ** BigInt(token.decimals) * usdcAnswer);
  }
  return total;
}

describe("BallastVault flows around a rebalance", () => {
  it("a deposit right before a rebalance neither blocks it nor captures value from others", async () => {
    const f = await loadFixture(dueFixture);
    const [keeper, alice, bob] = await ethers.getSigners();
    const aliceShares = await f.vault.balanceOf(alice);
    const aliceValueBefore = await f.vault.convertToAssets(aliceShares);

    // Bob front-runs the keeper with a large deposit (40% of the vault), then leaves right after the
    // rebalance. (Far larger, the rebalance's capped legs outgrow what these pools fill within the
    // vault's margin, and the vault trades the part they fill.)
    const deposited = await depositUsdc(f.market, f.vault, bob, 200_000);
    await expect(f.rebalancer.connect(keeper).rebalance()).to.emit(f.vault, "Rebalanced");
    await f.market.alignAllPools();
    await f.vault.connect(bob).redeemInKind(await f.vault.balanceOf(bob), bob.address, bob.address);

    // Bob gets back no more than he put in (he shares the cost of the trades his deposit caused).
    expect(await holdings(f, bob.address)).to.be.lessThanOrEqual(deposited);
    // Alice's stake lost at most her share of the rebalance's trading cost (well under 0.2%).
    const aliceValueAfter = await f.vault.convertToAssets(aliceShares);
    expect(aliceValueAfter).to.be.greaterThan((aliceValueBefore * 9_980n) / 10_000n);
    expect(await f.vault.totalAssets()).to.equal(await oracleNav(f.market, f.vault));
  });

  it("a redemption right before a rebalance does not make it revert", async () => {
    const f = await loadFixture(dueFixture);
    const [keeper, alice] = await ethers.getSigners();
    // Alice takes out most of the cash buffer and a slice of the basket just before the keeper.
    const shares = (await f.vault.balanceOf(alice)) / 5n;
    await f.vault.connect(alice).redeem(shares, alice.address, alice.address);
    await f.market.alignAllPools();
    await expect(f.rebalancer.connect(keeper).rebalance()).to.emit(f.vault, "Rebalanced");
    expect(await f.rebalancer.maxDrift()).to.be.lessThan(200n);
  });
});
