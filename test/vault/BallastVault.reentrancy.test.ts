import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { parseUnits } from "ethers";
import { ethers } from "hardhat";

import { deployVault } from "../../src/vault";
import { MockReentrantERC20__factory } from "../../typechain-types";
import type { VaultFixture } from "../shared/fixtures";
import { depositUsdc, rebalanceUntilSettled } from "../shared/vault";
import { deployLocalMarket } from "../shared/market";

/** USDC and HOOK (a token with a transfer hook, as ERC-777 tokens have), invested 50/50. */
async function hookFixture(): Promise<VaultFixture> {
  const market = await deployLocalMarket({
    tokens: [
      { symbol: "USDC", decimals: 6, priceUsd: 1 },
      { symbol: "HOOK", decimals: 18, priceUsd: 10, reentrant: true },
    ],
    pools: [{ tokenA: "HOOK", tokenB: "USDC", fee: 3000, depthUsd: 20_000_000 }],
  });
  const deployed = await deployVault(market, {
    basket: [
      { symbol: "USDC", weightBps: 5_000 },
      { symbol: "HOOK", weightBps: 5_000 },
    ],
    params: { maxTradeBps: 5_000 },
  });
  const [, alice] = await ethers.getSigners();
  await depositUsdc(market, deployed.vault, alice, 100_000);
  await rebalanceUntilSettled(market, deployed.vault);
  return { market, ...deployed };
}

describe("BallastVault reentrancy", () => {
  async function arm(f: VaultFixture, data: string) {
    const hook = MockReentrantERC20__factory.connect(f.market.token("HOOK").address, f.market.deployer);
    await (await hook.arm(await f.vault.getAddress(), data)).wait();
    return hook;
  }

  /** The selector of OpenZeppelin's ReentrancyGuardReentrantCall(): what the hook's call got back. */
  function reentrancyError(f: VaultFixture): string {
    return f.vault.interface.getError("ReentrancyGuardReentrantCall")!.selector;
  }

  it("refuses a hook re-entering redeemInKind while the vault pays out in kind", async () => {
    const f = await loadFixture(hookFixture);
    const [, alice] = await ethers.getSigners();
    const hook = await arm(f, f.vault.interface.encodeFunctionData("redeemInKind", [1n, alice.address, alice.address]));
    const before = await f.vault.balanceOf(alice);
    const shares = before / 2n;
    await expect(f.vault.connect(alice).redeemInKind(shares, alice.address, alice.address))
      .to.emit(hook, "HookCalled")
      .withArgs(await f.vault.getAddress(), false, reentrancyError(f));
    // Only the outer exit happened.
    expect(await f.vault.balanceOf(alice)).to.equal(before - shares);
  });

  it("refuses a hook re-entering deposit while the vault trades (rebalance)", async () => {
    const f = await loadFixture(hookFixture);
    await f.market.setFeedPrice("HOOK", 11);
    await f.market.alignAllPools();
    const [, alice] = await ethers.getSigners();
    const hook = await arm(f, f.vault.interface.encodeFunctionData("deposit", [parseUnits("1", 6), alice.address]));
    const supply = await f.vault.totalSupply();
    await expect(f.vault.rebalance())
      .to.emit(hook, "HookCalled")
      .withArgs(await f.vault.getAddress(), false, reentrancyError(f));
    expect(await f.vault.totalSupply()).to.equal(supply);
  });

  it("refuses a hook re-entering rebalance while the vault sells for a redeem", async () => {
    const f = await loadFixture(hookFixture);
    const [, alice] = await ethers.getSigners();
    const hook = await arm(f, f.vault.interface.encodeFunctionData("rebalance"));
    const shares = await f.vault.balanceOf(alice);
    await expect(f.vault.connect(alice).redeem(shares, alice.address, alice.address))
      .to.emit(hook, "HookCalled")
      .withArgs(await f.vault.getAddress(), false, reentrancyError(f))
      .and.to.emit(f.vault, "Withdraw");
  });
});
