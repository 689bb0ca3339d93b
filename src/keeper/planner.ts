/**
 * The keeper's own plan of a rebalance, for `rebalancePlan(legs)`: which assets trade, how much and
 * along which route, computed off chain and checked by the rebalancer on chain. It moves only the
 * assets outside the target band, to the band's edge; pairs each asset to sell with one to buy and
 * trades the pair directly when a pool between them costs less than going through the base asset
 * (QuoterV2 per route and fee tier, plus the gas of every leg a route adds to the plan); leaves out
 * a pair that would cost more than the drift it removes is worth to the policy; and of that plan
 * and the one with every pair through the base (one leg per asset), keeps the one that trades
 * more, then the cheaper in quote (merged legs quoted again) plus leg gas.
 */
import { getAddress, getBytes, hexlify, solidityPacked, ZeroAddress } from "ethers";
import type { Provider } from "ethers";

import { BallastPolicy__factory, QuoterV2__factory, IUniswapV3Factory__factory } from "../../typechain-types";
import type { BallastRebalancer, BallastVault, IUniswapV3Factory, QuoterV2 } from "../../typechain-types";

/** Uniswap V3's fee tiers, in pips. */
const FEE_TIERS = [100, 500, 3_000, 10_000] as const;
const BPS = 10_000n;
const WAD = 10n ** 18n;

/** One leg of a keeper's plan, as `rebalancePlan` takes it. */
export interface PlanLeg {
  /** Uniswap V3 path: token, fee, token, ... */
  path: string;
  amountIn: bigint;
}

/** A keeper's plan and what it expects of it. */
export interface KeeperPlan {
  legs: PlanLeg[];
  /** Base-asset value the legs sell, at the oracles. */
  valueTraded: bigint;
  /** The quoted cost of the legs (oracle value in less oracle value out), base units. */
  quotedCost: bigint;
  /** Legs the planner dropped as costing more than the drift they remove is worth. */
  dropped: number;
}

/** The on-chain pieces the planner reads. */
export interface PlannerChain {
  vault: BallastVault;
  rebalancer: BallastRebalancer;
  /** Uniswap's QuoterV2 on the vault's factory. */
  quoter: string;
  provider: Provider;
}

interface Side {
  index: number;
  value: bigint;
}

interface State {
  tokens: string[];
  prices: bigint[];
  units: bigint[];
  values: bigint[];
  targets: bigint[];
  sellRoutes: string[];
  buyRoutes: string[];
  nav: bigint;
  maxTradeBps: bigint;
  minTradeValue: bigint;
}

/**
 * The keeper's plan for the vault now (empty when nothing is outside the band). `band` is the
 * target band the rebalancer reports (`rebalanceStatus()`'s third value); `legGasCost` the gas of
 * one more leg in the plan, in base-asset units (0: legs are free, routes compete on quotes alone).
 */
export async function planRebalance(chain: PlannerChain, band: bigint, legGasCost = 0n): Promise<KeeperPlan> {
  const s = await readState(chain.vault);
  const factory = IUniswapV3Factory__factory.connect(await chain.vault.uniswapFactory(), chain.provider);
  const quoter = QuoterV2__factory.connect(chain.quoter, chain.provider);
  const policy = BallastPolicy__factory.connect(await chain.rebalancer.policy(), chain.provider);
  const benefitPerBpWad = (await policy.costParams()).benefitPerBpWad;
  const cap = (s.nav * s.maxTradeBps) / BPS;

  // What each asset holds beyond its band's edge (sellers) or lacks below it (buyers); the base,
  // which absorbs every trade, against its target alone.
  const sellers: Side[] = [];
  const buyers: Side[] = [];
  for (let i = 0; i < s.tokens.length; i++) {
    const edge = i === 0 ? 0n : band;
    const high = (s.nav * (s.targets[i] + edge)) / BPS;
    const low = s.targets[i] > edge ? (s.nav * (s.targets[i] - edge)) / BPS : 0n;
    if (s.values[i] > high) sellers.push({ index: i, value: s.values[i] - high });
    else if (s.values[i] < low) buyers.push({ index: i, value: low - s.values[i] });
  }
  sellers.sort((a, b) => (b.value > a.value ? 1 : b.value < a.value ? -1 : 0));
  buyers.sort((a, b) => (b.value > a.value ? 1 : b.value < a.value ? -1 : 0));

  // Two plans: pairs traded directly where a pool between them is cheaper, and every pair through
  // the base (one leg per asset, as the on-chain plan). Greedy pairing cannot see that a direct
  // leg whose seller and buyer both trade with the base as well adds a leg; the totals can.
  const ctx: Pairing = { s, factory, quoter, cap, benefitPerBpWad, legGasCost };
  const withDirect = await pairUp(ctx, sellers, buyers, true);
  const throughBase = await pairUp(ctx, sellers, buyers, false);
  // The plan that trades more first (the other left out pairs as not worth their cost, and would
  // leave drift behind); at equal value traded, the cheaper in quote plus leg gas, then fewer legs.
  const total = (p: KeeperPlan) => p.quotedCost + BigInt(p.legs.length) * legGasCost;
  const better = (a: KeeperPlan, b: KeeperPlan) =>
    a.valueTraded !== b.valueTraded
      ? a.valueTraded > b.valueTraded
      : total(a) < total(b) || (total(a) === total(b) && a.legs.length < b.legs.length);
  return better(throughBase, withDirect) ? throughBase : withDirect;
}

interface Pairing {
  s: State;
  factory: IUniswapV3Factory;
  quoter: QuoterV2;
  /** The vault's cap on one trade, base units. */
  cap: bigint;
  benefitPerBpWad: bigint;
  legGasCost: bigint;
}

/**
 * Pairs each seller with each buyer, largest first, along the cheapest route (with the gas of the
 * legs it adds), leaving out a pair whose cost exceeds the drift it removes. `direct`: whether a
 * pool between two non-base assets may carry the pair.
 */
async function pairUp(ctx: Pairing, sellSide: Side[], buySide: Side[], direct: boolean): Promise<KeeperPlan> {
  const { s, cap, benefitPerBpWad } = ctx;
  const sellers = sellSide.map((side) => ({ ...side }));
  const buyers = buySide.map((side) => ({ ...side }));
  const first: PlanLeg[] = [];
  const then: PlanLeg[] = [];
  const paths = new Set<string>();
  let valueTraded = 0n;
  let quotedCost = 0n;
  let dropped = 0;
  for (const seller of sellers) {
    for (const buyer of buyers) {
      // Each leg within the vault's trade cap: what it leaves waits for the next rebalance.
      const value = min(min(seller.value, buyer.value), cap);
      if (value === 0n || value < s.minTradeValue) continue;
      const candidates = await routes(s, ctx.factory, ctx.quoter, seller.index, buyer.index, value, direct);
      const choice = cheapestRoute(candidates, paths, ctx.legGasCost);
      if (!choice) continue;
      // A leg of `value` moves two weights toward their targets by value / nav each.
      const benefit = (((2n * value * BPS) / s.nav) * s.nav * benefitPerBpWad) / WAD;
      if (benefitPerBpWad !== 0n && choice.total > benefit) {
        dropped++;
        continue;
      }
      seller.value -= value;
      buyer.value -= value;
      valueTraded += value;
      quotedCost += choice.route.cost;
      for (const leg of choice.route.legs) {
        paths.add(leg.path);
        (leg.first ? first : then).push({ path: leg.path, amountIn: leg.amountIn });
      }
    }
  }
  // The vault runs the legs that sell a non-base asset first, then those that spend the base.
  const legs = [...merged(first), ...merged(then)];
  // Merged legs quoted again: each pair was quoted against the untouched pools, and a merged swap
  // meets the price its first part moved.
  return { legs, valueTraded, quotedCost: (await requoted(s, ctx.quoter, legs)) ?? quotedCost, dropped };
}

/**
 * The plan's cost quoted leg by leg as the vault will trade it (oracle value in less oracle value
 * out, base units); undefined when a quote fails.
 */
async function requoted(s: State, quoter: QuoterV2, legs: PlanLeg[]): Promise<bigint | undefined> {
  const index = (address: string) => s.tokens.indexOf(getAddress(address));
  let cost = 0n;
  for (const leg of legs) {
    const hex = leg.path.slice(2);
    const i = index(`0x${hex.slice(0, 40)}`);
    const o = index(`0x${hex.slice(-40)}`);
    if (i < 0 || o < 0) return undefined;
    try {
      const [out] = await quoter.quoteExactInput.staticCall(leg.path, leg.amountIn);
      cost += toValue(s, i, leg.amountIn) - toValue(s, o, out);
    } catch {
      return undefined;
    }
  }
  return cost;
}

/**
 * Legs along the same path as one leg: an asset sold into the base for two buyers is one sale, the
 * base spent on an asset for two sellers one purchase (as the on-chain plan nets through the base).
 * One swap moves a pool as two in a row do, so merging costs nothing; the plan is quoted again.
 */
function merged(legs: PlanLeg[]): PlanLeg[] {
  const byPath = new Map<string, PlanLeg>();
  for (const leg of legs) {
    const seen = byPath.get(leg.path);
    if (seen) seen.amountIn += leg.amountIn;
    else byPath.set(leg.path, { ...leg });
  }
  return [...byPath.values()];
}

/** A way to move value between two assets: its legs and their quoted cost. */
export interface RouteChoice {
  legs: { path: string; amountIn: bigint; first: boolean }[];
  /** Oracle value in less oracle value out, base units. */
  cost: bigint;
}

/**
 * The route of least cost with gas: its quoted cost plus `legGasCost` for each of its legs along a
 * path the plan does not take yet (a leg along a planned path merges into it, see `merged`).
 * Ties go to the route with fewer legs.
 */
export function cheapestRoute(
  candidates: RouteChoice[],
  planned: ReadonlySet<string>,
  legGasCost: bigint,
): { route: RouteChoice; total: bigint } | undefined {
  let best: { route: RouteChoice; total: bigint } | undefined;
  for (const route of candidates) {
    const added = BigInt(route.legs.filter((leg) => !planned.has(leg.path)).length);
    const total = route.cost + added * legGasCost;
    if (!best || total < best.total || (total === best.total && route.legs.length < best.route.legs.length)) {
      best = { route, total };
    }
  }
  return best;
}

/**
 * The ways to move `value` (base units) from asset `i` into asset `o`: a direct pool of any fee
 * tier (between two non-base assets only when `direct`), or the vault's own routes through the base
 * (a sale, then a purchase), as QuoterV2 quotes them now.
 */
async function routes(
  s: State,
  factory: IUniswapV3Factory,
  quoter: QuoterV2,
  i: number,
  o: number,
  value: bigint,
  direct: boolean,
): Promise<RouteChoice[]> {
  const amountIn = toAmount(s, i, value);
  if (amountIn === 0n) return [];
  const candidates: RouteChoice[] = [];
  const quote = async (path: string, amount: bigint): Promise<bigint | undefined> => {
    try {
      const [out] = await quoter.quoteExactInput.staticCall(path, amount);
      return out;
    } catch {
      // A pool without liquidity on the way: not a candidate.
      return undefined;
    }
  };
  // A pool between two non-base assets only when `direct`; a pool with the base at any fee tier always.
  const tiers = direct || i === 0 || o === 0 ? FEE_TIERS : [];
  for (const fee of tiers) {
    if ((await factory.getPool(s.tokens[i], s.tokens[o], fee)) === ZeroAddress) continue;
    const path = solidityPacked(["address", "uint24", "address"], [s.tokens[i], fee, s.tokens[o]]);
    const out = await quote(path, amountIn);
    if (out !== undefined)
      candidates.push({ legs: [{ path, amountIn, first: i !== 0 }], cost: value - toValue(s, o, out) });
  }
  if (i !== 0 && o !== 0) {
    const sold = await quote(s.sellRoutes[i], amountIn);
    if (sold !== undefined && sold > 0n) {
      const bought = await quote(s.buyRoutes[o], sold);
      if (bought !== undefined) {
        candidates.push({
          legs: [
            { path: s.sellRoutes[i], amountIn, first: true },
            { path: s.buyRoutes[o], amountIn: sold, first: false },
          ],
          cost: value - toValue(s, o, bought),
        });
      }
    }
  } else {
    // To or from the base: the vault's own route is a candidate too (it may be multi-hop).
    const path = i === 0 ? s.buyRoutes[o] : s.sellRoutes[i];
    const out = await quote(path, amountIn);
    if (out !== undefined)
      candidates.push({ legs: [{ path, amountIn, first: i !== 0 }], cost: value - toValue(s, o, out) });
  }
  // The rebalancer refuses a keeper's leg through a token outside the basket (BallastLegPath), even
  // along a route governance set: such a basket is rebalanced by the on-chain plan alone.
  return candidates.filter((c) => c.legs.every((leg) => middleTokens(leg.path).every((t) => s.tokens.includes(t))));
}

/** The tokens a Uniswap V3 path crosses between its ends (20-byte token, 3-byte fee, ...). */
export function middleTokens(path: string): string[] {
  const bytes = getBytes(path);
  const tokens: string[] = [];
  for (let at = 23; at + 20 < bytes.length; at += 23) tokens.push(getAddress(hexlify(bytes.slice(at, at + 20))));
  return tokens;
}

async function readState(vault: BallastVault): Promise<State> {
  // By position: an ethers Result's own `values` is Array.prototype.values.
  const [tokens, , prices, units, values, targets, nav, , , , params] = await vault.basketState();
  // Every route: the planner quotes each asset both ways.
  const all = (1n << BigInt(tokens.length)) - 1n;
  const [sellRoutes, buyRoutes] = await vault.basketRoutes(all, all);
  return {
    tokens: tokens.map((t) => getAddress(t)),
    prices: [...prices],
    units: [...units],
    values: [...values],
    targets: [...targets],
    sellRoutes: [...sellRoutes],
    buyRoutes: [...buyRoutes],
    nav,
    maxTradeBps: params.maxTradeBps,
    minTradeValue: params.minTradeValue,
  };
}

/** Base-unit value of `amount` of asset `i` at the oracles, rounded down (BasketMath.toValue). */
function toValue(s: State, i: number, amount: bigint): bigint {
  return (amount * s.prices[i] * s.units[0]) / (s.units[i] * s.prices[0]);
}

/** Amount of asset `i` worth `value` base units, rounded down (BasketMath.toAmount). */
function toAmount(s: State, i: number, value: bigint): bigint {
  return (value * s.units[i] * s.prices[0]) / (s.prices[i] * s.units[0]);
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
