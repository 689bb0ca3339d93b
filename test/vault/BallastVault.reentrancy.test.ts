import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { parseUnits } from "ethers";
import type { Addressable } from "ethers";
import { ethers } from "hardhat";

import { MockReentrantERC20__factory } from "../../typechain-types";
import { hookFixture } from "../shared/fixtures";
import type { VaultFixture } from "../shared/fixtures";

describe("BallastVault reentrancy", () => {
  /** Arms HOOK's transfer hook to call `target` (the vault unless named) with `data`. */
  async function arm(f: VaultFixture, data: string, target: Addressable = f.vault) {
    const hook = MockReentrantERC20__factory.connect(f.market.token("HOOK").address, f.market.deployer);
    await (await hook.arm(await target.getAddress(), data)).wait();
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
    await expect(f.rebalancer.rebalance())
      .to.emit(hook, "HookCalled")
      .withArgs(await f.vault.getAddress(), false, reentrancyError(f));
    expect(await f.vault.totalSupply()).to.equal(supply);
  });

  it("refuses a hook re-entering rebalance while the vault sells for a redeem", async () => {
    const f = await loadFixture(hookFixture);
    const [, alice] = await ethers.getSigners();
    // The rebalancer's own guard is not held during a redeem: the vault's, on recordPrices, refuses.
    const hook = await arm(f, f.rebalancer.interface.encodeFunctionData("rebalance"), f.rebalancer);
    const shares = await f.vault.balanceOf(alice);
    await expect(f.vault.connect(alice).redeem(shares, alice.address, alice.address))
      .to.emit(hook, "HookCalled")
      .withArgs(await f.rebalancer.getAddress(), false, reentrancyError(f))
      .and.to.emit(f.vault, "Withdraw");
  });
});
