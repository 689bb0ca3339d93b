/**
 * The simulated market a vault trades in: a Uniswap V3 pool per pair (fee tier, USD depth and the
 * liquidity shape of src/market's local replica), each asset's route to the base asset, and gas.
 *
 * Arbitrageurs keep every pool at the oracle price between rebalances (as `LocalMarket.alignAllPools`
 * does in tests), so each rebalance starts from pools at the path's prices; within a rebalance the
 * trades move the pools they cross, so a second trade through a pool pays for the first one's
 * impact. With `recenter` (the default) liquidity providers keep their ranges centred on the price,
 * as active LPs do; without it positions stay where they were placed at the start and a trending
 * price walks out of the concentrated ranges.
 */
import measuredBreakers from "./breakersGas.json";
import measured from "./gasModel.json";
import { checkNumber, SimError } from "./errors";
import type { PricePath } from "./paths";
import {
  checkFeeTier,
  checkShape,
  ConcentratedPool,
  LOCAL_MARKET_SHAPE,
  placePosition,
  positionValueUsd,
} from "./uniswap";
import type { Position, RangeShare } from "./uniswap";
import { shortcutHops } from "./vaultModel";
import type { HopState } from "./vaultModel";

/** A pool between two symbols of the path: tokenA is the pool's token0, priced in tokenB. */
export interface PoolModel {
  tokenA: string;
  tokenB: string;
  feePips: number;
  depthUsd: number;
  shape?: readonly RangeShare[];
}

/** What an optional part of a rebalance adds: `fixed + perAsset x assets` gas units. */
export interface GasPart {
  fixed: number;
  perAsset: number;
}

/** The optional parts a rebalance runs (each adds its {@link GasPart}). */
export interface RebalanceParts {
  gate?: boolean;
  observation?: boolean;
  /** The feed rounds the observation read (src/sim/feeds.ts `roundReads`, summed over the feeds). */
  roundsRead?: number;
  reward?: boolean;
  /** The circuit breakers' checks (RECOMMENDED_BREAKERS: pools against TWAPs, the oracles' histories). */
  breakers?: boolean;
}

/** The gas units of the contracts' rebalances: see {@link GasModel}. */
export type GasUnits = Pick<
  GasModel,
  "fixed" | "perAsset" | "perLeg" | "perHop" | "gate" | "observation" | "perRoundRead" | "reward"
>;

/**
 * Gas of a rebalance transaction, `fixed + perAsset x assets + sum over its legs of (perLeg + perHop x
 * hops)` units at `baseFeeGwei`, priced in the gas token. The unit counts default to
 * {@link MEASURED_GAS}: the contracts' own gas, fitted by the bench.
 */
export interface GasModel {
  baseFeeGwei: number;
  /** Per transaction, including its intrinsic 21,000. */
  fixed: number;
  /** Per basket asset (valued, checked and planned over whether it trades or not). */
  perAsset: number;
  /** Per leg (one swap call of the vault), besides its hops. */
  perLeg: number;
  perHop: number;
  /** What the cost gate's quote adds, when the gate is on. */
  gate: GasPart;
  /** What the volatility estimate's observation adds, when scaling is on, besides its rounds read. */
  observation: GasPart;
  /** What each feed round the observation reads adds. */
  perRoundRead: number;
  /** What pricing and paying the keeper reward adds, when one is paid. */
  reward: GasPart;
  /** What the circuit breakers' checks add, when they are on (src/sim/breakersGas.json). */
  breakers: GasPart;
  /** A whole rebalance transaction that records a breaker's trip and trades nothing (breakersGas.json). */
  trip: GasPart;
  /** Symbol of the gas token in the path (its price is read there); default WETH when present. */
  gasTokenSymbol?: string;
  /** USD price of the gas token when it is not in the path; default 3000. */
  gasTokenPriceUsd?: number;
}

export interface MarketModel {
  /** Fee tier (pips) of pools not listed in `pools`; default 3000 (0.3%). */
  feePips?: number;
  /** USD depth of pools not listed; default $20M. */
  depthUsd?: number;
  /** Liquidity shape of pools not listed; default the local market's (+-10% / +-50% / full). */
  shape?: readonly RangeShare[];
  pools?: readonly PoolModel[];
  /** Route of an asset to the base, by symbol (`["WBTC", "WETH", "USDC"]`); default direct. */
  routes?: Readonly<Record<string, readonly string[]>>;
  /** Liquidity providers re-centre their ranges on the price (default true). */
  recenter?: boolean;
  /**
   * Liquidity providers as `npm start`'s (and real ones): they re-centre a pool's concentrated
   * positions, at the value those hold then, once its price has moved more than this fraction
   * (0.1: 10%) from where they were centred, checked at every row; between re-centrings, and in
   * every full-range position, liquidity stays where it was. So a pool's depth in USD follows its
   * positions' value (a crash leaves its pools shallower). Absent: `recenter` as described there,
   * every pool at its full `depthUsd` around the price at each rebalance.
   */
  recenterThreshold?: number;
  /** No fees, no impact, no gas: trades at the oracle price (for theory checks). */
  frictionless?: boolean;
  gas?: Partial<GasModel>;
}

/**
 * The contracts' gas per rebalance, per asset, per leg and per hop, as `npm run bench` measured and
 * fitted it (bench/gasModel.ts writes gasModel.json): the lab charges what the contracts spend.
 */
export const MEASURED_GAS: GasUnits = {
  fixed: measured.fixed,
  perAsset: measured.perAsset,
  perLeg: measured.perLeg,
  perHop: measured.perHop,
  gate: measured.gate,
  observation: measured.observation,
  perRoundRead: measured.perRoundRead,
  reward: measured.reward,
};

/**
 * The circuit breakers' gas, which the bench (whose vaults run without breakers) does not measure:
 * test/sim/breakersGas.test.ts measures it on the contracts and writes src/sim/breakersGas.json.
 */
export const MEASURED_BREAKERS_GAS: Pick<GasModel, "breakers" | "trip"> = {
  breakers: measuredBreakers.breakers,
  trip: measuredBreakers.trip,
};

/**
 * Gas units of a rebalance of `assets` assets trading `legs` legs of `hops` hops in all, with the
 * optional `parts` it runs, by `gas` (the breakers' part by `gas.breakers`, else the measured one).
 */
export function rebalanceGasUnits(
  gas: GasUnits & Partial<Pick<GasModel, "breakers">>,
  assets: number,
  legs: number,
  hops: number,
  parts: RebalanceParts = {},
): number {
  const part = (p: GasPart, on: boolean | undefined) => (on ? p.fixed + p.perAsset * assets : 0);
  return (
    gas.fixed +
    gas.perAsset * assets +
    gas.perLeg * legs +
    gas.perHop * hops +
    part(gas.gate, parts.gate) +
    part(gas.observation, parts.observation) +
    (parts.observation ? gas.perRoundRead * (parts.roundsRead ?? 0) : 0) +
    part(gas.reward, parts.reward) +
    part(gas.breakers ?? MEASURED_BREAKERS_GAS.breakers, parts.breakers)
  );
}

/** Gas defaults: the measured units at 20 gwei, an L1 base fee. */
export const DEFAULT_GAS: GasModel = { baseFeeGwei: 20, ...MEASURED_GAS, ...MEASURED_BREAKERS_GAS };

interface Hop {
  pool: number;
  /** The hop's input is the pool's token0 (tokenA). */
  zeroForOne: boolean;
  /** Its tokens, by symbol (what BallastPlanner's shortcut compares). */
  tokenIn: string;
  tokenOut: string;
}

/** One swap along a route, valued at the path's USD prices. */
export interface RouteSwap {
  /** Output, whole tokens. */
  amountOut: number;
  valueInUsd: number;
  valueOutUsd: number;
  /** Fees taken by every hop, USD. */
  feeUsd: number;
  hops: number;
}

export class SimMarket {
  readonly frictionless: boolean;
  readonly gas: GasModel;
  private readonly pools: PoolModel[];
  private readonly live: ConcentratedPool[] = [];
  private readonly sellRoutes: Hop[][] = [];
  private readonly buyRoutes: Hop[][] = [];
  private readonly recenter: boolean;
  private readonly gasColumn: number;
  private readonly col: Map<string, number>;
  /** Each pair's shortcut (`i,o`): the hops of i's sell route up to o's buy route, then o's; null where none. */
  private readonly shortcuts = new Map<string, Hop[] | null>();
  /** With `recenterThreshold`: each pool's positions and the price they were centred at. */
  private readonly books: { positions: Position[]; centre: number }[] = [];
  private readonly recenterThreshold: number | undefined;
  /** Times liquidity providers re-centred a pool (with `recenterThreshold`). */
  recenters = 0;

  constructor(
    model: MarketModel,
    private readonly path: PricePath,
  ) {
    this.frictionless = model.frictionless ?? false;
    this.recenter = model.recenter ?? true;
    this.recenterThreshold =
      model.recenterThreshold === undefined
        ? undefined
        : checkNumber("recenterThreshold", model.recenterThreshold, 0, 10);
    this.gas = { ...DEFAULT_GAS, ...model.gas };
    checkNumber("gas baseFeeGwei", this.gas.baseFeeGwei, 0, 1e6);
    checkNumber("gas fixed", this.gas.fixed, 0, 5e6);
    checkNumber("gas perAsset", this.gas.perAsset, 0, 1e6);
    checkNumber("gas perLeg", this.gas.perLeg, 0, 1e6);
    checkNumber("gas perHop", this.gas.perHop, 0, 1e6);
    this.col = new Map(path.symbols.map((s, i) => [s, i]));
    const gasSymbol = this.gas.gasTokenSymbol ?? (this.col.has("WETH") ? "WETH" : undefined);
    if (gasSymbol !== undefined && !this.col.has(gasSymbol))
      throw new SimError(`gas token ${gasSymbol} is not in the path`);
    this.gasColumn = gasSymbol === undefined ? -1 : (this.col.get(gasSymbol) as number);
    if (this.gasColumn < 0) checkNumber("gas token price", this.gas.gasTokenPriceUsd ?? 3000, 0, 1e9);

    const fee = checkFeeTier(model.feePips ?? 3000);
    const depth = checkNumber("market depthUsd", model.depthUsd ?? 20e6, 0, 1e15);
    const shape = checkShape(model.shape ?? LOCAL_MARKET_SHAPE);
    this.pools = [];
    const key = (a: string, b: string) => [a, b].sort().join("/");
    const byPair = new Map<string, number>();
    for (const p of model.pools ?? []) {
      for (const s of [p.tokenA, p.tokenB])
        if (!this.col.has(s)) throw new SimError(`pool ${p.tokenA}/${p.tokenB}: ${s} is not in the path`);
      checkFeeTier(p.feePips);
      checkNumber(`pool ${p.tokenA}/${p.tokenB} depthUsd`, p.depthUsd, 0, 1e15);
      if (p.shape) checkShape(p.shape);
      if (byPair.has(key(p.tokenA, p.tokenB))) throw new SimError(`pool ${p.tokenA}/${p.tokenB} listed twice`);
      byPair.set(key(p.tokenA, p.tokenB), this.pools.length);
      this.pools.push(p);
    }
    const base = path.symbols[0];
    for (let i = 1; i < path.width; i++) {
      const symbol = path.symbols[i];
      const route = model.routes?.[symbol] ?? [symbol, base];
      if (route.length < 2 || route[0] !== symbol || route[route.length - 1] !== base) {
        throw new SimError(`route of ${symbol} must run from ${symbol} to ${base}, got ${route.join(" -> ")}`);
      }
      const hops: Hop[] = [];
      for (let h = 0; h + 1 < route.length; h++) {
        const [u, w] = [route[h], route[h + 1]];
        if (!this.col.has(u) || !this.col.has(w))
          throw new SimError(`route of ${symbol}: ${!this.col.has(u) ? u : w} is not in the path`);
        let pool = byPair.get(key(u, w));
        if (pool === undefined) {
          pool = this.pools.length;
          byPair.set(key(u, w), pool);
          // A default pool quotes the asset in the base (or the hub), like the local market's.
          this.pools.push({ tokenA: u, tokenB: w, feePips: fee, depthUsd: depth, shape });
        }
        hops.push({ pool, zeroForOne: this.pools[pool].tokenA === u, tokenIn: u, tokenOut: w });
      }
      this.sellRoutes[i] = hops;
      this.buyRoutes[i] = [...hops]
        .reverse()
        .map((h) => ({ pool: h.pool, zeroForOne: !h.zeroForOne, tokenIn: h.tokenOut, tokenOut: h.tokenIn }));
    }
    for (const p of this.pools) {
      const [a, b] = [this.col.get(p.tokenA) as number, this.col.get(p.tokenB) as number];
      const pa = path.prices[a];
      const pb = path.prices[b];
      this.live.push(ConcentratedPool.fromShape(p.feePips, pa / pb, pa, pb, p.depthUsd, p.shape ?? shape));
      if (this.recenterThreshold !== undefined) {
        const positions = (p.shape ?? shape).map((r) =>
          placePosition(r.share * p.depthUsd, r.rangeBps, pa / pb, pa, pb),
        );
        this.books.push({ positions, centre: pa / pb });
      }
    }
  }

  /** Whether liquidity providers follow the price row by row ({@link MarketModel.recenterThreshold}). */
  get followsPrices(): boolean {
    return this.recenterThreshold !== undefined;
  }

  /**
   * With `recenterThreshold`: arbitrageurs bring every pool to row `row`'s prices, and its liquidity
   * providers re-centre the positions of each pool that moved past the threshold from their centre,
   * each at what it holds now (LocalMarket.recenterLiquidity). Call at every row.
   */
  follow(row: number): void {
    const threshold = this.recenterThreshold;
    if (threshold === undefined) return;
    for (let k = 0; k < this.pools.length; k++) {
      const spec = this.pools[k];
      const pa = this.usdAt(spec.tokenA, row);
      const pb = this.usdAt(spec.tokenB, row);
      const price = pa / pb;
      const book = this.books[k];
      if (Math.abs(price / book.centre - 1) > threshold) {
        const s = Math.sqrt(price);
        book.positions = book.positions.map((pos) =>
          pos.rangeBps === "full" ? pos : placePosition(positionValueUsd(pos, s, pa, pb), pos.rangeBps, price, pa, pb),
        );
        book.centre = price;
        this.live[k] = ConcentratedPool.fromPositions(spec.feePips, s, book.positions);
        this.recenters++;
      } else {
        this.live[k].setPrice(price);
      }
    }
  }

  /** Number of hops of asset `i`'s route. */
  hopCount(i: number): number {
    return this.sellRoutes[i].length;
  }

  /** The path's USD price of `token` at row `row`. */
  private usdAt(token: string, row: number): number {
    return this.path.prices[row * this.path.width + (this.col.get(token) as number)];
  }

  /** Arbitrageurs (and, with `recenter`, LPs) bring every pool to the prices of row `row`. */
  align(row: number): void {
    if (this.recenterThreshold !== undefined) return this.follow(row);
    for (let k = 0; k < this.pools.length; k++) {
      const spec = this.pools[k];
      const pa = this.usdAt(spec.tokenA, row);
      const pb = this.usdAt(spec.tokenB, row);
      if (this.recenter) {
        this.live[k] = ConcentratedPool.fromShape(
          spec.feePips,
          pa / pb,
          pa,
          pb,
          spec.depthUsd,
          spec.shape ?? LOCAL_MARKET_SHAPE,
        );
      } else {
        this.live[k].setPrice(pa / pb);
      }
    }
  }

  /**
   * BallastPlanner's shortcut from asset `i` to asset `o` (both non-base): `i`'s sell route up to
   * the first token `o`'s buy route crosses, then `o`'s from there; undefined where the two routes
   * meet only at the base (then a sale and a purchase trade through the base).
   */
  private shortcut(i: number, o: number): Hop[] | undefined {
    const key = `${i},${o}`;
    let hops = this.shortcuts.get(key);
    if (hops === undefined) {
      hops = (i !== o && shortcutHops(this.sellRoutes[i], this.buyRoutes[o])) || null;
      this.shortcuts.set(key, hops);
    }
    return hops ?? undefined;
  }

  /** Whether asset `i`'s sell route meets asset `o`'s buy route before the base (vaultModel's `Meets`). */
  meets(i: number, o: number): boolean {
    return this.shortcut(i, o) !== undefined;
  }

  /**
   * Swaps `amountIn` whole tokens of asset `i` into the base (`sell`) or of the base into asset
   * `i`, through the route's pools at their current state (moving them), at row `row`'s prices.
   */
  swap(i: number, sell: boolean, amountIn: number, row: number): RouteSwap {
    return this.swapAlong(sell ? this.sellRoutes[i] : this.buyRoutes[i], sell ? i : 0, sell ? 0 : i, amountIn, row);
  }

  /** Swaps `amountIn` of asset `i` into asset `o` along their shortcut (see {@link SimMarket.meets}). */
  swapShortcut(i: number, o: number, amountIn: number, row: number): RouteSwap {
    const hops = this.shortcut(i, o);
    if (!hops) throw new SimError(`no shortcut from ${this.path.symbols[i]} to ${this.path.symbols[o]}`);
    return this.swapAlong(hops, i, o, amountIn, row);
  }

  private swapAlong(route: readonly Hop[], inCol: number, outCol: number, amountIn: number, row: number): RouteSwap {
    const p = this.path.prices;
    const w = this.path.width;
    const valueInUsd = amountIn * p[row * w + inCol];
    if (this.frictionless) {
      const out = valueInUsd / p[row * w + outCol];
      return { amountOut: out, valueInUsd, valueOutUsd: valueInUsd, feeUsd: 0, hops: route.length };
    }
    let amount = amountIn;
    let feeUsd = 0;
    for (const hop of route) {
      const spec = this.pools[hop.pool];
      const tokenIn = hop.zeroForOne ? spec.tokenA : spec.tokenB;
      const r = this.live[hop.pool].swap(hop.zeroForOne, amount);
      feeUsd += r.fee * this.usdAt(tokenIn, row);
      amount = r.amountOut;
    }
    return { amountOut: amount, valueInUsd, valueOutUsd: amount * p[row * w + outCol], feeUsd, hops: route.length };
  }

  /**
   * Each hop's pool as BallastPolicy's cost estimate reads it (slot0's sqrtPriceX96 and the in-range
   * liquidity, in raw units, tokenA as token0), for the simulated cost gate.
   */
  hopStates(i: number, sell: boolean): HopState[] {
    return this.statesOf(sell ? this.sellRoutes[i] : this.buyRoutes[i]);
  }

  /** {@link SimMarket.hopStates} of the shortcut from asset `i` to asset `o`; undefined where none. */
  shortcutStates(i: number, o: number): HopState[] | undefined {
    const hops = this.shortcut(i, o);
    return hops && this.statesOf(hops);
  }

  private statesOf(route: readonly Hop[]): HopState[] {
    return route.map((hop) => {
      const spec = this.pools[hop.pool];
      const pool = this.live[hop.pool];
      const decA = this.path.decimals[this.col.get(spec.tokenA) as number];
      const decB = this.path.decimals[this.col.get(spec.tokenB) as number];
      // Raw token1 per raw token0 = price x 10^(decB - decA); liquidity scales by 10^((decA + decB) / 2).
      const sqrtRaw = pool.sqrtPrice * Math.sqrt(10 ** (decB - decA));
      const liquidityRaw = pool.inRangeLiquidity() * Math.sqrt(10 ** (decA + decB));
      return {
        sqrtPriceX96: toBigInt(sqrtRaw * 2 ** 96),
        liquidity: toBigInt(liquidityRaw),
        feePips: this.frictionless ? 0 : spec.feePips,
        zeroForOne: hop.zeroForOne,
      };
    });
  }

  /** USD price of the gas token at row `row`. */
  gasTokenPriceUsd(row: number): number {
    return this.gasColumn < 0
      ? (this.gas.gasTokenPriceUsd ?? 3000)
      : this.path.prices[row * this.path.width + this.gasColumn];
  }

  /** Gas units of a rebalance of this path's basket trading `legs` legs of `hops` hops in all. */
  gasUnits(legs: number, hops: number, parts: RebalanceParts = {}): number {
    return rebalanceGasUnits(this.gas, this.path.width, legs, hops, parts);
  }

  /** USD cost of `units` gas units at row `row` (0 when frictionless). */
  gasUnitsUsd(units: number, row: number): number {
    if (this.frictionless) return 0;
    return units * this.gas.baseFeeGwei * 1e-9 * this.gasTokenPriceUsd(row);
  }

  /** USD cost of a rebalance of `legs` legs and `hops` hops at row `row` (0 when frictionless or empty). */
  gasUsd(legs: number, hops: number, row: number, parts: RebalanceParts = {}): number {
    if (this.frictionless || legs === 0) return 0;
    return this.gasUnits(legs, hops, parts) * this.gas.baseFeeGwei * 1e-9 * this.gasTokenPriceUsd(row);
  }
}

/** A non-negative float as a bigint, rounded down. */
export function toBigInt(x: number): bigint {
  if (!Number.isFinite(x) || x < 0) throw new SimError(`cannot convert ${x} to an amount`);
  return BigInt(Math.floor(x));
}

/**
 * Pools from the backtest's `--pools` text: `A/B:fee:depth` entries, comma-separated, e.g.
 * `WETH/USDC:500:60000000,WBTC/WETH:500:40000000` (tokenA is the pool's token0 in the lab, priced in
 * tokenB; fee in pips; depth in USD, `60e6` allowed).
 */
export function parsePools(text: string): PoolModel[] {
  return text
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "")
    .map((entry) => {
      const m = /^([A-Za-z0-9._-]{1,16})\/([A-Za-z0-9._-]{1,16}):(\d+):([0-9.eE+]+)$/.exec(entry);
      if (!m) throw new SimError(`pools: "${entry}" is not A/B:fee:depthUsd (e.g. WETH/USDC:500:60000000)`);
      const depthUsd = Number(m[4]);
      checkNumber(`pool ${m[1]}/${m[2]} depthUsd`, depthUsd, 0, 1e15);
      return { tokenA: m[1], tokenB: m[2], feePips: checkFeeTier(Number(m[3])), depthUsd };
    });
}

/**
 * Routes from the backtest's `--routes` text: each a `/`-separated path from an asset to the base,
 * comma-separated, e.g. `WBTC/WETH/USDC` (assets not named trade directly against the base).
 */
export function parseRoutes(text: string): Record<string, string[]> {
  const routes: Record<string, string[]> = {};
  for (const entry of text.split(",").map((e) => e.trim())) {
    if (entry === "") continue;
    const hops = entry.split("/").map((s) => s.trim());
    if (hops.length < 2 || hops.some((s) => !/^[A-Za-z0-9._-]{1,16}$/.test(s))) {
      throw new SimError(`routes: "${entry}" is not ASSET/.../BASE (e.g. WBTC/WETH/USDC)`);
    }
    if (routes[hops[0]]) throw new SimError(`routes: ${hops[0]} has two routes`);
    routes[hops[0]] = hops;
  }
  return routes;
}
