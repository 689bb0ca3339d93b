/**
 * Differential test: the simulator's vault model (src/sim/vaultModel) against the contracts on
 * the Hardhat network. Random vault states (feed prices moved and pools realigned, tokens donated,
 * random trigger, execution, volatility and cost parameters, random target weights including a
 * retiring asset, time advanced) are read from the chain and fed to the model; the two must agree
 * exactly on `rebalanceStatus()` (status, drift, band in force), `effectiveTriggerBand`, the
 * volatility estimate after every rebalance (skipped ones included), `rebalanceCost()` (cost,
 * benefit, verdict), and, when a rebalance runs, on every trade's size: each sell's `amountIn` is the
 * model's `sellAmount` and each buy's the model's spend given the base the sells actually fetched
 * (the model decides sizes; pools decide prices, which is why buys take the sells' real output, and
 * how much of a leg too large for them fills, read through LegCheck.fit as the vault reads it).
 *
 * Also: the bigint port of the pool's swap against QuoterV2 on every pool of the local market.
 */
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers, network } from "hardhat";

import type { LocalMarket, MarketPool } from "../../src/market";
import { allRoutes } from "../../src/vault";
import { exactInputSingle, Rng, vaultModel as vm } from "../../src/sim";
import { MEASURED_GAS, rebalanceGasUnits } from "../../src/sim/market";
import type { ExactPoolState } from "../../src/sim";
import {
  AggregatorV3Interface__factory,
  UniswapMathHarness__factory,
  UniswapV3Pool__factory,
} from "../../typechain-types";
import type {
  BallastPolicy,
  BallastRebalancer,
  BallastVault,
  ChainlinkOracle,
  UniswapMathHarness,
} from "../../typechain-types";
import { COST_GATE_OFF } from "../../bench/settle";
import { FOUR_ASSET_BASKET, investedAdminFixture } from "../shared/fixtures";
import { FeedRounds, volatilityState } from "../../src/vault";
import { refreshFeeds } from "../shared/security";
import { swapsOf } from "../shared/vault";

const ROUNDS = Number(process.env.SIM_DIFF_ROUNDS ?? 40);
const DAY = 86_400;
/** Uniswap V3 pool's Swap event: one per hop of a leg. */
const POOL_SWAP_TOPIC = UniswapV3Pool__factory.createInterface().getEvent("Swap").topicHash;
const SYMBOLS = FOUR_ASSET_BASKET.map((e) => e.symbol);

/** Each hop of a Uniswap V3 path: input, output, fee. */
function decodeRoute(route: string): { tokenIn: string; tokenOut: string; fee: number }[] {
  const hex = route.slice(2);
  const hops: { tokenIn: string; tokenOut: string; fee: number }[] = [];
  for (let at = 0; at + 86 <= hex.length; at += 46) {
    hops.push({
      tokenIn: ethers.getAddress(`0x${hex.slice(at, at + 40)}`),
      fee: parseInt(hex.slice(at + 40, at + 46), 16),
      tokenOut: ethers.getAddress(`0x${hex.slice(at + 46, at + 86)}`),
    });
  }
  return hops;
}

interface Chain {
  market: LocalMarket;
  vault: BallastVault;
  rebalancer: BallastRebalancer;
  policy: BallastPolicy;
  oracles: ChainlinkOracle[];
  /** The oracles' feeds' rounds, read for the model's volatility estimate. */
  rounds: FeedRounds;
}

/** The pool state of each hop BallastPolicy._estimateOut reads. */
interface Routes {
  /** Asset i's sell (true) or buy route. */
  hops: (i: number, sell: boolean) => vm.HopState[];
  /** The shortcut from asset i's sell route to asset o's buy route (undefined: they meet at the base alone). */
  shortcut: (i: number, o: number) => vm.HopState[] | undefined;
  /** The hops of a planned trade from asset `from` to asset `to` (0: the base), as its leg's path. */
  leg: (from: number, to: number) => ReturnType<typeof decodeRoute>;
}

/** The vault's routes, hop by hop, with each pool's state now. */
async function hopStates(c: Chain, tokens: string[]): Promise<Routes> {
  const factory = c.market.factory;
  type Hop = ReturnType<typeof decodeRoute>[number] & { state: vm.HopState };
  const table = new Map<string, Hop[]>();
  const [sellRoutes, buyRoutes] = await allRoutes(c.vault);
  for (let i = 1; i < tokens.length; i++) {
    const [sellRoute, buyRoute] = [sellRoutes[i], buyRoutes[i]];
    for (const [sell, route] of [
      [true, sellRoute],
      [false, buyRoute],
    ] as const) {
      const hops: Hop[] = [];
      for (const hop of decodeRoute(route)) {
        const pool = UniswapV3Pool__factory.connect(
          await factory.getPool(hop.tokenIn, hop.tokenOut, hop.fee),
          ethers.provider,
        );
        const [sqrtPriceX96] = await pool.slot0();
        const state = {
          sqrtPriceX96,
          liquidity: await pool.liquidity(),
          feePips: hop.fee,
          zeroForOne: BigInt(hop.tokenIn) < BigInt(hop.tokenOut),
        };
        hops.push({ ...hop, state });
      }
      table.set(`${i}/${sell}`, hops);
    }
  }
  const route = (i: number, sell: boolean) => table.get(`${i}/${sell}`) ?? [];
  return {
    hops: (i, sell) => route(i, sell).map((h) => h.state),
    shortcut: (i, o) => vm.shortcutHops(route(i, true), route(o, false))?.map((h) => h.state),
    leg: (from, to) =>
      from === 0
        ? route(to, false)
        : to === 0
          ? route(from, true)
          : (vm.shortcutHops(route(from, true), route(to, false)) ?? []),
  };
}

/**
 * `plan` with each trade sized as the vault's legs trade it (VaultLogic._fitLegs), the pools as the
 * call finds them: legs crossing a pool the same way are fitted together (LegCheck.fit of their
 * sum), each trading its share; a part below `minTradeValue` is skipped.
 */
async function fitted(
  c: Chain,
  harness: UniswapMathHarness,
  routes: Routes,
  v: vm.Valuation,
  plan: vm.Plan,
  p: vm.RebalanceParams,
): Promise<vm.Plan> {
  const legs = plan.trades.map((t) => routes.leg(t.from, t.to));
  const pools = legs.map((hops) => hops.map((h) => `${h.tokenIn}/${h.tokenOut}/${h.fee}`));
  const trades: vm.PlannedTrade[] = [];
  for (const [k, t] of plan.trades.entries()) {
    const count = BigInt(pools.filter((other, j) => j === k || other.some((pool) => pools[k].includes(pool))).length);
    const together = t.amountIn * count;
    const path = ethers.solidityPacked(
      ["address", ...legs[k].flatMap(() => ["uint24", "address"])],
      [legs[k][0].tokenIn, ...legs[k].flatMap((h) => [h.fee, h.tokenOut])],
    );
    const fit = await harness.legFit(
      c.market.factory,
      path,
      together,
      vm.fairOut(v, t.from, t.to, together),
      p.maxPoolGapBps,
      p.slippageBps,
    );
    let amountIn = fit / count;
    const dust = p.minTradeValue > 1n ? p.minTradeValue : 1n;
    if (amountIn !== t.amountIn && vm.toValue(v, t.from, amountIn) < dust) amountIn = 0n;
    trades.push({ ...t, amountIn });
  }
  return { ...plan, trades };
}

/** The contracts of a fixture the comparison reads, and its oracles' feeds' rounds. */
async function chainOf(f: Omit<Chain, "rounds">): Promise<Chain> {
  const feeds = await Promise.all(
    f.oracles.map(async (o) => AggregatorV3Interface__factory.connect(await o.feed(), ethers.provider)),
  );
  return {
    market: f.market,
    vault: f.vault,
    rebalancer: f.rebalancer,
    policy: f.policy,
    oracles: f.oracles,
    rounds: new FeedRounds(feeds),
  };
}

/** Everything rebalanceStatus() reads, from the chain, at time `now`. */
async function snapshot(c: Chain, now: bigint): Promise<{ snap: vm.VaultSnapshot; tokens: string[] }> {
  const tokens = await c.vault.basketTokens();
  const balances: bigint[] = [];
  const units: bigint[] = [];
  for (const address of tokens) {
    const token = c.market.tokens.find((t) => t.address === address);
    if (!token) throw new Error(`token ${address} not in the market`);
    balances.push(await token.contract.balanceOf(c.vault));
    units.push(10n ** BigInt(token.decimals));
  }
  const pricesWad = await Promise.all(c.oracles.map((o) => o.price()));
  const p = (await c.vault.basketState()).params;
  const t = await c.policy.triggerParams();
  const v = await c.policy.volatilityParams();
  const cp = await c.policy.costParams();
  const stored = await volatilityState(c.policy, c.rebalancer);
  await c.rounds.refresh();
  // The policy judges by its stored estimate with the feeds' history since folded in.
  const volatility = {
    referenceVolBps: v.referenceVolBps,
    minBandBps: v.minBandBps,
    maxBandBps: v.maxBandBps,
    averagingTime: v.averagingTime,
    minObservationInterval: v.minObservationInterval,
  };
  const variances = vm.currentVariances(stored, volatility, tokens.length, c.rounds.reader(), now);
  return {
    tokens: [...tokens],
    snap: {
      balances,
      pricesWad,
      units,
      targets: [...(await c.vault.basketState()).targets],
      params: {
        slippageBps: p.slippageBps,
        maxTradeBps: p.maxTradeBps,
        maxLossBps: p.maxLossBps,
        minTradeValue: p.minTradeValue,
        maxPoolGapBps: p.maxPoolGapBps,
      },
      triggers: {
        triggerBandBps: t.triggerBandBps,
        targetBandBps: t.targetBandBps,
        cooldown: t.cooldown,
        calendarInterval: t.calendarInterval,
      },
      volatility,
      variances,
      costs: {
        benefitPerBpWad: cp.benefitPerBpWad,
        maxCostRatioBps: cp.maxCostRatioBps,
        gasBase: cp.gasBase,
        gasPerHop: cp.gasPerHop,
        // No gas-token oracle in these runs: an eth_call's base fee would differ from the transaction's.
      },
      lastRebalance: await c.policy.lastRebalance(c.rebalancer),
      now,
    },
  };
}

/**
 * Reads the vault's state, runs the model on it and checks the model against `rebalanceStatus()`,
 * `maxDrift()`, `effectiveTriggerBand()` and `rebalanceCost()`.
 */
async function compare(
  c: Chain,
  label: string,
): Promise<{ model: vm.StatusResult; snap: vm.VaultSnapshot; tokens: string[] }> {
  const { rebalancer, policy } = c;
  // A view runs in a block one second after the latest.
  const now = BigInt((await time.latest()) + 1);
  const { snap, tokens } = await snapshot(c, now);
  const routes = await hopStates(c, tokens);
  const model = vm.rebalanceStatus(snap, routes.hops, routes.shortcut);
  const [status, driftBps, bandBps] = await rebalancer.rebalanceStatus();
  expect(Number(status), `${label}: status`).to.equal(model.status);
  expect(driftBps, `${label}: drift`).to.equal(model.driftBps);
  expect(bandBps, `${label}: band in force`).to.equal(model.targetBandBps);
  expect(await rebalancer.maxDrift(), `${label}: maxDrift`).to.equal(model.driftBps);
  expect(await policy.effectiveTriggerBand(rebalancer), `${label}: effective trigger band`).to.equal(
    model.effectiveTriggerBandBps,
  );
  // rebalanceCost(): the plan at the band in force, whatever the status.
  const v = model.valuation;
  const evaluation = vm.evaluate(snap.triggers, model.effectiveTriggerBandBps, snap.lastRebalance, now, model.driftBps);
  const pl = vm.plan(
    v,
    snap.params,
    vm.usableBand(evaluation.targetBandBps, model.effectiveTriggerBandBps, tokens.length),
    (i, o) => routes.shortcut(i, o) !== undefined,
  );
  const expected = vm.assessWithReward(snap.costs, vm.REWARD_OFF, {
    nav: v.nav,
    driftRemovedBps: pl.driftRemovedBps,
    basePriceWad: v.prices[0],
    baseUnit: v.units[0],
    trades: vm.quoteTrades(pl, routes.hops, (i, o) => routes.shortcut(i, o) ?? []),
    basefeeWei: 0n,
  });
  const [cost, benefit, worthIt] = await rebalancer.rebalanceCost();
  expect([cost, benefit, worthIt], `${label}: rebalanceCost`).to.deep.equal([
    expected.cost,
    expected.benefit,
    expected.worthIt,
  ]);
  return { model, snap, tokens };
}

/** Random parameters of every kind the vault and policy accept. */
function randomTriggers(rng: Rng): vm.TriggerParams {
  const trigger = BigInt(20 + Math.floor(rng.uniform() * 1_200));
  const target = rng.uniform() < 0.25 ? 0n : BigInt(Math.floor(rng.uniform() * Number(trigger)));
  const cooldown = [0n, 600n, 3_600n][Math.floor(rng.uniform() * 3)];
  const calendar = rng.uniform() < 0.5 ? [BigInt(DAY), BigInt(7 * DAY)][Math.floor(rng.uniform() * 2)] : 0n;
  return { triggerBandBps: trigger, targetBandBps: target, cooldown, calendarInterval: calendar };
}

function randomParams(rng: Rng): vm.RebalanceParams {
  return {
    slippageBps: BigInt(150 + Math.floor(rng.uniform() * 350)),
    maxTradeBps: BigInt(100 + Math.floor(rng.uniform() * 4_900)),
    maxLossBps: 500n,
    minTradeValue: rng.uniform() < 0.3 ? 0n : BigInt(Math.floor(rng.uniform() * 5_000e6)),
    // The differential run compares plans: any pool gap is accepted (the gap's own tests are the vault's).
    maxPoolGapBps: 500n,
  };
}

function randomTargets(rng: Rng): number[] {
  // Base 0-10%; one asset retiring (weight 0) a quarter of the time.
  const base = Math.floor(rng.uniform() * 1_000);
  const raw = [rng.uniform(), rng.uniform(), rng.uniform()];
  if (rng.uniform() < 0.25) raw[Math.floor(rng.uniform() * 3)] = 0;
  const sum = raw.reduce((a, b) => a + b, 0) || 1;
  const weights = raw.map((x) => Math.floor(((10_000 - base) * x) / sum));
  return [10_000 - weights.reduce((a, b) => a + b, 0), ...weights];
}

const same = (
  a: vm.TriggerParams,
  b: { triggerBandBps: bigint; targetBandBps: bigint; cooldown: bigint; calendarInterval: bigint },
) =>
  a.triggerBandBps === b.triggerBandBps &&
  a.targetBandBps === b.targetBandBps &&
  a.cooldown === b.cooldown &&
  a.calendarInterval === b.calendarInterval;

describe("vault model vs the contracts (differential)", function () {
  this.timeout(900_000);

  it(`agrees with rebalanceStatus(), rebalanceCost(), the volatility estimate and every trade on ${ROUNDS} random states`, async () => {
    const fixture = await loadFixture(investedAdminFixture);
    const c = await chainOf(fixture);
    const { market, vault, rebalancer, policy } = c;
    const rng = new Rng("ballast differential");
    const harness = await new UniswapMathHarness__factory((await ethers.getSigners())[0]).deploy();
    const gasChecks: { legs: number; hops: number; spent: number; modelled: number }[] = [];
    const volState = vm.emptyVolatilityState();
    const feeds = new Map(SYMBOLS.map((s) => [s, 0]));
    for (const s of SYMBOLS) feeds.set(s, await market.feedPrice(s));
    const initial = new Map(feeds);
    const seen = {
      shortcuts: 0,
      due: 0,
      calendar: 0,
      notDue: 0,
      cooldown: 0,
      uneconomic: 0,
      rebalances: 0,
      sells: 0,
      buys: 0,
      fitted: 0,
      reverted: 0,
      vol: 0,
      retiring: 0,
    };

    /** Mirrors an observation the contract made at the block of `blockNumber` with the vault's last prices. */
    const mirrorObservation = async (blockNumber: number) => {
      const block = await ethers.provider.getBlock(blockNumber);
      if (!block) throw new Error("no block");
      const v = await policy.volatilityParams();
      await c.rounds.refresh();
      vm.observe(
        volState,
        {
          referenceVolBps: v.referenceVolBps,
          minBandBps: v.minBandBps,
          maxBandBps: v.maxBandBps,
          averagingTime: v.averagingTime,
          minObservationInterval: v.minObservationInterval,
        },
        SYMBOLS.length,
        c.rounds.reader(),
        BigInt(block.timestamp),
      );
      const stored = await volatilityState(policy, rebalancer);
      if (v.referenceVolBps !== 0n) {
        expect(stored.variances, "variances after an observation").to.deep.equal(volState.variances);
        expect(stored.rounds, "rounds folded").to.deep.equal(volState.rounds);
        expect(stored.updatedAt).to.equal(volState.updatedAt);
      }
    };

    for (let round = 0; round < ROUNDS; round++) {
      const label = `round ${round}`;
      // Time passes (sometimes past a calendar interval), then every feed reports, some moved.
      await time.increase([60, 1_800, 7_200, DAY + 3_600, 8 * DAY][Math.floor(rng.uniform() * 5)]);
      // Moves of 1%, 5% or 12% around the market's initial prices, not a random walk: the market's
      // liquidity stays where it was placed (+-10%, +-50%, full range), and a walk that left it
      // would make every rebalance fail its oracle minimums, which is the pools' business, not the
      // sizing rules'.
      const scale = [0.01, 0.05, 0.12][Math.floor(rng.uniform() * 3)];
      for (const s of SYMBOLS) {
        const price = initial.get(s) as number;
        const next = s === "USDC" ? price : price * Math.exp(scale * rng.normal());
        await market.setFeedPrice(s, Number(next.toPrecision(8)));
        feeds.set(s, await market.feedPrice(s));
      }
      await market.alignAllPools();
      // Donations make balances no rebalance would leave.
      if (rng.uniform() < 0.4) {
        const s = SYMBOLS[Math.floor(rng.uniform() * SYMBOLS.length)];
        const usd = 1_000 + rng.uniform() * 60_000;
        const token = market.token(s);
        await market.fund(
          await vault.getAddress(),
          s,
          ethers.parseUnits(
            (usd / (feeds.get(s) as number)).toFixed(token.decimals > 6 ? 6 : token.decimals),
            token.decimals,
          ),
        );
      }
      // Random parameters.
      let triggers = randomTriggers(rng);
      while (same(triggers, await policy.triggerParams())) triggers = randomTriggers(rng);
      await (await policy.setTriggerParams(triggers)).wait();
      const params = randomParams(rng);
      const current = (await vault.basketState()).params;
      if (
        params.slippageBps !== current.slippageBps ||
        params.maxTradeBps !== current.maxTradeBps ||
        params.minTradeValue !== current.minTradeValue
      ) {
        await (await vault.setRebalanceParams(params)).wait();
      }
      if (rng.uniform() < 0.5) {
        const vol = {
          referenceVolBps: BigInt(2_000 + Math.floor(rng.uniform() * 8_000)),
          minBandBps: BigInt(10 + Math.floor(rng.uniform() * 100)),
          maxBandBps: BigInt(400 + Math.floor(rng.uniform() * 2_000)),
          averagingTime: BigInt(3_600 * (1 + Math.floor(rng.uniform() * 72))),
          minObservationInterval: BigInt(60 * (1 + Math.floor(rng.uniform() * 60))),
        };
        const old = await policy.volatilityParams();
        if (old.referenceVolBps !== vol.referenceVolBps) await (await policy.setVolatilityParams(vol)).wait();
        seen.vol++;
      } else if ((await policy.volatilityParams()).referenceVolBps !== 0n && rng.uniform() < 0.3) {
        await (
          await policy.setVolatilityParams({
            referenceVolBps: 0,
            minBandBps: 0,
            maxBandBps: 0,
            averagingTime: 0,
            minObservationInterval: 0,
          })
        ).wait();
      }
      const cost =
        rng.uniform() < 0.4
          ? {
              ...COST_GATE_OFF,
              benefitPerBpWad: BigInt(Math.floor(rng.uniform() * 3e12)),
              maxCostRatioBps: BigInt(Math.floor(rng.uniform() * 20_000)),
              gasBase: 150_000n,
              gasPerHop: 100_000n,
            }
          : COST_GATE_OFF;
      const oldCost = await policy.costParams();
      if (
        oldCost.benefitPerBpWad !== cost.benefitPerBpWad ||
        oldCost.maxCostRatioBps !== cost.maxCostRatioBps ||
        oldCost.gasBase !== cost.gasBase
      ) {
        await (await policy.setCostParams(cost)).wait();
      }
      if (rng.uniform() < 0.3) {
        const weights = randomTargets(rng);
        if (weights.includes(0)) seen.retiring++;
        const at = (await time.latest()) + 1;
        await (await vault.setTargetWeights(weights, at, at)).wait();
      }
      // Stay clear of the cooldown and calendar edges: the view and the transaction run a second apart.
      const last = Number(await policy.lastRebalance(rebalancer));
      const t = await policy.triggerParams();
      for (const edge of [
        last + Number(t.cooldown),
        t.calendarInterval === 0n ? 0 : last + Number(t.calendarInterval),
      ]) {
        const now = await time.latest();
        if (edge !== 0 && Math.abs(now + 1 - edge) < 5) await time.increase(10);
      }
      // Nor the volatility estimate's: whether an observation is taken turns on the second.
      const [, observedAt] = await policy.variances(rebalancer);
      const interval = (await policy.volatilityParams()).minObservationInterval;
      if (observedAt !== 0n && Math.abs((await time.latest()) + 1 - Number(observedAt + interval)) < 5)
        await time.increase(10);

      const { model, snap, tokens } = await compare(c, label);
      const v = model.valuation;
      if (model.status === vm.Status.NotDue || model.status === vm.Status.Cooldown) {
        if (model.status === vm.Status.NotDue) seen.notDue++;
        else seen.cooldown++;
        await expect(rebalancer.rebalance(), label)
          .to.be.revertedWithCustomError(rebalancer, "BallastRebalanceNotDue")
          .withArgs(model.status, model.driftBps);
        continue;
      }
      if (model.status === vm.Status.Uneconomic) {
        seen.uneconomic++;
        const sent = rebalancer.rebalance();
        await expect(sent, label).to.emit(rebalancer, "RebalanceSkipped");
        const receipt = await (await sent).wait();
        await mirrorObservation(receipt?.blockNumber ?? 0);
        continue;
      }
      expect(model.status === vm.Status.Due || model.status === vm.Status.DueByCalendar, label).to.equal(true);
      if (model.status === vm.Status.Due) seen.due++;
      else seen.calendar++;
      // What the pools fill of each planned trade, as they are before the rebalance.
      const plan = await fitted(c, harness, await hopStates(c, tokens), v, model.plan as vm.Plan, snap.params);
      if (plan.trades.some((t, k) => t.amountIn !== (model.plan as vm.Plan).trades[k].amountIn)) seen.fitted++;

      // rebalance(): every trade's size.
      let swaps;
      const observedBefore = vm.observationStart(
        await volatilityState(policy, rebalancer),
        (await policy.volatilityParams()).averagingTime,
        SYMBOLS.length,
        BigInt(await time.latest()),
      );
      const sent = rebalancer.rebalance();
      try {
        swaps = await swapsOf(vault, sent);
      } catch (error) {
        // The pools, not the sizing rules, decide whether a minimum output is met.
        expect(String(error), label).to.match(/BallastSlippageExceeded|BallastRebalanceLoss|BallastSwapFailed/);
        seen.reverted++;
        continue;
      }
      seen.rebalances++;
      const freshEstimate = volState.updatedAt === 0n || volState.variances.length !== SYMBOLS.length;
      await mirrorObservation(await ethers.provider.getBlockNumber());
      // The lab's gas for this very transaction (its legs, their pools' swaps and the optional parts
      // it ran) against the receipt. A first observation (arrays written anew) is left out: the lab
      // prices the steady one.
      const receipt = await (await sent).wait();
      if (!receipt) throw new Error("rebalance not mined");
      const topics = receipt.logs.map((log) => log.topics[0]);
      const hops = topics.filter((topic) => topic === POOL_SWAP_TOPIC).length;
      const parts = {
        gate: await policy.costGateActive(),
        observation: topics.includes(policy.interface.getEvent("Observed").topicHash),
        reward: topics.includes(vault.interface.getEvent("RewardPaid").topicHash),
        roundsRead: c.rounds.reads(observedBefore),
      };
      const modelled = rebalanceGasUnits(MEASURED_GAS, SYMBOLS.length, swaps.length, hops, parts);
      if (!(parts.observation && freshEstimate))
        gasChecks.push({ legs: swaps.length, hops, spent: Number(receipt.gasUsed), modelled });
      const base = tokens[0];
      // First every trade out of an asset (shortcuts and sales into the base), as planned...
      const sold = swaps.filter((s) => s.tokenIn !== base);
      const buys = swaps.filter((s) => s.tokenIn === base);
      const fromAssets = plan.trades.filter((t) => t.from !== 0 && t.amountIn !== 0n);
      expect(
        sold.map((s) => [tokens.indexOf(s.tokenIn), tokens.indexOf(s.tokenOut), s.amountIn]),
        `${label}: sells`,
      ).to.deep.equal(fromAssets.map((t) => [t.from, t.to, t.amountIn]));
      // ...then the purchases from the base, scaled to the base the sales fetched.
      const sells = sold.filter((s) => s.tokenOut === base);
      const baseAfterSells = snap.balances[0] + sells.reduce((sum, s) => sum + s.amountOut, 0n);
      const spends = vm.executionSpends(v, plan, snap.params, baseAfterSells);
      expect(
        buys.map((s) => [tokens.indexOf(s.tokenOut), s.amountIn]),
        `${label}: buys`,
      ).to.deep.equal(spends.flatMap((a, i) => (a === 0n ? [] : [[i, a]])));
      // Each swap met the oracle minimum the model computes.
      for (const s of sold) {
        const [i, o] = [tokens.indexOf(s.tokenIn), tokens.indexOf(s.tokenOut)];
        expect(s.minAmountOut).to.equal(vm.lessBpsDown(vm.fairOut(v, i, o, s.amountIn), snap.params.slippageBps));
      }
      for (const s of buys)
        expect(s.minAmountOut).to.equal(
          vm.minBuyOut(v, tokens.indexOf(s.tokenOut), s.amountIn, snap.params.slippageBps),
        );
      seen.shortcuts += sold.length - sells.length;
      seen.sells += sells.length;
      seen.buys += buys.length;
      // Right after: the same state seen again, in cooldown (or not due, or due again when a
      // capped trade left drift), with the new balances.
      const after = await compare(c, `${label} after`);
      if (after.model.status === vm.Status.Cooldown) seen.cooldown++;
      await market.alignAllPools();
    }
    // The random states must have exercised every branch worth comparing.
    console.log(`      coverage: ${JSON.stringify(seen)}`);
    const gasErrors = gasChecks.map((g) => g.modelled / g.spent - 1);
    console.log(
      `      lab gas model vs receipts: ${gasChecks.length} rebalances, error ` +
        `${(100 * Math.min(...gasErrors)).toFixed(1)}% .. ${(100 * Math.max(...gasErrors)).toFixed(1)}%`,
    );
    for (const [k, g] of gasChecks.entries()) {
      expect(
        Math.abs(gasErrors[k]),
        `lab gas ${g.modelled} vs ${g.spent} (${g.legs} legs, ${g.hops} hops)`,
      ).to.be.at.most(0.05);
    }
    expect(seen.rebalances, "rebalances compared").to.be.greaterThan(ROUNDS / 6);
    expect(seen.notDue + seen.cooldown, "not-due states").to.be.greaterThan(0);
    expect(seen.sells, "sells compared").to.be.greaterThan(0);
    expect(seen.buys, "buys compared").to.be.greaterThan(0);
  });

  it("prices the keeper reward's premium as the rebalancer does, at a real base fee, capped or not", async () => {
    const f = await loadFixture(investedAdminFixture);
    const c = await chainOf(f);
    await f.market.setFeedPrice("WETH", (await f.market.feedPrice("WETH")) * 1.1);
    await f.market.alignAllPools();
    await refreshFeeds(f.market, SYMBOLS);
    const gasTokenOracle = await f.oracles[1].getAddress();
    const costs = { benefitPerBpWad: 10n ** 12n, maxCostRatioBps: 10_000n, gasBase: 150_000n, gasPerHop: 100_000n };
    await (await f.policy.setCostParams({ ...costs, gasTokenOracle })).wait();
    // Views inside a transaction: an eth_call's base fee is 0 on Hardhat, and so would be the reward.
    const probe = await (await ethers.getContractFactory("RebalancerViewProbe")).deploy();
    const rewards: vm.RewardParams[] = [
      { premiumBps: 2_000n, maxRewardBps: 10n, maxReward: 1_000n * 10n ** 6n },
      { premiumBps: 10_000n, maxRewardBps: 10n, maxReward: 5n * 10n ** 6n }, // capped at 5 USDC
      { premiumBps: 500n, maxRewardBps: 1n, maxReward: 10n ** 12n }, // capped at 1 bp of NAV
    ];
    let premiums = 0;
    for (const reward of rewards) {
      await (await f.rebalancer.setRewardParams(reward)).wait();
      for (const gwei of [1n, 40n, 400n]) {
        const baseFee = gwei * 10n ** 9n;
        await network.provider.send("hardhat_setNextBlockBaseFeePerGas", [ethers.toQuantity(baseFee)]);
        const receipt = await (await probe.probe(f.rebalancer)).wait();
        const block = receipt?.blockNumber ?? 0;
        const [event] = await probe.queryFilter(probe.filters.Probed, block, block);
        const now = BigInt((await ethers.provider.getBlock(block))?.timestamp ?? 0);
        const { snap, tokens } = await snapshot(c, now);
        snap.costs.gasTokenPriceWad = await f.oracles[1].price();
        snap.reward = reward;
        snap.basefeeWei = baseFee;
        const routes = await hopStates(c, tokens);
        const model = vm.rebalanceStatus(snap, routes.hops, routes.shortcut);
        const label = `premium ${reward.premiumBps} bp, cap ${reward.maxRewardBps} bp / ${reward.maxReward}, ${gwei} gwei`;
        expect(Number(event.args.status), `${label}: status`).to.equal(model.status);
        expect(model.cost, label).to.not.equal(undefined);
        expect([event.args.cost, event.args.benefit, event.args.worthIt], label).to.deep.equal([
          model.cost?.cost,
          model.cost?.benefit,
          model.cost?.worthIt,
        ]);
        // The premium is in: the same verdict without the reward costs less.
        const plain = vm.rebalanceStatus({ ...snap, reward: vm.REWARD_OFF }, routes.hops, routes.shortcut);
        if ((plain.cost?.cost ?? 0n) < event.args.cost) premiums++;
      }
    }
    expect(premiums).to.equal(rewards.length * 3);
  });

  it("prices swaps exactly as the pools do: the bigint port of UniswapV3Pool.swap equals QuoterV2 on every pool", async () => {
    const { market } = await loadFixture(investedAdminFixture);
    // Move prices so that the market's positions sit off-centre and big swaps cross their edges.
    await market.setFeedPrice("WETH", 3_450);
    await market.setFeedPrice("LINK", 12.5);
    await market.alignAllPools();
    let compared = 0;
    let crossing = 0;
    for (const pool of market.pools) {
      const state = await exactState(market, pool);
      for (const zeroForOne of [true, false]) {
        const tokenIn = zeroForOne ? pool.token0 : pool.token1;
        const tokenOut = zeroForOne ? pool.token1 : pool.token0;
        // $100, $100k and $5M of the input token (priced by its feed).
        const price = await market.feedPrice(tokenIn.symbol);
        for (const usd of [100, 100_000, 5_000_000]) {
          const amountIn = ethers.parseUnits((usd / price).toFixed(Math.min(tokenIn.decimals, 8)), tokenIn.decimals);
          const [quoted, , ticksCrossed] = await market.quoter.quoteExactInputSingle.staticCall({
            tokenIn: tokenIn.address,
            tokenOut: tokenOut.address,
            amountIn,
            fee: pool.fee,
            sqrtPriceLimitX96: 0,
          });
          const exact = exactInputSingle(state, zeroForOne, amountIn);
          expect(exact.amountOut, `${pool.key} ${zeroForOne ? "0->1" : "1->0"} $${usd}`).to.equal(quoted);
          compared++;
          if (ticksCrossed > 0n) crossing++;
        }
      }
    }
    expect(compared).to.equal(market.pools.length * 6);
    expect(crossing, "quotes that crossed an initialised tick").to.be.greaterThan(0);
  });
});

/** A pool's slot0, liquidity and initialised ticks (those of the market's positions), read on chain. */
async function exactState(market: LocalMarket, pool: MarketPool): Promise<ExactPoolState> {
  const [sqrtPriceX96, tick] = await pool.contract.slot0();
  const indices = new Set<number>();
  for (const id of pool.positionIds) {
    const position = await market.positionManager.positions(id);
    indices.add(Number(position.tickLower));
    indices.add(Number(position.tickUpper));
  }
  const ticks: { index: number; liquidityNet: bigint }[] = [];
  for (const index of indices) ticks.push({ index, liquidityNet: (await pool.contract.ticks(index)).liquidityNet });
  return {
    sqrtPriceX96,
    tick: Number(tick),
    liquidity: await pool.contract.liquidity(),
    feePips: pool.fee,
    tickSpacing: pool.tickSpacing,
    ticks,
  };
}
