import { DEFAULT_FEED_DEVIATION_BPS, FEED_DEVIATION_BPS } from "../../src/market";
import type { LocalMarket } from "../../src/market";

import { NETWORKS } from "./networks";
import type { NetworkDeployConfig, TokenConfig } from "./types";

/**
 * The configuration of a chain without Ballast's live dependencies (`hardhat`, `localhost`): the
 * tokens, feeds and Uniswap V3 of a local market just deployed, with mainnet's parameters.
 */
export async function localConfig(market: LocalMarket, network: string, chainId: number): Promise<NetworkDeployConfig> {
  const symbols = ["USDC", "WETH", "WBTC", "LINK"];
  const tokens: Record<string, TokenConfig> = {};
  for (const symbol of symbols) {
    const token = market.token(symbol);
    tokens[symbol] = {
      address: token.address,
      decimals: token.decimals,
      feed: await token.feed.getAddress(),
      feedDescription: `${symbol} / USD`,
      staleAfter: 86_400,
      feedDeviationBps: FEED_DEVIATION_BPS[symbol] ?? DEFAULT_FEED_DEVIATION_BPS,
    };
  }
  return {
    ...NETWORKS[1],
    network,
    chainId,
    explorer: "",
    uniswap: {
      factory: await market.factory.getAddress(),
      quoter: await market.quoter.getAddress(),
    },
    tokens,
    basket: [
      { symbol: "USDC", weightBps: 500 },
      { symbol: "WETH", weightBps: 4_000, route: ["WETH", 500, "USDC"] },
      { symbol: "WBTC", weightBps: 3_500, route: ["WBTC", 500, "WETH", 500, "USDC"] },
      { symbol: "LINK", weightBps: 2_000, route: ["LINK", 3_000, "USDC"] },
    ],
    sequencerFeed: undefined,
    // Hardhat mines a block a transaction, at least a second apart: its pools need 3,600
    // observations for a 30-minute TWAP with the margin, more than the local market's 720.
    blockTimeMs: 1_000,
    // A fresh market's pools have no TWAP history yet: the breakers would trip until they do.
    timelockDelay: 2 * 86_400,
  };
}
