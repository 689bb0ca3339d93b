/**
 * The shape of a network's deployment configuration: everything `npm run deploy` needs to deploy
 * and check a Ballast vault on one chain (`networks.ts`, reviewed like code). The contracts'
 * parameter structs are typechain's, so that a field the contracts add or rename is a type error
 * here, in the Ignition module and in `deployVault`'s options alike.
 */

import type { IBallastBreakers } from "../../typechain-types/artifacts/contracts/BallastBreakers";
import type { IBallastPolicy } from "../../typechain-types/artifacts/contracts/BallastPolicy";
import type { IBallastRebalancer } from "../../typechain-types/artifacts/contracts/BallastRebalancer";
import type { IBallastVault } from "../../typechain-types/artifacts/contracts/BallastVault";

/** A hop sequence from an asset to the base asset by symbols and fee tiers: `["WBTC", 500, "WETH", 500, "USDC"]`. */
export type Route = readonly (string | number)[];

export interface TokenConfig {
  address: string;
  decimals: number;
  /** Chainlink `<token> / USD` aggregator proxy. */
  feed: string;
  /** What the feed's `description()` must answer: the deployment check compares it. */
  feedDescription: string;
  /**
   * Seconds after which the vault's oracle treats the feed as stale: the feed's heartbeat plus a
   * margin for rounds that land late (about 10%).
   */
  staleAfter: number;
  /**
   * The feed's deviation threshold in bps, as Chainlink publishes it for the feed (data.chain.link;
   * no contract can read it): entries are priced as if the feed had already moved that far.
   */
  feedDeviationBps: number;
}

export interface BasketAssetConfig {
  /** Token symbol. The first entry is the base asset. */
  symbol: string;
  /** Target weight in basis points; all entries sum to 10_000. */
  weightBps: number;
  /** Route to the base asset (the reverse is the buy route); none for the base asset. */
  route?: Route;
}

/** The breakers but the sequencer feed, which is a network's own. */
export type BreakerConfig = Omit<IBallastBreakers.BreakerParamsStruct, "sequencerFeed">;

export interface NetworkDeployConfig {
  /** Hardhat network name. */
  network: string;
  chainId: number;
  /** Block explorer that hardhat-verify submits to (informational). */
  explorer: string;
  uniswap: {
    /** Uniswap V3's factory: the vault swaps directly on its pools (no router). */
    factory: string;
    /** QuoterV2: the deployment check quotes every route through it. */
    quoter: string;
  };
  tokens: Readonly<Record<string, TokenConfig>>;
  /** Base asset first. */
  basket: readonly BasketAssetConfig[];
  /**
   * The chain's block time in milliseconds, the shortest it runs at for long: a pool records at most
   * one oracle observation a block, so the observations that span the breakers' TWAP window number
   * `twapWindow / blockTime`. The deployment raises each watched pool's observation ring to twice
   * that, so that nobody can write it over within the window (Arbitrum: 250 ms, 14,400 observations
   * for 30 minutes).
   */
  blockTimeMs: number;
  /** Chainlink L2 sequencer uptime feed (L2s only). */
  sequencerFeed?: string;
  vault: { name: string; symbol: string };
  params: {
    slippageBps: number;
    maxTradeBps: number;
    maxLossBps: number;
    minTradeValueWhole: number;
    maxPoolGapBps: number;
  };
  triggers: IBallastPolicy.TriggerParamsStruct;
  /**
   * The strategy lab's sweep that chose `triggers` (`npm run backtest -- --sweep` over this basket's
   * assets and weights, its pools' `feePips` and a base fee of `gasGwei`, at the contracts' measured
   * gas): the recommended band-edge trigger and target bands. test/deploy/sweep.test.ts runs it again
   * and fails when the configured bands are not its recommendation.
   */
  sweep: { gasGwei: number; feePips: number };
  /** The breakers but the sequencer feed, which is the network's (`sequencerFeed`). */
  breakers: BreakerConfig;
  volatility: IBallastPolicy.VolatilityParamsStruct;
  /** The cost gate; the gas token's oracle is the one deployed for the basket asset `gasToken`. */
  costs: Omit<IBallastPolicy.CostParamsStruct, "gasTokenOracle"> & {
    /** Basket symbol whose oracle prices the gas token (the chain's ETH). */
    gasToken: string;
  };
  /** Fees; the recipient is governance's choice at deployment (`--fee-recipient`). */
  fees: Omit<IBallastVault.FeeParamsStruct, "recipient">;
  /**
   * The keeper reward (`IBallastRebalancer.RewardParams`): gas at the base fee times 1 + `premiumBps`,
   * at most `maxRewardBps` of NAV and `maxRewardWhole` whole base tokens a rebalance.
   */
  reward: { premiumBps: number; maxRewardBps: number; maxRewardWhole: number };
  /** How keepers' plans are held to account. */
  plan: IBallastRebalancer.PlanParamsStruct;
  /** Minimum delay of the TimelockController that governs the vault, its rebalancer, policy and breakers. */
  timelockDelay: number;
}
