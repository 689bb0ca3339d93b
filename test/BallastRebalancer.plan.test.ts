/**
 * rebalancePlan: a keeper's legs, computed off chain, settled and checked on chain. Every refusal
 * loses nothing and burns no cooldown; a plan that settles reaches the band or cuts the drift.
 */
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers, network } from "hardhat";

import { encodeRoute } from "../src/vault";
import type { RouteSpec } from "../src/vault";
import type { IBallastVault } from "../typechain-types/artifacts/contracts/BallastVault";
import { investedAdminFixture } from "./shared/fixtures";
import type { VaultFixture } from "./shared/fixtures";
import { refreshFeeds } from "./shared/security";
import { oracleNav, Status, swapsOf } from "./shared/vault";

const BASKET = ["USDC", "WETH", "WBTC", "LINK"];
const BPS = 10_000n;

/** The invested vault after WETH rose 10%: WETH above target, USDC, WBTC and LINK below. */
async function drifted(): Promise<VaultFixture> {
  const f = await investedAdminFixture();
  await f.market.setFeedPrice("WETH", (await f.market.feedPrice("WETH")) * 1.1);
  await f.market.alignAllPools();
  await refreshFeeds(f.market, BASKET);
  return f;
}

/** Each asset's value above (+) or below (-) its target, base units, by symbol. */
async function gaps(f: VaultFixture): Promise<Map<string, bigint>> {
  const [tokens, , , , values, targets, nav] = await f.vault.basketState();
  const out = new Map<string, bigint>();
  for (const [i, token] of tokens.entries()) {
    const symbol = f.market.tokens.find((t) => t.address === token)?.symbol ?? token;
    out.set(symbol, values[i] - (nav * targets[i]) / BPS);
  }
  return out;
}

/** `value` base units of WETH, in raw WETH at the feeds (rounded down). */
async function wethWorth(f: VaultFixture, value: bigint): Promise<bigint> {
  const [[, weth], [, usdc]] = await Promise.all([
    f.market.token("WETH").feed.latestRoundData(),
    f.market.token("USDC").feed.latestRoundData(),
  ]);
  return (value * usdc * 10n ** 18n) / (weth * 10n ** 6n);
}

function leg(f: VaultFixture, route: RouteSpec, amountIn: bigint): IBallastVault.LegStruct {
  return { path: encodeRoute(f.market, route), amountIn };
}

describe("BallastRebalancer.rebalancePlan: a keeper's plan, checked on chain", () => {
  it("settles direct pairs (WETH -> WBTC, WETH -> LINK) and a sale into the base, to within the band", async () => {
    const f = await loadFixture(drifted);
    const [, , , keeper] = await ethers.getSigners();
    const g = await gaps(f);
    const legs = [
      leg(f, ["WETH", 500, "WBTC"], await wethWorth(f, -(g.get("WBTC") as bigint))),
      leg(f, ["WETH", 3000, "LINK"], await wethWorth(f, -(g.get("LINK") as bigint))),
      leg(f, ["WETH", 500, "USDC"], await wethWorth(f, -(g.get("USDC") as bigint))),
    ];
    const driftBefore = await f.rebalancer.maxDrift();
    expect(driftBefore).to.be.greaterThan(200n);
    const swaps = await swapsOf(f.vault, f.rebalancer.connect(keeper).rebalancePlan(legs));
    expect(swaps.map((s) => [s.tokenIn, s.tokenOut])).to.deep.equal([
      [f.market.token("WETH").address, f.market.token("WBTC").address],
      [f.market.token("WETH").address, f.market.token("LINK").address],
      [f.market.token("WETH").address, f.market.token("USDC").address],
    ]);
    // Three legs where the on-chain plan needs five (a sale to USDC, then three purchases).
    expect(await f.rebalancer.maxDrift()).to.be.at.most(10n);
    expect(await f.policy.lastRebalance(f.rebalancer)).to.equal(
      BigInt((await ethers.provider.getBlock("latest"))!.timestamp),
    );
  });

  it("refuses a leg that buys an asset above its target (BallastPlanLeg), burning no cooldown", async () => {
    const f = await loadFixture(drifted);
    const last = await f.policy.lastRebalance(f.rebalancer);
    // USDC is below its target: selling it to buy WETH, which is above its own, is backwards.
    await expect(f.rebalancer.rebalancePlan([leg(f, ["USDC", 500, "WETH"], 1_000n * 10n ** 6n)]))
      .to.be.revertedWithCustomError(f.rebalancer, "BallastPlanLeg")
      .withArgs(0n, f.market.token("USDC").address, f.market.token("WETH").address);
    expect(await f.policy.lastRebalance(f.rebalancer)).to.equal(last);
    expect((await f.rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);
  });

  it("refuses a plan that removes too little drift (BallastPlanDrift), so that it cannot burn the cooldown", async () => {
    const f = await loadFixture(drifted);
    const driftBefore = await f.rebalancer.maxDrift();
    const [, band] = [0, (await f.rebalancer.rebalanceStatus())[2]];
    const required = (driftBefore * 2_500n + BPS - 1n) / BPS;
    const navBefore = await oracleNav(f.market, f.vault);
    await expect(f.rebalancer.rebalancePlan([leg(f, ["WETH", 500, "USDC"], await wethWorth(f, 100n * 10n ** 6n))]))
      .to.be.revertedWithCustomError(f.rebalancer, "BallastPlanDrift")
      .withArgs(driftBefore, (after: bigint) => after > driftBefore - required, band, required);
    expect(await oracleNav(f.market, f.vault)).to.equal(navBefore);
    expect((await f.rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);
  });

  it("refuses a plan that loses more than its quoted cost plus the tolerance (BallastPlanCost)", async () => {
    const f = await loadFixture(drifted);
    await (await f.rebalancer.setPlanParams({ minDriftCutBps: 1_000, costToleranceBps: 0 })).wait();
    // Two sales through the same pool: each is quoted on the pool as it is now, but the second
    // trades on a pool the first has already moved, and loses more than its quote.
    const half = await wethWorth(f, (g(await gaps(f), "WETH") * 9n) / 20n);
    const legs = [leg(f, ["WETH", 3000, "USDC"], half), leg(f, ["WETH", 3000, "USDC"], half)];
    await expect(f.rebalancer.rebalancePlan(legs))
      .to.be.revertedWithCustomError(f.rebalancer, "BallastPlanCost")
      .withArgs(
        (loss: bigint) => loss > 0n,
        (allowed: bigint) => allowed > 0n,
      );
    // With a tolerance of 0.1% of the value traded the same plan settles.
    await (await f.rebalancer.setPlanParams({ minDriftCutBps: 1_000, costToleranceBps: 10 })).wait();
    await expect(f.rebalancer.rebalancePlan(legs)).to.emit(f.vault, "Rebalanced");
  });

  it("holds a plan's loss to the policy's quote alone: the keeper reward's premium adds nothing to it", async () => {
    const f = await loadFixture(drifted);
    // Gas priced (the gate always passes: ratio 0), no tolerance, the same two sales as above.
    await (
      await f.policy.setCostParams({
        benefitPerBpWad: 0,
        maxCostRatioBps: 0,
        gasBase: 150_000,
        gasPerHop: 100_000,
        gasTokenOracle: await f.oracles[1].getAddress(),
      })
    ).wait();
    await (await f.rebalancer.setPlanParams({ minDriftCutBps: 1_000, costToleranceBps: 0 })).wait();
    const half = await wethWorth(f, (g(await gaps(f), "WETH") * 9n) / 20n);
    const legs = [leg(f, ["WETH", 3000, "USDC"], half), leg(f, ["WETH", 3000, "USDC"], half)];
    const baseFee = 5n * 10n ** 8n;
    const refusal = async (): Promise<{ loss: bigint; allowed: bigint }> => {
      await network.provider.send("hardhat_setNextBlockBaseFeePerGas", [ethers.toQuantity(baseFee)]);
      const sent = f.rebalancer.rebalancePlan(legs, {
        maxFeePerGas: 2n * baseFee,
        maxPriorityFeePerGas: 0,
        gasLimit: 10_000_000,
      });
      try {
        await (await sent).wait();
      } catch (error) {
        const parsed = f.rebalancer.interface.parseError((error as { data: string }).data);
        expect(parsed?.name).to.equal("BallastPlanCost");
        return { loss: parsed?.args[0] as bigint, allowed: parsed?.args[1] as bigint };
      }
      throw new Error("the plan settled");
    };
    const without = await refusal();
    // A reward of twice the gas: its premium is a cost to the gate, not room for the plan to lose.
    await (await f.rebalancer.setRewardParams({ premiumBps: 10_000, maxRewardBps: 10, maxReward: 10n ** 12n })).wait();
    const withReward = await refusal();
    expect(withReward).to.deep.equal(without);
  });

  it("holds a keeper's plan to the vault's own bounds: a leg over the trade cap is refused", async () => {
    const f = await loadFixture(drifted);
    const [slippageBps, , maxLossBps, minTradeValue, maxPoolGapBps] = (await f.vault.basketState()).params;
    await (
      await f.vault.setRebalanceParams({ slippageBps, maxTradeBps: 100, maxLossBps, minTradeValue, maxPoolGapBps })
    ).wait();
    const excess = g(await gaps(f), "WETH");
    await expect(
      f.rebalancer.rebalancePlan([leg(f, ["WETH", 500, "USDC"], await wethWorth(f, excess))]),
    ).to.be.revertedWithCustomError(f.vault, "BallastLegTooLarge");
  });

  it("runs only when due, and refuses a malformed path by name", async () => {
    const f = await loadFixture(investedAdminFixture);
    const [status, drift] = await f.rebalancer.rebalanceStatus();
    await expect(f.rebalancer.rebalancePlan([]))
      .to.be.revertedWithCustomError(f.rebalancer, "BallastRebalanceNotDue")
      .withArgs(status, drift);
    const g2 = await loadFixture(drifted);
    await expect(g2.rebalancer.rebalancePlan([{ path: "0x01", amountIn: 1n }]))
      .to.be.revertedWithCustomError(g2.rebalancer, "BallastLegPath")
      .withArgs("0x01");
  });

  it("refuses a leg through a token outside the basket or a token twice (BallastLegPath): no code of the keeper's runs in a swap", async () => {
    const f = await loadFixture(drifted);
    const last = await f.policy.lastRebalance(f.rebalancer);
    const navBefore = await oracleNav(f.market, f.vault);
    // WETH above its target sold to USDC through UNI, which the basket does not hold; the same sale
    // through WETH's own pool is a valid leg (the first test).
    const through = leg(f, ["WETH", 3000, "UNI", 3000, "USDC"], await wethWorth(f, 10_000n * 10n ** 6n));
    await expect(f.rebalancer.rebalancePlan([through]))
      .to.be.revertedWithCustomError(f.rebalancer, "BallastLegPath")
      .withArgs(through.path);
    // Nor a round trip through basket tokens: fees and gas for nothing.
    const roundTrip = leg(f, ["WETH", 500, "USDC", 500, "WETH", 500, "USDC"], await wethWorth(f, 10_000n * 10n ** 6n));
    await expect(f.rebalancer.rebalancePlan([roundTrip]))
      .to.be.revertedWithCustomError(f.rebalancer, "BallastLegPath")
      .withArgs(roundTrip.path);
    expect(await oracleNav(f.market, f.vault)).to.equal(navBefore);
    expect(await f.policy.lastRebalance(f.rebalancer)).to.equal(last);
  });

  it("is skipped by the cost gate like rebalance() (RebalanceSkipped, no trade, no cooldown)", async () => {
    const f = await loadFixture(drifted);
    await (
      await f.policy.setCostParams({
        benefitPerBpWad: 1,
        maxCostRatioBps: 10_000,
        gasBase: 0,
        gasPerHop: 0,
        gasTokenOracle: ethers.ZeroAddress,
      })
    ).wait();
    const last = await f.policy.lastRebalance(f.rebalancer);
    const legs = [leg(f, ["WETH", 500, "USDC"], await wethWorth(f, -g(await gaps(f), "USDC")))];
    await expect(f.rebalancer.rebalancePlan(legs))
      .to.emit(f.rebalancer, "RebalanceSkipped")
      .and.not.to.emit(f.vault, "Rebalanced");
    expect(await f.policy.lastRebalance(f.rebalancer)).to.equal(last);
  });
});

function g(gapsBySymbol: Map<string, bigint>, symbol: string): bigint {
  const value = gapsBySymbol.get(symbol);
  if (value === undefined) throw new Error(`no ${symbol} in the basket`);
  return value;
}
