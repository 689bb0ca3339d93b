import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ZeroAddress } from "ethers";
import type { BaseContract, Signer } from "ethers";
import { ethers, network } from "hardhat";

import {
  MockCallbackImpostor__factory,
  MockFeeOnTransferERC20__factory,
  MockGreedyPool__factory,
  MockSwapPoolProxy__factory,
} from "../../typechain-types";
import type { MockCallbackImpostor } from "../../typechain-types";
import { deployVault } from "../../src/vault";
import { FOUR_ASSET_BASKET } from "../shared/fixtures";
import type { VaultFixture } from "../shared/fixtures";
import { depositUsdc, oracleNav, rebalanceUntilSettled, swapsOf } from "../shared/vault";
import { deployLocalMarket } from "../shared/market";

/** The four-asset vault, $500k deposited, invested by a first rebalance. */
async function investedFixture(): Promise<VaultFixture> {
  const market = await deployLocalMarket();
  const [admin, alice] = await ethers.getSigners();
  const deployed = await deployVault(market, { basket: FOUR_ASSET_BASKET, governance: { admin: admin.address } });
  await depositUsdc(market, deployed.vault, alice, 500_000);
  await deployed.rebalancer.rebalance();
  return { market, ...deployed };
}

/**
 * The invested vault settled, then its WETH/USDC pool's code replaced by `replacement(copy)`, where
 * `copy` holds the pool's own code: the pool keeps its state and balances.
 */
async function withPoolReplaced(
  replacement: (copy: string, deployer: Signer) => Promise<BaseContract>,
): Promise<VaultFixture & { pool: string }> {
  const f = await loadFixture(investedFixture);
  const [deployer] = await ethers.getSigners();
  const pool = f.market.pool("WETH", "USDC", 500).address;
  await f.market.alignAllPools();
  await rebalanceUntilSettled(f.market, f.vault);
  const copy = ethers.Wallet.createRandom().address;
  await network.provider.send("hardhat_setCode", [copy, await ethers.provider.getCode(pool)]);
  const stand = await replacement(copy, deployer);
  await network.provider.send("hardhat_setCode", [pool, await ethers.provider.getCode(stand)]);
  return { ...f, pool };
}

describe("BallastVault swaps directly on the pools", () => {
  it("rebalances and pays base-asset exits on the factory's pools, approving nothing and trusting no router", async () => {
    const { market, vault } = await loadFixture(investedFixture);
    expect(await vault.uniswapFactory()).to.equal(await market.factory.getAddress());
    await market.alignAllPools();
    await rebalanceUntilSettled(market, vault);

    // The vault pays each pool in its callback: no allowance to a router or a pool is ever left.
    const spenders = [await market.router.getAddress(), await market.router02.getAddress()];
    spenders.push(market.pool("WETH", "USDC", 500).address);
    for (const symbol of ["USDC", "WETH", "WBTC", "LINK"]) {
      for (const spender of spenders) {
        expect(await market.token(symbol).contract.allowance(vault, spender)).to.equal(0n);
      }
    }

    // A redemption beyond the cash buffer sells slices (WBTC over two hops, through WETH).
    const [, alice] = await ethers.getSigners();
    const shares = (await vault.balanceOf(alice)) / 2n;
    const preview = await vault.previewRedeem(shares);
    const usdc = market.token("USDC").contract;
    const before = await usdc.balanceOf(alice);
    const swaps = await swapsOf(vault, vault.connect(alice).redeem(shares, alice.address, alice.address));
    expect(swaps.map((s) => s.tokenIn)).to.include(market.token("WBTC").address);
    for (const s of swaps) expect(s.amountOut).to.be.greaterThanOrEqual(s.minAmountOut);
    expect((await usdc.balanceOf(alice)) - before).to.be.greaterThanOrEqual(preview);
    expect(await vault.totalAssets()).to.equal(await oracleNav(market, vault));
  });

  it("sells a middle hop's output as it arrived: a token taxed on its way out of a pool costs the leaver, not the vault's own holding", async () => {
    // ALT's route crosses TAX, outside the basket, which burns 2% of a transfer unless an end is exempt.
    const market = await deployLocalMarket({
      tokens: [
        { symbol: "USDC", decimals: 6, priceUsd: 1 },
        { symbol: "ALT", decimals: 18, priceUsd: 5 },
        { symbol: "TAX", decimals: 18, priceUsd: 2, transferFeeBps: 200 },
      ],
      pools: [
        { tokenA: "ALT", tokenB: "TAX", fee: 3000, depthUsd: 10_000_000 },
        { tokenA: "TAX", tokenB: "USDC", fee: 3000, depthUsd: 10_000_000 },
      ],
    });
    const tax = MockFeeOnTransferERC20__factory.connect(market.token("TAX").address, market.deployer);
    const [altTax, taxUsdc] = [market.pool("ALT", "TAX", 3000).address, market.pool("TAX", "USDC", 3000).address];
    // Untaxed while the vault invests; then TAX leaving ALT/TAX is taxed, and what enters TAX/USDC not.
    for (const pool of [altTax, taxUsdc]) await (await tax.setFeeExempt(pool, true)).wait();
    const { vault } = await deployVault(market, {
      basket: [
        { symbol: "USDC", weightBps: 5_000 },
        { symbol: "ALT", weightBps: 5_000, route: ["ALT", 3000, "TAX", 3000, "USDC"] },
      ],
      params: { maxTradeBps: 5_000, slippageBps: 500 },
    });
    const [, alice] = await ethers.getSigners();
    await depositUsdc(market, vault, alice, 100_000);
    await rebalanceUntilSettled(market, vault);
    await (await tax.setFeeExempt(altTax, false)).wait();
    // TAX the vault holds (sent to it): not the basket's, but the vault's all the same.
    await market.fund(await vault.getAddress(), "TAX", 10n ** 21n);
    const held = await tax.balanceOf(vault);

    // 80% of the shares: beyond the half the vault holds in USDC, so an ALT slice is sold.
    const shares = ((await vault.balanceOf(alice)) * 4n) / 5n;
    const swaps = await swapsOf(vault, vault.connect(alice).redeem(shares, alice.address, alice.address));
    expect(swaps.map((x) => x.tokenIn)).to.deep.equal([market.token("ALT").address]);
    // The second hop sold the 98% of the first hop's TAX that arrived: nothing of the vault's own.
    expect(await tax.balanceOf(vault)).to.equal(held);
  });

  describe("uniswapV3SwapCallback", () => {
    it("refuses anyone outside a swap, the vault's own pools included, and moves nothing", async () => {
      const { market, vault } = await loadFixture(investedFixture);
      const [, alice] = await ethers.getSigners();
      const weth = market.token("WETH").contract;
      const held = await weth.balanceOf(vault);
      await expect(vault.connect(alice).uniswapV3SwapCallback(held, held, "0x"))
        .to.be.revertedWithCustomError(vault, "BallastSwapCallback")
        .withArgs(alice.address, ZeroAddress);

      // The pool the last swap paid, calling after it: the slot was cleared.
      const pool = market.pool("WETH", "USDC", 500).address;
      await network.provider.send("hardhat_impersonateAccount", [pool]);
      await network.provider.send("hardhat_setBalance", [pool, "0xde0b6b3a7640000"]);
      const asPool = await ethers.getSigner(pool);
      await expect(vault.connect(asPool).uniswapV3SwapCallback(held, held, "0x"))
        .to.be.revertedWithCustomError(vault, "BallastSwapCallback")
        .withArgs(pool, ZeroAddress);
      await network.provider.send("hardhat_stopImpersonatingAccount", [pool]);
      expect(await weth.balanceOf(vault)).to.equal(held);
    });

    it("refuses a pool that asks more than the hop's input (BallastSwapOverpay), paying nothing", async () => {
      const { market, vault, pool } = await withPoolReplaced((copy, deployer) =>
        new MockGreedyPool__factory(deployer).deploy(copy),
      );
      const [, alice] = await ethers.getSigners();
      const weth = market.token("WETH").contract;
      const [held, inPool] = [await weth.balanceOf(vault), await weth.balanceOf(pool)];
      // A redemption beyond the cash buffer sells a WETH slice into that pool.
      const shares = (await vault.balanceOf(alice)) / 2n;
      await expect(vault.connect(alice).redeem(shares, alice.address, alice.address))
        .to.be.revertedWithCustomError(vault, "BallastSwapOverpay")
        .withArgs(
          pool,
          (asked: bigint) => asked > 0n,
          (input: bigint) => input > 0n,
        );
      expect([await weth.balanceOf(vault), await weth.balanceOf(pool)]).to.deep.equal([held, inPool]);
    });

    it("mid-swap, refuses another caller and a second callback of the pool, and pays the pool once", async () => {
      // The WETH/USDC pool keeps its state and code (a copy, run by delegatecall) but, on each swap,
      // has an impostor call the vault's callback first and calls it a second time after its own.
      const [, alice] = await ethers.getSigners();
      let impostor: MockCallbackImpostor | undefined;
      const { market, vault, pool } = await withPoolReplaced(async (copy, deployer) => {
        impostor = await new MockCallbackImpostor__factory(deployer).deploy();
        return new MockSwapPoolProxy__factory(deployer).deploy(copy, impostor);
      });
      if (!impostor) throw new Error("no impostor");

      const weth = market.token("WETH").contract;
      const wethInPool = await weth.balanceOf(pool);
      // WBTC's route, WBTC -> WETH -> USDC, sells the WETH its first hop bought into the same pool.
      const wbtcPool = market.pool("WBTC", "WETH", 500).address;
      const wethInWbtcPool = await weth.balanceOf(wbtcPool);
      const shares = (await vault.balanceOf(alice)) / 2n;
      const sent = vault.connect(alice).redeem(shares, alice.address, alice.address);
      const receipt = await (await sent).wait();
      const swaps = await swapsOf(vault, sent);
      const wethSwap = swaps.find((s) => s.tokenIn === market.token("WETH").address);
      expect(wethSwap, "a WETH slice").to.not.equal(undefined);

      const refusal = (caller: string, expected: string) =>
        vault.interface.encodeErrorResult("BallastSwapCallback", [caller, expected]);
      const impostorEvents = await impostor.queryFilter(impostor.filters.CallbackRefused, receipt!.blockNumber);
      const proxyAt = MockSwapPoolProxy__factory.connect(pool, ethers.provider);
      const secondEvents = await proxyAt.queryFilter(proxyAt.filters.CallbackRefused, receipt!.blockNumber);
      expect(await impostor.queryFilter(impostor.filters.CallbackPaid, receipt!.blockNumber)).to.have.length(0);
      expect(await proxyAt.queryFilter(proxyAt.filters.CallbackPaid, receipt!.blockNumber)).to.have.length(0);
      // One swap on the pool per hop through it (WETH's slice, and WBTC's second hop).
      expect(impostorEvents.length).to.be.greaterThan(0);
      expect(secondEvents.length).to.equal(impostorEvents.length);
      for (const e of impostorEvents) expect(e.args.reason).to.equal(refusal(await impostor.getAddress(), pool));
      for (const e of secondEvents) expect(e.args.reason).to.equal(refusal(pool, ZeroAddress));

      // The pool was paid exactly the WETH sold into it, once: WETH's slice and WBTC's first hop's output.
      const intermediate = wethInWbtcPool - (await weth.balanceOf(wbtcPool));
      expect((await weth.balanceOf(pool)) - wethInPool).to.equal(wethSwap!.amountIn + intermediate);
      expect(await vault.totalAssets()).to.equal(await oracleNav(market, vault));
    });
  });
});
