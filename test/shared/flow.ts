import { ethers } from "hardhat";

import { allRoutes } from "../../src/vault";
import { IBallastOracle__factory, IUniswapV3Factory__factory, IUniswapV3Pool__factory } from "../../typechain-types";
import type { BallastVault } from "../../typechain-types";

/**
 * An off-chain model of the vault's flow pricing (VaultLogic.valuation with Side.Entry/Exit,
 * marketPrice, _flowTerms and flowCost), computed independently from the feeds (through the
 * vault's oracles), the pools' slot0/liquidity/fee and the vault's balances, so that tests can
 * assert exactly what an entry or an exit is charged.
 */

const BPS = 10_000n;
const WAD = 10n ** 18n;
const Q96 = 1n << 96n;
const Q192 = 1n << 192n;
/** `10 ** decimalsOffset` of a 6-decimal base asset with 18-decimal shares. */
export const VIRTUAL_SHARES = 10n ** 12n;

export type FlowSide = "oracle" | "entry" | "exit";

function mulDiv(x: bigint, y: bigint, d: bigint, up = false): bigint {
  const p = x * y;
  return up ? (p + d - 1n) / d : p / d;
}

interface PoolState {
  address: string;
  sqrtPriceX96: bigint;
  liquidity: bigint;
  fee: bigint;
}

/** One valuation of the basket, as VaultLogic.valuation computes it for a side. */
export interface FlowValuation {
  side: FlowSide;
  tokens: string[];
  /** Oracle prices (USD WAD). */
  oracle: bigint[];
  /** The prices this side values at: the oracle's; an entry the higher of the pools' and the oracle's raised by the deviation thresholds; an exit the lower of the pools' and the oracle's. */
  prices: bigint[];
  /** Pool prices (USD WAD; 0 where none). */
  market: bigint[];
  units: bigint[];
  balances: bigint[];
  values: bigint[];
  nav: bigint;
  navCeil: bigint;
  targets: bigint[];
  flowFeeWad: bigint;
  flowImpactWad: bigint;
  slippageBps: bigint;
}

/** Raw quote-token amount for `amount` of token0 (zeroIn) or token1 at `sqrtPriceX96` (PoolPrice.quote). */
export function poolQuote(sqrtPriceX96: bigint, amount: bigint, zeroIn: boolean): bigint {
  if (sqrtPriceX96 === 0n) return 0n;
  const ratio = sqrtPriceX96 * sqrtPriceX96;
  return zeroIn ? (ratio * amount) / Q192 : (Q192 * amount) / ratio;
}

/** Values `amount` of asset `i` in base units at the valuation's prices. */
export function toValue(v: FlowValuation, i: number, amount: bigint, up = false): bigint {
  return mulDiv(amount, v.prices[i] * v.units[0], v.units[i] * v.prices[0], up);
}

/** The amount of asset `i` worth `value` base units at the valuation's prices. */
export function toAmount(v: FlowValuation, i: number, value: bigint, up = false): bigint {
  return mulDiv(value, v.units[i] * v.prices[0], v.prices[i] * v.units[0], up);
}

/** The vault's pool references: the first pool of each asset's sell route and its quote index. */
async function poolRefs(vault: BallastVault, tokens: string[]): Promise<({ pool: string; quote: number } | null)[]> {
  const factory = IUniswapV3Factory__factory.connect(await vault.uniswapFactory(), ethers.provider);
  const refs: ({ pool: string; quote: number } | null)[] = [null];
  const [sellRoutes] = await allRoutes(vault);
  for (let i = 1; i < tokens.length; i++) {
    const sellRoute = sellRoutes[i];
    const hex = sellRoute.slice(2);
    const fee = BigInt(`0x${hex.slice(40, 46)}`);
    const next = ethers.getAddress(`0x${hex.slice(46, 86)}`);
    const quote = tokens.findIndex((t) => t.toLowerCase() === next.toLowerCase());
    refs.push(quote < 0 ? null : { pool: await factory.getPool(tokens[i], next, fee), quote });
  }
  return refs;
}

async function poolState(address: string): Promise<PoolState> {
  const pool = IUniswapV3Pool__factory.connect(address, ethers.provider);
  const [slot0, liquidity, fee] = await Promise.all([pool.slot0(), pool.liquidity(), pool.fee()]);
  return { address, sqrtPriceX96: slot0.sqrtPriceX96, liquidity, fee: BigInt(fee) };
}

/**
 * The vault's valuation for `side`, recomputed off-chain: oracle prices from the vault's oracles,
 * the pools' prices along each asset's first pools, and the flow cost terms. Every price must be
 * valid.
 */
export async function flowValuation(vault: BallastVault, side: FlowSide): Promise<FlowValuation> {
  const tokens = [...(await vault.basketTokens())];
  const n = tokens.length;
  const oracles = await vault.oracles();
  const oracle = await Promise.all(oracles.map((o) => IBallastOracle__factory.connect(o, ethers.provider).price()));
  const units: bigint[] = [];
  const balances: bigint[] = [];
  for (const token of tokens) {
    const erc20 = await ethers.getContractAt("IERC20Metadata", token);
    units.push(10n ** (await erc20.decimals()));
    balances.push(await erc20.balanceOf(vault));
  }
  const refs = await poolRefs(vault, tokens);
  const pools = new Map<string, PoolState>();
  for (const ref of refs) {
    if (ref && ref.pool !== ethers.ZeroAddress && !pools.has(ref.pool)) pools.set(ref.pool, await poolState(ref.pool));
  }
  const decimalsOf = (i: number) => BigInt(units[i].toString().length - 1);

  const marketPrice = (i: number, depth: number): bigint => {
    if (i === 0) return oracle[0];
    const ref = refs[i];
    if (!ref || ref.pool === ethers.ZeroAddress || depth === 0) return 0n;
    const quotePrice = marketPrice(ref.quote, depth - 1);
    if (quotePrice === 0n) return 0n;
    const state = pools.get(ref.pool);
    if (!state) throw new Error("pool not read");
    const zeroIn = BigInt(tokens[i]) < BigInt(tokens[ref.quote]);
    const quoteOut = poolQuote(state.sqrtPriceX96, 10n ** (decimalsOf(i) + 18n), zeroIn);
    return (quoteOut * quotePrice) / 10n ** (decimalsOf(ref.quote) + 18n);
  };

  const market = tokens.map((_, i) => (i === 0 ? oracle[0] : marketPrice(i, n)));
  // An entry: the oracle raised by its and the base's deviation thresholds, unless the pools are higher.
  const deviations = await Promise.all(
    oracles.map((o) => IBallastOracle__factory.connect(o, ethers.provider).deviationBps()),
  );
  const prices = oracle.map((p, i) => {
    if (i === 0 || side === "oracle") return p;
    if (side === "entry") {
      const ahead = mulDiv(p, BPS + deviations[i] + deviations[0], BPS, true);
      return ahead > market[i] ? ahead : market[i];
    }
    if (market[i] === 0n) return p;
    return p < market[i] ? p : market[i];
  });
  const targets = [...(await vault.basketState()).targets];
  const v: FlowValuation = {
    side,
    tokens,
    oracle,
    prices,
    market,
    units,
    balances,
    values: [],
    nav: 0n,
    navCeil: 0n,
    targets,
    flowFeeWad: 0n,
    flowImpactWad: 0n,
    slippageBps: (await vault.basketState()).params.slippageBps,
  };
  let roundedDown = 0n;
  for (let i = 0; i < n; i++) {
    const value = i === 0 ? balances[0] : toValue(v, i, balances[i]);
    v.values.push(value);
    v.nav += value;
    if (i !== 0 && balances[i] !== 0n) roundedDown += 1n;
  }
  v.navCeil = v.nav + roundedDown;
  if (side === "oracle") return v;

  // _poolPass: per asset with a pool, its chain's summed fee and its own pool's 1e36 / R (R valued
  // at the oracles); then _flowTerms: fees linear along each chain, impact quadratic in the weight
  // each pool carries (a pool shared by several chains carries their sum).
  const feePips: bigint[] = new Array<bigint>(n).fill(0n);
  const inverse: bigint[] = new Array<bigint>(n).fill(0n);
  const next: number[] = new Array<number>(n).fill(0);
  const seen: boolean[] = new Array<boolean>(n).fill(false);
  const resolve = (i: number, depth: number): void => {
    if (i === 0 || seen[i]) return;
    seen[i] = true;
    const ref = refs[i];
    if (!ref || ref.pool === ethers.ZeroAddress || depth === 0) return;
    const q = ref.quote;
    resolve(q, depth - 1);
    const state = pools.get(ref.pool);
    if (!state) throw new Error("pool not read");
    let reserveValue = 0n;
    if (state.sqrtPriceX96 !== 0n) {
      const reserve =
        BigInt(tokens[q]) > BigInt(tokens[i])
          ? (state.liquidity * state.sqrtPriceX96) / Q96
          : (state.liquidity * Q96) / state.sqrtPriceX96;
      reserveValue = q === 0 ? reserve : mulDiv(reserve, oracle[q] * units[0], units[q] * oracle[0]);
    }
    feePips[i] = feePips[q] + state.fee;
    inverse[i] = reserveValue === 0n ? (1n << 128n) - 1n : (10n ** 36n + reserveValue - 1n) / reserveValue;
    next[i] = q;
  };
  for (let i = 1; i < n; i++) resolve(i, n);
  const carried: bigint[] = new Array<bigint>(n).fill(0n);
  let feeWad = 0n;
  for (let i = 1; i < n; i++) {
    const w = targets[i];
    feeWad += w * feePips[i] * 10n ** 8n;
    for (let j = i, links = 0; j !== 0 && links < n && inverse[j] !== 0n; links++) {
      carried[j] += w;
      j = next[j];
    }
  }
  let impactWad = 0n;
  for (let j = 1; j < n; j++) {
    if (carried[j] !== 0n) impactWad += mulDiv(carried[j] * carried[j], inverse[j], 10n ** 26n, true);
  }
  v.flowFeeWad = feeWad;
  v.flowImpactWad = impactWad;
  return v;
}

/**
 * VaultLogic.flowCost as documented: `value * flowFeeWad + value^2 * flowImpactWad` (both / 1e18),
 * each term rounded up, capped at the slippage bound on `value` (rounded up).
 */
export function flowCost(v: FlowValuation, value: bigint): bigint {
  const linear = mulDiv(value, v.flowFeeWad, WAD, true);
  const impact = mulDiv(value * value, v.flowImpactWad, WAD, true);
  const cap = mulDiv(value, v.slippageBps, BPS, true);
  return linear + impact < cap ? linear + impact : cap;
}

/**
 * What an entry of `value` base units pays beyond its worth at the oracles: its flow cost, and the
 * premium of valuing the basket at `v`'s (entry) NAV rather than at the oracle NAV `oracleNav` (the
 * feeds' deviation thresholds, or the pools where higher). The shares' oracle value rounds down.
 */
export function entryCharge(v: FlowValuation, value: bigint, oracleNav: bigint): bigint {
  return value - mulDiv(value - flowCost(v, value), oracleNav + 1n, v.navCeil + 1n);
}

/** The cost's pool-fee part alone (rounded down): a lower bound of any flow cost below the cap. */
export function flowFeePart(v: FlowValuation, value: bigint): bigint {
  return mulDiv(value, v.flowFeeWad, WAD);
}

/** Shares for `value` base units at `nav` (VIRTUAL_SHARES offset, `nav + 1`). */
export function toShares(value: bigint, nav: bigint, supply: bigint, up = false): bigint {
  return mulDiv(value, supply + VIRTUAL_SHARES, nav + 1n, up);
}

/** Base units for `shares` at `nav`. */
export function toAssets(shares: bigint, nav: bigint, supply: bigint, up = false): bigint {
  return mulDiv(shares, nav + 1n, supply + VIRTUAL_SHARES, up);
}

/**
 * What `deposit(assets)` mints (BallastVault._depositShares): the assets net of the entry fee and
 * of the flow cost, at the entry NAV rounded up. `supply` should include pending fee shares.
 */
export function depositShares(v: FlowValuation, assets: bigint, supply: bigint, entryFeeBps = 0n): bigint {
  const net = assets - mulDiv(assets, entryFeeBps, entryFeeBps + BPS, true);
  return toShares(net - flowCost(v, net), v.navCeil, supply);
}

/** What `mint(shares)` takes (BallastVault._mintAssets). */
export function mintAssets(v: FlowValuation, shares: bigint, supply: bigint, entryFeeBps = 0n): bigint {
  const value = toAssets(shares, v.navCeil, supply, true);
  const first = flowCost(v, value);
  const second = flowCost(v, value + first);
  const assets = value + 2n * second - first;
  return assets + mulDiv(assets, entryFeeBps, BPS, true);
}

/** The exit flow cost of a base exit of `value` (BallastVault._exitFlowCost). */
export function exitFlowCost(v: FlowValuation, value: bigint): bigint {
  return flowCost(v, value < v.balances[0] ? value : v.balances[0]);
}

/** The value a redeem of `shares` pays out (BallastVault._redeemValue), at the exit valuation. */
export function redeemValue(v: FlowValuation, shares: bigint, supply: bigint, exitFeeBps = 0n): bigint {
  let value = toAssets(shares, v.nav, supply);
  value -= mulDiv(value, exitFeeBps, exitFeeBps + BPS, true);
  return value - exitFlowCost(v, value);
}
