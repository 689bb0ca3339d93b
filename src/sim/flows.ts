/**
 * Depositors' flows in the lab: the entries and exits a flows CSV lists (src/sim/csv.ts; `npm start`
 * writes one), applied to the vault's balances at their times as BallastVault applies them:
 *
 * - a deposit (or mint) pays its base asset into the base balance;
 * - an exit in the base asset (redeem, withdraw) is paid from the base balance and, beyond it, from
 *   pro-rata slices of the other assets (VaultLogic.exitSlices' split by value, without its dust
 *   floor), sold by the vault for the leaver: the slices' pool costs are the leaver's (it gets what
 *   they fetch), so the lab takes the slices out at the oracle and books no cost to the vault; the
 *   arbitrageur of `npm start` puts the pools back as the lab's pools never moved;
 * - an exit in kind takes its pro-rata part of every balance.
 *
 * What the vault charged each flow (its entry and exit prices' flow cost and fee, which stay with
 * the holders) is the CSV's `charge`: the lab applies the recorded charge rather than re-deriving
 * the swing price from its own pools (it has no model of VaultLogic.flowCost's pool reads). The
 * lab prices its own shares (NAV / supply) so that returns and the premium are per share, as the
 * chain's are.
 */
import type { Flow } from "./csv";
import { SimError } from "./errors";
import type { SimMarket } from "./market";
import type { PricePath } from "./paths";

/** What a run's flows added up to, in USD at the path's prices. */
export interface FlowTotals {
  /** Flows applied. */
  count: number;
  /** Paid in by deposits. */
  inUsd: number;
  /** Taken out by exits (base and in kind), after their charges. */
  outUsd: number;
  /** What the vault charged them: the holders' income from flows. */
  chargesUsd: number;
}

/** The flows of each row of a path: those at or after its time and before the next row's. */
export class FlowSchedule {
  private readonly byRow = new Map<number, Flow[]>();
  readonly totals: FlowTotals = { count: 0, inUsd: 0, outUsd: 0, chargesUsd: 0 };
  /** Shares outstanding over those at the start (the lab's share price is NAV / NAV_0 / supply). */
  supply = 1;

  constructor(flows: readonly Flow[], path: PricePath) {
    const start = path.startTime ?? 0;
    let row = 0;
    for (const [k, flow] of flows.entries()) {
      const time = flow.time - start;
      if (k > 0 && flow.time < flows[k - 1].time) throw new SimError(`flows: flow ${k + 1} is before flow ${k}`);
      // On the chain a step's flows come after its price move and before the keeper's turn: row t.
      while (row + 1 < path.steps && path.times[row + 1] <= time) row++;
      const list = this.byRow.get(row) ?? [];
      list.push(flow);
      this.byRow.set(row, list);
    }
  }

  /** Whether row `t` has flows. */
  has(t: number): boolean {
    return this.byRow.has(t);
  }

  /**
   * Applies row `t`'s flows to the raw balances (token units, base first) at the row's prices
   * (`prices[offset + i]`, USD per whole token; `unitF[i]` units per token).
   */
  apply(t: number, raw: bigint[], prices: Float64Array, offset: number, unitF: readonly number[]): void {
    for (const flow of this.byRow.get(t) ?? []) this.applyOne(flow, raw, prices, offset, unitF);
  }

  private applyOne(flow: Flow, raw: bigint[], prices: Float64Array, offset: number, unitF: readonly number[]): void {
    const n = raw.length;
    const usd = (i: number) => (Number(raw[i]) / unitF[i]) * prices[offset + i];
    let nav = 0;
    for (let i = 0; i < n; i++) nav += usd(i);
    const basePrice = prices[offset];
    const valueUsd = flow.value * basePrice;
    // The shares the flow minted or burnt, at the lab's own NAV per share.
    const shares = nav > 0 ? (this.supply * valueUsd) / nav : 0;
    this.totals.count++;
    this.totals.chargesUsd += flow.charge * basePrice;
    if (flow.kind === "deposit" || flow.kind === "mint") {
      const paid = flow.value + flow.charge;
      raw[0] += BigInt(Math.round(paid * unitF[0]));
      this.totals.inUsd += paid * basePrice;
      this.supply += shares;
      return;
    }
    const outUsd = Math.min(nav, Math.max(0, flow.value - flow.charge) * basePrice);
    this.totals.outUsd += outUsd;
    this.supply = Math.max(0, this.supply - shares);
    if (flow.kind === "redeemInKind") {
      const fraction = nav > 0 ? outUsd / nav : 0;
      for (let i = 0; i < n; i++) raw[i] -= BigInt(Math.floor(Number(raw[i]) * fraction));
      return;
    }
    const base = usd(0);
    if (outUsd <= base) {
      raw[0] -= BigInt(Math.min(Number(raw[0]), Math.round((outUsd / basePrice) * unitF[0])));
      return;
    }
    // Short of base: the whole base balance, then slices of the others pro rata by value.
    raw[0] = 0n;
    const others = nav - base;
    const fraction = others > 0 ? Math.min(1, (outUsd - base) / others) : 0;
    for (let i = 1; i < n; i++) raw[i] -= BigInt(Math.floor(Number(raw[i]) * fraction));
  }
}

/** The pool cost of investing a run's net base flow: what no rebalancing policy can avoid. */
export interface FlowFloor {
  /** Deposits less exits in the base asset, USD (exits in kind need no trade: left out). */
  netUsd: number;
  /** Pool fees on it at the basket's tiers: linear, the same however it is split. */
  feesUsd: number;
  /** Price impact of investing it in one trade. */
  impactOneTradeUsd: number;
  /** Price impact of investing it in `pieces` equal trades, the pools re-arbitraged between them. */
  impactSplitUsd: number;
  pieces: number;
}

/**
 * The floor of what the flows cost to invest: their net in the base asset (deposits in, base exits
 * out), traded into (or out of) the basket at its target weights through `market`'s pools at the
 * path's last row (after every flow came). Any policy that keeps the targets trades at least that
 * much at the same tiers: the fees are linear in it (each asset's target weight times its route's
 * fee tiers) and cannot be split away; the impact is quadratic in a trade's size, so it falls as
 * the net is split (`pieces` trades, e.g. one per deposit), at a keeper's gas per trade.
 */
export function flowFloor(
  flows: readonly Flow[],
  path: PricePath,
  market: SimMarket,
  targetsBps: readonly number[],
  pieces: number,
): FlowFloor {
  const row = path.steps - 1;
  const p = (i: number) => path.prices[row * path.width + i];
  let net = 0;
  for (const f of flows) {
    if (f.kind === "deposit" || f.kind === "mint") net += f.value + f.charge;
    else if (f.kind !== "redeemInKind") net -= f.value - f.charge;
  }
  const netUsd = net * p(0);
  const invest = (usdTotal: number) => {
    market.align(row);
    let fees = 0;
    let impact = 0;
    for (let i = 1; i < path.width; i++) {
      const usd = (Math.abs(usdTotal) * targetsBps[i]) / 10_000;
      if (usd === 0) continue;
      const r = usdTotal > 0 ? market.swap(i, false, usd / p(0), row) : market.swap(i, true, usd / p(i), row);
      fees += r.feeUsd;
      impact += r.valueInUsd - r.valueOutUsd - r.feeUsd;
    }
    return { fees, impact };
  };
  const whole = invest(netUsd);
  const n = Math.max(1, Math.floor(pieces));
  const piece = invest(netUsd / n);
  return { netUsd, feesUsd: whole.fees, impactOneTradeUsd: whole.impact, impactSplitUsd: piece.impact * n, pieces: n };
}
