/**
 * The vault model's pieces on hand-checked cases (the differential test holds the whole to the
 * contracts on random states; these pin the rules one by one, with the arithmetic in comments).
 */
import { expect } from "chai";

import { roundsAt, samplesSince, SimError, vaultModel as vm } from "../../src/sim";
import type { RoundHistory } from "../../src/sim";

const WAD = 10n ** 18n;
const USDC = 10n ** 6n;

/** USDC base at $1 and two 18-decimal assets at $100 and $10. */
function valuation(balancesUsd: number[], targets: number[]): vm.Valuation {
  const prices = [WAD, 100n * WAD, 10n * WAD];
  const units = [USDC, WAD, WAD];
  const balances = [
    BigInt(balancesUsd[0]) * USDC,
    (BigInt(balancesUsd[1]) * WAD) / 100n,
    (BigInt(balancesUsd[2]) * WAD) / 10n,
  ];
  return vm.valuationAt(balances, prices, units, targets.map(BigInt));
}

const PARAMS: vm.RebalanceParams = {
  slippageBps: 100n,
  maxTradeBps: 10_000n,
  maxLossBps: 100n,
  minTradeValue: 10n * USDC,
  maxPoolGapBps: 5n,
};

describe("vault model (contract rules)", () => {
  it("values balances and measures drift as VaultLogic does (weights floored to whole bps)", () => {
    const v = valuation([50_000, 600_000, 350_000], [500, 6_000, 3_500]);
    expect(v.nav).to.equal(1_000_000n * USDC);
    expect(v.values).to.deep.equal([50_000n * USDC, 600_000n * USDC, 350_000n * USDC]);
    expect(vm.maxDrift(v)).to.equal(0n);
    // 6_543.21 bps floors to 6_543 (drift 543), 2_956.79 to 2_956 (drift 544): the floor adds up to 1 bp.
    const w = valuation([50_000, 654_321, 295_679], [500, 6_000, 3_500]);
    expect(vm.maxDrift(w)).to.equal(544n);
  });

  it("plans sells down to target + band and buys up to target - band, funded by the sells", () => {
    // NAV $1M; asset 1 at 66% (target 60%), asset 2 at 29% (target 35%), base 5%; band 100 bps.
    const v = valuation([50_000, 660_000, 290_000], [500, 6_000, 3_500]);
    const pl = vm.plan(v, PARAMS, 100n);
    expect(pl.sells[1]).to.equal((660_000n - 610_000n) * USDC); // down to 61%
    expect(pl.buys[2]).to.equal((340_000n - 290_000n) * USDC); // up to 34%
    expect(pl.sells[2]).to.equal(0n);
    // Total drift before: 600 + 600 + 0; after: 100 + 100 + 0.
    expect(pl.driftRemovedBps).to.equal(1_000n);
  });

  it("caps each trade at maxTradeBps of NAV and skips trades below minTradeValue", () => {
    const v = valuation([50_000, 660_000, 290_000], [500, 6_000, 3_500]);
    const capped = vm.plan(v, { ...PARAMS, maxTradeBps: 200n }, 0n);
    expect(capped.sells[1]).to.equal(20_000n * USDC); // 2% of $1M
    expect(capped.buys[2]).to.equal(20_000n * USDC);
    const dusty = vm.plan(v, { ...PARAMS, minTradeValue: 60_001n * USDC }, 0n);
    expect(dusty.sells[1]).to.equal(0n);
    expect(dusty.buys[2]).to.equal(0n);
  });

  it("sells a retiring asset (target 0) entirely, whatever the band", () => {
    const v = valuation([50_000, 900_000, 50_000], [500, 9_500, 0]);
    const pl = vm.plan(v, PARAMS, 300n);
    expect(pl.sells[2]).to.equal(50_000n * USDC);
    expect(vm.sellAmount(v, 2, pl.sells[2])).to.equal(v.balances[2]); // the whole balance, not a rounded amount
  });

  it("scales buys down alike when the base above its target cannot fund them (rounded down)", () => {
    // Sells and the base above target fund the buys exactly unless a sell is capped: base 4%
    // (target 5%), asset 2 at 45% (target 35%) sells only 2% under a 2% cap, so $10k is there for
    // the $20k (also capped) asset 1 wants: the buy is scaled to half.
    const v = valuation([40_000, 510_000, 450_000], [500, 6_000, 3_500]);
    const pl = vm.plan(v, { ...PARAMS, maxTradeBps: 200n }, 0n);
    expect(pl.sells[2]).to.equal(20_000n * USDC);
    expect(pl.buys[1]).to.equal(10_000n * USDC);
    // Execution scales again on the base the sells actually fetched ($19.9k after costs).
    const spends = vm.executionSpends(v, pl, PARAMS, 40_000n * USDC + 19_900n * USDC);
    expect(spends[1]).to.equal(9_900n * USDC);
    // $50k available, $60k wanted: each buy scaled by 5/6, rounded down.
    expect(vm.scaled(30_000n * USDC, 50_000n * USDC, 60_000n * USDC)).to.equal(25_000n * USDC);
    expect(vm.scaled(7n, 2n, 3n)).to.equal(4n);
  });

  it("caps the target band at effectiveTriggerBand / (2 (n - 1))", () => {
    expect(vm.usableBand(100n, 400n, 4)).to.equal(66n);
    expect(vm.usableBand(50n, 400n, 4)).to.equal(50n);
    expect(vm.usableBand(300n, 400n, 2)).to.equal(200n);
  });

  it("evaluates cooldown, trigger and calendar in the contract's order", () => {
    const t: vm.TriggerParams = { triggerBandBps: 200n, targetBandBps: 50n, cooldown: 600n, calendarInterval: 86_400n };
    expect(vm.evaluate(t, 200n, 1_000n, 1_599n, 999n).status).to.equal(vm.Status.Cooldown);
    expect(vm.evaluate(t, 200n, 1_000n, 1_600n, 200n).status).to.equal(vm.Status.Due);
    expect(vm.evaluate(t, 200n, 1_000n, 1_600n, 199n).status).to.equal(vm.Status.NotDue);
    expect(vm.evaluate(t, 200n, 1_000n, 87_400n, 51n).status).to.equal(vm.Status.DueByCalendar);
    // The calendar never trades drift the target band would leave alone.
    expect(vm.evaluate(t, 200n, 1_000n, 87_400n, 50n).status).to.equal(vm.Status.NotDue);
  });

  describe("volatility scaling", () => {
    const t: vm.TriggerParams = { triggerBandBps: 300n, targetBandBps: 50n, cooldown: 0n, calendarInterval: 0n };
    const vol: vm.VolatilityParams = {
      referenceVolBps: 6_000n,
      minBandBps: 150n,
      maxBandBps: 900n,
      averagingTime: 86_400n,
      minObservationInterval: 3_600n,
    };
    const reference = vm.referenceVariance(vol); // 0.36 WAD

    it("computes the integer cube root exactly (rounded down), as BallastPolicy._cbrt", () => {
      for (const x of [
        0n,
        1n,
        7n,
        8n,
        26n,
        27n,
        10n ** 54n,
        10n ** 54n - 1n,
        123_456_789_012_345_678_901_234_567_890n,
      ]) {
        const y = vm.cbrt(x);
        expect(y ** 3n <= x && (y + 1n) ** 3n > x, `cbrt(${x}) = ${y}`).to.equal(true);
      }
    });

    it("starts at the reference (band = trigger band) and follows (variance / reference)^(1/3) within floor and cap", () => {
      expect(vm.effectiveTriggerBand(t, vol, [0n, reference])).to.equal(300n);
      // 8x the variance: 2x the band.
      expect(vm.effectiveTriggerBand(t, vol, [0n, 8n * reference])).to.equal(600n);
      expect(vm.effectiveTriggerBand(t, vol, [0n, 1_000n * reference])).to.equal(900n);
      expect(vm.effectiveTriggerBand(t, vol, [0n, reference / 1_000n])).to.equal(150n);
      expect(vm.effectiveTriggerBand(t, vm.VOLATILITY_OFF, [0n, 8n * reference])).to.equal(300n);
    });

    it("starts from one averaging time of the feeds' history, then folds each change with weight dt / (dt + averagingTime)", () => {
      const eth: RoundHistory = { updatedAt: [], answers: [] };
      const usdc: RoundHistory = { updatedAt: [1_000n], answers: [WAD] };
      const publish = (at: bigint, usd: bigint) => {
        eth.updatedAt.push(at);
        eth.answers.push(usd * WAD);
      };
      let now = 0n;
      const read: vm.HistoryReader = (i, fromRound, since) => {
        const h = i === 0 ? usdc : eth;
        return samplesSince(h, roundsAt(h, now), fromRound, since, vm.HISTORY_SAMPLES);
      };
      const state = vm.emptyVolatilityState();
      publish(1_000n, 3_000n);
      publish(1_000n + 43_200n, 3_150n); // +5% in half a day
      now = 1_000n + 86_400n;
      expect(vm.observe(state, vol, 2, read, now)).to.equal(true);
      const sq = (a: bigint, b: bigint) => {
        const r = ((b > a ? b - a : a - b) * WAD) / a;
        return (r * r) / WAD;
      };
      // Over the seconds from the first round to now.
      const first = (sq(3_000n, 3_150n) * vm.YEAR) / 86_400n;
      expect(state.variances).to.deep.equal([0n, first]);
      // Within minObservationInterval: nothing taken, and the view judges by what is stored.
      const observedAt = now;
      publish(now + 600n, 4_000n);
      now = observedAt + 3_599n;
      expect(vm.observe(state, vol, 2, read, now)).to.equal(false);
      expect(vm.currentVariances(state, vol, 2, read, now)).to.equal(state.variances);
      // An hour on: the change since the last round observed, over its own 12 hours and 10 minutes.
      const dt = 43_200n + 600n;
      const sample = (sq(3_150n, 4_000n) * vm.YEAR) / dt;
      const tau = vol.averagingTime;
      now = observedAt + 3_600n;
      expect(vm.currentVariances(state, vol, 2, read, now)).to.deep.equal([
        0n,
        first + ((sample - first) * dt) / (dt + tau),
      ]);
      // No history (an oracle without one): a fresh estimate is the reference.
      const none = vm.emptyVolatilityState();
      expect(vm.observe(none, vol, 2, () => undefined, now)).to.equal(true);
      expect(none.variances).to.deep.equal([0n, reference]);
    });
  });

  it("refuses parameters the contracts refuse", () => {
    expect(() =>
      vm.checkTriggers({ triggerBandBps: 100n, targetBandBps: 100n, cooldown: 0n, calendarInterval: 0n }),
    ).to.throw(SimError, /targetBandBps/);
    expect(() =>
      vm.checkTriggers({ triggerBandBps: 0n, targetBandBps: 0n, cooldown: 0n, calendarInterval: 0n }),
    ).to.throw(SimError, /triggerBandBps/);
    expect(() =>
      vm.checkTriggers({ triggerBandBps: 100n, targetBandBps: 0n, cooldown: 600n, calendarInterval: 60n }),
    ).to.throw(SimError, /calendarInterval/);
    expect(() => vm.checkRebalanceParams({ ...PARAMS, maxTradeBps: 99n })).to.throw(SimError, /maxTradeBps/);
    expect(() => vm.checkVolatility({ ...vm.VOLATILITY_OFF, minBandBps: 1n })).to.throw(SimError, /minBandBps/);
    expect(() => vm.mulDiv(1n, 1n, 0n)).to.throw(SimError, /division by zero/);
  });

  it("reports the status rebalanceStatus() would: due with a plan, uneconomic when the gate says so", () => {
    const v = valuation([50_000, 660_000, 290_000], [500, 6_000, 3_500]);
    const snap: vm.VaultSnapshot = {
      balances: v.balances,
      pricesWad: v.prices,
      units: v.units,
      targets: v.targets,
      params: PARAMS,
      triggers: { triggerBandBps: 400n, targetBandBps: 100n, cooldown: 0n, calendarInterval: 0n },
      volatility: vm.VOLATILITY_OFF,
      variances: [],
      costs: vm.COSTS_OFF,
      lastRebalance: 1n,
      now: 2n,
    };
    const due = vm.rebalanceStatus(snap);
    expect(due.status).to.equal(vm.Status.Due);
    expect(due.driftBps).to.equal(600n);
    expect(due.targetBandBps).to.equal(100n); // 400 / (2 x 2) = 100: not capped
    expect(due.plan?.sells[1]).to.equal(50_000n * USDC);
    // A gate that prices the drift removed at nothing refuses any cost: a pool with a 1% fee costs something.
    const hop: vm.HopState = { sqrtPriceX96: 1n << 96n, liquidity: 10n ** 24n, feePips: 10_000, zeroForOne: true };
    const gated = vm.rebalanceStatus({ ...snap, costs: { ...vm.COSTS_OFF, maxCostRatioBps: 10_000n } }, () => [hop]);
    expect(gated.status).to.equal(vm.Status.Uneconomic);
    expect(gated.cost?.cost).to.be.greaterThan(0n);
  });
});
