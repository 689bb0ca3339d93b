/**
 * The keeper reward: what a successful rebalance pays its caller from the vault, its bounds, and the
 * cost gate that counts it.
 */
import { impersonateAccount, loadFixture, setBalance, takeSnapshot } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers, network } from "hardhat";

import { assetRoutes } from "../src/vault";
import { Parameter } from "../src/vault/enums";
import type { IBallastVault } from "../typechain-types";
import { investedAdminFixture } from "./shared/fixtures";
import type { VaultFixture } from "./shared/fixtures";
import { refreshFeeds } from "./shared/security";
import { Status } from "./shared/vault";

const BASKET = ["USDC", "WETH", "WBTC", "LINK"];
const GWEI = 10n ** 9n;
const REWARD = { premiumBps: 2_000, maxRewardBps: 10, maxReward: 1_000n * 10n ** 6n };

/** The invested vault with the gas priced by WETH's oracle (gate ratio off), then WETH up 10%: due. */
async function rewarded(): Promise<VaultFixture> {
  const f = await investedAdminFixture();
  await (
    await f.policy.setCostParams({
      benefitPerBpWad: 0,
      maxCostRatioBps: 0,
      gasBase: 150_000,
      gasPerHop: 100_000,
      gasTokenOracle: await f.oracles[1].getAddress(),
    })
  ).wait();
  await f.market.setFeedPrice("WETH", (await f.market.feedPrice("WETH")) * 1.1);
  await f.market.alignAllPools();
  await refreshFeeds(f.market, BASKET);
  return f;
}

/** Mines `send` at base fee `baseFee`; returns the receipt. */
async function atBaseFee(baseFee: bigint, send: () => Promise<{ wait(): Promise<unknown> }>) {
  await network.provider.send("hardhat_setNextBlockBaseFeePerGas", [ethers.toQuantity(baseFee)]);
  const tx = await send();
  const receipt = await (
    tx as { wait(): Promise<{ gasUsed: bigint; blockNumber: number; hash: string } | null> }
  ).wait();
  if (!receipt) throw new Error("not mined");
  return receipt;
}

/** The RewardPaid events of the receipt's block. */
async function rewardsOf(f: VaultFixture, blockNumber: number): Promise<{ keeper: string; amount: bigint }[]> {
  const events = await f.vault.queryFilter(f.vault.filters.RewardPaid, blockNumber, blockNumber);
  return events.map((e) => ({ keeper: e.args.keeper, amount: e.args.amount }));
}

/** The legs the on-chain plan would trade now (a rebalance run and undone), as a keeper's plan. */
async function plannedLegs(f: VaultFixture): Promise<IBallastVault.LegStruct[]> {
  const snapshot = await takeSnapshot();
  const receipt = await (await f.rebalancer.rebalance()).wait();
  const swaps = await f.vault.queryFilter(f.vault.filters.Swapped, receipt!.blockNumber, receipt!.blockNumber);
  await snapshot.restore();
  const base = f.market.token("USDC").address;
  return Promise.all(
    swaps.map(async ({ args }) => {
      const buying = args.tokenIn === base;
      const [sell, buy] = await assetRoutes(f.vault, buying ? args.tokenOut : args.tokenIn);
      return { path: buying ? buy : sell, amountIn: args.amountIn };
    }),
  );
}

/** `gas` at `baseFee`, in USDC units at the feeds, times (1 + premium). */
async function gasValue(f: VaultFixture, gas: bigint, baseFee: bigint, premiumBps: bigint): Promise<bigint> {
  const [, eth] = await f.market.token("WETH").feed.latestRoundData();
  const [, usd] = await f.market.token("USDC").feed.latestRoundData();
  return (((gas * baseFee * eth * 10n ** 6n) / (10n ** 18n * usd)) * (10_000n + premiumBps)) / 10_000n;
}

describe("BallastRebalancer: the keeper reward", () => {
  it("pays nothing by default", async () => {
    const f = await loadFixture(rewarded);
    const [, , , keeper] = await ethers.getSigners();
    const receipt = await atBaseFee(20n * GWEI, () => f.rebalancer.connect(keeper).rebalance());
    expect(await rewardsOf(f, receipt.blockNumber)).to.deep.equal([]);
  });

  it("pays the caller its gas at the base fee times 1 + premium, in the base asset, within 2%", async () => {
    const f = await loadFixture(rewarded);
    await (await f.rebalancer.setRewardParams(REWARD)).wait();
    const [, , , keeper] = await ethers.getSigners();
    const usdc = f.market.token("USDC").contract;
    // A keeper that already holds the base asset: every reward after its first.
    await f.market.fund(keeper.address, "USDC", 10n ** 6n);
    const before = await usdc.balanceOf(keeper.address);
    const baseFee = 20n * GWEI;
    const receipt = await atBaseFee(baseFee, () => f.rebalancer.connect(keeper).rebalance());
    const [paid] = await rewardsOf(f, receipt.blockNumber);
    expect(paid.keeper).to.equal(keeper.address);
    expect(await usdc.balanceOf(keeper.address)).to.equal(before + paid.amount);
    const fair = await gasValue(f, receipt.gasUsed, baseFee, BigInt(REWARD.premiumBps));
    // The gas measured inside the call, plus the intrinsic gas, the calldata and the measured tail.
    expect(Number(paid.amount) / Number(fair)).to.be.within(0.98, 1.02);
  });

  it("pays a first-time keeper (a balance written from zero) and a keeper's own plan within 3%", async () => {
    const baseFee = 20n * GWEI;
    const ratio = async (f: VaultFixture, receipt: { gasUsed: bigint; blockNumber: number }) => {
      const [paid] = await rewardsOf(f, receipt.blockNumber);
      return Number(paid.amount) / Number(await gasValue(f, receipt.gasUsed, baseFee, BigInt(REWARD.premiumBps)));
    };
    const f = await loadFixture(rewarded);
    await (await f.rebalancer.setRewardParams(REWARD)).wait();
    const [, , , keeper] = await ethers.getSigners();
    expect(await f.market.token("USDC").contract.balanceOf(keeper.address)).to.equal(0n);
    const first = await ratio(f, await atBaseFee(baseFee, () => f.rebalancer.connect(keeper).rebalance()));
    // The 17,100 gas of a balance written from zero, once: about 2.3% short on 3 legs.
    expect(first).to.be.within(0.97, 1.0);

    // The same legs sent as a keeper's plan: its canonical calldata is priced (at 16 a byte).
    const g = await loadFixture(rewarded);
    await (await g.rebalancer.setRewardParams(REWARD)).wait();
    await g.market.fund(keeper.address, "USDC", 10n ** 6n);
    const legs = await plannedLegs(g);
    expect(legs.length).to.be.greaterThan(1);
    const plan = await ratio(g, await atBaseFee(baseFee, () => g.rebalancer.connect(keeper).rebalancePlan(legs)));
    expect(plan).to.be.within(0.98, 1.03);
  });

  it("pays nothing for calldata the call ignores: a padded call is credited its canonical calldata alone", async () => {
    const f = await loadFixture(rewarded);
    await (await f.rebalancer.setRewardParams(REWARD)).wait();
    const [, , , keeper] = await ethers.getSigners();
    await f.market.fund(keeper.address, "USDC", 10n ** 6n);
    const baseFee = 20n * GWEI;
    // rebalance() with 20,000 zero bytes after its selector: 80,000 gas more for the keeper, none
    // of it credited.
    const padding = 20_000;
    const data = f.rebalancer.interface.encodeFunctionData("rebalance") + "00".repeat(padding);
    const receipt = await atBaseFee(baseFee, () =>
      keeper.sendTransaction({ to: f.rebalancer.getAddress(), data, gasLimit: 3_000_000 }),
    );
    const [paid] = await rewardsOf(f, receipt.blockNumber);
    expect(paid.keeper).to.equal(keeper.address);
    const unpadded = receipt.gasUsed - 4n * BigInt(padding);
    const fair = await gasValue(f, unpadded, baseFee, BigInt(REWARD.premiumBps));
    expect(Number(paid.amount) / Number(fair)).to.be.within(0.98, 1.02);
  });

  it("pays at most maxReward, and at most maxRewardBps of NAV", async () => {
    const f = await loadFixture(rewarded);
    await (await f.rebalancer.setRewardParams({ ...REWARD, maxReward: 10n ** 6n })).wait();
    const receipt = await atBaseFee(20n * GWEI, () => f.rebalancer.rebalance());
    expect((await rewardsOf(f, receipt.blockNumber)).map((r) => r.amount)).to.deep.equal([10n ** 6n]);

    const g = await loadFixture(rewarded);
    await (await g.rebalancer.setRewardParams({ ...REWARD, maxRewardBps: 1 })).wait();
    const nav = await g.vault.totalAssets();
    // A base fee high enough that the gas is worth more than 1 bp of NAV.
    const high = await atBaseFee(10_000n * GWEI, () => g.rebalancer.rebalance());
    const [paid] = await rewardsOf(g, high.blockNumber);
    expect(paid.amount).to.be.at.most(nav / 10_000n);
    expect(paid.amount).to.be.greaterThan((nav * 99n) / 1_000_000n);
  });

  it("pays nothing for a rebalance that traded nothing", async () => {
    const f = await loadFixture(rewarded);
    await (await f.rebalancer.setRewardParams(REWARD)).wait();
    const [slippageBps, maxTradeBps, maxLossBps, , maxPoolGapBps] = (await f.vault.basketState()).params;
    // Every leg below the dust floor: a plan with no trade, which the gate (on: the gas is priced)
    // skips rather than let it start the cooldown.
    const dust = 1_000_000n * 10n ** 6n;
    await (
      await f.vault.setRebalanceParams({ slippageBps, maxTradeBps, maxLossBps, minTradeValue: dust, maxPoolGapBps })
    ).wait();
    const before = await f.policy.lastRebalance(f.rebalancer);
    const receipt = await atBaseFee(20n * GWEI, () => f.rebalancer.rebalance());
    const block = receipt.blockNumber;
    expect(await f.rebalancer.queryFilter(f.rebalancer.filters.RebalanceSkipped, block, block)).to.have.length(1);
    expect(await f.vault.queryFilter(f.vault.filters.Rebalanced, block, block)).to.deep.equal([]);
    expect(await f.policy.lastRebalance(f.rebalancer)).to.equal(before);
    expect(await rewardsOf(f, block)).to.deep.equal([]);
  });

  it("counts the reward's premium in the cost gate", async () => {
    const f = await loadFixture(rewarded);
    // A gate that refuses everything, so that the cost it saw is on record.
    const cost = { benefitPerBpWad: 1, maxCostRatioBps: 10_000, gasBase: 150_000, gasPerHop: 100_000 };
    await (await f.policy.setCostParams({ ...cost, gasTokenOracle: await f.oracles[1].getAddress() })).wait();
    const skippedCost = async (g: VaultFixture) => {
      const receipt = await atBaseFee(20n * GWEI, () => g.rebalancer.rebalance());
      const [skip] = await g.rebalancer.queryFilter(
        g.rebalancer.filters.RebalanceSkipped,
        receipt.blockNumber,
        receipt.blockNumber,
      );
      return skip.args.cost;
    };
    const snapshot = await network.provider.send("evm_snapshot", []);
    const without = await skippedCost(f);
    await network.provider.send("evm_revert", [snapshot]);
    await (await f.rebalancer.setRewardParams(REWARD)).wait();
    const withReward = await skippedCost(f);
    expect(withReward).to.be.greaterThan(without);
  });

  it("counts the premium in rebalanceCost() and rebalanceStatus() as rebalance() does: Uneconomic when it tips the gate", async () => {
    const f = await loadFixture(rewarded);
    const gas = { gasBase: 150_000, gasPerHop: 100_000, gasTokenOracle: await f.oracles[1].getAddress() };
    await (await f.policy.setCostParams({ benefitPerBpWad: 10n ** 12n, maxCostRatioBps: 10_000, ...gas })).wait();
    // The views as a transaction sees them, at the block's base fee (eth_call runs at 0 on Hardhat).
    const baseFee = 50n * GWEI;
    const probe = await (await ethers.getContractFactory("RebalancerViewProbe")).deploy();
    const pending = async () => {
      const receipt = await atBaseFee(baseFee, () => probe.probe(f.rebalancer));
      const [event] = await probe.queryFilter(probe.filters.Probed, receipt.blockNumber, receipt.blockNumber);
      return event.args;
    };
    const without = await pending();
    expect(without.status).to.equal(Status.Due);
    await (await f.rebalancer.setRewardParams(REWARD)).wait();
    const withReward = await pending();
    expect(withReward.benefit).to.equal(without.benefit);
    // Three legs (WETH sold, WBTC and LINK bought), each counted as one hop: the reward's premium,
    // a sixth of a reward of 1.2 x the gas.
    const reward = await gasValue(f, 150_000n + 3n * 100_000n, baseFee, BigInt(REWARD.premiumBps));
    const premium = (reward * 2_000n + 11_999n) / 12_000n;
    expect(withReward.cost - without.cost).to.be.closeTo(premium, 2n);

    // A gate that takes the cost without the premium and not with it.
    const ratio = (without.cost * 10_000n + without.benefit - 1n) / without.benefit;
    expect(withReward.cost * 10_000n).to.be.greaterThan(without.benefit * ratio);
    await (await f.policy.setCostParams({ benefitPerBpWad: 10n ** 12n, maxCostRatioBps: ratio, ...gas })).wait();
    expect((await pending()).status).to.equal(Status.Uneconomic);
    const receipt = await atBaseFee(baseFee, () => f.rebalancer.rebalance());
    const skipped = await f.rebalancer.queryFilter(
      f.rebalancer.filters.RebalanceSkipped,
      receipt.blockNumber,
      receipt.blockNumber,
    );
    expect(skipped).to.have.length(1);
    expect(await rewardsOf(f, receipt.blockNumber)).to.deep.equal([]);
  });

  it("lets the vault pay a reward only inside a rebalance, within what its loss bound leaves", async () => {
    const f = await loadFixture(rewarded);
    const address = await f.rebalancer.getAddress();
    await impersonateAccount(address);
    await setBalance(address, 10n ** 20n);
    const asRebalancer = await ethers.getSigner(address);
    const [, outsider] = await ethers.getSigners();
    await expect(f.vault.connect(asRebalancer).payReward(outsider.address, 1n))
      .to.be.revertedWithCustomError(f.vault, "BallastRewardTooLarge")
      .withArgs(1n, 0n);
    await expect(f.vault.connect(outsider).payReward(outsider.address, 1n))
      .to.be.revertedWithCustomError(f.vault, "BallastNotRebalancer")
      .withArgs(outsider.address);
  });

  describe("setRewardParams and setPlanParams", () => {
    it("set within bounds, evented with old and new values", async () => {
      const f = await loadFixture(investedAdminFixture);
      await expect(f.rebalancer.setRewardParams(REWARD))
        .to.emit(f.rebalancer, "RewardParamsSet")
        .withArgs([0n, 0n, 0n], [REWARD.premiumBps, REWARD.maxRewardBps, REWARD.maxReward]);
      expect(await f.rebalancer.rewardParams()).to.deep.equal([2_000n, 10n, REWARD.maxReward]);
      await expect(f.rebalancer.setPlanParams({ minDriftCutBps: 5_000, costToleranceBps: 20 }))
        .to.emit(f.rebalancer, "PlanParamsSet")
        .withArgs([2_500n, 10n], [5_000n, 20n]);
    });

    it("keep the plan bounds and the policy apart, though they share a slot: each setter leaves the other", async () => {
      const f = await loadFixture(investedAdminFixture);
      const policy = await f.policy.getAddress();
      await f.rebalancer.setPlanParams({ minDriftCutBps: 10_000, costToleranceBps: 500 });
      expect(await f.rebalancer.policy()).to.equal(policy);
      // Another policy (any contract: the breakers stand in), then back.
      await f.rebalancer.setPolicy(f.breakers);
      expect(await f.rebalancer.planParams()).to.deep.equal([10_000n, 500n]);
      await f.rebalancer.setPolicy(policy);
      await f.rebalancer.setPlanParams({ minDriftCutBps: 1_000, costToleranceBps: 0 });
      expect(await f.rebalancer.policy()).to.equal(policy);
      expect(await f.rebalancer.planParams()).to.deep.equal([1_000n, 0n]);
    });

    it("refuse values out of range by parameter, no-ops, and callers without the admin role", async () => {
      const f = await loadFixture(investedAdminFixture);
      const [, outsider] = await ethers.getSigners();
      const maxReward = 1_000_000n * 10n ** 6n;
      const cases = [
        {
          params: { ...REWARD, premiumBps: 10_001 },
          parameter: Parameter.RewardPremiumBps,
          value: 10_001n,
          min: 0n,
          max: 10_000n,
        },
        { params: { ...REWARD, maxRewardBps: 11 }, parameter: Parameter.MaxRewardBps, value: 11n, min: 0n, max: 10n },
        {
          params: { ...REWARD, maxReward: maxReward + 1n },
          parameter: Parameter.MaxReward,
          value: maxReward + 1n,
          min: 0n,
          max: maxReward,
        },
      ];
      for (const c of cases) {
        await expect(f.rebalancer.setRewardParams(c.params))
          .to.be.revertedWithCustomError(f.rebalancer, "BallastParameterOutOfRange")
          .withArgs(c.parameter, c.value, c.min, c.max);
      }
      await expect(
        f.rebalancer.setRewardParams({ premiumBps: 0, maxRewardBps: 0, maxReward: 0 }),
      ).to.be.revertedWithCustomError(f.rebalancer, "BallastParameterUnchanged");
      await expect(f.rebalancer.setPlanParams({ minDriftCutBps: 999, costToleranceBps: 10 }))
        .to.be.revertedWithCustomError(f.rebalancer, "BallastParameterOutOfRange")
        .withArgs(Parameter.MinDriftCutBps, 999n, 1_000n, 10_000n);
      await expect(f.rebalancer.setPlanParams({ minDriftCutBps: 5_000, costToleranceBps: 501 }))
        .to.be.revertedWithCustomError(f.rebalancer, "BallastParameterOutOfRange")
        .withArgs(Parameter.CostToleranceBps, 501n, 0n, 500n);
      await expect(
        f.rebalancer.setPlanParams({ minDriftCutBps: 2_500, costToleranceBps: 10 }),
      ).to.be.revertedWithCustomError(f.rebalancer, "BallastParameterUnchanged");
      await expect(f.rebalancer.connect(outsider).setRewardParams(REWARD)).to.be.revertedWithCustomError(
        f.rebalancer,
        "AccessControlUnauthorizedAccount",
      );
      await expect(
        f.rebalancer.connect(outsider).setPlanParams({ minDriftCutBps: 2_000, costToleranceBps: 10 }),
      ).to.be.revertedWithCustomError(f.rebalancer, "AccessControlUnauthorizedAccount");
    });
  });
});
