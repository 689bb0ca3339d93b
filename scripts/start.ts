/**
 * `npm start`: on the in-process Hardhat chain, deploys the local market (real Uniswap V3) and a
 * four-asset Ballast vault, then walks through its life: two deposits, a keeper investing them,
 * a market move, a rebalance back to target, and exits in USDC and in kind. The multi-day market
 * scenario with the keeper bot and the report joins this script with its own issue.
 */
import { formatUnits, MaxUint256, parseUnits } from "ethers";
import type { Signer } from "ethers";
import { ethers, network } from "hardhat";

import { deployLocalMarket } from "../src/market";
import type { LocalMarket } from "../src/market";
import { DEFAULT_BASKET, deployVault, RECOMMENDED_BREAKERS, RECOMMENDED_COSTS } from "../src/vault";
import type { BallastVault } from "../typechain-types";

const usd = (value: number) =>
  value.toLocaleString("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 2 });
const usdc = (raw: bigint) => usd(Number(formatUnits(raw, 6)));

async function showBasket(market: LocalMarket, vault: BallastVault, label: string): Promise<void> {
  const tokens = await vault.basketTokens();
  const current = await vault.currentWeights();
  const target = await vault.targetWeights();
  const nav = await vault.totalAssets();
  const supply = await vault.totalSupply();
  const rows = [];
  for (const [i, address] of tokens.entries()) {
    const token = market.tokens.find((t) => t.address === address)!;
    rows.push({
      token: token.symbol,
      balance: Number(formatUnits(await token.contract.balanceOf(vault), token.decimals)).toPrecision(8),
      "feed (USD)": usd(await market.feedPrice(token.symbol)),
      weight: `${(Number(current[i]) / 100).toFixed(2)}%`,
      target: `${(Number(target[i]) / 100).toFixed(2)}%`,
    });
  }
  const price = supply === 0n ? 0 : Number(formatUnits(nav, 6)) / Number(formatUnits(supply, 18));
  console.log(`\n${label}: NAV ${usdc(nav)}, share price ${usd(price)}, max drift ${await vault.maxDrift()} bp`);
  console.table(rows);
}

async function deposit(market: LocalMarket, vault: BallastVault, user: Signer, amount: number): Promise<void> {
  const raw = parseUnits(String(amount), 6);
  await market.fund(await user.getAddress(), "USDC", raw);
  await (await market.token("USDC").contract.connect(user).approve(vault, MaxUint256)).wait();
  await (await vault.connect(user).deposit(raw, await user.getAddress())).wait();
}

// IBallastPolicy.Status values the keeper acts on.
const DUE = 0n;
const DUE_BY_CALENDAR = 1n;
const COOLDOWN = 3n;
const BREAKER_TRIPPED = 6n;
const STATUS_NAMES = [
  "due",
  "due by calendar",
  "not due",
  "cooldown",
  "paused",
  "price unavailable",
  "breaker tripped",
  "uneconomic",
];
/** How long the demo keeper waits out a cooldown (the default policy's is 10 minutes). */
const COOLDOWN_WAIT = 600;

/** The keeper's loop: rebalance while due, waiting out the cooldown, arbitrageurs realigning pools. */
async function keep(market: LocalMarket, vault: BallastVault, keeper: Signer): Promise<void> {
  for (;;) {
    let [status] = await vault.rebalanceStatus();
    if (status === COOLDOWN) {
      await market.advanceTime(COOLDOWN_WAIT);
      [status] = await vault.rebalanceStatus();
    }
    if (status !== DUE && status !== DUE_BY_CALENDAR) {
      if (status >= BREAKER_TRIPPED) console.log(`  the keeper stands by: ${STATUS_NAMES[Number(status)]}`);
      return;
    }
    const receipt = await (await vault.connect(keeper).rebalance()).wait();
    const [event] = await vault.queryFilter(vault.filters.Rebalanced, receipt!.blockNumber, receipt!.blockNumber);
    const {
      navBefore: before,
      navAfter: after,
      driftBeforeBps: driftBefore,
      driftAfterBps: driftAfter,
      trades,
    } = event.args;
    console.log(
      `  rebalance: ${trades} trades, drift ${driftBefore} -> ${driftAfter} bp, ` +
        `cost ${usdc(before - after)} (${((Number(before - after) / Number(before)) * 10_000).toFixed(1)} bp), gas ${receipt!.gasUsed}`,
    );
    await market.alignAllPools();
  }
}

/** Lets `seconds` pass with the pools held at the feeds' prices and every feed answering again. */
async function warmUp(market: LocalMarket, seconds: number): Promise<void> {
  await market.advanceTime(seconds);
  for (const { symbol } of DEFAULT_BASKET) await market.setFeedPrice(symbol, await market.feedPrice(symbol));
}

async function main(): Promise<void> {
  if (network.name !== "hardhat" && network.name !== "localhost") {
    throw new Error(`npm start runs on the local chain (hardhat or localhost), not ${network.name}`);
  }
  const [keeper, alice, bob] = await ethers.getSigners();
  console.log(`Deploying the local market on '${network.name}' (Uniswap V3 from the npm artifacts)...`);
  const market = await deployLocalMarket();
  // Breakers and the cost gate as on a live network; the breakers watch 30-minute pool TWAPs.
  const { vault } = await deployVault(market, {
    basket: DEFAULT_BASKET,
    breakers: RECOMMENDED_BREAKERS,
    costs: { ...RECOMMENDED_COSTS, gasTokenOracle: "WETH" },
  });
  console.log(`Uniswap V3 SwapRouter ${await market.router.getAddress()}`);
  console.log(`BallastVault          ${await vault.getAddress()}  (${await vault.name()}, ${await vault.symbol()})`);

  await deposit(market, vault, alice, 600_000);
  await deposit(market, vault, bob, 400_000);
  await showBasket(market, vault, "Alice deposits $600k, Bob $400k");

  // The pools need TWAP history reaching the breakers' window before anything may trade.
  await warmUp(market, 3_600);
  console.log("\nThe keeper invests the deposits (each trade at most 10% of NAV):");
  await keep(market, vault, keeper);
  await showBasket(market, vault, "Invested");

  await market.advanceTime(24 * 60 * 60);
  await market.setFeedPrice("USDC", 1);
  await market.setFeedPrice("WETH", 3_270);
  await market.setFeedPrice("WBTC", 55_800);
  await market.setFeedPrice("LINK", 16.2);
  await market.alignAllPools();
  // Arbitrageurs hold the pools there for an hour: their TWAPs catch up with the feeds.
  await warmUp(market, 3_600);
  await showBasket(market, vault, "A day later: ETH +9%, BTC -7%, LINK +8%");
  console.log("\nThe keeper rebalances: sells the winners, buys the laggard:");
  await keep(market, vault, keeper);
  await showBasket(market, vault, "Rebalanced");

  const bobShares = await vault.balanceOf(bob);
  const preview = await vault.previewRedeem(bobShares);
  const before = await market.token("USDC").contract.balanceOf(bob);
  await (await vault.connect(bob).redeem(bobShares, bob.address, bob.address)).wait();
  const received = (await market.token("USDC").contract.balanceOf(bob)) - before;
  console.log(`\nBob redeems in USDC: ${usdc(received)} (preview guaranteed at least ${usdc(preview)}).`);

  const aliceShares = await vault.balanceOf(alice);
  const amounts = await vault.previewRedeemInKind(aliceShares);
  await (await vault.connect(alice).redeemInKind(aliceShares, alice.address, alice.address)).wait();
  const tokens = await vault.basketTokens();
  const parts = tokens.map((address, i) => {
    const token = market.tokens.find((t) => t.address === address)!;
    return `${Number(formatUnits(amounts[i], token.decimals)).toPrecision(6)} ${token.symbol}`;
  });
  console.log(`Alice redeems in kind (no oracle, no swap): ${parts.join(", ")}.`);
  console.log(
    `Vault supply now ${await vault.totalSupply()}, NAV left ${usdc(await vault.totalAssets())} (virtual-share dust).`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
