import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { parseUnits, ZeroAddress } from "ethers";

import { encodeRoute } from "../../src/vault";
import { RebalanceWorkFloor__factory, ValuationFloor__factory } from "../../typechain-types";
import { deployLocalMarket } from "../shared/market";

// The benchmark's floor of what a rebalance adds to valuing and trading: `npm run bench` measures it.
describe("RebalanceWorkFloor", function () {
  async function workFloorFixture() {
    const market = await deployLocalMarket();
    const work = await new RebalanceWorkFloor__factory(market.deployer).deploy(await market.factory.getAddress());
    const floor = await new ValuationFloor__factory(market.deployer).deploy([], [], ZeroAddress, [], []);
    const path = encodeRoute(market, ["WETH", 500, "USDC"]);
    const amountIn = parseUnits("1", 18);
    await market.fund(await work.getAddress(), "WETH", 2n * amountIn);
    await (await work.prime([1n, 2n])).wait();
    const [quoted] = await market.quoter.quoteExactInput.staticCall(path, amountIn);
    const tokens = [market.token("USDC").address, market.token("WETH").address];
    return { market, work, floor, path, amountIn, quoted, tokens };
  }

  it("trades its legs on the pools, each held to its minimum, and reports the holdings", async function () {
    const { market, work, floor, path, amountIn, quoted, tokens } = await loadFixture(workFloorFixture);
    const tx = work.rebalance(floor, tokens, [path], [amountIn], [quoted], [3n, 4n]);
    await expect(tx).to.changeTokenBalances(market.token("USDC").contract, [work], [quoted]);
    await expect(tx).to.emit(work, "Rebalanced");
  });

  it("refuses a leg that fetches less than its minimum, naming the leg and both amounts", async function () {
    const { work, floor, path, amountIn, quoted, tokens } = await loadFixture(workFloorFixture);
    await expect(work.rebalance(floor, tokens, [path], [amountIn], [quoted + 1n], [3n, 4n]))
      .to.be.revertedWithCustomError(work, "RebalanceWorkFloorMinimum")
      .withArgs(0n, quoted, quoted + 1n);
  });

  it("checks a due rebalance by reading its legs' pools, and fails on a leg without one", async function () {
    const { market, work, floor, path } = await loadFixture(workFloorFixture);
    expect(await work.check.staticCall(floor, [path])).to.equal(true);
    // No WETH/USDC pool at the 0.01% tier: nothing to read.
    await expect(work.check(floor, [encodeRoute(market, ["WETH", 100, "USDC"])])).to.be.reverted;
  });
});
