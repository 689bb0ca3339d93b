import { RECOMMENDED_BREAKERS, RECOMMENDED_COSTS, RECOMMENDED_REWARD } from "./recommended";
import type { BasketAssetConfig, BreakerConfig, NetworkDeployConfig, TokenConfig } from "./types";

/*
 * Reviewed per-network deployment parameters: tables of what each chain has (chain facts, tokens and
 * their feeds, Uniswap, the sequencer feed), then each network's basket and sweep. Addresses come
 * from the issuers' and protocols' own documentation (Circle, WETH, BitGo/Coinbase, Chainlink data
 * feeds, Uniswap's deployment pages) and are never assumed equal across chains. `npm run deploy --
 * --network <net> --check-only` compares every one of them with the chain before anything is
 * deployed: token decimals, feed descriptions and freshness, and a QuoterV2 quote along every route
 * (which proves each pool and fee tier exists and trades).
 */

const DAY = 86_400;
const HOUR = 3_600;

/*
 * Feed deviation thresholds (bps): entries are priced as if each feed had already moved this far
 * (threat model H1), so a threshold set too low lets foresight of an update earn, one set too high
 * overcharges entrants. Mainnet's are Chainlink's published ones for its USD feeds: ETH and BTC
 * 0.5%, LINK and UNI 1%, USDC 0.25%. The L2 and testnet feeds below take mainnet's threshold of the
 * same asset (ARB's: 1%, as most of Chainlink's altcoin feeds), an upper bound: Chainlink runs its
 * L2 feeds of these assets at the same or tighter thresholds. Confirm each against data.chain.link
 * when reviewing a deployment (no contract can read it) and lower it to the feed's own.
 */
const DEVIATION = { USD_STABLE: 25, ETH: 50, BTC: 50, ALT: 100 } as const;

/**
 * What an asset is on every chain here: its decimals, and its Chainlink USD feed's description and
 * deviation threshold. The deployment check compares the decimals and descriptions with each chain.
 */
const ASSETS = {
  USDC: { decimals: 6, feedDescription: "USDC / USD", feedDeviationBps: DEVIATION.USD_STABLE },
  WETH: { decimals: 18, feedDescription: "ETH / USD", feedDeviationBps: DEVIATION.ETH },
  WBTC: { decimals: 8, feedDescription: "BTC / USD", feedDeviationBps: DEVIATION.BTC },
  cbBTC: { decimals: 8, feedDescription: "cbBTC / USD", feedDeviationBps: DEVIATION.BTC },
  LINK: { decimals: 18, feedDescription: "LINK / USD", feedDeviationBps: DEVIATION.ALT },
  UNI: { decimals: 18, feedDescription: "UNI / USD", feedDeviationBps: DEVIATION.ALT },
  ARB: { decimals: 18, feedDescription: "ARB / USD", feedDeviationBps: DEVIATION.ALT },
} as const;

/** The live networks, by their Hardhat names. */
type LiveNetwork = "mainnet" | "arbitrum" | "base" | "sepolia";
type Asset = keyof typeof ASSETS;

/** A feed's heartbeat: it answers at least this often (a day or an hour). */
type Heartbeat = typeof DAY | typeof HOUR;

/** When a feed counts as stale: its heartbeat plus a margin for rounds that land late. */
const STALE_AFTER: Record<Heartbeat, number> = { [DAY]: DAY + 2 * HOUR, [HOUR]: HOUR + 6 * 60 };

/** Each live network's chain id, explorer and block time. */
const CHAINS: Record<LiveNetwork, Pick<NetworkDeployConfig, "chainId" | "explorer" | "blockTimeMs">> = {
  mainnet: { chainId: 1, explorer: "https://etherscan.io", blockTimeMs: 12_000 },
  // ~0.25 s blocks: a 30-minute TWAP spans 7,200 observations.
  arbitrum: { chainId: 42161, explorer: "https://arbiscan.io", blockTimeMs: 250 },
  base: { chainId: 8453, explorer: "https://basescan.org", blockTimeMs: 2_000 },
  sepolia: { chainId: 11155111, explorer: "https://sepolia.etherscan.io", blockTimeMs: 12_000 },
};

/**
 * Each asset on each live network where a basket holds it: its token there, its USD feed there and
 * that feed's heartbeat; the rest is the asset's ({@link ASSETS}).
 */
const DEPLOYED: Record<
  Asset,
  Partial<Record<LiveNetwork, readonly [token: string, feed: string, heartbeat: Heartbeat]>>
> = {
  USDC: {
    mainnet: ["0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", "0x8fFfFfd4AfB6115b954Bd326cbe7B4BA576818f6", DAY],
    arbitrum: ["0xaf88d065e77c8cC2239327C5EDb3A432268e5831", "0x50834F3163758fcC1Df9973b6e91f0F0F0434aD3", DAY],
    base: ["0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", "0x7e860098F58bBFC8648a4311b374B1D669a2bc6B", DAY],
    sepolia: ["0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238", "0xA2F78ab2355fe2f984D808B5CeE7FD0A93D5270E", DAY],
  },
  WETH: {
    mainnet: ["0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2", "0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419", HOUR],
    arbitrum: ["0x82aF49447D8a07e3bd95BD0d56f35241523fBab1", "0x639Fe6ab55C921f74e7fac1ee960C0B6293ba612", DAY],
    base: ["0x4200000000000000000000000000000000000006", "0x71041dddad3595F9CEd3DcCFBe3D1F4b0a16Bb70", DAY],
    sepolia: ["0xfFf9976782d46CC05630D1f6eBAb18b2324d6B14", "0x694AA1769357215DE4FAC081bf1f309aDC325306", HOUR],
  },
  // Priced by BTC / USD: a WBTC de-peg would not show; the breakers' oracle-vs-TWAP check on the
  // WBTC/WETH pool does catch one.
  WBTC: {
    mainnet: ["0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599", "0xF4030086522a5bEEa4988F8cA5B36dbC97BeE88c", HOUR],
    arbitrum: ["0x2f2a2543B76A4166549F7aaB2e75Bef0aefC5B0f", "0x6ce185860a4963106506C203335A2910413708e9", DAY],
  },
  cbBTC: { base: ["0xcbB7C0000aB88B473b1f5aFd9ef808440eed33Bf", "0x07DA0E54543a844a80ABE69c8A12F22B3aA59f9D", DAY] },
  LINK: {
    mainnet: ["0x514910771AF9Ca656af840dff83E8264EcF986CA", "0x2c1d072e956AFFC0D435Cb7AC38EF18d24d9127c", HOUR],
    arbitrum: ["0xf97f4df75117a78c1A5a0DBb814Af92458539FB4", "0x86E53CF1B870786351Da77A57575e79CB55812CB", HOUR],
  },
  UNI: { mainnet: ["0x1f9840a85d5aF5bf1D1762F925BDADdC4201F984", "0x553303d460EE0afB37EdFf9bE42922D8FF63220e", HOUR] },
  ARB: { arbitrum: ["0x912CE59144191C1204E64559FE8253a0e49E6548", "0xb2A824043730FE05F3DA2efaFa1CBbe83fa548D6", DAY] },
};

/** A basket leg of an asset {@link DEPLOYED} states. */
type Leg = BasketAssetConfig & { symbol: Asset };

/** `network`'s tokens: each asset of its basket, as {@link DEPLOYED} and {@link ASSETS} state it. */
function tokensOn(network: LiveNetwork, basket: readonly Leg[]): Record<string, TokenConfig> {
  return Object.fromEntries(
    basket.map(({ symbol }) => {
      const deployed = DEPLOYED[symbol][network];
      if (!deployed) throw new Error(`deploy/config/networks.ts: no ${symbol} on ${network}`);
      const [address, feed, heartbeat] = deployed;
      return [symbol, { address, feed, staleAfter: STALE_AFTER[heartbeat], ...ASSETS[symbol] }];
    }),
  );
}

/** A network's breakers: the recommended ones less the sequencer feed, which the network states. */
function breakersWithoutSequencer(params: typeof RECOMMENDED_BREAKERS): BreakerConfig {
  const { twapWindow, maxOracleTwapDeviationBps, maxSpotTwapTicks, maxMoveBps, moveWindow, cooldown } = params;
  const { sequencerGracePeriod, tripOnInvalidPrice } = params;
  return {
    twapWindow,
    maxOracleTwapDeviationBps,
    maxSpotTwapTicks,
    maxMoveBps,
    moveWindow,
    cooldown,
    sequencerGracePeriod,
    tripOnInvalidPrice,
  };
}

/** Settings shared by every live network; each network below states what differs. */
const COMMON = {
  vault: { name: "Ballast Basket", symbol: "BLST" },
  // A leg whose pools are 5 bps worse than its oracles waits (see docs/threat-model.md, H2).
  params: { slippageBps: 100, maxTradeBps: 1_000, maxLossBps: 100, minTradeValueWhole: 100, maxPoolGapBps: 5 },
  // Chosen per network by the lab's sweep (`sweep` below, re-run by test/deploy/sweep.test.ts).
  triggers: { triggerBandBps: 300, targetBandBps: 37, cooldown: HOUR, calendarInterval: 30 * DAY },
  // An L1's gas: 20 gwei.
  sweep: { gasGwei: 20, feePips: 500 },
  // Without the sequencer feed: an L2 has its own (SEQUENCER_FEEDS below).
  breakers: breakersWithoutSequencer(RECOMMENDED_BREAKERS),
  volatility: {
    referenceVolBps: 6_000,
    minBandBps: 150,
    maxBandBps: 1_000,
    averagingTime: 14 * DAY,
    minObservationInterval: HOUR,
  },
  costs: { ...RECOMMENDED_COSTS, gasToken: "WETH" },
  // Entries and base exits pay their flow cost by themselves (swing pricing, threat model H1/H2).
  fees: { managementFeeBps: 0, entryFeeBps: 0, exitFeeBps: 0 },
  reward: RECOMMENDED_REWARD,
  // A keeper's plan reaches the target band or cuts the largest drift by a quarter, and loses at
  // most 0.1% of what it trades beyond the policy's quote.
  plan: { minDriftCutBps: 2_500, costToleranceBps: 10 },
  timelockDelay: 2 * DAY,
} as const;

/**
 * Each live network's Uniswap V3 (the factory, whose pools the vault trades on directly, and the
 * quoter the keeper prices plans with): the original deployment, which Uniswap's deployment pages
 * list at the same addresses on Ethereum mainnet and Arbitrum One (`--check-only` asks each chain),
 * and the later ones on Base and Sepolia.
 */
const UNISWAP_V3_ORIGINAL = {
  factory: "0x1F98431c8aD98523631AE4a59f267346ea31F984",
  quoter: "0x61fFE014bA17989E743c5F6cB21bF9697530B21e",
} as const;
const UNISWAP: Record<LiveNetwork, NetworkDeployConfig["uniswap"]> = {
  mainnet: UNISWAP_V3_ORIGINAL,
  arbitrum: UNISWAP_V3_ORIGINAL,
  base: {
    factory: "0x33128a8fC17869897dcE68Ed026d694621f6FDfD",
    quoter: "0x3d4e44Eb1374240CE5F1B871ab261CD16335B76a",
  },
  sepolia: {
    factory: "0x0227628f3F023bb0B980b67D528571c95c6DaC1c",
    quoter: "0xEd1f6473345F45b75F8179591dd5bA1888cf2FB3",
  },
};

/** The L2s' Chainlink sequencer uptime feeds. */
const SEQUENCER_FEEDS: Partial<Record<LiveNetwork, string>> = {
  arbitrum: "0xFdB631F5EE196F0ed6FAa767959853A9F217697D",
  base: "0xBCF85224fc0756B9Fa45aA7892530B47e10b6433",
};

/**
 * A live network's configuration: {@link COMMON} with its chain, its Uniswap deployment and its
 * basket's tokens from the tables above, and what `config` states (its basket and what differs).
 * On an L2 the sequencer uptime feed guards trading, and prices wait an hour after a restart.
 */
function liveNetwork(
  network: LiveNetwork,
  config: Partial<Omit<NetworkDeployConfig, "network" | "basket">> & { basket: readonly Leg[] },
): NetworkDeployConfig {
  const sequencerFeed = SEQUENCER_FEEDS[network];
  return {
    ...COMMON,
    network,
    ...CHAINS[network],
    uniswap: UNISWAP[network],
    tokens: tokensOn(network, config.basket),
    ...(sequencerFeed ? { sequencerFeed, breakers: { ...COMMON.breakers, sequencerGracePeriod: HOUR } } : {}),
    ...config,
  };
}

/** A network's own sweep (its gas and fee tier) and the trigger and target bands it chose there. */
function swept(
  sweep: NetworkDeployConfig["sweep"],
  bands: { triggerBandBps: number; targetBandBps: number },
): Pick<NetworkDeployConfig, "sweep" | "triggers"> {
  return { sweep, triggers: { ...COMMON.triggers, ...bands } };
}

/**
 * The legs mainnet's and Arbitrum's baskets share, at the weights both sweeps ran: 5% USDC, 40% WETH
 * and 35% WBTC, then 10% LINK and 10% of the chain's own alt (UNI, ARB), in each basket's order.
 */
const SHARED_LEGS: readonly Leg[] = [
  { symbol: "USDC", weightBps: 500 },
  { symbol: "WETH", weightBps: 4_000, route: ["WETH", 500, "USDC"] },
  { symbol: "WBTC", weightBps: 3_500, route: ["WBTC", 500, "WETH", 500, "USDC"] },
];
const LINK_LEG: Leg = { symbol: "LINK", weightBps: 1_000, route: ["LINK", 3_000, "WETH", 500, "USDC"] };

/** Ethereum mainnet: 1-hour feeds but USDC's (1 day). */
const mainnet = liveNetwork("mainnet", {
  // npm run backtest -- --sweep --assets WETH,WBTC,LINK,UNI --weights 500,4000,3500,1000,1000 --fee 500 --gwei 20
  basket: [...SHARED_LEGS, LINK_LEG, { symbol: "UNI", weightBps: 1_000, route: ["UNI", 3_000, "WETH", 500, "USDC"] }],
});

/** Arbitrum One: Uniswap V3 at mainnet's addresses; the sequencer feed guards trading. */
const arbitrum = liveNetwork("arbitrum", {
  basket: [...SHARED_LEGS, { symbol: "ARB", weightBps: 1_000, route: ["ARB", 500, "WETH", 500, "USDC"] }, LINK_LEG],
  // An L2's gas (0.05 gwei): a narrower band pays.
  // npm run backtest -- --sweep --assets WETH,WBTC,ARB,LINK --weights 500,4000,3500,1000,1000 --fee 500 --gwei 0.05
  ...swept({ gasGwei: 0.05, feePips: 500 }, { triggerBandBps: 200, targetBandBps: 25 }),
});

/** Base: cbBTC is the deep BTC; the sequencer feed guards trading. */
const base = liveNetwork("base", {
  basket: [
    { symbol: "USDC", weightBps: 1_000 },
    { symbol: "WETH", weightBps: 5_000, route: ["WETH", 500, "USDC"] },
    { symbol: "cbBTC", weightBps: 4_000, route: ["cbBTC", 500, "WETH", 500, "USDC"] },
  ],
  // An L2's gas (0.05 gwei); cbBTC swept as WBTC.
  // npm run backtest -- --sweep --assets WETH,WBTC --weights 1000,5000,4000 --fee 500 --gwei 0.05
  ...swept({ gasGwei: 0.05, feePips: 500 }, { triggerBandBps: 200, targetBandBps: 50 }),
});

/**
 * Sepolia: Uniswap's testnet deployment and Chainlink's testnet feeds; Circle's test USDC. Testnet
 * pools are thin and often stale: the breakers and the cost gate will say so.
 */
const sepolia = liveNetwork("sepolia", {
  basket: [
    { symbol: "USDC", weightBps: 5_000 },
    { symbol: "WETH", weightBps: 5_000, route: ["WETH", 3_000, "USDC"] },
  ],
  // Rehearses mainnet at an L1's gas with its own two-asset basket.
  // npm run backtest -- --sweep --assets WETH --weights 5000,5000 --fee 3000 --gwei 20
  ...swept({ gasGwei: 20, feePips: 3_000 }, { triggerBandBps: 300, targetBandBps: 150 }),
  params: { ...COMMON.params, minTradeValueWhole: 1 },
  timelockDelay: HOUR,
});

/** Live networks by chain id. `localhost` and `hardhat` build theirs from a fresh local market. */
export const NETWORKS: Readonly<Record<number, NetworkDeployConfig>> = {
  [mainnet.chainId]: mainnet,
  [arbitrum.chainId]: arbitrum,
  [base.chainId]: base,
  [sepolia.chainId]: sepolia,
};
