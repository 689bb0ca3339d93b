import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { parseUnits, ZeroAddress } from "ethers";
import type { Signer } from "ethers";
import { ethers } from "hardhat";

import type { LocalMarket } from "../../src/market";
import { MockAggregatorV3__factory } from "../../typechain-types";
import type { BallastVault } from "../../typechain-types";
import type { IBallastBreakers } from "../../typechain-types/artifacts/contracts/BallastBreakers";
import type { IBallastPolicy } from "../../typechain-types/artifacts/contracts/BallastPolicy";
import type { IBallastVault } from "../../typechain-types/artifacts/contracts/BallastVault";
import { RECOMMENDED_BREAKERS } from "../../src/vault";
import { Parameter } from "../../src/vault/enums";
import { investedAdminFixture } from "../shared/fixtures";
import type { VaultFixture } from "../shared/fixtures";
import { BASKET, refreshFeeds } from "../shared/security";
import { oracleNav } from "../shared/vault";

/*
 * Governance setting extreme but valid parameters: every bounded parameter at its minimum, then at
 * its maximum, one setter's group at a time and all at once. Whatever governance picks within the
 * bounds, the vault keeps working: entries and exits (in the base asset within the cash buffer, and
 * in kind) go through, a rebalance either trades within its loss bound or is refused by name, and
 * the value that went in equals the value held plus what was paid out (no funds lost or created),
 * at oracle prices, to rounding.
 */

const DAY = 86_400;
const USDC = 10n ** 6n;

interface Settings {
  rebalance?: IBallastVault.RebalanceParamsStruct;
  fees?: IBallastVault.FeeParamsStruct;
  triggers?: IBallastPolicy.TriggerParamsStruct;
  volatility?: IBallastPolicy.VolatilityParamsStruct;
  breakers?: IBallastBreakers.BreakerParamsStruct;
  costs?: IBallastPolicy.CostParamsStruct;
}

/** Filled in per test: the sequencer feed and gas-token oracle exist only once the fixture runs. */
interface Context {
  sequencer: string;
  wethOracle: string;
  recipient: string;
}

const MIN: (c: Context) => Settings = () => ({
  rebalance: { slippageBps: 1, maxTradeBps: 100, maxLossBps: 1, minTradeValue: 0, maxPoolGapBps: 1 },
  // Fees at their minimum are the defaults (all zero): nothing to set.
  triggers: { triggerBandBps: 1, targetBandBps: 0, cooldown: 0, calendarInterval: 0 },
  volatility: {
    referenceVolBps: 100,
    minBandBps: 1,
    maxBandBps: 1,
    averagingTime: 3_600,
    minObservationInterval: 60,
  },
  // The tightest breakers that are on (0 turns a check off).
  breakers: {
    twapWindow: 300,
    maxOracleTwapDeviationBps: 1,
    maxSpotTwapTicks: 1,
    maxMoveBps: 1,
    moveWindow: 60,
    cooldown: 0,
    sequencerFeed: ZeroAddress,
    sequencerGracePeriod: 0,
    tripOnInvalidPrice: true,
  },
  // A gate that values drift at nothing: every trade costs more than it is worth.
  costs: { benefitPerBpWad: 0, maxCostRatioBps: 1, gasBase: 0, gasPerHop: 0, gasTokenOracle: ZeroAddress },
});

const MAX: (c: Context) => Settings = (c) => ({
  rebalance: {
    slippageBps: 500,
    maxTradeBps: 10_000,
    maxLossBps: 500,
    minTradeValue: 1_000_000n * USDC,
    maxPoolGapBps: 500,
  },
  fees: { managementFeeBps: 500, entryFeeBps: 100, exitFeeBps: 100, recipient: c.recipient },
  triggers: { triggerBandBps: 5_000, targetBandBps: 4_999, cooldown: 30 * DAY, calendarInterval: 365 * DAY },
  volatility: {
    referenceVolBps: 50_000,
    minBandBps: 5_000,
    maxBandBps: 5_000,
    averagingTime: 365 * DAY,
    minObservationInterval: 7 * DAY,
  },
  breakers: {
    twapWindow: DAY,
    maxOracleTwapDeviationBps: 5_000,
    maxSpotTwapTicks: 5_000,
    maxMoveBps: 5_000,
    moveWindow: 7 * DAY,
    cooldown: 7 * DAY,
    sequencerFeed: c.sequencer,
    sequencerGracePeriod: DAY,
    tripOnInvalidPrice: true,
  },
  costs: {
    benefitPerBpWad: 10n ** 16n,
    maxCostRatioBps: 100_000,
    gasBase: 5_000_000,
    gasPerHop: 1_000_000,
    gasTokenOracle: c.wethOracle,
  },
});

const GROUPS = ["rebalance", "fees", "triggers", "volatility", "breakers", "costs"] as const;
type Group = (typeof GROUPS)[number];

/** A rebalance's outcome: an event of a call that went through, or the name of its refusal. */
type Outcome =
  | "Rebalanced"
  | "RebalanceSkipped"
  | "BreakerTripped"
  | "BallastRebalanceNotDue"
  | "BallastRebalanceLoss"
  | "BallastSlippageExceeded"
  | "BallastLegUnfit";

/** What each extreme makes of the due rebalance (WETH 10% over its target). */
const EXPECTED: Record<"min" | "max", Record<Group | "all", Outcome>> = {
  min: {
    // 1 bp of slippage is less than the pool's 5 bp fee: the leg's estimated output misses its
    // minimum, and the rebalance refuses before any trade.
    rebalance: "BallastLegUnfit",
    fees: "Rebalanced",
    triggers: "Rebalanced",
    volatility: "Rebalanced",
    breakers: "BreakerTripped", // a 1 bp oracle/TWAP gap trips it
    costs: "RebalanceSkipped",
    all: "BreakerTripped",
  },
  max: {
    rebalance: "Rebalanced", // every trade under the $1M dust floor: it records a rebalance of 0 trades
    fees: "Rebalanced",
    triggers: "BallastRebalanceNotDue", // a 50% band (and a 30-day cooldown)
    // A band floored at 50%: the estimate, read from the feeds' history from the first look, is
    // clamped to it (before, an estimate nobody had observed yet left the 200 bp trigger band).
    volatility: "BallastRebalanceNotDue",
    breakers: "BreakerTripped", // no pool has a day of history: TwapUnavailable
    costs: "Rebalanced",
    all: "BallastRebalanceNotDue",
  },
};

async function context(f: VaultFixture): Promise<Context> {
  const [admin, , , carol] = await ethers.getSigners();
  const sequencer = await new MockAggregatorV3__factory(admin).deploy(0, "L2 Sequencer Uptime Status Feed", 0);
  const upSince = (await time.latest()) - 2 * DAY;
  await sequencer.setRound(0, upSince, upSince);
  return {
    sequencer: await sequencer.getAddress(),
    wethOracle: await f.oracles[1].getAddress(),
    recipient: carol.address,
  };
}

async function apply(f: VaultFixture, settings: Settings, groups: readonly Group[]): Promise<void> {
  const { vault, policy, breakers } = f;
  for (const group of groups) {
    switch (group) {
      case "rebalance":
        if (settings.rebalance)
          await expect(vault.setRebalanceParams(settings.rebalance)).to.emit(vault, "RebalanceParamsSet");
        break;
      case "fees":
        if (settings.fees) await expect(vault.setFeeParams(settings.fees)).to.emit(vault, "FeeParamsSet");
        break;
      case "triggers":
        if (settings.triggers)
          await expect(policy.setTriggerParams(settings.triggers)).to.emit(policy, "TriggerParamsSet");
        break;
      case "volatility":
        if (settings.volatility) {
          await expect(policy.setVolatilityParams(settings.volatility)).to.emit(policy, "VolatilityParamsSet");
        }
        break;
      case "breakers":
        if (settings.breakers)
          await expect(breakers.setBreakerParams(settings.breakers)).to.emit(breakers, "BreakerParamsSet");
        break;
      case "costs":
        if (settings.costs) await expect(policy.setCostParams(settings.costs)).to.emit(policy, "CostParamsSet");
        break;
    }
  }
}

/** Oracle value, in USDC units, of basket-ordered `amounts`. */
async function valueOf(market: LocalMarket, vault: BallastVault, amounts: readonly bigint[]): Promise<bigint> {
  const tokens = await vault.basketTokens();
  const [, usdcAnswer] = await market.token("USDC").feed.latestRoundData();
  let total = 0n;
  for (const [i, address] of tokens.entries()) {
    const token = market.tokens.find((t) => t.address === address)!;
    const [, answer] = await token.feed.latestRoundData();
    total += (amounts[i] * answer * USDC) / (10n ** BigInt(token.decimals) * usdcAnswer);
  }
  return total;
}

/** Calls rebalance(): the event it emitted, or the name of the error it was refused with, and its cost. */
async function attemptRebalance(f: VaultFixture): Promise<{ outcome: string; cost: bigint }> {
  const { vault, breakers, rebalancer } = f;
  try {
    await rebalancer.rebalance.staticCall();
  } catch (error) {
    // Hardhat's in-process node rejects with the raw revert data.
    const data = (error as { data?: string }).data ?? "0x";
    if (data === "0x") return { outcome: "a revert without a reason", cost: 0n };
    // The vault's ABI carries every error the rebalancer raises or passes on from the vault.
    const parsed = vault.interface.parseError(data);
    if (parsed?.name === "Error") return { outcome: String(parsed.args[0]), cost: 0n };
    return { outcome: parsed?.name ?? `unknown error ${data.slice(0, 10)}`, cost: 0n };
  }
  const receipt = (await (await rebalancer.rebalance()).wait())!;
  const emitters = await Promise.all(
    [vault, rebalancer, breakers].map(async (c) => [await c.getAddress(), c] as const),
  );
  for (const log of receipt.logs) {
    const emitter = emitters.find(([address]) => address === log.address)?.[1];
    const parsed = emitter?.interface.parseLog(log);
    if (parsed?.name === "Rebalanced") {
      const [, navBefore, navAfter] = parsed.args as unknown as [string, bigint, bigint];
      return { outcome: "Rebalanced", cost: navBefore > navAfter ? navBefore - navAfter : 0n };
    }
    if (parsed?.name === "RebalanceSkipped" || parsed?.name === "BreakerTripped")
      return { outcome: parsed.name, cost: 0n };
  }
  return { outcome: "returned without an event", cost: 0n };
}

/** `holder` redeems `shares` in kind; returns the amounts its RedeemedInKind event reports. */
async function redeemInKind(vault: BallastVault, holder: Signer, shares: bigint): Promise<bigint[]> {
  const address = await holder.getAddress();
  const receipt = (await (await vault.connect(holder).redeemInKind(shares, address, address)).wait())!;
  const [event] = await vault.queryFilter(vault.filters.RedeemedInKind, receipt.blockNumber, receipt.blockNumber);
  expect(event.args.shares).to.equal(shares);
  expect(event.args.amounts.every((a) => a > 0n)).to.equal(true);
  return [...event.args.amounts];
}

/**
 * WETH rises 10%; bob deposits $50k; a rebalance is attempted; bob redeems $1k in USDC (inside the
 * cash buffer) and the rest of his shares in kind; alice redeems half of hers in kind. Asserts each
 * step and that value in equals value held plus value out, less the rebalance's bounded cost.
 */
async function exercise(f: VaultFixture, expected: Outcome): Promise<void> {
  const { market, vault } = f;
  const [, alice, bob] = await ethers.getSigners();
  await time.increase(60);
  await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 1.1);
  await market.alignAllPools();
  await refreshFeeds(market, BASKET);

  const nav0 = await vault.totalAssets();
  const deposit = parseUnits("50000", 6);
  const shares = await vault.previewDeposit(deposit);
  await market.fund(bob.address, "USDC", deposit);
  await market.token("USDC").contract.connect(bob).approve(vault, deposit);
  // A management fee accrues between the preview's block and the deposit's: never fewer shares.
  await expect(vault.connect(bob).deposit(deposit, bob.address))
    .to.emit(vault, "Deposit")
    .withArgs(
      bob.address,
      bob.address,
      deposit,
      (minted: bigint) => minted >= shares && minted <= shares + shares / 10_000n,
    );

  const navBefore = await vault.totalAssets();
  const { maxLossBps } = (await vault.basketState()).params;
  const { outcome, cost } = await attemptRebalance(f);
  expect(outcome).to.equal(expected);
  expect(cost).to.be.lessThanOrEqual((navBefore * maxLossBps) / 10_000n);
  expect(await vault.totalAssets()).to.equal(await oracleNav(market, vault));

  const small = await vault.convertToShares(1_000n * USDC);
  const preview = await vault.previewRedeem(small);
  const usdc = market.token("USDC").contract;
  const usdcBefore = await usdc.balanceOf(bob);
  // As for the deposit, a management fee accruing in between can only lower what the exit pays.
  await expect(vault.connect(bob).redeem(small, bob.address, bob.address))
    .to.emit(vault, "Withdraw")
    .withArgs(
      bob.address,
      bob.address,
      bob.address,
      (assets: bigint) => assets <= preview && assets >= preview - preview / 10_000n,
      small,
    );
  const paid = (await usdc.balanceOf(bob)) - usdcBefore;
  expect(paid).to.be.greaterThan((1_000n * USDC * 98n) / 100n); // at most the 1% exit fee and rounding

  const bobKind = await redeemInKind(vault, bob, await vault.balanceOf(bob));
  const aliceKind = await redeemInKind(vault, alice, (await vault.balanceOf(alice)) / 2n);
  expect(await vault.balanceOf(bob)).to.equal(0n);

  const out = paid + (await valueOf(market, vault, bobKind)) + (await valueOf(market, vault, aliceKind));
  const held = await vault.totalAssets();
  // Rounding: each valuation rounds down once per asset; four assets, a handful of operations.
  const tolerance = 40n;
  expect(held + out).to.be.lessThanOrEqual(nav0 + deposit + tolerance);
  expect(held + out + cost + tolerance).to.be.greaterThanOrEqual(nav0 + deposit);
}

describe("governance setting extreme but valid parameters", () => {
  for (const bound of ["min", "max"] as const) {
    const profile = bound === "min" ? MIN : MAX;
    for (const group of GROUPS) {
      if (bound === "min" && group === "fees") continue; // the defaults
      it(`${group} at their ${bound}: entries and exits work, the rebalance ends in ${EXPECTED[bound][group]}, no value lost`, async () => {
        const f = await loadFixture(investedAdminFixture);
        await apply(f, profile(await context(f)), [group]);
        await exercise(f, EXPECTED[bound][group]);
      });
    }
    it(`every parameter at its ${bound} at once: entries and exits work, the rebalance ends in ${EXPECTED[bound].all}, no value lost`, async () => {
      const f = await loadFixture(investedAdminFixture);
      await apply(f, profile(await context(f)), GROUPS);
      await exercise(f, EXPECTED[bound].all);
    });
  }
});

describe("governance one step past a breaker bound", () => {
  const cases: [string, Partial<IBallastBreakers.BreakerParamsStruct>, number, bigint, bigint, bigint][] = [
    [
      "an oracle/TWAP gap above 50%",
      { maxOracleTwapDeviationBps: 5_001 },
      Parameter.MaxOracleTwapDeviationBps,
      5_001n,
      0n,
      5_000n,
    ],
    ["a spot/TWAP gap above 5000 ticks", { maxSpotTwapTicks: 5_001 }, Parameter.MaxSpotTwapTicks, 5_001n, 0n, 5_000n],
    [
      "a move window under a minute while moves are checked",
      { moveWindow: 59 },
      Parameter.MoveWindow,
      59n,
      60n,
      7n * 86_400n,
    ],
    [
      "a move window over a week",
      { moveWindow: 7 * DAY + 1 },
      Parameter.MoveWindow,
      7n * 86_400n + 1n,
      60n,
      7n * 86_400n,
    ],
    [
      "a move window with moves unchecked",
      { maxMoveBps: 0, moveWindow: 8 * DAY },
      Parameter.MoveWindow,
      8n * 86_400n,
      0n,
      7n * 86_400n,
    ],
    [
      "a cooldown over a week",
      { cooldown: 7 * DAY + 1 },
      Parameter.BreakerCooldown,
      7n * 86_400n + 1n,
      0n,
      7n * 86_400n,
    ],
    [
      "a sequencer grace period over a day",
      { sequencerGracePeriod: DAY + 1 },
      Parameter.SequencerGracePeriod,
      86_401n,
      0n,
      86_400n,
    ],
  ];
  for (const [label, change, parameter, value, min, max] of cases) {
    it(`refuses ${label} with BallastParameterOutOfRange`, async () => {
      const { breakers } = await loadFixture(investedAdminFixture);
      await expect(breakers.setBreakerParams({ ...RECOMMENDED_BREAKERS, ...change }))
        .to.be.revertedWithCustomError(breakers, "BallastParameterOutOfRange")
        .withArgs(parameter, value, min, max);
    });
  }
});
