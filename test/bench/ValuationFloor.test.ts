import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { parseUnits, ZeroAddress } from "ethers";
import type { ContractTransactionResponse } from "ethers";
import { ethers } from "hardhat";

import {
  ChainlinkOracle__factory,
  MockAggregatorV3__factory,
  MockERC20__factory,
  UniswapV3Factory__factory,
  UniswapV3Pool__factory,
  ValuationFloor__factory,
} from "../../typechain-types";

const HEARTBEAT = 3_600n;

async function gasUsed(sent: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await sent).wait();
  if (!receipt) throw new Error("not mined");
  return receipt.gasUsed;
}

// The benchmark's baseline: `npm run bench` reports the vault's per-asset costs next to it.
describe("ValuationFloor", function () {
  async function floorFixture() {
    const [deployer, holder] = await ethers.getSigners();
    const tokens = await Promise.all(
      [6, 8, 18].map((d, i) => new MockERC20__factory(deployer).deploy(`T${i}`, `T${i}`, d)),
    );
    const feeds = await Promise.all(
      [
        [8, 100_000_000n], // $1, 8 decimals
        [8, 6_000_000_000_000n], // $60,000
        [18, parseUnits("3000", 18)], // $3,000, 18 decimals
      ].map(([d, answer]) => new MockAggregatorV3__factory(deployer).deploy(d, "feed", answer)),
    );
    const oracles = await Promise.all(
      feeds.map(async (feed) => new ChainlinkOracle__factory(deployer).deploy(feed, HEARTBEAT, 50, ZeroAddress, 0)),
    );
    const balances = [parseUnits("1500", 6), parseUnits("0.25", 8), parseUnits("2", 18)];
    for (const [i, token] of tokens.entries()) await token.mint(holder, balances[i]);
    // Real Uniswap pools of assets 1 and 2 against asset 0, the base (which has none).
    const uniswap = await new UniswapV3Factory__factory(deployer).deploy();
    for (const token of tokens.slice(1)) {
      await uniswap.createPool(tokens[0], token, 500);
      const pool = UniswapV3Pool__factory.connect(await uniswap.getPool(tokens[0], token, 500), deployer);
      await pool.initialize(2n ** 96n);
    }
    const factory = new ValuationFloor__factory(deployer);
    const noPool = await (await factory.deploy([], [], ZeroAddress, [], [])).NO_POOL();
    const deploy = (n: number) =>
      factory.deploy(
        oracles.slice(0, n),
        tokens.slice(0, n),
        uniswap,
        [0, 500, 500].slice(0, n),
        [noPool, 0n, 0n].slice(0, n),
      );
    return { holder, tokens, feeds, oracles, balances, deploy };
  }

  it("sums every asset's balance times its oracle price (WAD), reading each once", async function () {
    const { holder, oracles, balances, deploy } = await loadFixture(floorFixture);
    const floor = await deploy(3);
    let sum = 0n;
    for (const [i, oracle] of oracles.entries()) sum += balances[i] * (await oracle.price());
    expect(sum).to.equal(
      parseUnits("1500", 6) * 10n ** 18n + parseUnits("0.25", 8) * 60_000n * 10n ** 18n + parseUnits("6000", 36),
    );
    await expect(floor.value(holder)).to.emit(floor, "Valued").withArgs(sum);
  });

  it("counts an asset whose price is unavailable as zero, as the vault's read does not revert", async function () {
    const { holder, oracles, balances, feeds, deploy } = await loadFixture(floorFixture);
    const floor = await deploy(3);
    await time.increase(HEARTBEAT + 1n);
    await feeds[0].setAnswer(100_000_000n);
    // Feeds 1 and 2 are now stale: only asset 0 is priced.
    await expect(floor.value(holder))
      .to.emit(floor, "Valued")
      .withArgs(balances[0] * (await oracles[0].price()));
  });

  it("measures a per-asset cost that does not depend on the basket's size", async function () {
    const { holder, deploy } = await loadFixture(floorFixture);
    const [empty, one, three] = await Promise.all([deploy(0), deploy(1), deploy(3)]);
    const base = await gasUsed(empty.value(holder));
    const perAssetOfOne = (await gasUsed(one.value(holder))) - base;
    const perAssetOfThree = ((await gasUsed(three.value(holder))) - base) / 3n;
    // Cold state dominates: two accounts and slots per asset at least (2 x 2,600 + 3 x 2,100).
    expect(perAssetOfOne).to.be.greaterThan(11_500n);
    // The same work per asset, give or take the loop and the tokens' different decimals.
    expect(perAssetOfThree).to.be.closeTo(perAssetOfOne, 300n);
  });

  it("reads each pool's price and liquidity on top, none for an asset without a pool", async function () {
    const { holder, oracles, balances, deploy } = await loadFixture(floorFixture);
    const floor = await deploy(3);
    let sum = 0n;
    for (const [i, oracle] of oracles.entries()) sum += balances[i] * (await oracle.price());
    // Two pools at a price of 1 (sqrtPriceX96 = 2^96), no liquidity: found where the factory put them.
    await expect(floor.valueWithPools(holder))
      .to.emit(floor, "Valued")
      .withArgs(sum + 2n * 2n ** 96n);
    const poolReads = (await gasUsed(floor.valueWithPools(holder))) - (await gasUsed(floor.value(holder)));
    // Per pool, cold: its account, slot0's and liquidity's slots (2,600 + 2 x 2,100), its address
    // computed (two hashes), two calls and their answers decoded.
    expect(poolReads / 2n).to.be.greaterThan(6_800n);
    expect(poolReads / 2n).to.be.lessThan(11_000n);
  });
});
