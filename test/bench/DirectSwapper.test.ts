import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { parseUnits } from "ethers";
import { ethers } from "hardhat";

import { encodeRoute } from "../../src/vault";
import { DirectSwapper__factory } from "../../typechain-types";
import { deployLocalMarket } from "../shared/market";

// The benchmark's floor of a rebalance's swaps: `npm run bench` replays each leg through it.
describe("DirectSwapper", function () {
  async function swapperFixture() {
    const market = await deployLocalMarket();
    const [, stranger] = await ethers.getSigners();
    const swapper = await new DirectSwapper__factory(market.deployer).deploy(await market.factory.getAddress());
    return { market, stranger, swapper };
  }

  for (const route of [
    ["WETH", 500, "USDC"],
    ["USDC", 500, "WETH", 500, "WBTC"],
  ] as const) {
    it(`sells exactly its input along ${route.join(" ")} on the pools and keeps what QuoterV2 quotes`, async function () {
      const { market, swapper } = await loadFixture(swapperFixture);
      const [first, last] = [route[0], String(route[route.length - 1])];
      const amountIn = parseUnits("1", market.token(first).decimals);
      const path = encodeRoute(market, [...route]);
      await market.fund(await swapper.getAddress(), first, amountIn);
      const [quoted] = await market.quoter.quoteExactInput.staticCall(path, amountIn);
      expect(await swapper.swap.staticCall(path, amountIn)).to.equal(quoted);
      await expect(swapper.swap(path, amountIn)).to.changeTokenBalances(
        market.token(last).contract,
        [swapper],
        [quoted],
      );
      expect(await market.token(first).contract.balanceOf(swapper)).to.equal(0n);
      // Nothing of the middle token is left behind.
      if (route.length > 3) expect(await market.token(String(route[2])).contract.balanceOf(swapper)).to.equal(0n);
    });
  }

  it("pays no caller but the pool of a hop under way", async function () {
    const { market, stranger, swapper } = await loadFixture(swapperFixture);
    await market.fund(await swapper.getAddress(), "USDC", parseUnits("1", 6));
    await expect(swapper.connect(stranger).uniswapV3SwapCallback(1n, 1n, "0x"))
      .to.be.revertedWithCustomError(swapper, "DirectSwapperNotPool")
      .withArgs(await stranger.getAddress());
  });
});
