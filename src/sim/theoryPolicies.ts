/**
 * The policies the vault is measured against, none of them on chain: buy-and-hold, the ideal band
 * of the theory (each asset traded back to the edge of its band at every step, no cooldown, no
 * cap; test/sim/theory.test.ts holds it to the closed forms) and a constant-mix AMM.
 */
import { checkNumber, SimError } from "./errors";
import type { AmmSpec, IdealBandSpec } from "./policies";
import { markToMarket } from "./tracking";
import type { PolicyRun } from "./tracking";

// --- Buy and hold -----------------------------------------------------------------------------

export function runHold({ path, initial, tracker, tick }: PolicyRun): Float64Array {
  const values = new Float64Array(path.width);
  for (let t = 0; t < path.steps; t++) {
    tick?.(t);
    tracker.record(t, values, markToMarket(initial, path.prices, t * path.width, values));
  }
  return values;
}

// --- The ideal band (theory) ------------------------------------------------------------------

export function runIdealBand(run: PolicyRun, spec: IdealBandSpec): Float64Array {
  const { path, market, targets, initial, tracker, state, tick } = run;
  const w = path.width;
  const p = path.prices;
  const band = checkNumber(`${spec.name} bandBps`, spec.bandBps, 0.01, 5_000) / 10_000;
  const bal = Float64Array.from(initial);
  const values = new Float64Array(w);
  for (let t = 0; t < path.steps; t++) {
    tick?.(t);
    const row = t * w;
    let nav = markToMarket(bal, p, row, values);
    let aligned = false;
    let legs = 0;
    let hops = 0;
    for (let i = 1; i < w; i++) {
      const d = values[i] / nav - targets[i];
      if (Math.abs(d) <= band) continue;
      if (!aligned) {
        market.align(t);
        aligned = true;
      }
      // Back to the nearest edge of the band, against the base.
      const valueUsd = (Math.abs(d) - band) * nav;
      const sell = d > 0;
      const r = market.swap(i, sell, sell ? valueUsd / p[row + i] : valueUsd / p[row], t);
      if (sell) {
        bal[i] -= valueUsd / p[row + i];
        bal[0] += r.amountOut;
      } else {
        bal[0] -= valueUsd / p[row];
        bal[i] += r.amountOut;
      }
      state.costs.feesUsd += r.feeUsd;
      state.costs.impactUsd += r.valueInUsd - r.valueOutUsd - r.feeUsd;
      hops += r.hops;
      state.turnover += valueUsd / nav;
      state.tradedUsd += valueUsd;
      state.swaps++;
      legs++;
    }
    if (legs > 0) {
      // One transaction per step's trades, priced as a rebalance of as many legs.
      const gasUsd = market.gasUsd(legs, hops, t);
      state.costs.gasUsd += gasUsd;
      state.keeperGasUsd += gasUsd;
      bal[0] -= gasUsd / p[row];
      state.rebalances++;
      nav = markToMarket(bal, p, row, values);
    }
    tracker.record(t, values, nav);
  }
  return values;
}
// --- Constant-mix AMM -------------------------------------------------------------------------

/**
 * A Balancer-style weighted pool holding the basket at the target weights (invariant
 * prod_i B_i^{w_i}), rebalanced only by arbitrageurs. At each step, for each asset against the
 * base, an arbitrageur trades while the pool's marginal price net of the fee beats the market:
 * exactly to the edge of the no-arbitrage band [m (1 - f), m / (1 - f)]. For a pair with weights
 * w_i, w_0 the trade is closed-form: selling asset i with net input A, the spot price moves by
 * (B_i / (B_i + A))^{(w_i + w_0) / w_0}. Fees stay in the pool. What the pool gives up against
 * market prices before fees is the LVR; the fees are its income.
 */
export function runAmm(run: PolicyRun, spec: AmmSpec): Float64Array {
  const { path, targets, initial, tracker, state, tick } = run;
  const w = path.width;
  const p = path.prices;
  const f = checkNumber(`${spec.name} feePips`, spec.feePips, 0, 99_999) / 1e6;
  const minProfit = checkNumber(`${spec.name} minProfitUsd`, spec.minProfitUsd ?? 0, 0, 1e12);
  if (targets[0] <= 0)
    throw new SimError(`${spec.name}: a weighted pool arbitraged against the base needs a base weight > 0`);
  for (let i = 1; i < w; i++) {
    if (targets[i] <= 0)
      throw new SimError(`${spec.name}: every pool weight must be > 0 (asset ${path.symbols[i]} has 0)`);
  }
  const b = Float64Array.from(initial);
  const values = new Float64Array(w);
  const w0 = targets[0];
  for (let t = 0; t < path.steps; t++) {
    tick?.(t);
    const row = t * w;
    const p0 = p[row];
    let traded = false;
    for (let i = 1; i < w; i++) {
      const wi = targets[i];
      const m = p[row + i] / p0; // market price of asset i in the base
      const spot = b[0] / w0 / (b[i] / wi);
      if (spot * (1 - f) > m) {
        // Pool pays too much for asset i: the arbitrageur sells it asset i.
        const rho = Math.pow(m / ((1 - f) * spot), w0 / (wi + w0));
        const netIn = b[i] * (1 / rho - 1);
        const grossIn = netIn / (1 - f);
        const out = b[0] * (1 - Math.pow(rho, wi / w0));
        const profit = out * p0 - grossIn * p[row + i];
        if (profit < minProfit) continue;
        b[i] += grossIn;
        b[0] -= out;
        state.costs.lvrUsd += out * p0 - netIn * p[row + i];
        state.costs.feesUsd -= (grossIn - netIn) * p[row + i];
        state.turnover += (grossIn * p[row + i]) / markToMarket(b, p, row, values);
        state.tradedUsd += grossIn * p[row + i];
        state.swaps++;
        traded = true;
      } else if (spot < m * (1 - f)) {
        // Pool sells asset i too cheaply: the arbitrageur buys it with the base.
        const rho = Math.pow(spot / (m * (1 - f)), wi / (w0 + wi));
        const netIn = b[0] * (1 / rho - 1);
        const grossIn = netIn / (1 - f);
        const out = b[i] * (1 - Math.pow(rho, w0 / wi));
        const profit = out * p[row + i] - grossIn * p0;
        if (profit < minProfit) continue;
        b[0] += grossIn;
        b[i] -= out;
        state.costs.lvrUsd += out * p[row + i] - netIn * p0;
        state.costs.feesUsd -= (grossIn - netIn) * p0;
        state.turnover += (out * p[row + i]) / markToMarket(b, p, row, values);
        state.tradedUsd += out * p[row + i];
        state.swaps++;
        traded = true;
      }
    }
    if (traded) state.rebalances++;
    tracker.record(t, values, markToMarket(b, p, row, values));
  }
  return values;
}
