import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { parseUnits, Signature } from "ethers";
import type { Signer } from "ethers";
import { ethers } from "hardhat";

import { BallastRouter__factory, MockERC20Permit__factory, PlainERC4626__factory } from "../../typechain-types";
import type { BallastRouter, MockERC20Permit, PlainERC4626 } from "../../typechain-types";
import { moveMarket } from "../shared/pnl";
import { expectRouterEmpty, usdcRouterFixture } from "../shared/router";

/** 0.5%: the tolerance a depositor's app sets under the vault's preview. */
const TOLERANCE_BPS = 50n;

function lessTolerance(amount: bigint): bigint {
  return (amount * (10_000n - TOLERANCE_BPS)) / 10_000n;
}

async function inAnHour(): Promise<number> {
  return (await time.latest()) + 3_600;
}

describe("BallastRouter, slippage between preview and send", function () {
  it("refuses a deposit whose shares fell past the tolerance, which a plain deposit would have taken", async function () {
    const { vault, router, market } = await loadFixture(usdcRouterFixture);
    const [, alice] = await ethers.getSigners();
    const usdc = market.token("USDC").contract;
    const assets = parseUnits("10000", 6);
    await market.fund(alice.address, "USDC", assets);
    await usdc.connect(alice).approve(router, assets);

    // The app quotes, and the user signs with a 0.5% tolerance...
    const quoted = await vault.previewDeposit(assets);
    const minShares = lessTolerance(quoted);
    const deadline = await inAnHour();
    // ...while the market moves: WETH 3% up in the pools, so the vault's entry price (each asset at
    // the dearer of its pools and its oracle raised by the feeds' thresholds, 0.75% for WETH) rises
    // for WETH and WBTC (routed through WETH).
    await moveMarket(market, ["WETH", "USDC"], { WETH: 1.03 });
    const now = await vault.previewDeposit(assets);
    expect(now).to.be.lessThan(minShares);

    await expect(router.connect(alice).depositMin(vault, assets, alice, minShares, deadline))
      .to.be.revertedWithCustomError(router, "BallastRouterTooFewShares")
      .withArgs(now, minShares);
    expect(await usdc.balanceOf(alice)).to.equal(assets);

    // ERC-4626 alone has no bound: the same deposit sent to the vault mints what the moved market gives.
    await usdc.connect(alice).approve(vault, assets);
    const before = await vault.balanceOf(alice);
    await expect(vault.connect(alice).deposit(assets, alice))
      .to.emit(vault, "Deposit")
      .withArgs(alice.address, alice.address, assets, now);
    expect((await vault.balanceOf(alice)) - before).to.equal(now);
    expect(now).to.be.lessThan(minShares);
  });

  it("lets a deposit through when the market moved less than the tolerance", async function () {
    const { vault, router, market } = await loadFixture(usdcRouterFixture);
    const [, alice] = await ethers.getSigners();
    const assets = parseUnits("10000", 6);
    await market.fund(alice.address, "USDC", assets);
    await market.token("USDC").contract.connect(alice).approve(router, assets);
    const quoted = await vault.previewDeposit(assets);
    // 1% up: 0.25% past the entry's own premium on WETH (0.75%), well within the tolerance.
    await moveMarket(market, ["WETH", "USDC"], { WETH: 1.01 });
    const now = await vault.previewDeposit(assets);
    expect(now).to.be.lessThan(quoted);

    await expect(router.connect(alice).depositMin(vault, assets, alice, lessTolerance(quoted), await inAnHour()))
      .to.emit(router, "RoutedDeposit")
      .withArgs(await vault.getAddress(), alice.address, alice.address, assets, now);
    await expectRouterEmpty(router, vault);
  });

  it("refuses a redemption whose assets fell past the tolerance, which a plain redeem would have paid", async function () {
    const { vault, router, market } = await loadFixture(usdcRouterFixture);
    const [, alice] = await ethers.getSigners();
    const usdc = market.token("USDC").contract;
    const shares = (await vault.balanceOf(alice)) / 50n;
    await vault.connect(alice).approve(router, shares);

    const quoted = await vault.previewRedeem(shares);
    const minAssets = lessTolerance(quoted);
    const deadline = await inAnHour();
    // WETH 2% down in the pools: the exit price (the cheaper of oracle and pools) falls.
    await moveMarket(market, ["WETH", "USDC"], { WETH: 0.98 });
    const now = await vault.previewRedeem(shares);
    expect(now).to.be.lessThan(minAssets);

    await expect(router.connect(alice).redeemMin(vault, shares, alice, minAssets, deadline))
      .to.be.revertedWithCustomError(router, "BallastRouterTooFewAssets")
      .withArgs(now, minAssets);

    const before = await usdc.balanceOf(alice);
    await expect(vault.connect(alice).redeem(shares, alice, alice))
      .to.emit(vault, "Withdraw")
      .withArgs(alice.address, alice.address, alice.address, now, shares);
    expect((await usdc.balanceOf(alice)) - before).to.equal(now);
    expect(now).to.be.lessThan(minAssets);
  });
});

interface PermitFixture {
  token: MockERC20Permit;
  vault: PlainERC4626;
  router: BallastRouter;
  chainId: bigint;
}

/** A 6-decimal permit token (as USDC) under a plain OpenZeppelin ERC-4626 with Ballast's offset. */
async function permitFixture(): Promise<PermitFixture> {
  const [deployer, alice] = await ethers.getSigners();
  const token = await new MockERC20Permit__factory(deployer).deploy("USD Coin", "USDC", 6);
  const vault = await new PlainERC4626__factory(deployer).deploy(token, 12);
  await token.mint(alice.address, parseUnits("10000", 6));
  const { chainId } = await ethers.provider.getNetwork();
  return { token, vault, router: await new BallastRouter__factory(deployer).deploy(), chainId };
}

/** An EIP-2612 signature of `owner`'s permit for `spender` of `value` until `deadline`, by `signer`. */
async function signPermit(
  f: PermitFixture,
  owner: Signer,
  spender: string,
  value: bigint,
  deadline: number,
  signer: Signer = owner,
): Promise<Signature> {
  const ownerAddress = await owner.getAddress();
  const domain = {
    name: await f.token.name(),
    version: "1",
    chainId: f.chainId,
    verifyingContract: await f.token.getAddress(),
  };
  const types = {
    Permit: [
      { name: "owner", type: "address" },
      { name: "spender", type: "address" },
      { name: "value", type: "uint256" },
      { name: "nonce", type: "uint256" },
      { name: "deadline", type: "uint256" },
    ],
  };
  const nonce = await f.token.nonces(ownerAddress);
  return Signature.from(
    await signer.signTypedData(domain, types, { owner: ownerAddress, spender, value, nonce, deadline }),
  );
}

/** The calls of a one-transaction deposit: alice's permit to the router, then the bounded deposit. */
async function permitAndDeposit(f: PermitFixture, signature: Signature, minShares: bigint, deadline: number) {
  const [, alice, bob] = await ethers.getSigners();
  const assets = await f.token.balanceOf(alice);
  const { v, r, s } = signature;
  return [
    f.router.interface.encodeFunctionData("selfPermit", [await f.token.getAddress(), assets, deadline, v, r, s]),
    f.router.interface.encodeFunctionData("depositMin", [
      await f.vault.getAddress(),
      assets,
      bob.address,
      minShares,
      deadline,
    ]),
  ];
}

describe("BallastRouter, selfPermit and multicall", function () {
  it("permits and deposits in one transaction, without an approval first", async function () {
    const f = await loadFixture(permitFixture);
    const { token, vault, router } = f;
    const [, alice, bob] = await ethers.getSigners();
    const assets = await token.balanceOf(alice);
    const shares = await vault.previewDeposit(assets);
    const deadline = await inAnHour();
    const signature = await signPermit(f, alice, await router.getAddress(), assets, deadline);
    const calls = await permitAndDeposit(f, signature, shares, deadline);

    const results = await router.connect(alice).multicall.staticCall(calls);
    expect(router.interface.decodeFunctionResult("depositMin", results[1])).to.deep.equal([shares]);
    await expect(router.connect(alice).multicall(calls))
      .to.emit(token, "Approval")
      .withArgs(alice.address, await router.getAddress(), assets)
      .and.to.emit(router, "RoutedDeposit")
      .withArgs(await vault.getAddress(), alice.address, bob.address, assets, shares);
    expect(await token.nonces(alice)).to.equal(1n);
    expect(await token.balanceOf(alice)).to.equal(0n);
    expect(await token.balanceOf(vault)).to.equal(assets);
    expect(await vault.balanceOf(bob)).to.equal(shares);
    expect(await token.allowance(alice, router)).to.equal(0n);
    expect(await token.balanceOf(router)).to.equal(0n);
    expect(await token.allowance(router, vault)).to.equal(0n);
  });

  it("still deposits when someone submitted alice's permit first (a front-run)", async function () {
    const f = await loadFixture(permitFixture);
    const { token, vault, router } = f;
    const [, alice, bob, eve] = await ethers.getSigners();
    const assets = await token.balanceOf(alice);
    const shares = await vault.previewDeposit(assets);
    const deadline = await inAnHour();
    const signature = await signPermit(f, alice, await router.getAddress(), assets, deadline);
    const { v, r, s } = signature;
    // Eve copies the permit from the mempool and lands it first: alice's nonce is spent.
    await token.connect(eve).permit(alice, router, assets, deadline, v, r, s);

    await expect(router.connect(alice).multicall(await permitAndDeposit(f, signature, shares, deadline)))
      .to.emit(router, "RoutedDeposit")
      .withArgs(await vault.getAddress(), alice.address, bob.address, assets, shares);
    expect(await vault.balanceOf(bob)).to.equal(shares);
  });

  it("reverts with the token's error for a permit that is invalid and not covered by an allowance", async function () {
    const f = await loadFixture(permitFixture);
    const [, alice, bob] = await ethers.getSigners();
    const assets = await f.token.balanceOf(alice);
    const deadline = await inAnHour();
    // Bob signs alice's permit.
    const { v, r, s } = await signPermit(f, alice, await f.router.getAddress(), assets, deadline, bob);
    await expect(f.router.connect(alice).selfPermit(f.token, assets, deadline, v, r, s))
      .to.be.revertedWithCustomError(f.token, "ERC2612InvalidSigner")
      .withArgs(bob.address, alice.address);
  });

  it("reverts the whole batch when its second call reverts: the permit is undone too", async function () {
    const f = await loadFixture(permitFixture);
    const { token, vault, router } = f;
    const [, alice] = await ethers.getSigners();
    const assets = await token.balanceOf(alice);
    const shares = await vault.previewDeposit(assets);
    const deadline = await inAnHour();
    const signature = await signPermit(f, alice, await router.getAddress(), assets, deadline);

    await expect(router.connect(alice).multicall(await permitAndDeposit(f, signature, shares + 1n, deadline)))
      .to.be.revertedWithCustomError(router, "BallastRouterTooFewShares")
      .withArgs(shares, shares + 1n);
    expect(await token.nonces(alice)).to.equal(0n);
    expect(await token.allowance(alice, router)).to.equal(0n);
    expect(await token.balanceOf(alice)).to.equal(assets);
  });
});
