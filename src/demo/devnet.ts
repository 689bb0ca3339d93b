/**
 * `npm run node` (tasks/node.ts): a local JSON-RPC node with the local market and a Ballast vault
 * deployed, accounts funded with USDC and every address printed, so that a wallet (MetaMask on
 * localhost:8545) can deposit and a keeper can run against it. `onNodeReady` is what the node
 * runs once its server listens; it works on any Hardhat chain, so tests call it in-process.
 * Imports typechain-types (through src/market and src/vault): tasks import it lazily.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

import { formatUnits, parseUnits } from "ethers";
import { ethers, network } from "hardhat";
import type { EIP1193Provider } from "hardhat/types";

import type { BallastRouter } from "../../typechain-types";
import { deployLocalMarket } from "../market";
import type { LocalMarket } from "../market";
import { YEAR_SECONDS } from "../sim/paths";
import { Rng } from "../sim/random";
import { deployVault, RECOMMENDED_BREAKERS, RECOMMENDED_COSTS } from "../vault";
import type { DeployedVault } from "../vault";

import { BASE_SYMBOL, basketOf, MAX_RISKY_ASSETS, RISKY_ASSETS } from "./scenarios";
import type { Logger } from "./types";

export interface DevnetOptions {
  /** Risky assets in the vault besides USDC (WETH, WBTC, LINK, UNI, ... in that order). */
  assets: number;
  /** USD the operator (account #0) deposits and the vault invests before the node is handed over; 0: an empty vault. */
  deposit: number;
  /** Accounts #1..#fundAccounts each get `fundUsdc` USDC. */
  fundAccounts: number;
  fundUsdc: number;
  /** Seconds between price ticks (a calm random walk on the feeds, pools realigned); 0: prices stay put. */
  tickSeconds: number;
  /** Seed of the price ticks. */
  seed: number;
  /** Where to write the addresses as JSON (none when undefined). */
  addressesFile?: string;
}

export const DEFAULT_DEVNET_OPTIONS: DevnetOptions = {
  assets: 4,
  deposit: 1_000_000,
  fundAccounts: 9,
  fundUsdc: 1_000_000,
  tickSeconds: 600,
  seed: 7,
};

export interface Devnet extends DeployedVault {
  market: LocalMarket;
  options: DevnetOptions;
  chainId: number;
  /** Slippage and deadline bounds for wallets' entries and exits (any vault). */
  router: BallastRouter;
  /** Every address worth knowing, by name: contracts, tokens, feeds, oracles. */
  addresses: Record<string, string>;
  /** The accounts funded with USDC. */
  funded: string[];
}

/** IBallastPolicy.Status values the opening investment loop acts on. */
const DUE = 0n;
const DUE_BY_CALENDAR = 1n;
const COOLDOWN = 3n;
/** Pool history the breakers' 30-minute TWAPs need, and then some. */
const WARM_UP_SECONDS = 3_600;

export class DevnetOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DevnetOptionsError";
  }
}

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new DevnetOptionsError(`${name} must be a whole number from ${min} to ${max}, got ${value}`);
  }
}

/** Validates devnet options (the task parses flags into numbers first). */
export function checkDevnetOptions(options: DevnetOptions): void {
  checkInteger("--assets", options.assets, 1, MAX_RISKY_ASSETS);
  checkInteger("--deposit", options.deposit, 0, 1_000_000_000);
  checkInteger("--fund-accounts", options.fundAccounts, 0, 19);
  checkInteger("--fund-usdc", options.fundUsdc, 0, 1_000_000_000);
  checkInteger("--tick", options.tickSeconds, 0, 86_400);
  checkInteger("--seed", options.seed, 0, 0xffffffff);
  if (options.tickSeconds > 0 && options.tickSeconds < 10) {
    throw new DevnetOptionsError(`--tick must be 0 (off) or at least 10 seconds, got ${options.tickSeconds}`);
  }
}

/** Moves the chain's clock (a node's blocks otherwise follow the wall clock). */
async function advance(seconds: number): Promise<void> {
  await network.provider.send("evm_increaseTime", [seconds]);
  await network.provider.send("evm_mine", []);
}

/** Every feed answers again at its current price: updated now, as Chainlink's heartbeat does. */
async function refreshFeeds(market: LocalMarket): Promise<void> {
  for (const token of market.tokens) await market.setFeedPrice(token.symbol, await market.feedPrice(token.symbol));
}

/**
 * Deploys the local market (all its tokens and pools, so a wallet can trade any of them) and a
 * vault of USDC and the first `assets` risky assets (the scenario basket), with the recommended
 * breakers and cost gate; gives the pools an hour of TWAP history, funds the accounts, and has
 * the operator deposit and the vault invest it.
 */
export async function deployDevnet(options: DevnetOptions, log: Logger = (line) => console.log(line)): Promise<Devnet> {
  checkDevnetOptions(options);
  const signers = await ethers.getSigners();
  const [operator] = signers;
  if (signers.length <= options.fundAccounts) {
    throw new DevnetOptionsError(
      `--fund-accounts ${options.fundAccounts}: the node has only ${signers.length} accounts`,
    );
  }
  log("Deploying the local market (Uniswap V3 from the npm artifacts, 8 tokens, their feeds and pools)...");
  const market = await deployLocalMarket();
  const basket = basketOf(options.assets);
  const deployed = await deployVault(market, {
    basket,
    breakers: RECOMMENDED_BREAKERS,
    costs: { ...RECOMMENDED_COSTS, gasTokenOracle: "WETH" },
  });
  const { vault, rebalancer, router } = deployed;
  // The breakers read 30-minute TWAPs: a pool younger than that would trip them (TwapUnavailable).
  await advance(WARM_UP_SECONDS);
  await refreshFeeds(market);

  const usdc = market.token(BASE_SYMBOL);
  const fundRaw = parseUnits(String(options.fundUsdc), usdc.decimals);
  const funded = signers.slice(1, 1 + options.fundAccounts).map((signer) => signer.address);
  for (const account of funded) await market.fund(account, BASE_SYMBOL, fundRaw);

  if (options.deposit > 0) {
    log(`The operator deposits ${options.deposit.toLocaleString("en-US")} USDC and the vault invests it...`);
    const amount = parseUnits(String(options.deposit), usdc.decimals);
    await market.fund(operator.address, BASE_SYMBOL, amount);
    await (await usdc.contract.connect(operator).approve(vault, amount)).wait();
    await (await vault.connect(operator).deposit(amount, operator.address)).wait();
    const cooldown = Number((await deployed.policy.triggerParams()).cooldown);
    for (let calls = 0; calls < 30; calls++) {
      const [status] = await rebalancer.rebalanceStatus();
      if (status === COOLDOWN) {
        await advance(cooldown);
        continue;
      }
      if (status !== DUE && status !== DUE_BY_CALENDAR) break;
      await (await rebalancer.connect(operator).rebalance()).wait();
      await market.alignAllPools();
    }
  }

  const addresses: Record<string, string> = {
    BallastVault: await vault.getAddress(),
    BallastPolicy: await deployed.policy.getAddress(),
    BallastBreakers: await deployed.breakers.getAddress(),
    BallastRebalancer: await rebalancer.getAddress(),
    BallastRouter: await router.getAddress(),
    ...(deployed.timelock ? { TimelockController: await deployed.timelock.getAddress() } : {}),
    UniswapV3Factory: await market.factory.getAddress(),
    SwapRouter: await market.router.getAddress(),
    NonfungiblePositionManager: await market.positionManager.getAddress(),
    QuoterV2: await market.quoter.getAddress(),
  };
  for (const token of market.tokens) addresses[token.symbol] = token.address;
  for (const token of market.tokens) addresses[`${token.symbol}/USD feed`] = await token.feed.getAddress();
  for (const [i, oracle] of deployed.oracles.entries()) {
    addresses[`${basket[i].symbol} oracle (ChainlinkOracle)`] = await oracle.getAddress();
  }
  for (const pool of market.pools) addresses[`pool ${pool.key}`] = pool.address;
  const chainId = Number((await ethers.provider.getNetwork()).chainId);
  const devnet: Devnet = { market, ...deployed, options, chainId, router, addresses, funded };
  if (options.addressesFile) {
    mkdirSync(path.dirname(options.addressesFile), { recursive: true });
    writeFileSync(
      options.addressesFile,
      `${JSON.stringify({ chainId, basket, addresses, funded, createdAt: new Date().toISOString() }, null, 2)}\n`,
    );
  }
  return devnet;
}

/** What to print once the node is ready: addresses, the vault's state, wallet and keeper how-tos. */
export async function describeDevnet(devnet: Devnet, rpcUrl: string): Promise<string[]> {
  const { vault, rebalancer, market, addresses } = devnet;
  const usdc = market.token(BASE_SYMBOL);
  const nav = await vault.totalAssets();
  const supply = await vault.totalSupply();
  const weights = await rebalancer.currentWeights();
  const tokens = await vault.basketTokens();
  const basket = tokens
    .map((address, i) => `${market.tokens.find((t) => t.address === address)?.symbol} ${Number(weights[i]) / 100}%`)
    .join(", ");
  const width = Math.max(...Object.keys(addresses).map((name) => name.length));
  const vaultAddress = addresses.BallastVault;
  return [
    "",
    "Ballast local node ready",
    "=======================",
    ...Object.entries(addresses).map(([name, address]) => `${name.padEnd(width)}  ${address}`),
    "",
    `Vault: ${await vault.name()} (${await vault.symbol()}, 18 decimals), NAV ${formatUnits(nav, usdc.decimals)} USDC, ` +
      `${formatUnits(supply, 18)} shares; weights ${basket}.`,
    `Funded with ${devnet.options.fundUsdc.toLocaleString("en-US")} USDC each: accounts #1-#${devnet.funded.length} ` +
      `(${devnet.funded[0] ?? "none"} ...). Account #0 deployed everything and publishes the prices: leave it to the node.`,
    devnet.options.tickSeconds > 0
      ? `Prices take a calm random step every ${devnet.options.tickSeconds} s (feeds updated, pools realigned), so feeds stay fresh.`
      : "Prices stay put (--tick 0): feeds go stale after their one-day heartbeat; restart the node then.",
    "",
    "MetaMask:",
    `  Add network: name "Ballast local", RPC URL ${rpcUrl}, chain ID ${devnet.chainId}, currency ETH.`,
    "  Import account #1 (or any of #1-#9) by the private key Hardhat printed above.",
    `  Import tokens: USDC ${addresses[BASE_SYMBOL]} (6 decimals), BLST ${vaultAddress} (18 decimals).`,
    "  After restarting the node: Settings > Advanced > Clear activity tab data (MetaMask caches nonces).",
    "",
    "Deposit from a script or the console:",
    "  npx hardhat console --network localhost",
    `  > const [, me] = await ethers.getSigners(); const usdc = await ethers.getContractAt("IERC20", "${addresses[BASE_SYMBOL]}")`,
    `  > const vault = await ethers.getContractAt("BallastVault", "${vaultAddress}")`,
    "  > await usdc.connect(me).approve(vault, 10_000_000_000n); await vault.connect(me).deposit(10_000_000_000n, me.address)",
    "",
    `Keeper: npm run keeper -- --network localhost --vault ${vaultAddress}`,
    `Status: npx hardhat status --network localhost --vault ${vaultAddress}`,
    `Deposit: npx hardhat deposit --network localhost --vault ${vaultAddress} --amount 1000 --from 1`,
    "Stop the node with Ctrl-C.",
  ];
}

/**
 * One price tick: the feeds of the vault's risky assets take a step of a calm random walk over
 * `seconds` (half the scenario volatilities), the base feed answers again (within its heartbeat),
 * and the arbitrageur realigns every pool. Returns the new prices by symbol.
 */
export async function priceTick(devnet: Devnet, rng: Rng, seconds: number): Promise<Record<string, number>> {
  const { market, options } = devnet;
  const dt = seconds / YEAR_SECONDS;
  const prices: Record<string, number> = {};
  for (const asset of RISKY_ASSETS.slice(0, options.assets)) {
    const price = await market.feedPrice(asset.symbol);
    const vol = asset.annualVol * 0.5;
    const next = price * Math.exp(-0.5 * vol * vol * dt + vol * Math.sqrt(dt) * rng.normal());
    prices[asset.symbol] = Math.max(1e-8, Math.round(next * 1e8) / 1e8);
    await market.setFeedPrice(asset.symbol, prices[asset.symbol]);
  }
  await market.setFeedPrice(BASE_SYMBOL, 1);
  await market.alignAllPools();
  return prices;
}

/**
 * Runs {@link priceTick} every `tickSeconds` of wall time, which keeps the feeds within their
 * heartbeat and gives a keeper something to do. Each tick starts after the previous one ended, so
 * they never overlap. Returns a stop function.
 */
export function startPriceTicker(
  devnet: Devnet,
  provider: EIP1193Provider,
  log: Logger,
  loggingEnabled = true,
): () => void {
  const { options } = devnet;
  const rng = new Rng(options.seed).fork("devnet-ticks");
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    // The node logs every RPC call; a tick's dozens of calls would bury the wallet's.
    await provider.request({ method: "hardhat_setLoggingEnabled", params: [false] });
    try {
      await priceTick(devnet, rng, options.tickSeconds);
    } catch (error) {
      log(`price tick failed: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
    } finally {
      await provider.request({ method: "hardhat_setLoggingEnabled", params: [loggingEnabled] });
    }
    if (!stopped) timer = setTimeout(() => void tick(), options.tickSeconds * 1_000);
  };
  timer = setTimeout(() => void tick(), options.tickSeconds * 1_000);
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}

/**
 * What `npm run node` runs once its JSON-RPC server listens: deploys the devnet with the node's
 * request logging off (thousands of deployment calls would flood it), prints the addresses and
 * how to use them, turns logging back on and starts the price ticks. Returns the devnet and the
 * ticker's stop function.
 */
export async function onNodeReady(
  provider: EIP1193Provider,
  options: DevnetOptions,
  rpcUrl: string,
  log: Logger = (line) => console.log(line),
  loggingEnabled = true,
): Promise<{ devnet: Devnet; stopTicker: () => void }> {
  await provider.request({ method: "hardhat_setLoggingEnabled", params: [false] });
  let devnet: Devnet;
  try {
    devnet = await deployDevnet(options, log);
    for (const line of await describeDevnet(devnet, rpcUrl)) log(line);
    if (options.addressesFile) log(`Addresses also in ${options.addressesFile}`);
  } finally {
    await provider.request({ method: "hardhat_setLoggingEnabled", params: [loggingEnabled] });
  }
  const stopTicker =
    options.tickSeconds > 0 ? startPriceTicker(devnet, provider, log, loggingEnabled) : () => undefined;
  return { devnet, stopTicker };
}
