/**
 * The keeper's own plan (src/keeper/planner.ts) on the local market: it trades only what is outside
 * the band, pairs assets directly where a pool between them is cheaper than the base, and the
 * rebalancer settles it; compared with the on-chain plan on the same state.
 */
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { getAddress, solidityPacked } from "ethers";
import { ethers, network } from "hardhat";

import { cheapestRoute, middleTokens, planRebalance } from "../../src/keeper/planner";
import type { RouteChoice } from "../../src/keeper/planner";
import { investedAdminFixture } from "../shared/fixtures";
import type { VaultFixture } from "../shared/fixtures";
import { refreshFeeds } from "../shared/security";
import { depositUsdc, swapsOf } from "../shared/vault";

import { testKeeper } from "./helpers";

const BASKET = ["USDC", "WETH", "WBTC", "LINK"];

/** The invested vault after WETH rose 10%: WETH above its band, the others below. */
async function drifted(): Promise<VaultFixture> {
  const f = await investedAdminFixture();
  await f.market.setFeedPrice("WETH", (await f.market.feedPrice("WETH")) * 1.1);
  await f.market.alignAllPools();
  await refreshFeeds(f.market, BASKET);
  return f;
}

async function keeperPlan(f: VaultFixture) {
  const [, , band] = await f.rebalancer.rebalanceStatus();
  return planRebalance(
    {
      vault: f.vault,
      rebalancer: f.rebalancer,
      quoter: await f.market.quoter.getAddress(),
      provider: ethers.provider,
    },
    band,
  );
}

/** NAV lost by a rebalance, from its Rebalanced event. */
async function costOf(f: VaultFixture, blockNumber: number): Promise<bigint> {
  const [event] = await f.vault.queryFilter(f.vault.filters.Rebalanced, blockNumber, blockNumber);
  return event.args.navBefore - event.args.navAfter;
}

describe("keeper planner", () => {
  it("pairs WETH with WBTC and LINK directly, across fewer pools and at no more cost than the on-chain plan", async () => {
    const f = await loadFixture(drifted);
    const plan = await keeperPlan(f);
    const weth = f.market.token("WETH").address.toLowerCase().slice(2);
    const wbtc = f.market.token("WBTC").address.toLowerCase().slice(2);
    // Direct WETH -> WBTC: the WBTC/WETH 0.05% pool beats WETH -> USDC -> WETH -> WBTC.
    expect(plan.legs.some((l) => l.path.toLowerCase() === `0x${weth}0001f4${wbtc}`)).to.equal(true);
    expect(plan.quotedCost).to.be.greaterThan(0n);

    const snapshot = await network.provider.send("evm_snapshot", []);
    const onChain = await swapsOf(f.vault, f.rebalancer.rebalance());
    const onChainCost = await costOf(f, await ethers.provider.getBlockNumber());
    await network.provider.send("evm_revert", [snapshot]);

    const own = await swapsOf(f.vault, f.rebalancer.rebalancePlan(plan.legs));
    const ownCost = await costOf(f, await ethers.provider.getBlockNumber());
    expect(own.length).to.equal(plan.legs.length);
    // Fewer pools crossed: the on-chain plan sells WETH to USDC and buys WBTC back through WETH.
    const hops = (path: string) => (path.length - 2 - 40) / 46;
    const onChainHops = onChain.length + 1; // its WBTC purchase crosses two pools
    expect(plan.legs.reduce((sum, l) => sum + hops(l.path), 0)).to.be.lessThan(onChainHops);
    expect(ownCost).to.be.at.most(onChainCost);
    // At the band's edge (the default target band is 0: at target, within rounding).
    expect(await f.rebalancer.maxDrift()).to.be.at.most(5n);
  });

  it("plans nothing while every asset is inside its band", async () => {
    const f = await loadFixture(investedAdminFixture);
    // A 30 bp target band: the invested vault sits within a few bp of its targets.
    await (
      await f.policy.setTriggerParams({ triggerBandBps: 200, targetBandBps: 30, cooldown: 600, calendarInterval: 0 })
    ).wait();
    expect((await f.rebalancer.rebalanceStatus())[2]).to.equal(30n);
    const plan = await keeperPlan(f);
    expect(plan.legs).to.deep.equal([]);
  });

  it("leaves out a leg whose quoted cost exceeds the drift it removes, at the policy's price of drift", async () => {
    const f = await loadFixture(drifted);
    // One wei of NAV per basis point of drift removed: every leg costs more than it is worth.
    await (
      await f.policy.setCostParams({
        benefitPerBpWad: 1,
        maxCostRatioBps: 0,
        gasBase: 0,
        gasPerHop: 0,
        gasTokenOracle: ethers.ZeroAddress,
      })
    ).wait();
    const plan = await keeperPlan(f);
    expect(plan.legs).to.deep.equal([]);
    expect(plan.dropped).to.be.greaterThan(0);
  });

  it("sells an asset into the base once, however many buyers that sale funds (one leg per path)", async () => {
    const f = await loadFixture(investedAdminFixture);
    // LINK up 30%: LINK sells for WETH (a direct LINK/WETH pool), for WBTC (no direct pool: through
    // the base) and for the base's own shortfall; the last two share LINK's route into the base.
    await f.market.setFeedPrice("LINK", (await f.market.feedPrice("LINK")) * 1.3);
    await f.market.alignAllPools();
    await refreshFeeds(f.market, BASKET);
    const plan = await keeperPlan(f);
    const paths = plan.legs.map((l) => l.path.toLowerCase());
    expect(new Set(paths).size).to.equal(paths.length);
    const link = f.market.token("LINK").address.toLowerCase().slice(2);
    const usdc = f.market.token("USDC").address.toLowerCase().slice(2);
    expect(paths.filter((p) => p.startsWith(`0x${link}`) && p.endsWith(usdc))).to.have.length(1);
    const swaps = await swapsOf(f.vault, f.rebalancer.rebalancePlan(plan.legs));
    expect(swaps.length).to.equal(plan.legs.length);
    expect(await f.rebalancer.maxDrift()).to.be.at.most(5n);
  });

  it("trades through the base when a direct pair would add a leg that costs more gas than it saves", async () => {
    const f = await loadFixture(investedAdminFixture);
    // LINK up 20%, WETH down 5%, and a deposit: LINK and the base sell, WETH and WBTC buy. A direct
    // LINK -> WETH leg leaves both trading with the base too: four legs where three do.
    await f.market.setFeedPrice("LINK", (await f.market.feedPrice("LINK")) * 1.2);
    await f.market.setFeedPrice("WETH", (await f.market.feedPrice("WETH")) * 0.95);
    await f.market.alignAllPools();
    await refreshFeeds(f.market, BASKET);
    const [, , , , , bob] = await ethers.getSigners();
    await depositUsdc(f.market, f.vault, bob, 20_000);
    const [, , band] = await f.rebalancer.rebalanceStatus();
    const chain = {
      vault: f.vault,
      rebalancer: f.rebalancer,
      quoter: await f.market.quoter.getAddress(),
      provider: ethers.provider,
    };
    const link = f.market.token("LINK").address.toLowerCase().slice(2);
    const weth = f.market.token("WETH").address.toLowerCase().slice(2);
    const isDirect = (l: { path: string }) =>
      l.path.toLowerCase().startsWith(`0x${link}`) && l.path.toLowerCase().endsWith(weth);
    // Legs free: the direct pair, cheaper on the quote, in four legs.
    const free = await planRebalance(chain, band, 0n);
    expect(free.legs).to.have.length(4);
    expect(free.legs.some(isDirect)).to.equal(true);
    // A leg's gas at 20 USDC: one leg per asset, through the base, dearer on the quote by less than
    // that (12 USDC: the merged sale into the base moves its pool further).
    const legGas = 20n * 10n ** 6n;
    const priced = await planRebalance(chain, band, legGas);
    expect(priced.legs).to.have.length(3);
    expect(priced.legs.some(isDirect)).to.equal(false);
    expect(priced.quotedCost - free.quotedCost)
      .to.be.greaterThan(0n)
      .and.lessThan(legGas);
    const swaps = await swapsOf(f.vault, f.rebalancer.rebalancePlan(priced.legs));
    expect(swaps).to.have.length(3);
    expect(await f.rebalancer.maxDrift()).to.be.at.most(5n);
  });

  it("keeps the plan that trades more when the other leaves pairs out as not worth their cost", async () => {
    const f = await loadFixture(drifted);
    // Drift priced so low that a pair through the base (two legs, two fees) is not worth its cost,
    // and a direct pair (one pool) is: the plan through the base trades a fraction, and costs less.
    await (
      await f.policy.setCostParams({
        benefitPerBpWad: 5n * 10n ** 10n,
        maxCostRatioBps: 0,
        gasBase: 0,
        gasPerHop: 0,
        gasTokenOracle: ethers.ZeroAddress,
      })
    ).wait();
    const plan = await keeperPlan(f);
    const weth = f.market.token("WETH").address.toLowerCase().slice(2);
    const wbtc = f.market.token("WBTC").address.toLowerCase().slice(2);
    expect(plan.legs.some((l) => l.path.toLowerCase() === `0x${weth}0001f4${wbtc}`)).to.equal(true);
    expect(plan.valueTraded).to.be.greaterThan(5_000n * 10n ** 6n);
  });

  it("weighs each route's quote with the gas of the legs it adds to the plan", () => {
    const leg = (path: string, first: boolean) => ({ path, amountIn: 1n, first });
    // A direct pool, dearer on the quote; the base route, cheaper but two legs.
    const direct: RouteChoice = { legs: [leg("0xaa", true)], cost: 10n };
    const viaBase: RouteChoice = { legs: [leg("0xbb", true), leg("0xcc", false)], cost: 5n };
    const candidates = [direct, viaBase];
    // Legs free: the quote decides.
    expect(cheapestRoute(candidates, new Set(), 0n)).to.deep.equal({ route: viaBase, total: 5n });
    // A leg costs 100: one new leg beats two.
    expect(cheapestRoute(candidates, new Set(), 100n)).to.deep.equal({ route: direct, total: 110n });
    // The plan already sells into the base and buys from it along those paths: the base route adds no leg.
    expect(cheapestRoute(candidates, new Set(["0xbb", "0xcc"]), 100n)).to.deep.equal({ route: viaBase, total: 5n });
    // Equal totals: fewer legs.
    expect(cheapestRoute([viaBase, { ...direct, cost: 5n }], new Set(), 0n)?.route.legs).to.have.length(1);
    expect(cheapestRoute([], new Set(), 0n)).to.equal(undefined);
  });

  it("reads the tokens a path crosses between its ends, which the rebalancer requires in the basket", () => {
    const [a, b, c] = ["0x" + "11".repeat(20), "0x" + "22".repeat(20), "0x" + "33".repeat(20)].map((x) =>
      getAddress(x),
    );
    expect(middleTokens(solidityPacked(["address", "uint24", "address"], [a, 500, b]))).to.deep.equal([]);
    expect(
      middleTokens(solidityPacked(["address", "uint24", "address", "uint24", "address"], [a, 500, b, 3000, c])),
    ).to.deep.equal([b]);
  });

  describe("in the keeper bot", () => {
    it("sends rebalancePlan(legs) when given a quoter", async () => {
      const f = await loadFixture(drifted);
      const [, , , signer] = await ethers.getSigners();
      const { keeper, logger } = testKeeper(f.vault, signer, { quoter: await f.market.quoter.getAddress() });
      const [result] = await keeper.runOnce();
      expect(result).to.include({ action: "confirmed", kind: "rebalance", reason: "rebalanced" });
      const [planned] = logger.events("keeper_plan");
      expect(Number(planned.legs)).to.be.greaterThan(0);
      const [sent] = logger.events("tx_sent");
      const tx = await ethers.provider.getTransaction(sent.hash as string);
      expect(tx?.data.slice(0, 10)).to.equal(f.rebalancer.interface.getFunction("rebalancePlan").selector);
    });

    it("gates its own plan on the plan's own quote, not on the on-chain plan's cost", async () => {
      const f = await loadFixture(drifted);
      await (
        await f.policy.setCostParams({
          benefitPerBpWad: 10n ** 12n,
          maxCostRatioBps: 10_000,
          gasBase: 150_000,
          gasPerHop: 100_000,
          gasTokenOracle: await f.oracles[1].getAddress(),
        })
      ).wait();
      const [onChainCost] = await f.rebalancer.rebalanceCost();
      const [, , , signer] = await ethers.getSigners();
      const { keeper, logger } = testKeeper(f.vault, signer, { quoter: await f.market.quoter.getAddress() });
      const [result] = await keeper.runOnce();
      expect(result).to.include({ action: "confirmed", kind: "rebalance", reason: "rebalanced" });
      const [planned] = logger.events("keeper_plan");
      const [sent] = logger.events("tx_sent");
      expect(sent.costOf).to.equal("rebalancePlan");
      expect(String(sent.cost)).to.equal(String(planned.quotedCost));
      // The plan trades WETH into WBTC directly: it costs less than the on-chain plan's route.
      expect(BigInt(String(sent.cost))).to.be.lessThan(onChainCost);
    });

    it("falls back to rebalance() when the rebalancer refuses its plan (keeper_plan_refused)", async () => {
      const f = await loadFixture(drifted);
      // Trades capped at 1% of NAV, and a plan must remove the whole of the largest drift: the capped
      // plan cannot, the on-chain plan (held to no such cut) still trades what the cap allows.
      const p = (await f.vault.basketState()).params;
      await (
        await f.vault.setRebalanceParams({
          slippageBps: p.slippageBps,
          maxTradeBps: 100,
          maxLossBps: p.maxLossBps,
          minTradeValue: p.minTradeValue,
          maxPoolGapBps: p.maxPoolGapBps,
        })
      ).wait();
      const { costToleranceBps } = await f.rebalancer.planParams();
      await (await f.rebalancer.setPlanParams({ minDriftCutBps: 10_000, costToleranceBps })).wait();
      const [, , , signer] = await ethers.getSigners();
      const { keeper, logger } = testKeeper(f.vault, signer, { quoter: await f.market.quoter.getAddress() });
      const [result] = await keeper.runOnce();
      expect(result).to.include({ action: "confirmed", kind: "rebalance", reason: "rebalanced" });
      const [refused] = logger.events("keeper_plan_refused");
      expect(refused.reason).to.equal("BallastPlanDrift");
      const [sent] = logger.events("tx_sent");
      const tx = await ethers.provider.getTransaction(sent.hash as string);
      expect(tx?.data).to.equal(f.rebalancer.interface.encodeFunctionData("rebalance"));
    });

    it("falls back to rebalance() when it cannot plan (a quoter that does not answer)", async () => {
      const f = await loadFixture(drifted);
      const [, , , signer, stranger] = await ethers.getSigners();
      const { keeper, logger } = testKeeper(f.vault, signer, { quoter: stranger.address });
      const [result] = await keeper.runOnce();
      expect(result).to.include({ action: "confirmed", kind: "rebalance", reason: "rebalanced" });
      // Every quote fails, so no route is a candidate: no plan, and the on-chain plan stands.
      expect(logger.events("keeper_plan")).to.deep.equal([]);
      const [sent] = logger.events("tx_sent");
      const tx = await ethers.provider.getTransaction(sent.hash as string);
      expect(tx?.data).to.equal(f.rebalancer.interface.encodeFunctionData("rebalance"));
    });
  });
});
