/**
 * What the lab models so that it does what `npm start`'s chain does on the same path (issue 17,
 * test/demo/parity.test.ts holds the two together): the on-chain planner's shortcuts, the
 * breakers' move window and their gas, liquidity providers re-centring at the value they hold, and
 * the backtest's flags that describe npm start's vault and market.
 */
import { expect } from "chai";

import {
  DEFAULT_GAS,
  MEASURED_BREAKERS_GAS,
  MEASURED_GAS,
  parsePools,
  parseRoutes,
  presetPolicy,
  RECOMMENDED_GATE,
  RECOMMENDED_MOVE_BREAKER,
  RECOMMENDED_REWARD,
  rebalanceGasUnits,
  SimError,
  SimMarket,
  simulate,
} from "../../src/sim";
import type { PricePath, RebalanceEvent, VaultPolicySpec } from "../../src/sim";
import { RECOMMENDED_BREAKERS, RECOMMENDED_COSTS, recommendedReward } from "../../src/vault";

/** A path of `rows` (USD prices, base first) `stepSeconds` apart. */
function pathOf(symbols: string[], rows: number[][], stepSeconds: number): PricePath {
  return {
    symbols,
    decimals: symbols.map((s) => ({ USDC: 6, WBTC: 8 })[s] ?? 18),
    times: Float64Array.from(rows, (_, t) => t * stepSeconds),
    prices: Float64Array.from(rows.flat()),
    steps: rows.length,
    width: symbols.length,
    source: "test",
  };
}

const full100: VaultPolicySpec = { kind: "vault", name: "full-100", triggerBandBps: 100, targetBandBps: 0 };

describe("the lab as npm start's chain", () => {
  it("executes BallastPlanner's shortcuts: a sale and a purchase whose routes meet trade directly", () => {
    // WBTC routes through WETH; WBTC up 8% and WETH down 8%: the sale of WBTC buys WETH in one hop.
    const path = pathOf(
      ["USDC", "WETH", "WBTC"],
      [
        [1, 3_000, 60_000],
        [1, 2_760, 64_800],
      ],
      3_600,
    );
    const run = (routes?: Record<string, string[]>) => {
      const events: RebalanceEvent[] = [];
      const r = simulate({
        path,
        targetsBps: [500, 4_750, 4_750],
        navUsd: 1e6,
        policy: full100,
        market: { feePips: 500, ...(routes ? { routes } : {}), gas: { baseFeeGwei: 10 } },
        onRebalance: (e) => events.push(e),
      });
      return { r, legs: events.flatMap((e) => e.legs) };
    };
    const hub = run({ WBTC: ["WBTC", "WETH", "USDC"] });
    expect(hub.r.rebalances).to.equal(1);
    const direct = hub.legs.find((l) => l.from === 2 && l.to === 1);
    expect(direct, "WBTC -> WETH").to.not.equal(undefined);
    expect(direct!.hops).to.equal(1);
    // Without the hub, the two trade through the base: two legs, and more fees.
    const apart = run();
    expect(apart.legs.map((l) => [l.from, l.to])).to.deep.include.members([
      [2, 0],
      [0, 1],
    ]);
    expect(hub.r.costs.feesUsd).to.be.below(apart.r.costs.feesUsd);
  });

  describe("the breakers' move window", () => {
    // A 35% crash of both assets at row `at`: past the 20% an hour of RECOMMENDED_BREAKERS.
    const crash = (stepSeconds: number, at: number) =>
      pathOf(
        ["USDC", "WETH", "LINK"],
        Array.from({ length: at + 4 }, (_, t) => (t < at ? [1, 3_000, 15] : [1, 1_950, 9.75])),
        stepSeconds,
      );
    const run = (stepSeconds: number, at: number, breakers: boolean) => {
      const rows: number[] = [];
      const r = simulate({
        path: crash(stepSeconds, at),
        targetsBps: [500, 4_750, 4_750],
        navUsd: 1e6,
        policy: { ...full100, ...(breakers ? { breakers: RECOMMENDED_MOVE_BREAKER } : {}) },
        market: { gas: { baseFeeGwei: 10 } },
        onRebalance: (e) => rows.push(e.row),
      });
      return { r, rows };
    };

    it("the crash's due rebalance records a trip and trades nothing; the keeper pays its gas", () => {
      const off = run(3 * 3_600, 1, false);
      expect(off.rows).to.deep.equal([1]);
      expect(off.r.breakerTrips).to.equal(0);
      const on = run(3 * 3_600, 1, true);
      expect(on.r.breakerTrips).to.equal(1);
      // Three hours on, the move is out of the window: the next due check trades.
      expect(on.rows).to.deep.equal([2]);
      const trip = MEASURED_BREAKERS_GAS.trip.fixed + MEASURED_BREAKERS_GAS.trip.perAsset * 3;
      expect(on.r.runningCost.otherGasUsd).to.be.closeTo(trip * 10e-9 * 1_950, 1e-9);
      expect(on.r.runningCost.paidByVaultUsd).to.be.above(0);
    });

    it("halts for the cooldown, then while the move is in the window", () => {
      // Rows 30 minutes apart, the crash at 1:30 (the feeds' history reaches an hour back from
      // then): tripped at 1:30, held until 2:30; from then the crash is the price an hour ago.
      const on = run(1_800, 3, true);
      expect(on.r.breakerTrips).to.equal(1);
      expect(on.rows).to.deep.equal([5]);
      // Before any history reaches an hour back, no move can be measured: as on chain, no trip.
      expect(run(1_800, 1, true).r.breakerTrips).to.equal(0);
    });

    it("costs each rebalance the breakers' checks (src/sim/breakersGas.json)", () => {
      const parts = { gate: true, reward: true };
      const plain = rebalanceGasUnits(MEASURED_GAS, 5, 4, 5, parts);
      const guarded = rebalanceGasUnits(MEASURED_GAS, 5, 4, 5, { ...parts, breakers: true });
      expect(guarded - plain).to.equal(
        MEASURED_BREAKERS_GAS.breakers.fixed + 5 * MEASURED_BREAKERS_GAS.breakers.perAsset,
      );
      expect(DEFAULT_GAS.breakers).to.deep.equal(MEASURED_BREAKERS_GAS.breakers);
    });
  });

  it("liquidity providers who re-centre at the value they hold leave a pool shallower after a fall", () => {
    // UNI -5% (inside its +-10% range: nothing moves), then -40% (re-centred, at what the LP holds).
    const path = pathOf(
      ["USDC", "UNI"],
      [
        [1, 8],
        [1, 7.6],
        [1, 4.8],
      ],
      3_600,
    );
    const impactAt = (row: number, market: SimMarket) => {
      for (let t = 0; t <= row; t++) market.follow(t);
      market.align(row);
      const r = market.swap(1, false, 10_000, row);
      return r.valueInUsd - r.valueOutUsd - r.feeUsd;
    };
    const model = { feePips: 3_000, depthUsd: 8e6 };
    const following = new SimMarket({ ...model, recenterThreshold: 0.1 }, path);
    const fullDepth = () => new SimMarket(model, path);
    expect(impactAt(1, following) / impactAt(1, fullDepth()) - 1).to.be.within(-0.06, 0.06);
    expect(following.recenters).to.equal(0);
    const deep = impactAt(2, fullDepth());
    const shallow = impactAt(2, new SimMarket({ ...model, recenterThreshold: 0.1 }, path));
    expect(shallow / deep).to.be.above(1.2);
  });

  describe("the backtest's description of npm start's vault and market", () => {
    it("parses --pools and --routes, refusing what is not a pool or a route", () => {
      expect(parsePools("WETH/USDC:500:60000000, WBTC/WETH:500:4e7")).to.deep.equal([
        { tokenA: "WETH", tokenB: "USDC", feePips: 500, depthUsd: 60e6 },
        { tokenA: "WBTC", tokenB: "WETH", feePips: 500, depthUsd: 40e6 },
      ]);
      expect(() => parsePools("WETH/USDC:600:1")).to.throw(SimError, /not a Uniswap V3 tier/);
      expect(() => parsePools("WETH-USDC")).to.throw(SimError, /A\/B:fee:depthUsd/);
      expect(parseRoutes("WBTC/WETH/USDC")).to.deep.equal({ WBTC: ["WBTC", "WETH", "USDC"] });
      expect(() => parseRoutes("WBTC")).to.throw(SimError, /ASSET\/...\/BASE/);
      expect(() => parseRoutes("WBTC/WETH/USDC,WBTC/USDC")).to.throw(SimError, /two routes/);
    });

    it("has the vault-T-B preset and src/vault's recommended gate, reward and breakers", () => {
      const ctx = { assets: 5, referenceVolBps: 6_000 };
      expect(presetPolicy("vault-200-25", ctx)).to.deep.include({ triggerBandBps: 200, targetBandBps: 25 });
      expect(() => presetPolicy("vault-200-200", ctx)).to.throw(SimError, /target band/);
      expect(RECOMMENDED_GATE).to.deep.equal({
        benefitPerBpWad: RECOMMENDED_COSTS.benefitPerBpWad,
        maxCostRatioBps: RECOMMENDED_COSTS.maxCostRatioBps,
      });
      const reward = recommendedReward(6);
      expect(RECOMMENDED_REWARD).to.deep.equal({
        premiumBps: Number(reward.premiumBps),
        maxRewardBps: Number(reward.maxRewardBps),
        maxRewardTokens: Number(BigInt(reward.maxReward) / 10n ** 6n),
      });
      expect(RECOMMENDED_MOVE_BREAKER).to.deep.equal({
        maxMoveBps: Number(RECOMMENDED_BREAKERS.maxMoveBps),
        moveWindow: Number(RECOMMENDED_BREAKERS.moveWindow),
        cooldown: Number(RECOMMENDED_BREAKERS.cooldown),
      });
    });
  });
});
