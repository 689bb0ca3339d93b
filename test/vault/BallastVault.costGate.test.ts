import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ZeroAddress } from "ethers";
import { ethers, network } from "hardhat";

import type { LocalMarket } from "../../src/market";
import { encodeRoute } from "../../src/vault";
import { ChainlinkOracle__factory } from "../../typechain-types";
import type { BallastPolicy, BallastRebalancer, BallastVault } from "../../typechain-types";
import type { IBallastPolicy } from "../../typechain-types/artifacts/contracts/BallastPolicy";
import { Parameter } from "../../src/vault/enums";
import { investedAdminFixture } from "../shared/fixtures";
import { rebalanceUntilSettled, Status, swapsOf } from "../shared/vault";

const WAD = 10n ** 18n;
const Q96 = 2n ** 96n;
const GWEI = 10n ** 9n;
const GATE_OFF: IBallastPolicy.CostParamsStruct = {
  benefitPerBpWad: 0,
  maxCostRatioBps: 0,
  gasBase: 0,
  gasPerHop: 0,
  gasTokenOracle: ethers.ZeroAddress,
};

interface GateFixture {
  market: LocalMarket;
  vault: BallastVault;
  rebalancer: BallastRebalancer;
  policy: BallastPolicy;
}

/** The invested four-asset vault after WETH rose 10%: WETH overweight, a rebalance due. */
async function driftedFixture(): Promise<GateFixture> {
  const { market, vault, rebalancer, policy } = await investedAdminFixture();
  await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 1.1);
  await market.alignAllPools();
  for (const s of ["USDC", "WBTC", "LINK"]) await market.setFeedPrice(s, await market.feedPrice(s));
  return { market, vault, rebalancer, policy };
}

/** Cost of `gas` units at `baseFee` wei, valued in USDC units through the WETH feed (rounded up). */
async function gasValue(market: LocalMarket, gas: bigint, baseFee: bigint): Promise<bigint> {
  const [, ethAnswer] = await market.token("WETH").feed.latestRoundData();
  const [, usdcAnswer] = await market.token("USDC").feed.latestRoundData();
  const numerator = gas * baseFee * ethAnswer * 10n ** 6n;
  const denominator = WAD * usdcAnswer;
  return (numerator + denominator - 1n) / denominator;
}

/** Sends the rebalancer's `rebalance()` in a block whose base fee is `baseFee`. */
async function rebalanceAtBaseFee(rebalancer: BallastRebalancer, baseFee: bigint) {
  const before = (await ethers.provider.getBlock("latest"))?.baseFeePerGas ?? 0n;
  await network.provider.send("hardhat_setNextBlockBaseFeePerGas", [ethers.toQuantity(baseFee)]);
  // An explicit gas limit: the default under coverage (2^40) at this fee is more ether than any
  // test account holds.
  const tx = await rebalancer.rebalance({ maxFeePerGas: baseFee * 2n, maxPriorityFeePerGas: 0, gasLimit: 10_000_000 });
  // The base fee as it was: coverage sends every later transaction at a gas price of 1 wei.
  await network.provider.send("hardhat_setNextBlockBaseFeePerGas", [ethers.toQuantity(before)]);
  return tx;
}

/** The largest benefit per bp the policy takes (MAX_BENEFIT_PER_BP_WAD): 64 bits of the cost slots. */
const MAX_BENEFIT = 10n ** 16n;

describe("BallastVault cost-efficiency gate", () => {
  describe("setCostParams", () => {
    it("is for governance only", async () => {
      const { policy } = await loadFixture(driftedFixture);
      const [, stranger] = await ethers.getSigners();
      await expect(policy.connect(stranger).setCostParams({ ...GATE_OFF, maxCostRatioBps: 1 }))
        .to.be.revertedWithCustomError(policy, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, ethers.ZeroHash);
    });

    it("emits old and new values, and refuses a no-op", async () => {
      const { policy, vault } = await loadFixture(driftedFixture);
      const oracle = (await vault.oracles())[1];
      const params = { benefitPerBpWad: 10n ** 12n, maxCostRatioBps: 10_000, gasBase: 300_000, gasPerHop: 90_000 };
      await expect(policy.setCostParams({ ...params, gasTokenOracle: oracle }))
        .to.emit(policy, "CostParamsSet")
        .withArgs([0n, 0n, 0n, 0n, ethers.ZeroAddress], [10n ** 12n, 10_000n, 300_000n, 90_000n, oracle]);
      expect(await policy.costParams()).to.deep.equal([10n ** 12n, 10_000n, 300_000n, 90_000n, oracle]);
      await expect(policy.setCostParams({ ...params, gasTokenOracle: oracle })).to.be.revertedWithCustomError(
        policy,
        "BallastParameterUnchanged",
      );
    });

    for (const [name, field, parameter, max] of [
      ["benefit per bp above 1% of NAV", "benefitPerBpWad", Parameter.BenefitPerBpWad, 10n ** 16n],
      ["cost ratio above 10x", "maxCostRatioBps", Parameter.MaxCostRatioBps, 100_000n],
      ["base gas above 5M", "gasBase", Parameter.GasBase, 5_000_000n],
      ["gas per hop above 1M", "gasPerHop", Parameter.GasPerHop, 1_000_000n],
    ] as const) {
      it(`refuses a ${name}, and takes the bound itself`, async () => {
        const { policy } = await loadFixture(driftedFixture);
        await expect(policy.setCostParams({ ...GATE_OFF, [field]: max + 1n }))
          .to.be.revertedWithCustomError(policy, "BallastParameterOutOfRange")
          .withArgs(parameter, max + 1n, 0n, max);
        await expect(policy.setCostParams({ ...GATE_OFF, [field]: max })).to.emit(policy, "CostParamsSet");
      });
    }

    it("is active (costGateActive) exactly when a cost ratio or a gas-token oracle is set", async () => {
      const { policy, vault } = await loadFixture(driftedFixture);
      const oracle = (await vault.oracles())[1];
      expect(await policy.costGateActive()).to.equal(false);
      // A benefit and gas figures alone cannot refuse anything: still inactive.
      await policy.setCostParams({ ...GATE_OFF, benefitPerBpWad: 10n ** 12n, gasBase: 300_000, gasPerHop: 90_000 });
      expect(await policy.costGateActive()).to.equal(false);
      await policy.setCostParams({ ...GATE_OFF, maxCostRatioBps: 1 });
      expect(await policy.costGateActive()).to.equal(true);
      await policy.setCostParams({ ...GATE_OFF, gasTokenOracle: oracle });
      expect(await policy.costGateActive()).to.equal(true);
      await policy.setCostParams({ ...GATE_OFF, gasTokenOracle: oracle, benefitPerBpWad: MAX_BENEFIT });
      expect(await policy.costParams()).to.deep.equal([MAX_BENEFIT, 0n, 0n, 0n, oracle]);
      await policy.setCostParams(GATE_OFF);
      expect(await policy.costGateActive()).to.equal(false);
    });

    it("refuses a gas-token oracle that cannot price now", async () => {
      const { policy, vault } = await loadFixture(driftedFixture);
      // The vault has no tryPrice(): a source that reverts is as invalid as one that says so.
      const notAnOracle = await vault.getAddress();
      await expect(policy.setCostParams({ ...GATE_OFF, gasTokenOracle: notAnOracle }))
        .to.be.revertedWithCustomError(policy, "BallastPriceUnavailable")
        .withArgs(notAnOracle);
    });
  });

  describe("assessCost", () => {
    it("matches QuoterV2's output for an in-range trade: fee plus impact, against the oracle", async () => {
      const { market, policy } = await loadFixture(driftedFixture);
      const route = encodeRoute(market, ["WETH", 500, "USDC"]);
      const amountIn = 20n * WAD;
      const valueIn = BigInt(Math.floor((await market.feedPrice("WETH")) * 20 * 1e6));
      const quoted = await market.quoter.quoteExactInput.staticCall(route, amountIn);
      const input = {
        factory: await market.factory.getAddress(),
        nav: 0n,
        driftRemovedBps: 0n,
        basePriceWad: WAD,
        baseUnit: 10n ** 6n,
        trades: [{ route, amountIn, valueIn, fairOut: valueIn }],
      };
      const [cost, benefit, worthIt] = await policy.assessCost(input);
      const quotedCost = valueIn - quoted.amountOut;
      // Within the current tick range the virtual-reserve formula is Uniswap's own math: only the
      // rounding of the fee and of the price step differ.
      expect(cost).to.be.closeTo(quotedCost, quotedCost / 1000n + 2n);
      expect(cost).to.be.greaterThan((valueIn * 5n) / 10_000n); // at least the 0.05% fee
      expect(benefit).to.equal(0n);
      expect(worthIt).to.equal(true); // gate off
    });

    it("walks every hop of a route and prices a pool without liquidity at a total loss", async () => {
      const { market, policy } = await loadFixture(driftedFixture);
      const factory = await market.factory.getAddress();
      const twoHops = encodeRoute(market, ["WBTC", 500, "WETH", 500, "USDC"]);
      const amountIn = 10n ** 7n; // 0.1 WBTC
      const valueIn = BigInt(Math.floor((await market.feedPrice("WBTC")) * 0.1 * 1e6));
      const quoted = await market.quoter.quoteExactInput.staticCall(twoHops, amountIn);
      const base = { factory, nav: 0n, driftRemovedBps: 0n, basePriceWad: WAD, baseUnit: 10n ** 6n };
      const [cost] = await policy.assessCost({
        ...base,
        trades: [{ route: twoHops, amountIn, valueIn, fairOut: valueIn }],
      });
      expect(cost).to.be.closeTo(valueIn - quoted.amountOut, (valueIn - quoted.amountOut) / 100n + 2n);

      // A real pool the factory creates and initialises, with no liquidity in range.
      const [usdc, uni] = [market.token("USDC").address, market.token("UNI").address];
      await (await market.factory.createPool(usdc, uni, 100)).wait();
      const pool = await ethers.getContractAt("IUniswapV3Pool", await market.factory.getPool(usdc, uni, 100));
      await (await pool.initialize(Q96)).wait();
      const empty = encodeRoute(market, ["UNI", 100, "USDC"]);
      const [lost] = await policy.assessCost({
        ...base,
        trades: [{ route: empty, amountIn: WAD, valueIn: 5_000_000n, fairOut: 5_000_000n }],
      });
      expect(lost).to.equal(5_000_000n);
    });

    it("counts a pool priced better than the oracle as no cost, and a worse one as the gap", async () => {
      const { market, policy } = await loadFixture(driftedFixture);
      const route = encodeRoute(market, ["WETH", 500, "USDC"]);
      const input = {
        factory: await market.factory.getAddress(),
        nav: 0n,
        driftRemovedBps: 0n,
        basePriceWad: WAD,
        baseUnit: 10n ** 6n,
      };
      // Say the oracle valued 1 WETH at $1: the pool pays far more, no loss.
      const [none] = await policy.assessCost({
        ...input,
        trades: [{ route, amountIn: WAD, valueIn: 1_000_000n, fairOut: 1_000_000n }],
      });
      expect(none).to.equal(0n);
      // Say it valued 1 WETH at 10x the pool: almost all of it is lost.
      const value = BigInt(Math.floor((await market.feedPrice("WETH")) * 10 * 1e6));
      const [most] = await policy.assessCost({
        ...input,
        trades: [{ route, amountIn: WAD, valueIn: value, fairOut: value }],
      });
      expect(most).to.be.greaterThan((value * 89n) / 100n);
    });

    it("values gas units at the block's base fee through the gas token's price, hops included", async () => {
      const { market, policy, vault, rebalancer } = await loadFixture(driftedFixture);
      const oracle = (await vault.oracles())[1]; // WETH / USD
      const baseFee = 40n * GWEI;
      /** The cost a skipped rebalance reports at `baseFee` under these gas parameters. */
      const skippedCost = async (gasBase: number, gasPerHop: number, benefitPerBpWad = 1n): Promise<bigint> => {
        await policy.setCostParams({
          benefitPerBpWad,
          maxCostRatioBps: 10_000,
          gasBase,
          gasPerHop,
          gasTokenOracle: oracle,
        });
        const receipt = await (await rebalanceAtBaseFee(rebalancer, baseFee)).wait();
        const skipped = receipt?.logs
          .map((log) => rebalancer.interface.parseLog(log))
          .find((event) => event?.name === "RebalanceSkipped");
        if (!skipped) throw new Error("the rebalance was not skipped");
        return skipped.args.cost as bigint;
      };
      // An eth_call runs at a base fee of 0 on Hardhat (and most nodes): the view leaves gas out,
      // and keepers add their own estimate.
      await policy.setCostParams({ ...GATE_OFF, gasBase: 200_000, gasTokenOracle: oracle });
      const [feesOnly] = await rebalancer.rebalanceCost();
      expect(await skippedCost(200_000, 0)).to.equal(feesOnly + (await gasValue(market, 200_000n, baseFee)));
      // Per hop: the planned trades (WETH -> WBTC along the shortcut, the rest of the WETH into USDC,
      // buy LINK) make three hops. A drift
      // worth something, so that each trade pays for its leg (minLegValue), and the largest base
      // gas, so that the gate still skips.
      const base = await skippedCost(5_000_000, 0, 10n ** 12n);
      const perHop = (await skippedCost(5_000_000, 50_000, 10n ** 12n)) - base;
      expect(perHop).to.equal(await gasValue(market, 3n * 50_000n, baseFee));
    });
  });

  describe("minLegValue", () => {
    it("is the value whose drift removed pays a leg's gas at the gate's ratio; 0 when the gate cannot say", async () => {
      const { market, vault, policy } = await loadFixture(driftedFixture);
      const gasTokenOracle = (await vault.oracles())[1];
      const probe = await (await ethers.getContractFactory("RebalancerViewProbe")).deploy();
      const [, usdcAnswer] = await market.token("USDC").feed.latestRoundData();
      const floorAt = async (baseFee: bigint) => {
        await network.provider.send("hardhat_setNextBlockBaseFeePerGas", [ethers.toQuantity(baseFee)]);
        const receipt = await (await probe.probeLegFloor(policy, usdcAnswer * 10n ** 10n, 10n ** 6n)).wait();
        const [event] = await probe.queryFilter(probe.filters.LegFloor, receipt?.blockNumber, receipt?.blockNumber);
        return event.args.minLegValue;
      };
      const gate = { benefitPerBpWad: 10n ** 12n, maxCostRatioBps: 10_000, gasBase: 150_000, gasPerHop: 100_000 };
      await policy.setCostParams({ ...gate, gasTokenOracle });
      // A leg's gas in USDC units (rounded up, as assessCost values gas), over 2 x 1e-6 x 1 of the
      // benefit per unit traded.
      const legGas = await gasValue(market, 100_000n, 30n * GWEI);
      // legGas x 1e18 / (2 x 1e12 x 10_000): 50 legs' gas, exactly.
      expect(await floorAt(30n * GWEI)).to.equal(50n * legGas);
      expect(await floorAt(60n * GWEI)).to.equal(50n * (await gasValue(market, 100_000n, 60n * GWEI)));
      // Off: no ratio, no price of drift, no gas oracle; and 0 while the gas token's price is invalid.
      for (const params of [
        { ...gate, maxCostRatioBps: 0, gasTokenOracle },
        { ...gate, benefitPerBpWad: 0, gasTokenOracle },
        { ...gate, gasTokenOracle: ZeroAddress },
      ]) {
        await policy.setCostParams(params);
        expect(await floorAt(30n * GWEI)).to.equal(0n);
      }
      await policy.setCostParams({ ...gate, gasTokenOracle });
      await market.token("WETH").feed.setAnswer(0);
      expect(await floorAt(30n * GWEI)).to.equal(0n);
    });
  });

  describe("rebalance", () => {
    it("reports cost and benefit while the gate is off, and trades regardless", async () => {
      const { vault, rebalancer, policy } = await loadFixture(driftedFixture);
      await policy.setCostParams({ ...GATE_OFF, benefitPerBpWad: 10n ** 12n });
      const [cost, benefit, worthIt] = await rebalancer.rebalanceCost();
      expect(cost).to.be.greaterThan(0n);
      expect(benefit).to.be.greaterThan(0n);
      expect(worthIt).to.equal(true);
      expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);
      await expect(rebalancer.rebalance()).to.emit(vault, "Rebalanced");
    });

    it("values the benefit as NAV x drift removed x price per bp", async () => {
      const { vault, rebalancer, policy } = await loadFixture(driftedFixture);
      await policy.setCostParams({ ...GATE_OFF, benefitPerBpWad: 10n ** 12n });
      const [, one] = await rebalancer.rebalanceCost();
      await policy.setCostParams({ ...GATE_OFF, benefitPerBpWad: 3n * 10n ** 12n });
      const [, three] = await rebalancer.rebalanceCost();
      expect(three).to.be.closeTo(3n * one, 3n);
      // WETH 10% up in a 40% slot moved ~2.2% of NAV: the total drift removed is about twice that.
      const nav = await vault.totalAssets();
      const removedBps = (one * WAD) / (nav * 10n ** 12n);
      expect(removedBps).to.be.within(300n, 600n);
    });

    it("skips an uneconomic rebalance: no trade, no cooldown, both numbers in an event", async () => {
      const { market, vault, rebalancer, policy } = await loadFixture(driftedFixture);
      // One millionth of a bp of NAV per bp of drift: nothing is worth a fee.
      await policy.setCostParams({ ...GATE_OFF, benefitPerBpWad: 10n ** 8n, maxCostRatioBps: 10_000 });
      const [cost, benefit, worthIt] = await rebalancer.rebalanceCost();
      expect(worthIt).to.equal(false);
      expect(cost).to.be.greaterThan(benefit);
      expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Uneconomic);
      expect((await rebalancer.checkUpkeep("0x"))[0]).to.equal(false);

      const balances = await Promise.all(
        ["USDC", "WETH", "WBTC", "LINK"].map((s) => market.token(s).contract.balanceOf(vault)),
      );
      const last = await policy.lastRebalance(rebalancer);
      const [admin] = await ethers.getSigners();
      const tx = rebalancer.rebalance();
      await expect(tx).to.emit(rebalancer, "RebalanceSkipped").withArgs(admin.address, cost, benefit);
      await expect(tx).to.not.emit(vault, "Rebalanced");
      expect(await swapsOf(vault, tx)).to.have.length(0);
      expect(await policy.lastRebalance(rebalancer)).to.equal(last);
      for (const [i, s] of ["USDC", "WETH", "WBTC", "LINK"].entries()) {
        expect(await market.token(s).contract.balanceOf(vault)).to.equal(balances[i]);
      }
    });

    it("passes an economic rebalance, and the ratio decides at the margin", async () => {
      const { vault, rebalancer, policy } = await loadFixture(driftedFixture);
      await policy.setCostParams({ ...GATE_OFF, benefitPerBpWad: 10n ** 12n, maxCostRatioBps: 10_000 });
      const [cost, benefit, worthIt] = await rebalancer.rebalanceCost();
      expect(worthIt).to.equal(true);
      // The smallest ratio that passes: cost * 10_000 <= benefit * ratio.
      const ratio = (cost * 10_000n + benefit - 1n) / benefit;
      await policy.setCostParams({ ...GATE_OFF, benefitPerBpWad: 10n ** 12n, maxCostRatioBps: ratio - 1n });
      expect((await rebalancer.rebalanceCost())[2]).to.equal(false);
      await policy.setCostParams({ ...GATE_OFF, benefitPerBpWad: 10n ** 12n, maxCostRatioBps: ratio });
      expect((await rebalancer.rebalanceCost())[2]).to.equal(true);
      expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);
      await expect(rebalancer.rebalance()).to.emit(vault, "Rebalanced");
    });

    it("turns dormant when gas is dear, and trades when it is cheap", async () => {
      const { vault, rebalancer, policy } = await loadFixture(driftedFixture);
      await policy.setCostParams({
        benefitPerBpWad: 10n ** 12n,
        maxCostRatioBps: 10_000,
        gasBase: 400_000,
        gasPerHop: 120_000,
        gasTokenOracle: (await vault.oracles())[1],
      });
      await expect(rebalanceAtBaseFee(rebalancer, 20_000n * GWEI)).to.emit(rebalancer, "RebalanceSkipped");
      await expect(rebalanceAtBaseFee(rebalancer, GWEI)).to.emit(vault, "Rebalanced");
    });

    it("leaves out a trade too small to pay for its own leg's gas (minLegValue), at the block's base fee", async () => {
      const { market, vault, rebalancer, policy } = await loadFixture(driftedFixture);
      // LINK, which WETH's rise left about $4,000 short, given $3,700 of it: its buy becomes small.
      const linkUsd = await market.feedPrice("LINK");
      await market.fund(await vault.getAddress(), "LINK", ethers.parseUnits((3_700 / linkUsd).toFixed(6), 18));
      // The gate takes a cost up to 10x the benefit: a trade is worth its leg from 5x the leg's gas.
      // No base gas: only the legs' gas, which the floor keeps within what they are worth.
      const gasTokenOracle = (await vault.oracles())[1];
      const cost = { benefitPerBpWad: 10n ** 12n, maxCostRatioBps: 100_000, gasBase: 0, gasPerHop: 100_000 };
      await policy.setCostParams({ ...cost, gasTokenOracle });
      const usdc = market.token("USDC").address;
      // A trade's value in USDC: what it spends or fetches in USDC, or for a shortcut between two
      // other assets (WETH -> WBTC) its input at the feeds.
      const [, usdcUsd] = await market.token("USDC").feed.latestRoundData();
      const feeds = new Map<string, { answer: bigint; unit: bigint }>();
      for (const t of market.tokens) {
        feeds.set(t.address, { answer: (await t.feed.latestRoundData())[1], unit: 10n ** BigInt(t.decimals) });
      }
      const valueOf = (s: { tokenIn: string; tokenOut: string; amountIn: bigint; amountOut: bigint }) => {
        if (s.tokenIn === usdc) return s.amountIn;
        if (s.tokenOut === usdc) return s.amountOut;
        const feed = feeds.get(s.tokenIn) as { answer: bigint; unit: bigint };
        return (s.amountIn * feed.answer * 10n ** 6n) / (feed.unit * usdcUsd);
      };
      const snapshot = await network.provider.send("evm_snapshot", []);
      const cheap = await swapsOf(vault, rebalanceAtBaseFee(rebalancer, GWEI));
      await network.provider.send("evm_revert", [snapshot]);
      const values = cheap.map(valueOf).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      expect(values.length).to.be.at.least(3);
      // The base fee whose floor is twice the smallest trade, under the next.
      const legGasPerGwei = await gasValue(market, 100_000n, GWEI);
      const baseFee = (2n * values[0] * GWEI) / (5n * legGasPerGwei);
      const probe = await (await ethers.getContractFactory("RebalancerViewProbe")).deploy();
      await network.provider.send("hardhat_setNextBlockBaseFeePerGas", [ethers.toQuantity(baseFee)]);
      const [, usdcAnswer] = await market.token("USDC").feed.latestRoundData();
      const receipt = await (await probe.probeLegFloor(policy, usdcAnswer * 10n ** 10n, 10n ** 6n)).wait();
      const [floor] = await probe.queryFilter(probe.filters.LegFloor, receipt?.blockNumber, receipt?.blockNumber);
      expect(floor.args.minLegValue).to.be.greaterThan(values[0]).and.lessThan(values[1]);
      const dear = await swapsOf(vault, rebalanceAtBaseFee(rebalancer, baseFee));
      expect(dear).to.have.length(cheap.length - 1);
      for (const swap of dear) expect(valueOf(swap)).to.be.greaterThan(floor.args.minLegValue);
    });

    it("skips a plan the leg floor empties, at any base gas: no trade, no cooldown (RebalanceSkipped, Uneconomic)", async () => {
      const { vault, rebalancer, policy } = await loadFixture(driftedFixture);
      const gasTokenOracle = (await vault.oracles())[1];
      // No base gas: an empty plan would cost nothing, and "worth" nothing.
      await policy.setCostParams({
        benefitPerBpWad: 10n ** 12n,
        maxCostRatioBps: 100_000,
        gasBase: 0,
        gasPerHop: 100_000,
        gasTokenOracle,
      });
      const before = await policy.lastRebalance(rebalancer);
      // A base-fee spike: the floor above every trade.
      const tx = rebalanceAtBaseFee(rebalancer, 20_000n * GWEI);
      await expect(tx).to.emit(rebalancer, "RebalanceSkipped");
      await expect(tx).to.not.emit(vault, "Rebalanced");
      expect(await policy.lastRebalance(rebalancer)).to.equal(before);
      const probe = await (await ethers.getContractFactory("RebalancerViewProbe")).deploy();
      await network.provider.send("hardhat_setNextBlockBaseFeePerGas", [ethers.toQuantity(20_000n * GWEI)]);
      const receipt = await (await probe.probe(rebalancer, { gasLimit: 10_000_000 })).wait();
      const [seen] = await probe.queryFilter(probe.filters.Probed, receipt?.blockNumber, receipt?.blockNumber);
      expect(seen.args.status).to.equal(Status.Uneconomic);
      expect(seen.args.worthIt).to.equal(false);
    });

    it("prices a pool pushed away from the oracle as a cost", async () => {
      const { market, rebalancer, policy } = await loadFixture(driftedFixture);
      await policy.setCostParams({ ...GATE_OFF, benefitPerBpWad: 10n ** 12n });
      const [aligned] = await rebalancer.rebalanceCost();
      // The rebalance sells WETH: a pool where WETH is 2% cheaper than its feed costs ~2% more on it.
      const pool = market.pool("WETH", "USDC", 500);
      await market.movePoolPrice(pool, "WETH", (await market.feedPrice("WETH")) * 0.98);
      const [pushed] = await rebalancer.rebalanceCost();
      expect(pushed).to.be.greaterThan(aligned);
    });

    it("reverts while the gas token's price is invalid, and prices again once it is back", async () => {
      const { market, vault, rebalancer, policy } = await loadFixture(driftedFixture);
      const uni = market.token("UNI");
      const oracle = await new ChainlinkOracle__factory(market.deployer).deploy(uni.feed, 3_600, 50, ZeroAddress, 0);
      await policy.setCostParams({
        ...GATE_OFF,
        benefitPerBpWad: 10n ** 12n,
        maxCostRatioBps: 10_000,
        gasBase: 100_000,
        gasTokenOracle: oracle,
      });
      await uni.feed.connect(market.deployer).setAnswer(0);
      await expect(rebalancer.rebalance())
        .to.be.revertedWithCustomError(policy, "BallastPriceUnavailable")
        .withArgs(await oracle.getAddress());
      await market.setFeedPrice("UNI", 7);
      await expect(rebalancer.rebalance()).to.emit(vault, "Rebalanced");
    });

    it("stays off the settled path: a calm vault is not due, whatever the gate says", async () => {
      const { market, vault, rebalancer, policy } = await loadFixture(driftedFixture);
      await rebalanceUntilSettled(market, vault);
      await policy.setCostParams({ ...GATE_OFF, benefitPerBpWad: 10n ** 12n, maxCostRatioBps: 10_000 });
      expect((await rebalancer.rebalanceStatus())[0]).to.be.oneOf([Status.NotDue, Status.Cooldown]);
      const [, benefit] = await rebalancer.rebalanceCost();
      expect(benefit).to.be.lessThan(10n ** 6n); // nothing left to remove but rounding
    });
  });
});
