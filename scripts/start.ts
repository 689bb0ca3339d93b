/**
 * `npm start`: deploys the local market on the in-process Hardhat chain and shows it working. The
 * vault and the market scenario it plays join this script as their issues land.
 */
import { MaxUint256, parseUnits } from "ethers";
import { ethers, network } from "hardhat";

import { deployLocalMarket } from "../src/market";
import type { LocalMarket, MarketPool } from "../src/market";

const usd = (value: number) =>
  value.toLocaleString("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 2 });

/** The pool's volatile token: the one quoted in USDC, or in WETH on a hub pool. */
function baseOf(pool: MarketPool): string {
  const quote = [pool.token0.symbol, pool.token1.symbol].includes("USDC") ? "USDC" : "WETH";
  return pool.token0.symbol === quote ? pool.token1.symbol : pool.token0.symbol;
}

async function poolValueUsd(market: LocalMarket, pool: MarketPool): Promise<number> {
  let total = 0;
  for (const token of [pool.token0, pool.token1]) {
    const balance = await token.contract.balanceOf(pool.address);
    total += (Number(balance) / 10 ** token.decimals) * (await market.feedPrice(token.symbol));
  }
  return total;
}

async function printPools(market: LocalMarket): Promise<void> {
  const rows = [];
  for (const pool of market.pools) {
    const base = baseOf(pool);
    const quote = base === pool.token0.symbol ? pool.token1.symbol : pool.token0.symbol;
    const spot = await market.poolPrice(pool, base);
    const implied = (await market.feedPrice(base)) / (await market.feedPrice(quote));
    rows.push({
      pool: pool.key,
      fee: `${pool.fee / 100} bp`,
      [`spot`]: `${spot.toPrecision(6)} ${quote}`,
      // `|| 0` folds -0 into 0 so that rounding noise does not print as "-0.0".
      "vs feeds": `${(Math.round(((spot - implied) / implied) * 100_000) / 10 || 0).toFixed(1)} bp`,
      TVL: usd(await poolValueUsd(market, pool)),
    });
  }
  console.table(rows);
}

async function main(): Promise<void> {
  if (network.name !== "hardhat" && network.name !== "localhost") {
    throw new Error(`npm start runs on the local chain (hardhat or localhost), not ${network.name}`);
  }
  console.log(`Deploying the local market on '${network.name}' (Uniswap V3 from the npm artifacts)...`);
  const market = await deployLocalMarket();
  console.log(`\nUniswap V3 factory  ${await market.factory.getAddress()}`);
  console.log(`SwapRouter          ${await market.router.getAddress()}`);
  console.log(`PositionManager     ${await market.positionManager.getAddress()}`);
  console.log(`QuoterV2            ${await market.quoter.getAddress()}`);
  console.log(`WETH9               ${await market.weth.getAddress()}\n`);

  console.table(
    await Promise.all(
      market.tokens.map(async (t) => ({
        token: t.symbol,
        decimals: t.decimals,
        address: t.address,
        "feed (USD)": usd(await market.feedPrice(t.symbol)),
        feed: await t.feed.getAddress(),
      })),
    ),
  );
  await printPools(market);

  // A day in the market: ETH drops 8% on the feed, arbitrageurs follow, a trader buys the dip.
  const pool = market.pool("WETH", "USDC", 500);
  await market.advanceTime(3600);
  await market.setFeedPrice("WETH", 2760);
  await market.alignAllPools();
  console.log(`\nETH/USD feed moved to ${usd(await market.feedPrice("WETH"))}; arbitrageurs realigned every pool.`);
  await market.advanceTime(1800);
  console.log(
    `WETH/USDC 5 bp pool: spot ${usd(await market.poolPrice(pool, "WETH"))}, 1h TWAP ${usd(await market.twapPrice(pool, "WETH", 3600))}`,
  );

  const [, trader] = await ethers.getSigners();
  const amountIn = parseUnits("250000", 6);
  await market.fund(trader.address, "USDC", amountIn);
  await market.token("USDC").contract.connect(trader).approve(market.router, MaxUint256);
  const tx = await market.router.connect(trader).exactInputSingle({
    tokenIn: market.token("USDC").address,
    tokenOut: market.token("WETH").address,
    fee: 500,
    recipient: trader.address,
    deadline: MaxUint256,
    amountIn,
    amountOutMinimum: 0,
    sqrtPriceLimitX96: 0,
  });
  const receipt = await tx.wait();
  const bought = Number(await market.weth.balanceOf(trader.address)) / 1e18;
  console.log(
    `A trader swapped ${usd(250_000)} for ${bought.toFixed(4)} WETH (${usd(250_000 / bought)} each, gas ${receipt?.gasUsed}); ` +
      `pool spot now ${usd(await market.poolPrice(pool, "WETH"))}.`,
  );
  console.log("\nThe Ballast vault, keeper and market scenario run here once they land (see README).");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
