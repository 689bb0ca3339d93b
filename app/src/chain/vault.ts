/**
 * Everything the vault page reads: the vault (NAV, share price, basket, fees), its rebalancer
 * (status, weights, the policy and the breakers it consults, which keep their records under the
 * rebalancer's address), one account's position, and the previews of a flow. Views that value the basket
 * revert when a price is unavailable; those failures are kept as explained errors beside what
 * still reads.
 */
import { ZeroAddress } from "ethers";
import type { Provider } from "ethers";

import { explainError } from "../logic/errors";
import type { Explained } from "../logic/errors";
import { describeBreaker, describeNoRebalancer, describeStatus } from "../logic/status";
import type { BreakerView, StatusView } from "../logic/status";

import { statusName } from "../../../src/vault/enums";
import type { BallastBreakers } from "../../../typechain-types";

import { breakersAt, ERROR_INTERFACES, erc20At, policyAt, rebalancerAt, vaultAt } from "./contracts";

export interface TokenInfo {
  address: string;
  symbol: string;
  decimals: number;
}

export interface VaultView {
  address: string;
  name: string;
  symbol: string;
  decimals: number;
  base: TokenInfo;
  tokens: TokenInfo[];
  /** The vault's rebalancer, which decides when the basket trades; undefined while none is set. */
  rebalancer?: string;
  /** The rebalancer's policy: it keeps the volatility estimate and last rebalance under the rebalancer's address. */
  policy?: string;
  /** The rebalancer's circuit breakers: they keep a trip under the rebalancer's address. */
  breakers?: string;
  nav: bigint;
  supply: bigint;
  /** Base-asset units one whole share converts to at the oracle NAV. */
  sharePrice: bigint;
  balances: bigint[];
  /** Each token's value in base-asset units (undefined while a price is unavailable). */
  values?: bigint[];
  currentWeights?: bigint[];
  targetWeights: bigint[];
  /** The policy's trigger band (a drift beyond it makes a rebalance due). */
  triggerBandBps: bigint;
  targetBandBps: bigint;
  driftBps: bigint;
  status: StatusView;
  breaker: BreakerView;
  paused: boolean;
  fees: { managementFeeBps: bigint; entryFeeBps: bigint; exitFeeBps: bigint };
  /** Why the valuation views fail, when they do. */
  priceError?: Explained;
  block: number;
  timestamp: number;
}

export interface Position {
  account: string;
  shares: bigint;
  baseBalance: bigint;
  /** Base asset the router may pull (entries). */
  baseAllowance: bigint;
  /** Shares the router may burn (exits). */
  shareAllowance: bigint;
  /** What the shares convert to at the oracle NAV, and what a base exit would pay now. */
  fairValue: bigint;
  exitValue?: bigint;
  inKind: bigint[];
  tokenBalances: bigint[];
}

export type SymbolOf = (address: string) => string | undefined;

export function symbolLookup(tokens: readonly TokenInfo[]): SymbolOf {
  const bySymbol = new Map(tokens.map((t) => [t.address.toLowerCase(), t.symbol]));
  return (address) => bySymbol.get(address.toLowerCase());
}

/** A view that may revert: its value, or the explained error. */
async function attempt<T>(read: () => Promise<T>, symbolOf: SymbolOf): Promise<{ value?: T; error?: Explained }> {
  try {
    return { value: await read() };
  } catch (error) {
    return { error: explainError(error, ERROR_INTERFACES, symbolOf) };
  }
}

const tokenCache = new Map<string, TokenInfo>();

async function tokenInfo(address: string, provider: Provider): Promise<TokenInfo> {
  const cached = tokenCache.get(address);
  if (cached) return cached;
  const token = erc20At(address, provider);
  const [symbol, decimals] = await Promise.all([token.symbol(), token.decimals()]);
  const info = { address, symbol, decimals: Number(decimals) };
  tokenCache.set(address, info);
  return info;
}

/** What the page shows first: the vault's name, NAV and supply, from the lightest reads. */
export interface Headline {
  name: string;
  symbol: string;
  decimals: number;
  nav: bigint;
  supply: bigint;
  base: TokenInfo;
}

export async function loadHeadline(provider: Provider, address: string): Promise<Headline> {
  const vault = vaultAt(address, provider);
  const [name, symbol, decimals, nav, supply, asset] = await Promise.all([
    vault.name(),
    vault.symbol(),
    vault.decimals(),
    vault.totalAssets(),
    vault.totalSupply(),
    vault.asset(),
  ]);
  return { name, symbol, decimals: Number(decimals), nav, supply, base: await tokenInfo(asset, provider) };
}

/** What the rebalancer, its policy and breakers say of the vault (in words once the basket's symbols are known). */
interface RebalancerReads {
  policy?: string;
  breakers?: string;
  describe(symbols: readonly string[]): { status: StatusView; breaker: BreakerView };
  driftBps: bigint;
  targetBandBps: bigint;
  triggerBandBps: bigint;
  weights: { value?: bigint[]; error?: Explained };
}

/**
 * What the breakers refuse now for `rebalancer` that the oracles' histories show (an oracle that
 * failed within their cooldown, a move, the sequencer): a refusal records nothing, so `breaker()`
 * cannot say. The pools' checks need the routes, which the page does not read: a pool's refusal
 * stays unnamed ([0, 0]).
 */
async function historyRefusal(
  breakers: BallastBreakers,
  rebalancer: string,
  prices: bigint[],
): Promise<[bigint, bigint]> {
  try {
    const [reason, index] = await breakers.refusal(rebalancer, prices, []);
    return [reason, index];
  } catch {
    return [0n, 0n];
  }
}

async function loadRebalancer(
  provider: Provider,
  address: string,
  symbolOf: SymbolOf,
  prices: bigint[],
): Promise<RebalancerReads> {
  const rebalancer = rebalancerAt(address, provider);
  // The policy's and the breakers' reads wait on their addresses only, not on the rebalancer's other reads.
  const policyReads = rebalancer.policy().then(async (policyAddress) => {
    const triggerBandBps = await policyAt(policyAddress, provider)
      .effectiveTriggerBand(address)
      .catch(() => 0n);
    return { policyAddress, triggerBandBps };
  });
  const breakerReads = rebalancer.breakers().then(async (breakersAddress) => {
    const breakers = breakersAt(breakersAddress, provider);
    const [breaker, holds] = await Promise.all([breakers.breaker(address), breakers.holds(address)]);
    return { breakersAddress, breakers, breaker, holds };
  });
  const [
    [status, driftBps, targetBandBps],
    weights,
    { policyAddress, triggerBandBps },
    { breakersAddress, breakers, breaker, holds },
  ] = await Promise.all([
    rebalancer.rebalanceStatus(),
    attempt(async () => [...(await rebalancer.currentWeights())], symbolOf),
    policyReads,
    breakerReads,
  ]);
  // BreakerTripped with no trip in force: a refusal, named when the oracles' histories show it.
  const refused =
    statusName(status) === "BreakerTripped" && !holds
      ? await historyRefusal(breakers, address, prices)
      : ([0n, 0n] as const);
  return {
    policy: policyAddress,
    breakers: breakersAddress,
    describe(symbols) {
      const breakerView = describeBreaker(breaker[0], breaker[1], symbols);
      const why = refused[0] !== 0n ? describeBreaker(refused[0], refused[1], symbols) : breakerView;
      return { status: describeStatus(status, driftBps, targetBandBps, why), breaker: breakerView };
    },
    driftBps,
    targetBandBps,
    triggerBandBps,
    weights,
  };
}

/** A vault without a rebalancer: no status, no breaker, no weights (the rebalancer values the basket). */
const WITHOUT_REBALANCER: RebalancerReads = {
  describe: () => ({ status: describeNoRebalancer(), breaker: describeBreaker(0, 0, []) }),
  driftBps: 0n,
  targetBandBps: 0n,
  triggerBandBps: 0n,
  weights: {},
};

export async function loadVault(provider: Provider, address: string): Promise<VaultView> {
  const vault = vaultAt(address, provider);
  // Three round trips (ethers batches the calls of each): the vault with its rebalancer's address,
  // the rebalancer with its policy's and breakers', then those two. The headline is on screen meanwhile.
  let tokens: TokenInfo[] = [];
  const symbolOf: SymbolOf = (a) => symbolLookup(tokens)(a);
  const [
    name,
    symbol,
    decimals,
    tokenAddresses,
    rebalancerAddress,
    block,
    nav,
    supply,
    { targets, prices },
    paused,
    fees,
  ] = await Promise.all([
    vault.name(),
    vault.symbol(),
    vault.decimals(),
    vault.basketTokens(),
    vault.rebalancer(),
    provider.getBlock("latest"),
    vault.totalAssets(),
    vault.totalSupply(),
    vault.basketState(),
    vault.paused(),
    vault.feeParams(),
  ]);
  const hasRebalancer = rebalancerAddress !== ZeroAddress;
  const [tokenList, balances, sharePrice, reads] = await Promise.all([
    Promise.all(tokenAddresses.map((t) => tokenInfo(t, provider))),
    Promise.all(tokenAddresses.map((t) => erc20At(t, provider).balanceOf(address))),
    vault.convertToAssets(10n ** decimals),
    hasRebalancer ? loadRebalancer(provider, rebalancerAddress, symbolOf, [...prices]) : WITHOUT_REBALANCER,
  ]);
  tokens = tokenList;
  const { status, breaker } = reads.describe(tokens.map((t) => t.symbol));
  const currentWeights = reads.weights.value;
  return {
    address,
    name,
    symbol,
    decimals: Number(decimals),
    base: tokens[0],
    tokens,
    rebalancer: hasRebalancer ? rebalancerAddress : undefined,
    policy: reads.policy,
    breakers: reads.breakers,
    nav,
    supply,
    sharePrice,
    balances,
    values: currentWeights?.map((w) => (nav * w) / 10_000n),
    currentWeights,
    targetWeights: [...targets],
    triggerBandBps: reads.triggerBandBps,
    targetBandBps: reads.targetBandBps,
    driftBps: reads.driftBps,
    status,
    breaker,
    paused,
    fees: { managementFeeBps: fees.managementFeeBps, entryFeeBps: fees.entryFeeBps, exitFeeBps: fees.exitFeeBps },
    priceError: reads.weights.error,
    block: block?.number ?? 0,
    timestamp: block?.timestamp ?? Math.floor(Date.now() / 1000),
  };
}

export async function loadPosition(
  provider: Provider,
  view: VaultView,
  account: string,
  router: string | undefined,
): Promise<Position> {
  const vault = vaultAt(view.address, provider);
  const base = erc20At(view.base.address, provider);
  const symbolOf = symbolLookup(view.tokens);
  const [shares, baseBalance, baseAllowance, shareAllowance, tokenBalances] = await Promise.all([
    vault.balanceOf(account),
    base.balanceOf(account),
    router ? base.allowance(account, router) : Promise.resolve(0n),
    router ? vault.allowance(account, router) : Promise.resolve(0n),
    Promise.all(view.tokens.map((t) => erc20At(t.address, provider).balanceOf(account))),
  ]);
  const [fairValue, exitValue, inKind] = await Promise.all([
    vault.convertToAssets(shares),
    attempt(() => vault.previewRedeem(shares), symbolOf),
    vault.previewRedeemInKind(shares),
  ]);
  return {
    account,
    shares,
    baseBalance,
    baseAllowance,
    shareAllowance,
    fairValue,
    exitValue: exitValue.value,
    inKind: [...inKind],
    tokenBalances,
  };
}

export type PreviewKind = "deposit" | "redeem" | "withdraw" | "inKind";

export interface Preview {
  kind: PreviewKind;
  /** What the depositor typed, in smallest units (base asset for deposit/withdraw, shares otherwise). */
  input: bigint;
  /** deposit: shares; redeem: assets; withdraw: shares burnt; inKind: unused (see `amounts`). */
  quoted: bigint;
  /** The same at the oracle NAV (convertTo*): the charge is the gap. */
  fair: bigint;
  amounts?: bigint[];
  /** Whether a base exit must sell basket assets (beyond the vault's base balance). */
  sells?: boolean;
  /** The largest the vault takes now (maxDeposit / maxRedeem / maxWithdraw). */
  max?: bigint;
  error?: Explained;
}

/**
 * What each base flow reads: its ERC-4626 preview, the same at the oracle NAV (convertTo*), and the
 * account's limit. A withdrawal's charge shows as extra shares burnt: its fair value is the amount
 * in shares.
 */
const FLOW_READS = {
  deposit: ["previewDeposit", "convertToShares", "maxDeposit"],
  redeem: ["previewRedeem", "convertToAssets", "maxRedeem"],
  withdraw: ["previewWithdraw", "convertToShares", "maxWithdraw"],
} as const;

/** The preview of a flow and its oracle-NAV counterpart, read in the same block. */
export async function loadPreview(
  provider: Provider,
  view: VaultView,
  kind: PreviewKind,
  input: bigint,
  account?: string,
): Promise<Preview> {
  const vault = vaultAt(view.address, provider);
  const symbolOf = symbolLookup(view.tokens);
  const blockTag = await provider.getBlockNumber();
  const at = { blockTag };
  const who = account ?? "0x0000000000000000000000000000000000000001";
  const read = async (): Promise<Preview> => {
    if (kind === "inKind") {
      const amounts = await vault.previewRedeemInKind(input, at);
      return { kind, input, quoted: 0n, fair: 0n, amounts: [...amounts] };
    }
    const [preview, convert, limit] = FLOW_READS[kind];
    const [quoted, fair, max] = await Promise.all([
      vault[preview](input, at),
      vault[convert](input, at),
      vault[limit](who, at),
    ]);
    if (kind === "deposit") return { kind, input, quoted, fair, max };
    // An exit sells basket assets when the base it pays (redeem: the quote; withdraw: the amount
    // typed) is more than the vault's base balance.
    const paid = kind === "redeem" ? quoted : input;
    return { kind, input, quoted, fair, max, sells: paid > view.balances[0] };
  };
  try {
    return await read();
  } catch (error) {
    return { kind, input, quoted: 0n, fair: 0n, error: explainError(error, ERROR_INTERFACES, symbolOf) };
  }
}
