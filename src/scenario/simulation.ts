/**
 * The scenario simulator behind `npm start`: deploys the local market and a Ballast vault on the
 * connected Hardhat chain (in-process, or a `hardhat node` on localhost), then plays the scenario
 * step by step with four actors:
 *
 * - the market: each step the feeds publish the planned prices, an arbitrageur trades every pool
 *   of the market (each fee tier of each pair: any pool a keeper may quote and trade, not only the
 *   vault's routes) back to them, and liquidity providers re-centre their ranges after big moves;
 * - depositors, who come and go at random (deposits, exits in USDC and in kind);
 * - the keeper: no maintenance transaction, only the keeper bot of
 *   `npm run keeper` (src/keeper) rebalancing whenever the vault says one is due, waiting out
 *   cooldowns; unless `--keeper-plan off`, with its own planner on the market's QuoterV2 (it sends
 *   `rebalancePlan(legs)`, and the on-chain planned `rebalance()` when the rebalancer would refuse
 *   its plan);
 * - the clock, which the simulation advances;
 * - unless `--adversaries off`, an oracle front-runner and a rebalance sandwicher
 *   (src/scenario/adversaries.ts), whose plays and P&L the report shows.
 *
 * Everything is recorded into a ScenarioReport. Imports typechain-types (through src/market and
 * src/vault): Hardhat tasks must import this module lazily, inside their action.
 */
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { dataLength, dataSlice, formatUnits, getAddress, MaxUint256, parseUnits, toQuantity } from "ethers";
import type {
  ContractTransactionReceipt,
  ContractTransactionResponse,
  Interface,
  Log,
  Result,
  TransactionReceipt,
} from "ethers";
import { ethers, network } from "hardhat";

import { Keeper } from "../keeper";
import type { KeeperLogger, LogFields } from "../keeper";
import { DEFAULT_TOKENS, deployLocalMarket } from "../market";
import { Status, statusName, tripName } from "../vault/enums";
import type { LocalMarket, MarketPool, MarketToken } from "../market";
import { allRoutes, deployVault, RECOMMENDED_BREAKERS, RECOMMENDED_COSTS, recommendedReward } from "../vault";
import type { BallastBreakers, BallastPolicy, BallastRebalancer, BallastVault } from "../../typechain-types";
import { Rng } from "../sim/random";
import type { RunningCost } from "../sim/runningCost";

import { Adversaries } from "./adversaries";
import type { Arena } from "./adversaries";
import { Arbitrageur, publishFeedPrice } from "./arbitrage";
import type { ScenarioOptions } from "./options";
import { signed, usd } from "./format";
import { BASE_SYMBOL, planScenario, RECENTER_THRESHOLD } from "./scenarios";
import type { ScenarioPlan } from "./scenarios";
import type {
  BasketAsset,
  BreakerEvent,
  FlowRecord,
  KeeperSummary,
  Logger,
  RebalanceRecord,
  ScenarioReport,
  ScenarioSummary,
  SkippedRecord,
  Snapshot,
  TradeRecord,
  VaultSettings,
} from "./types";

/**
 * Seconds between a step's price move and the keeper's turn. Real prices move continuously and
 * arbitrage keeps pools on them block by block, so a pool's 30-minute TWAP lags its spot by
 * minutes of drift. A simulated step moves prices in one jump; letting the TWAP window pass before
 * the keeper looks keeps ordinary steps from looking like manipulation to the breakers, while a
 * crash still trips the move-window check (Dislocation).
 */
const SETTLE_SECONDS = Number(RECOMMENDED_BREAKERS.twapWindow) + 60;
/** How often the base asset's feed answers again (half its one-day heartbeat). */
const BASE_FEED_REFRESH = 12 * 3_600;
/** Keeper calls per turn at most (each trade is capped at maxTradeBps of NAV: investing takes ~10). */
const MAX_CALLS_PER_TURN = 40;
/** Share of the opening deposit each of the first two depositors makes. */
const OPENING_SHARES = [0.6, 0.4];
const DEPOSITOR_NAMES = ["alice", "bob", "carol", "dave"];

export interface RunOptions {
  /** Where progress goes (a line per simulated day, and each rebalance and breaker event). */
  log?: Logger;
}

/** A depositor: a Hardhat signer with a name for the report. */
interface Depositor {
  name: string;
  signer: HardhatEthersSigner;
}

/**
 * A flow's size as a fraction of the opening deposit: log-uniform from 0.25% to 6%, small ones
 * more frequent. The largest move the base asset's weight by ~5 points, past the trigger band, so
 * flows cause some rebalances and the market the others.
 */
function flowSize(rng: Rng): number {
  return rng.logUniform(0.0025, 0.06);
}

async function mined(sent: Promise<ContractTransactionResponse>): Promise<ContractTransactionReceipt> {
  const receipt = await (await sent).wait();
  if (!receipt) throw new Error("transaction was not mined");
  return receipt;
}

/** The logs of `address` in a receipt, parsed by `iface` (unknown events skipped). */
function parsedLogs(receipt: TransactionReceipt, address: string, iface: Interface) {
  const target = address.toLowerCase();
  return receipt.logs
    .filter((log: Log) => log.address.toLowerCase() === target)
    .map((log: Log) => iface.parseLog(log))
    .filter((parsed) => parsed !== null);
}

/** The message of an error, first line only (a revert reason, not a stack). */
function errorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0].slice(0, 200);
}

/** One run of a scenario: its chain objects, actors and records. Used through {@link runScenario}. */
class ScenarioRun {
  private readonly plan: ScenarioPlan;
  private readonly log: Logger;
  private readonly flowRng: Rng;
  private market!: LocalMarket;
  private vault!: BallastVault;
  private policy!: BallastPolicy;
  private breakers!: BallastBreakers;
  private rebalancer!: BallastRebalancer;
  private keeper!: HardhatEthersSigner;
  /** The keeper bot, signing as `keeper`. */
  private bot!: Keeper;
  /** The bot's name in the report. */
  private keeperName = "";
  /** The fields of the bot's last cost-gate refusal. */
  private lastGate: LogFields | undefined;
  /** Chain time at the keeper's last turn, the bot's clock. */
  private chainTimeMs = 0;
  private arbitrageur!: Arbitrageur;
  private depositors: Depositor[] = [];
  private vaultAddress = "";
  private policyAddress = "";
  private breakersAddress = "";
  private rebalancerAddress = "";
  private contracts: Record<string, string> = {};
  private settings!: VaultSettings;
  private basket: BasketAsset[] = [];
  private tokens: MarketToken[] = [];
  /** The pools the vault's routes go through (the adversaries' ground). */
  private routePools: MarketPool[] = [];
  /**
   * Every pool of the market: the ones the arbitrageur keeps on the feeds and the liquidity
   * providers re-centre. A keeper's own plan may trade any of them (a direct pair, another fee
   * tier), so a pool left off the feeds would be a free lunch no real market leaves standing.
   */
  private marketPools: MarketPool[] = [];
  /** The first pool of each risky asset's sell route, by symbol. */
  private readonly legPools = new Map<string, MarketPool>();
  private adversaries: Adversaries | undefined;
  /** token0/token1 price ratio each pool's liquidity was last centred at. */
  private readonly centres = new Map<string, number>();
  /** USD price of every basket token now, by symbol (what the feeds answer). */
  private readonly prices = new Map<string, number>();
  /** Each risky asset's feed deviation threshold, bps, as its oracle states it. */
  private readonly deviations = new Map<string, number>();
  private cooldown = 0;
  /** Chain time of hour 0 (set once the opening deposits are invested). */
  private t0 = 0;
  private breakerTripped = false;
  private baseFeedUpdatedAt = 0;
  private readonly snapshots: Snapshot[] = [];
  private readonly rebalances: RebalanceRecord[] = [];
  private readonly skipped: SkippedRecord[] = [];
  private readonly breakerEvents: BreakerEvent[] = [];
  private readonly flows: FlowRecord[] = [];
  private keeperGas = 0;
  private recenters = 0;
  private keeperGasCostUsd = 0;
  /** Each step's weights (bps, base first) before the keeper's turn. */
  private readonly weightsBeforeKeeper: number[][] = [];
  /** `keeperGasCostUsd` when the scenario began (after investing). */
  private scenarioGasStart = 0;
  private unitsPerShare: number[] = [];

  constructor(
    private readonly options: ScenarioOptions,
    runOptions: RunOptions = {},
  ) {
    this.plan = planScenario(options);
    this.log = runOptions.log ?? ((line) => console.log(line));
    this.flowRng = new Rng(options.seed).fork("flows");
  }

  async run(): Promise<ScenarioReport> {
    const started = Date.now();
    if (network.name !== "hardhat" && network.name !== "localhost") {
      throw new Error(`the scenario runs on a local Hardhat chain (hardhat or localhost), not ${network.name}`);
    }
    await this.deploy();
    await this.open();
    this.snapshots.push(await this.snapshot());
    this.scenarioGasStart = this.keeperGasCostUsd;
    this.log(`Scenario "${this.options.scenario}": ${this.plan.definition.description}.`);
    if (this.plan.crashStep !== undefined) {
      const depths = this.plan.crashReturns!.map((r, i) => `${this.plan.risky[i].symbol} ${(r * 100).toFixed(0)}%`);
      this.log(`The crash comes at hour ${this.plan.crashStep * this.options.stepHours}: ${depths.join(", ")}.`);
    }
    for (let step = 1; step <= this.plan.steps; step++) {
      await this.playStep(step);
      const hours = step * this.options.stepHours;
      if (hours % 24 === 0 || step === this.plan.steps) this.progress(hours, started);
    }
    return this.report((Date.now() - started) / 1_000);
  }

  /** The local market with the basket's tokens only (fewer pools to deploy and keep aligned), and the vault. */
  private async deploy(): Promise<void> {
    const symbols = this.plan.basket.map((entry) => entry.symbol);
    this.log(`Deploying the local market (Uniswap V3 from the npm artifacts) on '${network.name}'...`);
    this.market = await deployLocalMarket({ tokens: DEFAULT_TOKENS.filter((t) => symbols.includes(t.symbol)) });
    // Breakers and the cost gate as recommended for a live network; see docs/policy.md.
    const deployed = await deployVault(this.market, {
      basket: this.plan.basket,
      breakers: RECOMMENDED_BREAKERS,
      costs: { ...RECOMMENDED_COSTS, gasTokenOracle: "WETH" },
      triggers: { triggerBandBps: this.options.triggerBandBps, targetBandBps: this.options.targetBandBps },
      reward: recommendedReward(DEFAULT_TOKENS.find((t) => t.symbol === this.plan.basket[0].symbol)?.decimals ?? 6),
    });
    this.vault = deployed.vault;
    this.policy = deployed.policy;
    this.breakers = deployed.breakers;
    this.rebalancer = deployed.rebalancer;
    for (const [i, entry] of this.plan.basket.entries()) {
      this.deviations.set(entry.symbol, Number(await deployed.oracles[i].deviationBps()));
    }
    this.vaultAddress = await this.vault.getAddress();
    this.policyAddress = await this.policy.getAddress();
    this.breakersAddress = await this.breakers.getAddress();
    this.rebalancerAddress = await this.rebalancer.getAddress();
    const triggers = await this.policy.triggerParams();
    const { params } = await this.vault.basketState();
    const breakers = await this.breakers.breakerParams();
    const costs = await this.policy.costParams();
    this.cooldown = Number(triggers.cooldown);
    this.settings = {
      triggerBandBps: Number(triggers.triggerBandBps),
      targetBandBps: Number(triggers.targetBandBps),
      cooldownSeconds: this.cooldown,
      maxTradeBps: Number(params.maxTradeBps),
      slippageBps: Number(params.slippageBps),
      breakerMaxMoveBps: Number(breakers.maxMoveBps),
      breakerOracleTwapBps: Number(breakers.maxOracleTwapDeviationBps),
      breakerSpotTwapTicks: Number(breakers.maxSpotTwapTicks),
      breakerTwapWindowSeconds: Number(breakers.twapWindow),
      breakerCooldownSeconds: Number(breakers.cooldown),
      costGateMaxRatioBps: Number(costs.maxCostRatioBps),
      costGateBenefitPerBp: Number(costs.benefitPerBpWad) / 1e18,
    };
    const signers = await ethers.getSigners();
    // Signer 0 deployed the market; the keeper, the depositors and the arbitrageur are separate accounts.
    this.keeper = signers[1];
    this.bot = new Keeper({
      vaults: [this.vaultAddress],
      signer: this.keeper,
      pollIntervalMs: 10,
      priorityFeeGwei: 0,
      maxFeePerGasGwei: Math.max(100, 4 * this.options.gasGwei),
      gasToken: { basketAsset: "WETH" },
      logger: this.keeperLogger(),
      // Simulated time stands still between calls: the bot's clock is the chain's.
      clock: () => this.chainTimeMs,
      // The bot's own planner quotes every pool of the market (each fee tier, direct pairs).
      ...(this.options.keeperPlan ? { quoter: await this.market.quoter.getAddress() } : {}),
    });
    this.keeperName = this.options.keeperPlan ? "keeper bot (own plan)" : "keeper bot (rebalance())";
    this.depositors = DEPOSITOR_NAMES.map((name, i) => ({ name, signer: signers[2 + i] }));
    const arbitrageur = signers[2 + DEPOSITOR_NAMES.length];

    const { targets } = await this.vault.basketState();
    this.tokens = (await this.vault.basketTokens()).map((address) => {
      const token = this.market.tokens.find((t) => t.address === address);
      if (!token) throw new Error(`basket token ${address} is not in the market`);
      return token;
    });
    this.basket = this.tokens.map((token, i) => ({
      symbol: token.symbol,
      decimals: token.decimals,
      targetBps: Number(targets[i]),
    }));
    this.tokens.forEach((token, i) => this.prices.set(token.symbol, i === 0 ? 1 : this.plan.prices[0][i - 1]));
    this.routePools = await this.findRoutePools();
    this.marketPools = this.market.pools;
    this.arbitrageur = await Arbitrageur.create(this.market, arbitrageur, this.marketPools);
    for (const pool of this.marketPools) this.centres.set(pool.key, this.poolRatio(pool));
    if (this.options.adversaries) {
      const arena: Arena = {
        market: this.market,
        vault: this.vault,
        rebalancer: this.rebalancer,
        tokens: this.tokens,
        routePools: this.routePools,
        legPools: this.legPools,
        price: (symbol) => this.price(symbol),
        hour: () => this.recordTime(),
        gasCostUsd: (gas) => this.gasCostUsd(gas),
        interfaces: [this.vault.interface, this.rebalancer.interface, this.policy.interface, this.breakers.interface],
      };
      const [frontRunner, sandwicher] = signers.slice(3 + DEPOSITOR_NAMES.length);
      this.adversaries = await Adversaries.create(arena, { frontRunner, sandwicher }, this.options);
    }
    this.contracts = {
      vault: this.vaultAddress,
      policy: this.policyAddress,
      breakers: this.breakersAddress,
      rebalancer: this.rebalancerAddress,
      ...(deployed.timelock ? { timelock: await deployed.timelock.getAddress() } : {}),
      swapRouter: await this.market.router.getAddress(),
      ...Object.fromEntries(this.tokens.map((token) => [token.symbol, token.address])),
    };
    this.log(`BallastVault ${this.vaultAddress}, basket ${this.describeBasket()}`);
  }

  private describeBasket(): string {
    return this.basket.map((asset) => `${asset.symbol} ${asset.targetBps / 100}%`).join(", ");
  }

  /** Every pool on the vault's sell routes (the buy routes are their reverse), decoded from the vault. */
  private async findRoutePools(): Promise<MarketPool[]> {
    const pools = new Map<string, MarketPool>();
    const bySymbolAddress = (address: string) => {
      const token = this.market.tokens.find((t) => t.address === getAddress(address));
      if (!token) throw new Error(`route token ${address} is not in the market`);
      return token.symbol;
    };
    const [sellRoutes] = await allRoutes(this.vault);
    for (const [i, token] of this.tokens.entries()) {
      if (i === 0) continue;
      const sellRoute = sellRoutes[i];
      // A Uniswap V3 path: address (20 bytes), then fee (3 bytes) and address for each hop.
      for (let offset = 0; offset + 43 <= dataLength(sellRoute); offset += 23) {
        const a = bySymbolAddress(dataSlice(sellRoute, offset, offset + 20));
        const fee = Number(BigInt(dataSlice(sellRoute, offset + 20, offset + 23)));
        const b = bySymbolAddress(dataSlice(sellRoute, offset + 23, offset + 43));
        const pool = this.market.pool(a, b, fee);
        pools.set(pool.key, pool);
        if (offset === 0) this.legPools.set(token.symbol, pool);
      }
    }
    return [...pools.values()];
  }

  /** Price of the pool's token0 in token1 at the current feed prices. */
  private poolRatio(pool: MarketPool): number {
    return this.price(pool.token0.symbol) / this.price(pool.token1.symbol);
  }

  private price(symbol: string): number {
    const price = this.prices.get(symbol);
    if (price === undefined) throw new Error(`no price for ${symbol}`);
    return price;
  }

  private get ethPrice(): number {
    return this.price("WETH");
  }

  private gasCostUsd(gasUsed: number): number {
    return gasUsed * this.options.gasGwei * 1e-9 * this.ethPrice;
  }

  /** Hours since hour 0 at a chain time. */
  private hourAt(timestamp: number): number {
    return (timestamp - this.t0) / 3_600;
  }

  /** The opening deposits, an hour of pool history for the breakers' TWAPs, and the keeper investing. */
  private async open(): Promise<void> {
    const usdc = this.market.token(BASE_SYMBOL).contract;
    for (const { signer } of this.depositors) await mined(usdc.connect(signer).approve(this.vaultAddress, MaxUint256));
    for (const [i, share] of OPENING_SHARES.entries()) {
      await this.deposit(this.depositors[i], Math.round(this.options.deposit * share));
    }
    // The front-runner's standing holding, which it takes out before steps down.
    await this.adversaries?.frontRunner.openHolding(this.options.deposit);
    await this.market.advanceTime(3_600);
    // Hours are counted from the end of the investment; until then the opening records hold chain times.
    const openingRecords = this.rebalances.length;
    this.log(
      `Opening deposits ${usd(this.options.deposit)}; the keeper invests them (each trade at most ${this.settings.maxTradeBps / 100}% of NAV)...`,
    );
    await this.keeperTurn(Number.POSITIVE_INFINITY, "invest");
    this.t0 = await time.latest();
    for (const record of this.rebalances.slice(openingRecords)) record.hour = this.hourAt(record.hour);
    for (const record of [...this.flows, ...this.breakerEvents, ...this.skipped])
      record.hour = this.hourAt(record.hour);

    // The buy-and-hold benchmark: this basket per share, never traded again.
    const supply = Number(formatUnits(await this.vault.totalSupply(), 18));
    this.unitsPerShare = [];
    for (const token of this.tokens) {
      const balance = Number(formatUnits(await token.contract.balanceOf(this.vaultAddress), token.decimals));
      this.unitsPerShare.push(balance / supply);
    }
  }

  /** Chain time as an hour value for records: hours once hour 0 is known, chain time before it. */
  private async recordTime(): Promise<number> {
    const now = await time.latest();
    this.chainTimeMs = now * 1_000;
    return this.t0 === 0 ? now : this.hourAt(now);
  }

  private async playStep(step: number): Promise<void> {
    const moveTime = this.t0 + step * this.plan.stepSeconds;
    await this.advanceTo(moveTime);
    const front = this.adversaries?.frontRunner;
    if (front) {
      // The feeds follow the step in updates of at most their deviation thresholds, the pools
      // with them: the front-runner sees the last update coming, before the feeds and the pools.
      const next = new Map(this.plan.risky.map((asset, i) => [asset.symbol, this.plan.prices[step][i]]));
      const lead = new Map<string, number>();
      for (const [symbol, to] of next) {
        const threshold = this.deviations.get(symbol)! / 10_000;
        const last = Math.min(threshold, Math.max(-threshold, to / this.price(symbol) - 1));
        lead.set(symbol, to / (1 + last));
      }
      await this.publishPrices(lead);
      await this.alignPools();
      await front.beforeStep(next);
      await this.alignPools();
    }
    await this.moveMarket(step);
    const played = await front?.afterStep();
    if (played) {
      await this.alignPools();
      if (played.refused !== undefined || played.pnlUsd > 0) {
        this.log(
          `    front-runner ${played.play} (step ${signed(played.edgeBps, 0)} bp, ${usd(played.sizeUsd)}): ` +
            `P&L ${usd(played.pnlUsd, 2)}${played.refused === undefined ? "" : `, refused ${played.refused}`}`,
        );
      }
    }
    const flowCount = this.flowRng.poisson((this.options.flowsPerDay * this.options.stepHours) / 24);
    for (let i = 0; i < flowCount; i++) await this.randomFlow();
    await this.advanceTo(moveTime + SETTLE_SECONDS);
    // The weights the step's move and flows left, before the keeper acts: the end of the interval
    // the tracking error averages over (see {trackingErrorBps}).
    this.weightsBeforeKeeper.push((await this.rebalancer.currentWeights()).map(Number));
    // The keeper's cooldown waits must end before the next price move.
    const status = await this.keeperTurn(moveTime + this.plan.stepSeconds - 60, "scenario");
    this.snapshots.push(await this.snapshot(status));
  }

  private async advanceTo(timestamp: number): Promise<void> {
    const now = await time.latest();
    if (timestamp > now) await time.increaseTo(timestamp);
  }

  /** The feeds publish the step's prices; arbitrage and liquidity providers follow. */
  private async moveMarket(step: number): Promise<void> {
    const prices = this.plan.prices[step];
    // The base asset's price does not move, but its feed answers again within Chainlink's
    // heartbeat (a day, the oracle's staleness bound), as a real one does.
    const now = await time.latest();
    if (now - this.baseFeedUpdatedAt >= BASE_FEED_REFRESH) {
      await publishFeedPrice(this.market, BASE_SYMBOL, 1);
      this.baseFeedUpdatedAt = now;
    }
    await this.publishPrices(new Map(this.plan.risky.map((asset, i) => [asset.symbol, prices[i]])));
    await this.alignPools();
    for (const pool of this.marketPools) {
      const ratio = this.poolRatio(pool);
      const centre = this.centres.get(pool.key)!;
      if (Math.abs(ratio / centre - 1) > RECENTER_THRESHOLD) {
        await this.market.recenterLiquidity(pool);
        this.centres.set(pool.key, ratio);
        this.recenters++;
      }
    }
  }

  /** The feeds answer `prices` (USD by symbol). */
  private async publishPrices(prices: ReadonlyMap<string, number>): Promise<void> {
    for (const [symbol, usd] of prices) {
      // Rounded to the feed's 8 decimals, so that the report's prices are exactly the feeds'.
      const price = Math.max(1e-8, Math.round(usd * 1e8) / 1e8);
      this.prices.set(symbol, price);
      await publishFeedPrice(this.market, symbol, price);
    }
  }

  /** The arbitrageur trades every pool of the market back to the feeds (a no-op read for those already there). */
  private async alignPools(): Promise<void> {
    for (const pool of this.marketPools) await this.arbitrageur.align(pool, (symbol) => this.price(symbol));
  }

  /** One random depositor action: a deposit, or an exit in USDC or in kind. */
  private async randomFlow(): Promise<void> {
    const rng = this.flowRng;
    const depositor = rng.pick(this.depositors);
    const shares = await this.vault.balanceOf(depositor.signer.address);
    const roll = rng.uniform();
    if (shares === 0n || roll < 0.55) {
      await this.deposit(depositor, Math.round(flowSize(rng) * this.options.deposit));
    } else {
      // Exits are sized like deposits (so NAV neither drains nor balloons), capped at the holding.
      const value = flowSize(rng) * this.options.deposit;
      const wanted = await this.vault.convertToShares(parseUnits(value.toFixed(6), this.tokens[0].decimals));
      await this.redeem(depositor, wanted < shares ? wanted : shares, roll < 0.85 ? "redeem" : "redeemInKind");
    }
  }

  private async deposit(depositor: Depositor, amountUsd: number): Promise<void> {
    const hour = await this.recordTime();
    const amount = parseUnits(String(amountUsd), this.tokens[0].decimals);
    const address = depositor.signer.address;
    await this.market.fund(address, BASE_SYMBOL, amount);
    const record: FlowRecord = {
      hour,
      account: depositor.name,
      kind: "deposit",
      usd: amountUsd,
      shares: 0,
      swaps: 0,
      gasUsed: 0,
    };
    try {
      const receipt = await mined(this.vault.connect(depositor.signer).deposit(amount, address));
      const event = parsedLogs(receipt, this.vaultAddress, this.vault.interface).find((e) => e.name === "Deposit");
      record.shares = event ? Number(formatUnits(event.args.shares as bigint, 18)) : 0;
      record.gasUsed = Number(receipt.gasUsed);
    } catch (error) {
      record.error = errorMessage(error);
    }
    this.flows.push(record);
  }

  private async redeem(depositor: Depositor, shares: bigint, kind: "redeem" | "redeemInKind"): Promise<void> {
    const hour = await this.recordTime();
    const address = depositor.signer.address;
    const record: FlowRecord = {
      hour,
      account: depositor.name,
      kind,
      usd: 0,
      shares: Number(formatUnits(shares, 18)),
      swaps: 0,
      gasUsed: 0,
    };
    try {
      const vault = this.vault.connect(depositor.signer);
      const receipt = await mined(
        kind === "redeem" ? vault.redeem(shares, address, address) : vault.redeemInKind(shares, address, address),
      );
      const events = parsedLogs(receipt, this.vaultAddress, this.vault.interface);
      record.gasUsed = Number(receipt.gasUsed);
      record.swaps = events.filter((e) => e.name === "Swapped").length;
      if (kind === "redeem") {
        const withdraw = events.find((e) => e.name === "Withdraw");
        record.usd = withdraw ? Number(formatUnits(withdraw.args.assets as bigint, this.tokens[0].decimals)) : 0;
      } else {
        const inKind = events.find((e) => e.name === "RedeemedInKind");
        const amounts = inKind ? (inKind.args.amounts as bigint[]) : [];
        record.usd = amounts.reduce(
          (sum, amount, i) =>
            sum + Number(formatUnits(amount, this.tokens[i].decimals)) * this.price(this.tokens[i].symbol),
          0,
        );
      }
      // An exit in USDC sold slices of the basket through the pools: the arbitrageur restores them.
      if (record.swaps > 0) await this.alignPools();
    } catch (error) {
      record.error = errorMessage(error);
    }
    this.flows.push(record);
  }

  /** Breaker trips and resets in the receipt of a keeper's rebalance (the only call that runs the checks). */
  private async recordBreakerEvents(receipt: TransactionReceipt): Promise<void> {
    for (const event of parsedLogs(receipt, this.breakersAddress, this.breakers.interface)) {
      if (event.name === "BreakerTripped") {
        const reason = tripName(event.args.reason as bigint);
        const asset = this.basket[Number(event.args.index as bigint)]?.symbol;
        this.breakerTripped = true;
        this.breakerEvents.push({ hour: await this.recordTime(), kind: "trip", reason, asset });
        this.log(`    breaker TRIPPED (${reason}, ${asset}) on a rebalance: rebalancing halts, exits stay open`);
      } else if (event.name === "BreakerReset") {
        this.breakerTripped = false;
        this.breakerEvents.push({ hour: await this.recordTime(), kind: "reset" });
        this.log("    breaker reset on a rebalance: healthy again after its cooldown");
      }
    }
  }

  private addKeeperGas(gasUsed: bigint): number {
    const gas = Number(gasUsed);
    this.keeperGas += gas;
    this.keeperGasCostUsd += this.gasCostUsd(gas);
    return gas;
  }

  /** The scenario's running cost (after investing), split as the lab splits it. */
  private runningCost(
    scenario: readonly RebalanceRecord[],
    vaultReturnPct: number,
    holdReturnPct: number,
  ): RunningCost {
    const years = (this.plan.steps * this.options.stepHours) / (365 * 24);
    const rebalanceGasUsd = scenario.reduce((sum, r) => sum + r.gasCostUsd, 0);
    const feesUsd = scenario.reduce((sum, r) => sum + r.feesUsd, 0);
    return {
      years,
      meanNavUsd: this.snapshots.reduce((sum, s) => sum + s.nav, 0) / this.snapshots.length,
      rebalanceGasUsd,
      // Skipped and no-trade calls: a difference of two float sums, so never below 0 but by rounding.
      otherGasUsd: Math.max(0, this.keeperGasCostUsd - this.scenarioGasStart - rebalanceGasUsd),
      paidByVaultUsd: scenario.reduce((sum, r) => sum + r.rewardUsd, 0),
      feesUsd,
      impactUsd: scenario.reduce((sum, r) => sum + r.costUsd, 0) - feesUsd,
      premiumPerYear: years > 0 ? Math.log((1 + vaultReturnPct / 100) / (1 + holdReturnPct / 100)) / years : 0,
    };
  }

  /**
   * The keeper's turn: rebalances while the vault says one is due, waiting out cooldowns that end
   * before `deadline`. No maintenance transaction: the breakers judge the oracles' own round history
   * and the pools' observations when a rebalance is tried, the volatility estimate learns at each
   * rebalance, and a trip lapses after its cooldown (each rebalance refuses while a condition lasts, and clears it once healthy).
   */
  private async keeperTurn(deadline: number, phase: "invest" | "scenario"): Promise<number | undefined> {
    // Two checks per call at most (a cooldown wait, then the call): a bound even if a status repeats.
    for (let checks = 0, calls = 0; checks < 2 * MAX_CALLS_PER_TURN && calls < MAX_CALLS_PER_TURN; checks++) {
      const [statusValue] = await this.rebalancer.rebalanceStatus();
      const status = Number(statusValue);
      if (status === Status.Cooldown) {
        const ready = Number(await this.policy.lastRebalance(this.rebalancerAddress)) + this.cooldown;
        if (ready > deadline) return status;
        await this.advanceTo(ready);
        continue;
      }
      // A trip in force, or a refusal that lasts: the next turn looks again (a rebalance clears a lapsed trip once healthy).
      if (status === Status.BreakerTripped) return status;
      if (status !== Status.Due && status !== Status.DueByCalendar) return status;
      calls++;
      // The sandwicher front-runs the keeper's call (the bot's own checks see the pushed pools).
      if (phase === "scenario") await this.adversaries?.sandwicher.front();
      const outcome = await this.rebalance(phase, statusName(status));
      await this.unwindSandwich();
      if (outcome !== "traded") return undefined;
    }
    return undefined;
  }

  /**
   * One rebalance by the keeper bot (src/keeper, what `npm run keeper` runs): it simulates the call,
   * estimates its gas, applies the cost gate with that gas at the block's base fee, then sends it
   * with EIP-1559 fees and waits for it. Recorded; the arbitrageur realigns the pools after.
   */
  private async rebalance(phase: "invest" | "scenario", reason: string): Promise<"traded" | "skipped" | "tripped"> {
    await this.setBaseFee();
    const hour = await this.recordTime();
    this.lastGate = undefined;
    const [result] = await this.bot.runOnce();
    if (result.kind !== "rebalance" || result.hash === undefined) {
      if (result.reason === "uneconomic") {
        // The bot's gate: the vault's cost (fees, impact, pool-oracle gap) plus the gas it estimated.
        const gate: LogFields = this.lastGate ?? {};
        const units = (value: unknown) =>
          typeof value === "bigint" ? Number(formatUnits(value, this.tokens[0].decimals)) : 0;
        const record: SkippedRecord = {
          hour,
          costUsd: units(gate.cost) + units(gate.gasCost),
          benefitUsd: units(gate.benefit),
          // Nothing was sent: the bot's simulation and estimate are calls, not transactions.
          gasUsed: 0,
        };
        this.skipped.push(record);
        this.log(
          `    keeper skips the rebalance (cost gate with gas): cost ${usd(record.costUsd, 2)} > benefit ${usd(record.benefitUsd, 2)}`,
        );
        return "skipped";
      }
      // Nothing sent: the next turn looks again.
      return "tripped";
    }
    const receipt = await ethers.provider.getTransactionReceipt(result.hash);
    if (!receipt) throw new Error(`the keeper's rebalance ${result.hash} has no receipt`);
    // Which call went out: the bot's own plan, or the on-chain planned fallback.
    const sent = await ethers.provider.getTransaction(result.hash);
    const call =
      sent !== null && sent.data.startsWith(this.rebalancer.interface.getFunction("rebalancePlan").selector)
        ? "rebalancePlan"
        : "rebalance";
    const gasUsed = this.addKeeperGas(receipt.gasUsed);
    await this.recordBreakerEvents(receipt);
    const events = parsedLogs(receipt, this.vaultAddress, this.vault.interface);
    const skip = parsedLogs(receipt, this.rebalancerAddress, this.rebalancer.interface).find(
      (e) => e.name === "RebalanceSkipped",
    );
    if (skip) {
      const base = this.tokens[0].decimals;
      const record: SkippedRecord = {
        hour,
        costUsd: Number(formatUnits(skip.args.cost as bigint, base)),
        benefitUsd: Number(formatUnits(skip.args.benefit as bigint, base)),
        gasUsed,
      };
      this.skipped.push(record);
      this.log(
        `    rebalance skipped by the cost gate: cost ${usd(record.costUsd, 2)} > benefit ${usd(record.benefitUsd, 2)}`,
      );
      return "skipped";
    }
    const done = events.find((e) => e.name === "Rebalanced");
    if (!done) return "tripped";
    const trades = events.filter((e) => e.name === "Swapped").map((e) => this.trade(e.args));
    const base = this.tokens[0].decimals;
    const feesUsd = this.poolFeesUsd(receipt);
    const navBeforeUsd = Number(formatUnits(done.args.navBefore as bigint, base));
    const navAfterUsd = Number(formatUnits(done.args.navAfter as bigint, base));
    const record: RebalanceRecord = {
      hour,
      phase,
      reason,
      trades,
      navBeforeUsd,
      navAfterUsd,
      costUsd: navBeforeUsd - navAfterUsd,
      feesUsd,
      costBps: navBeforeUsd > 0 ? ((navBeforeUsd - navAfterUsd) / navBeforeUsd) * 10_000 : 0,
      driftBeforeBps: Number(done.args.driftBeforeBps as bigint),
      driftAfterBps: Number(done.args.driftAfterBps as bigint),
      gasUsed,
      gasCostUsd: this.gasCostUsd(gasUsed),
      rewardUsd: Number(formatUnits((events.find((e) => e.name === "RewardPaid")?.args.amount as bigint) ?? 0n, base)),
      keeper: this.keeperName,
      call,
    };
    this.rebalances.push(record);
    const when = phase === "invest" ? "invest" : `hour ${hour.toFixed(1)}`;
    this.log(
      `    ${call} (${when}): ${trades.length} trade(s) ${trades.map((t) => `${t.sell}->${t.buy}`).join(" ")}, ` +
        `drift ${record.driftBeforeBps} -> ${record.driftAfterBps} bp, cost ${usd(record.costUsd, 2)} ` +
        `(${record.costBps.toFixed(2)} bp), gas ${gasUsed.toLocaleString("en-US")}, keeper reward ${usd(record.rewardUsd, 2)}`,
    );
    await this.unwindSandwich();
    await this.alignPools();
    return "traded";
  }

  /** The sandwicher's back-run, before the market's arbitrageur realigns the pools. */
  private async unwindSandwich(): Promise<void> {
    const played = await this.adversaries?.sandwicher.back();
    if (!played) return;
    this.log(
      `    sandwicher ${played.play} (${usd(played.sizeUsd)}): P&L ${usd(played.pnlUsd, 2)}` +
        (played.refused === undefined ? "" : `, refused ${played.refused}`),
    );
  }

  /**
   * Blocks at the --gas-gwei base fee, as on a live network, where it decides whether a small
   * rebalance is worth its gas (Hardhat's would decay to ~0 here). An empty block at that fee
   * first: the bot prices gas at the latest block's base fee, and the next block has it too.
   */
  private async setBaseFee(): Promise<void> {
    const baseFee = parseUnits(String(this.options.gasGwei), "gwei");
    if (baseFee === 0n) return;
    await network.provider.send("hardhat_setNextBlockBaseFeePerGas", [toQuantity(baseFee)]);
    await network.provider.send("evm_mine", []);
    await network.provider.send("hardhat_setNextBlockBaseFeePerGas", [toQuantity(baseFee)]);
  }

  /** The bot's structured log: its warnings and errors in the progress, its gate's numbers kept. */
  private keeperLogger(): KeeperLogger {
    return {
      log: (level, event, fields) => {
        if (event === "uneconomic") this.lastGate = fields;
        if (level !== "warn" && level !== "error") return;
        const text = JSON.stringify(fields ?? {}, (_key, value: unknown) =>
          typeof value === "bigint" ? value.toString() : value,
        );
        this.log(`    keeper ${level}: ${event} ${text}`);
      },
    };
  }

  /** The fees `receipt`'s swaps paid the market's pools: each hop's input times its fee tier, USD. */
  private poolFeesUsd(receipt: TransactionReceipt): number {
    let fees = 0;
    for (const log of receipt.logs) {
      const pool = this.marketPools.find((p) => p.address === log.address);
      if (!pool) continue;
      const parsed = pool.contract.interface.parseLog(log);
      if (parsed?.name !== "Swap") continue;
      // The pool's input is the positive amount.
      const [amount0, amount1] = [parsed.args.amount0 as bigint, parsed.args.amount1 as bigint];
      const [token, amount] = amount0 > 0n ? [pool.token0, amount0] : [pool.token1, amount1];
      fees += Number(formatUnits(amount, token.decimals)) * this.price(token.symbol) * (pool.fee / 1e6);
    }
    return fees;
  }

  private trade(args: Result): TradeRecord {
    const tokenIn = this.tokens.find((t) => t.address === getAddress(String(args.tokenIn)))!;
    const tokenOut = this.tokens.find((t) => t.address === getAddress(String(args.tokenOut)))!;
    const amountIn = Number(formatUnits(args.amountIn as bigint, tokenIn.decimals));
    const amountOut = Number(formatUnits(args.amountOut as bigint, tokenOut.decimals));
    const valueInUsd = amountIn * this.price(tokenIn.symbol);
    const valueOutUsd = amountOut * this.price(tokenOut.symbol);
    return {
      sell: tokenIn.symbol,
      buy: tokenOut.symbol,
      amountIn,
      amountOut,
      valueInUsd,
      valueOutUsd,
      slippageBps: valueInUsd > 0 ? ((valueInUsd - valueOutUsd) / valueInUsd) * 10_000 : 0,
    };
  }

  /** The state now; `knownStatus` is the keeper's last reading, when nothing happened since. */
  private async snapshot(knownStatus?: number): Promise<Snapshot> {
    const base = this.tokens[0].decimals;
    const [nav, supply, weights, oneShare, status] = await Promise.all([
      this.vault.totalAssets(),
      this.vault.totalSupply(),
      this.rebalancer.currentWeights(),
      this.vault.convertToAssets(10n ** 18n),
      knownStatus ?? this.rebalancer.rebalanceStatus().then(([value]) => Number(value)),
    ]);
    const prices = this.tokens.map((token) => this.price(token.symbol));
    const weightsBps = weights.map(Number);
    return {
      hour: await this.recordTime(),
      prices,
      nav: Number(formatUnits(nav, base)),
      supply: Number(formatUnits(supply, 18)),
      sharePrice: Number(formatUnits(oneShare, base)),
      holdPerShare: this.unitsPerShare.reduce((sum, units, i) => sum + units * prices[i], 0),
      weightsBps,
      maxDriftBps: Math.max(...weightsBps.map((w, i) => Math.abs(w - this.basket[i].targetBps))),
      status: statusName(status),
      breakerTripped: this.breakerTripped,
    };
  }

  private progress(hours: number, started: number): void {
    const last = this.snapshots[this.snapshots.length - 1];
    const days = this.options.days;
    const day = Math.ceil(hours / 24);
    const first = this.snapshots[0];
    // The same measure as the summary: vault return minus buy-and-hold return, percentage points.
    const edge = signed((last.sharePrice / first.sharePrice - last.holdPerShare / first.holdPerShare) * 100);
    const rebalances = this.rebalances.filter((r) => r.phase === "scenario").length;
    this.log(
      `day ${String(day).padStart(String(days).length)}/${days}  NAV ${usd(last.nav)}  share ${usd(last.sharePrice, 4)}` +
        ` (hold ${usd(last.holdPerShare, 4)}, ${edge} pp)  drift ${last.maxDriftBps} bp` +
        `  rebalances ${rebalances}  breaker ${last.breakerTripped ? "TRIPPED" : "ok"}` +
        (this.adversaries ? `  adversaries ${usd(this.adversaries.pnlUsd(), 2)}` : "") +
        `  [${((Date.now() - started) / 1_000).toFixed(0)} s]`,
    );
  }

  /** RMS over the snapshots and the non-base assets of weight - target, bps. */
  /**
   * Tracking error, time-weighted: over each step, the mean of the squared deviation (weight -
   * target, each risky asset) where the last step's keeper left it and where this step's move and
   * flows took it before the keeper acts, i.e. the interval's average for a deviation that drifts
   * diffusively (its expected square grows linearly in time). Sampling after the keeper alone would
   * count a full rebalance's zero deviation for the whole step.
   */
  private trackingErrorBps(): number {
    const risky = this.basket.slice(1);
    const steps = this.weightsBeforeKeeper.length;
    if (risky.length === 0 || steps === 0) return 0;
    const squared = (weights: readonly number[]) =>
      risky.reduce((sum, asset, i) => sum + (weights[i + 1] - asset.targetBps) ** 2, 0);
    let sum = 0;
    for (let k = 0; k < steps; k++) {
      // snapshots[k] was taken after the previous step's keeper (snapshots[0]: after investing).
      sum += (squared(this.snapshots[k].weightsBps) + squared(this.weightsBeforeKeeper[k])) / 2;
    }
    return Math.sqrt(sum / (steps * risky.length));
  }

  /** The keeper bot's account over the run: every rebalance it sent (it sends nothing else). */
  private keeperSummary(): KeeperSummary {
    const mine = this.rebalances.filter((r) => r.keeper === this.keeperName);
    const rewardsUsd = mine.reduce((sum, r) => sum + r.rewardUsd, 0);
    return {
      keeper: this.keeperName,
      address: this.keeper.address,
      rebalances: mine.length,
      plans: mine.filter((r) => r.call === "rebalancePlan").length,
      trades: mine.reduce((sum, r) => sum + r.trades.length, 0),
      // Every keeper transaction of the run is this keeper's.
      gasUsed: this.keeperGas,
      gasCostUsd: this.keeperGasCostUsd,
      rewardsUsd,
      netUsd: rewardsUsd - this.keeperGasCostUsd,
    };
  }

  private report(wallTimeSeconds: number): ScenarioReport {
    const scenario = this.rebalances.filter((r) => r.phase === "scenario");
    const first = this.snapshots[0];
    const last = this.snapshots[this.snapshots.length - 1];
    const drawdown = (series: number[]) => {
      let peak = -Infinity;
      let worst = 0;
      for (const value of series) {
        peak = Math.max(peak, value);
        worst = Math.max(worst, 1 - value / peak);
      }
      return worst * 100;
    };
    let hoursHalted = 0;
    let trippedAt: number | undefined;
    for (const event of this.breakerEvents) {
      if (event.kind === "trip") trippedAt = event.hour;
      else if (trippedAt !== undefined) {
        hoursHalted += event.hour - trippedAt;
        trippedAt = undefined;
      }
    }
    if (trippedAt !== undefined) hoursHalted += last.hour - trippedAt;
    const vaultReturnPct = (last.sharePrice / first.sharePrice - 1) * 100;
    const holdReturnPct = (last.holdPerShare / first.holdPerShare - 1) * 100;
    const done = this.flows.filter((f) => f.error === undefined);
    const summary: ScenarioSummary = {
      startSharePrice: first.sharePrice,
      endSharePrice: last.sharePrice,
      vaultReturnPct,
      holdReturnPct,
      excessReturnPct: vaultReturnPct - holdReturnPct,
      startNav: first.nav,
      endNav: last.nav,
      maxDrawdownPct: drawdown(this.snapshots.map((s) => s.sharePrice)),
      holdMaxDrawdownPct: drawdown(this.snapshots.map((s) => s.holdPerShare)),
      rebalances: scenario.length,
      trades: scenario.reduce((sum, r) => sum + r.trades.length, 0),
      skipped: this.skipped.length,
      tradingCostUsd: scenario.reduce((sum, r) => sum + r.costUsd, 0),
      tradingCostPct: scenario.reduce((sum, r) => sum + r.costBps, 0) / 100,
      keeperGas: this.keeperGas,
      liquidityRecenters: this.recenters,
      keeperGasCostUsd: this.keeperGasCostUsd,
      rewardsUsd: this.rebalances.reduce((sum, r) => sum + r.rewardUsd, 0),
      breakerTrips: this.breakerEvents.filter((e) => e.kind === "trip").length,
      breakerResets: this.breakerEvents.filter((e) => e.kind === "reset").length,
      hoursHalted,
      deposits: done.filter((f) => f.kind === "deposit" && f.hour >= 0).length,
      redemptions: done.filter((f) => f.kind !== "deposit").length,
      netFlowsUsd: done.filter((f) => f.hour >= 0).reduce((sum, f) => sum + (f.kind === "deposit" ? f.usd : -f.usd), 0),
      endMaxDriftBps: last.maxDriftBps,
      meanMaxDriftBps: this.snapshots.reduce((sum, s) => sum + s.maxDriftBps, 0) / this.snapshots.length,
      trackingErrorBps: this.trackingErrorBps(),
      legsPerRebalance:
        scenario.length > 0 ? scenario.reduce((sum, r) => sum + r.trades.length, 0) / scenario.length : 0,
      keeperPlans: scenario.filter((r) => r.call === "rebalancePlan").length,
      keepers: [this.keeperSummary()],
      runningCost: this.runningCost(scenario, vaultReturnPct, holdReturnPct),
    };
    return {
      meta: {
        name: this.options.name,
        scenario: this.options.scenario,
        description: this.plan.definition.description,
        options: this.options,
        network: network.name,
        wallTimeSeconds,
        createdAt: new Date().toISOString(),
        startTime: this.t0,
        ...(this.plan.crashStep !== undefined
          ? {
              crashHour: this.plan.crashStep * this.options.stepHours,
              crashReturnsPct: this.plan.crashReturns!.map((r) => r * 100),
            }
          : {}),
      },
      settings: this.settings,
      contracts: this.contracts,
      basket: this.basket,
      benchmark: {
        description:
          "the vault's basket per share at hour 0 (after investing the opening deposits), held without trading, valued at the same feed prices",
        unitsPerShare: this.unitsPerShare,
      },
      snapshots: this.snapshots,
      rebalances: this.rebalances,
      skipped: this.skipped,
      breakerEvents: this.breakerEvents,
      flows: this.flows,
      summary,
      ...(this.adversaries ? { adversaries: this.adversaries.report() } : {}),
    };
  }
}

/**
 * Deploys the local market and a vault on the connected Hardhat chain and plays the scenario;
 * returns the report (write it with `writeReportFiles`, print it with `printReport`).
 */
export async function runScenario(options: ScenarioOptions, runOptions: RunOptions = {}): Promise<ScenarioReport> {
  return new ScenarioRun(options, runOptions).run();
}
