/**
 * The cost model's Uniswap V3 math against closed forms: within one range of constant liquidity a
 * V3 pool is the constant product of its virtual reserves x = L / sqrtP, y = L sqrtP, so an exact
 * input dx (after the fee) returns y dx / (x + dx); a swap that crosses ranges is the sum of the
 * pieces, each range's part ending exactly at its edge. The bigint port of the pool's swap is held
 * to the floating-point model (QuoterV2 itself is compared in differential.test.ts, on chain).
 */
import { expect } from "chai";

import { getSqrtRatioAtTick } from "../../src/market/uniswapMath";
import { ConcentratedPool, exactInputSingle, LOCAL_MARKET_SHAPE, SimError, vaultModel } from "../../src/sim";
import type { ExactPoolState } from "../../src/sim";

const rel = (a: number, b: number) => Math.abs(a / b - 1);

describe("Uniswap V3 cost model", () => {
  describe("floating point, one range", () => {
    // A full-range pool: ETH at $3000, L = 1000 (virtual reserves 18.26 ETH and 54 772 USD).
    const price = 3000;
    const l = 1000;
    const full = () => ConcentratedPool.fromPositions(3_000, Math.sqrt(price), [{ lo: 0, hi: Infinity, l }]);

    it("sells token0 along the constant product of the virtual reserves, fee taken on the input", () => {
      const x = l / Math.sqrt(price);
      const y = l * Math.sqrt(price);
      const dx = 2;
      const net = dx * (1 - 0.003);
      const r = full().swap(true, dx);
      expect(rel(r.amountOut, (y * net) / (x + net))).to.be.below(1e-12);
      expect(rel(r.fee, dx * 0.003)).to.be.below(1e-12);
      // The price after is the ratio of the new reserves.
      expect(rel(r.sqrtPriceAfter ** 2, (y - r.amountOut) / (x + net))).to.be.below(1e-12);
    });

    it("buys token0 the same way in the other direction", () => {
      const x = l / Math.sqrt(price);
      const y = l * Math.sqrt(price);
      const dy = 10_000;
      const net = dy * (1 - 0.003);
      const r = full().swap(false, dy);
      expect(rel(r.amountOut, (x * net) / (y + net))).to.be.below(1e-12);
    });

    it("costs the fee plus impact ~ size / (2 depth) for a small trade", () => {
      // Value lost = fee + dx^2 / (x + dx) in token0's value: impact is quadratic in the size.
      const pool = full();
      const dx = 0.01;
      const r = pool.swap(true, dx);
      const lossUsd = dx * price - r.amountOut;
      const x = l / Math.sqrt(price);
      const expected = dx * price * 0.003 + ((dx * (1 - 0.003)) ** 2 / (x + dx * (1 - 0.003))) * price;
      expect(rel(lossUsd, expected)).to.be.below(1e-6);
    });
  });

  describe("floating point, across ranges", () => {
    it("crosses a range edge: the first piece ends exactly at the edge, liquidity changes there", () => {
      // L = 500 in [2700, 3300] on top of L = 100 everywhere: price 3000.
      const s = Math.sqrt(3000);
      const [lo, hi] = [Math.sqrt(2700), Math.sqrt(3300)];
      const pool = ConcentratedPool.fromPositions(500, s, [
        { lo, hi, l: 500 },
        { lo: 0, hi: Infinity, l: 100 },
      ]);
      const dx = 5; // more than the concentrated range holds below the price
      const r = pool.swap(true, dx);
      const net = dx * (1 - 0.0005);
      // Piece 1: L = 600 from s down to lo.
      const in1 = 600 * (1 / lo - 1 / s);
      const out1 = 600 * (s - lo);
      // Piece 2: L = 100 from lo, with the rest.
      const rest = net - in1;
      const next = (100 * lo) / (100 + rest * lo);
      const out2 = 100 * (lo - next);
      expect(in1).to.be.below(net);
      expect(rel(r.amountOut, out1 + out2)).to.be.below(1e-12);
      expect(r.crossed).to.equal(1);
      expect(rel(r.sqrtPriceAfter, next)).to.be.below(1e-12);
    });

    it("places the local market's shape: $depth split 50/30/20 over +-10%, +-50% and the full range", () => {
      const pool = ConcentratedPool.fromShape(3_000, 3000, 3000, 1, 10_000_000, LOCAL_MARKET_SHAPE);
      // The in-range liquidity is the sum of the three positions' L; a $1k trade is nearly free of impact.
      const r = pool.swap(false, 1_000);
      const lossBps = ((1_000 - r.amountOut * 3000) / 1_000) * 10_000;
      expect(lossBps).to.be.within(30, 30.2); // the 30 bp fee and ~0.1 bp of impact
      // A $4M buy takes all the ETH the +-10% range holds above the price (about $2.5M) and goes on.
      const big = ConcentratedPool.fromShape(3_000, 3000, 3000, 1, 10_000_000, LOCAL_MARKET_SHAPE).swap(
        false,
        4_000_000,
      );
      expect(big.crossed).to.be.greaterThan(0);
      expect(big.sqrtPriceAfter ** 2).to.be.above(3000 * 1.1);
    });

    it("refuses a negative or infinite amount", () => {
      const pool = ConcentratedPool.fromShape(500, 1, 1, 1, 1e6);
      expect(() => pool.swap(true, -1)).to.throw(SimError);
      expect(() => pool.swap(true, Infinity)).to.throw(SimError);
      expect(() => ConcentratedPool.fromShape(400, 1, 1, 1, 1e6)).to.throw(SimError, /not a Uniswap V3 tier/);
    });
  });

  describe("bigint port of the pool's swap", () => {
    // Raw units, both tokens 18 decimals, price 1.0001^tick. Positions on tick-spacing multiples.
    const spacing = 60;
    const positions = [
      { lower: -1_020, upper: 960, liquidity: 5n * 10n ** 21n },
      { lower: -6_960, upper: 4_020, liquidity: 10n ** 21n },
      { lower: -887_220, upper: 887_220, liquidity: 2n * 10n ** 20n },
    ];
    const state: ExactPoolState = {
      sqrtPriceX96: getSqrtRatioAtTick(30) + 12_345n, // inside tick 30
      tick: 30,
      liquidity: positions.reduce((sum, p) => sum + p.liquidity, 0n),
      feePips: 3_000,
      tickSpacing: spacing,
      ticks: positions.flatMap((p) => [
        { index: p.lower, liquidityNet: p.liquidity },
        { index: p.upper, liquidityNet: -p.liquidity },
      ]),
    };
    const sqrtOf = (tick: number) => Math.sqrt(1.0001 ** tick);
    const float = () =>
      ConcentratedPool.fromPositions(
        3_000,
        Number(state.sqrtPriceX96) / 2 ** 96,
        positions.map((p) => ({ lo: sqrtOf(p.lower), hi: sqrtOf(p.upper), l: Number(p.liquidity) })),
      );

    for (const [label, zeroForOne, amount] of [
      ["small sell of token0", true, 10n ** 18n],
      ["sell of token0 across the inner range", true, 10n ** 22n],
      ["buy of token0 across two ranges", false, 10n ** 23n],
    ] as const) {
      it(`matches the floating-point model to 1e-9: ${label}`, () => {
        const exact = exactInputSingle(state, zeroForOne, amount);
        const approx = float().swap(zeroForOne, Number(amount));
        expect(exact.amountIn).to.equal(amount);
        expect(rel(Number(exact.amountOut), approx.amountOut)).to.be.below(1e-9);
        expect(rel(Number(exact.sqrtPriceX96After) / 2 ** 96, approx.sqrtPriceAfter)).to.be.below(1e-9);
      });
    }

    it("rounds against the trader: output never above the real-valued constant product", () => {
      const x = 10n ** 15n;
      const exact = exactInputSingle(state, true, x);
      const sqrtP = Number(state.sqrtPriceX96) / 2 ** 96;
      const l = Number(state.liquidity);
      const net = Number(x) * (1 - 0.003);
      const ideal = (l * sqrtP * net) / (l / sqrtP + net);
      expect(Number(exact.amountOut)).to.be.at.most(ideal);
      expect(ideal - Number(exact.amountOut)).to.be.below(ideal * 1e-12 + 2);
    });

    it("agrees with BallastPolicy's in-range estimate while the price stays in range, and beats it once liquidity thins", () => {
      // The contract's cost estimate trades against the in-range liquidity only: exact in range...
      const hop = { sqrtPriceX96: state.sqrtPriceX96, liquidity: state.liquidity, feePips: 3_000, zeroForOne: true };
      const small = 10n ** 18n;
      const estimate = vaultModel.estimateOut([hop], small);
      const exact = exactInputSingle(state, true, small).amountOut;
      expect(estimate - exact).to.be.within(-2n, 2n);
      // ...and an estimate beyond it: past the inner range liquidity falls, so the pool pays less.
      const big = 10n ** 23n;
      expect(exactInputSingle(state, true, big).amountOut).to.be.below(vaultModel.estimateOut([hop], big));
    });
  });

  describe("the cost gate's arithmetic (BallastPolicy.assessCost)", () => {
    it("prices gas at the base fee through the gas token, rounded up, and applies the ratio rule", () => {
      const costs: vaultModel.CostParams = {
        benefitPerBpWad: 10n ** 12n,
        maxCostRatioBps: 10_000n,
        gasBase: 150_000n,
        gasPerHop: 100_000n,
        gasTokenPriceWad: 3_000n * 10n ** 18n,
      };
      // No trades: gas only, 150k gas at 20 gwei and $3000 = $9.00 exactly, in 6-decimal USDC.
      const question = {
        nav: 10n ** 12n,
        driftRemovedBps: 100n,
        basePriceWad: 10n ** 18n,
        baseUnit: 10n ** 6n,
        trades: [],
        basefeeWei: 20n * 10n ** 9n,
      };
      const noTrade = vaultModel.assessCost(costs, question);
      expect(noTrade.cost).to.equal(9_000_000n);
      // Benefit: $1M x 100 bps x 1e-6 = $100; 9 <= 100 x 1.
      expect(noTrade.benefit).to.equal(100_000_000n);
      expect(noTrade.worthIt).to.equal(true);
      const small = vaultModel.assessCost(costs, { ...question, nav: 10n ** 10n });
      expect(small.benefit).to.equal(1_000_000n); // $1 of benefit on $10k: not worth $9 of gas
      expect(small.worthIt).to.equal(false);
    });
  });
});
