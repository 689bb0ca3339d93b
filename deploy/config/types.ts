/**
 * The shape of a network's deployment configuration: everything `npm run deploy` needs to deploy
 * and check a Ballast vault on one chain. One file per chain id in this folder, reviewed like code.
 */

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
  symbol: string;
  weightBps: number;
  /** Route to the base asset (the reverse is the buy route); none for the base asset. */
  route?: Route;
}

export type RouterKind = "SwapRouter" | "SwapRouter02";

// The contracts' parameter structs as the configs and the Ignition module both spell them: type
// aliases, not interfaces, because Ignition's argument type wants an index signature.

/** `IBallastPolicy.TriggerParams`. */
export type TriggerConfig = {
  triggerBandBps: number;
  targetBandBps: number;
  cooldown: number;
  calendarInterval: number;
};

/** `IBallastBreakers.BreakerParams` but the sequencer feed, which is the network's (`sequencerFeed`). */
export type BreakerConfig = {
  twapWindow: number;
  maxOracleTwapDeviationBps: number;
  maxSpotTwapTicks: number;
  maxMoveBps: number;
  moveWindow: number;
  cooldown: number;
  sequencerGracePeriod: number;
  tripOnInvalidPrice: boolean;
};

/** `IBallastPolicy.VolatilityParams`. */
export type VolatilityConfig = {
  referenceVolBps: number;
  minBandBps: number;
  maxBandBps: number;
  averagingTime: number;
  minObservationInterval: number;
};

/** `IBallastPolicy.CostParams` but the gas token's oracle, which each deployment names its own way. */
export type CostConfig = {
  benefitPerBpWad: bigint;
  maxCostRatioBps: number;
  gasBase: number;
  gasPerHop: number;
};

/** `IBallastVault.FeeParams` but the recipient. */
export type FeeConfig = {
  managementFeeBps: number;
  entryFeeBps: number;
  exitFeeBps: number;
};

/** `IBallastRebalancer.PlanParams`. */
export type PlanConfig = {
  minDriftCutBps: number;
  costToleranceBps: number;
};

export interface NetworkDeployConfig {
  /** Hardhat network name. */
  network: string;
  chainId: number;
  /** Block explorer that hardhat-verify submits to (informational). */
  explorer: string;
  uniswap: {
    factory: string;
    router: string;
    /** The original SwapRouter (mainnet, Arbitrum) or SwapRouter02 (Base, Sepolia). */
    routerKind: RouterKind;
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
  triggers: TriggerConfig;
  /**
   * The strategy lab's sweep that chose `triggers` (`npm run backtest -- --sweep` over this basket's
   * assets and weights, its pools' `feePips` and a base fee of `gasGwei`, at the contracts' measured
   * gas): the recommended band-edge trigger and target bands. test/deploy/sweep.test.ts runs it again
   * and fails when the configured bands are not its recommendation.
   */
  sweep: { gasGwei: number; feePips: number };
  breakers: BreakerConfig;
  volatility: VolatilityConfig;
  costs: CostConfig & {
    /** Basket symbol whose oracle prices the gas token (the chain's ETH). */
    gasToken: string;
  };
  fees: FeeConfig;
  /**
   * The keeper reward (`IBallastRebalancer.RewardParams`): gas at the base fee times 1 + `premiumBps`,
   * at most `maxRewardBps` of NAV and `maxRewardWhole` whole base tokens a rebalance.
   */
  reward: { premiumBps: number; maxRewardBps: number; maxRewardWhole: number };
  /** How keepers' plans are held to account (`IBallastRebalancer.PlanParams`). */
  plan: PlanConfig;
  /** Minimum delay of the TimelockController that governs the vault, its rebalancer, policy and breakers. */
  timelockDelay: number;
}
