/**
 * The scenario behind `npm start`: deploys the local market and a Ballast vault on the connected
 * Hardhat chain (in-process, or a `hardhat node` on localhost; deployment.ts), then plays the
 * scenario step by step with its actors:
 *
 * - the market (marketActors.ts): each step the feeds publish the planned prices, an arbitrageur
 *   trades every pool of the market (each fee tier of each pair: any pool a keeper may quote and
 *   trade, not only the vault's routes) back to them, and liquidity providers re-centre their ranges
 *   after big moves;
 * - depositors (flows.ts), who come and go at random (deposits, exits in USDC and in kind);
 * - the keeper bot of `npm run keeper` (keeperTurns.ts), rebalancing whenever the vault says one is
 *   due;
 * - the clock (clock.ts), which the scenario advances;
 * - unless `--adversaries off`, an oracle front-runner and a rebalance sandwicher
 *   (adversaries.ts), whose plays and P&L the report shows.
 *
 * Everything is recorded into a ScenarioReport (summary.ts). Imports typechain-types (through
 * src/market and src/vault): Hardhat tasks must import this module lazily, inside their action.
 */
import { formatUnits } from "ethers";
import { network } from "hardhat";

import { RECOMMENDED_BREAKERS } from "../vault";
import { statusName } from "../vault/enums";

import { Adversaries } from "./adversaries";
import type { Arena } from "./adversaries";
import { ScenarioClock } from "./clock";
import { deployScenario } from "./deployment";
import type { ScenarioDeployment } from "./deployment";
import { Depositors, DEPOSITOR_NAMES } from "./flows";
import { basketText, signed, usd } from "./format";
import { KeeperTurns } from "./keeperTurns";
import { MarketActors } from "./marketActors";
import type { ScenarioOptions } from "./options";
import { setUpScenario } from "./scenarios";
import type { ScenarioSetup } from "./scenarios";
import { buildReport, RunRecords } from "./summary";
import type { Logger, ScenarioReport, Snapshot } from "./types";

/**
 * Seconds between a step's price move and the keeper's turn. Real prices move continuously and
 * arbitrage keeps pools on them block by block, so a pool's 30-minute TWAP lags its spot by
 * minutes of drift. A simulated step moves prices in one jump; letting the TWAP window pass before
 * the keeper looks keeps ordinary steps from looking like manipulation to the breakers, while a
 * crash still trips the move-window check (Dislocation).
 */
const SETTLE_SECONDS = Number(RECOMMENDED_BREAKERS.twapWindow) + 60;

export interface RunOptions {
  /** Where progress goes (a line per simulated day, and each rebalance and breaker event). */
  log?: Logger;
}

/** The run's actors, once deployed. */
interface Cast {
  chain: ScenarioDeployment;
  actors: MarketActors;
  depositors: Depositors;
  keeper: KeeperTurns;
  adversaries: Adversaries | undefined;
  contracts: Record<string, string>;
}

/** One run of a scenario: its actors and records. Used through {@link runScenario}. */
class ScenarioRun {
  private readonly setup: ScenarioSetup;
  private readonly log: Logger;
  private readonly clock = new ScenarioClock();
  private readonly records = new RunRecords();
  private cast!: Cast;
  /** The buy-and-hold benchmark: the vault's basket per share at hour 0, whole tokens. */
  private unitsPerShare: number[] = [];

  constructor(
    private readonly options: ScenarioOptions,
    runOptions: RunOptions = {},
  ) {
    this.setup = setUpScenario(options);
    this.log = runOptions.log ?? ((line) => console.log(line));
  }

  async run(): Promise<ScenarioReport> {
    const started = Date.now();
    if (network.name !== "hardhat" && network.name !== "localhost") {
      throw new Error(`the scenario runs on a local Hardhat chain (hardhat or localhost), not ${network.name}`);
    }
    this.cast = await this.deploy();
    await this.open();
    this.records.snapshots.push(await this.snapshot());
    this.records.scenarioGasStart = this.records.keeperGasCostUsd;
    this.log(`Scenario "${this.options.scenario}": ${this.setup.definition.description}.`);
    if (this.setup.crashStep !== undefined) {
      const depths = this.setup.crashReturns!.map((r, i) => `${this.setup.risky[i].symbol} ${(r * 100).toFixed(0)}%`);
      this.log(`The crash comes at hour ${this.setup.crashStep * this.options.stepHours}: ${depths.join(", ")}.`);
    }
    for (let step = 1; step <= this.setup.steps; step++) {
      await this.playStep(step);
      const hours = step * this.options.stepHours;
      if (hours % 24 === 0 || step === this.setup.steps) this.progress(hours, started);
    }
    const { chain, actors, keeper, adversaries, contracts } = this.cast;
    return buildReport({
      options: this.options,
      setup: this.setup,
      records: this.records,
      network: network.name,
      wallTimeSeconds: (Date.now() - started) / 1_000,
      t0: this.clock.t0,
      settings: chain.settings,
      contracts,
      basket: chain.basket,
      unitsPerShare: this.unitsPerShare,
      recenters: actors.recenters,
      keeper: { name: keeper.name, address: keeper.signer.address },
      ...(adversaries ? { adversaries } : {}),
    });
  }

  /** The chain, then the actors on it. */
  private async deploy(): Promise<Cast> {
    const chain = await deployScenario(this.setup, this.options, this.log);
    const { signers, tokens } = chain;
    // Signer 0 deployed the market; the keeper, the depositors and the arbitrageur are separate accounts.
    const depositorAccounts = DEPOSITOR_NAMES.map((name, i) => ({ name, signer: signers[2 + i] }));
    const startPrices = tokens.map((_, i) => (i === 0 ? 1 : this.setup.prices[0][i - 1]));
    const actors = await MarketActors.create(
      chain.market,
      tokens,
      startPrices,
      signers[2 + DEPOSITOR_NAMES.length],
      this.options.gasGwei,
    );
    let adversaries: Adversaries | undefined;
    if (this.options.adversaries) {
      const arena: Arena = {
        market: chain.market,
        vault: chain.vault,
        rebalancer: chain.rebalancer,
        tokens,
        routePools: chain.routePools,
        legPools: chain.legPools,
        price: (symbol) => actors.price(symbol),
        hour: () => this.clock.recordTime(),
        gasCostUsd: (gas) => actors.gasCostUsd(gas),
        interfaces: [
          chain.vault.interface,
          chain.rebalancer.interface,
          chain.policy.interface,
          chain.breakers.interface,
        ],
      };
      const [frontRunner, sandwicher] = signers.slice(3 + DEPOSITOR_NAMES.length);
      adversaries = await Adversaries.create(arena, { frontRunner, sandwicher }, this.options);
    }
    const keeper = await KeeperTurns.create(
      chain,
      signers[1],
      this.options,
      actors,
      this.clock,
      this.records,
      this.log,
      adversaries,
    );
    const depositors = new Depositors(
      chain,
      depositorAccounts,
      actors,
      this.clock,
      this.options.deposit,
      this.options.seed,
      this.records.flows,
    );
    const contracts = {
      vault: chain.vaultAddress,
      policy: chain.policyAddress,
      breakers: chain.breakersAddress,
      rebalancer: chain.rebalancerAddress,
      ...(chain.timelock ? { timelock: await chain.timelock.getAddress() } : {}),
      swapRouter: await chain.market.router.getAddress(),
      ...Object.fromEntries(tokens.map((token) => [token.symbol, token.address])),
    };
    this.log(`BallastVault ${chain.vaultAddress}, basket ${basketText(chain.basket)}`);
    return { chain, actors, depositors, keeper, adversaries, contracts };
  }

  /** The opening deposits, an hour of pool history for the breakers' TWAPs, and the keeper investing. */
  private async open(): Promise<void> {
    const { chain, depositors, keeper, adversaries } = this.cast;
    const records = this.records;
    await depositors.open();
    // The front-runner's standing holding, which it takes out before steps down.
    await adversaries?.frontRunner.openHolding(this.options.deposit);
    await chain.market.advanceTime(3_600);
    // Hours are counted from the end of the investment; until then the opening records hold chain times.
    const openingRecords = records.rebalances.length;
    this.log(
      `Opening deposits ${usd(this.options.deposit)}; the keeper invests them (each trade at most ${chain.settings.maxTradeBps / 100}% of NAV)...`,
    );
    await keeper.turn(Number.POSITIVE_INFINITY, "invest");
    await this.clock.startHours();
    for (const record of records.rebalances.slice(openingRecords)) record.hour = this.clock.hourAt(record.hour);
    for (const record of [...records.flows, ...records.breakerEvents, ...records.skipped])
      record.hour = this.clock.hourAt(record.hour);

    // The buy-and-hold benchmark: this basket per share, never traded again.
    const supply = Number(formatUnits(await chain.vault.totalSupply(), 18));
    this.unitsPerShare = [];
    for (const token of chain.tokens) {
      const balance = Number(formatUnits(await token.contract.balanceOf(chain.vaultAddress), token.decimals));
      this.unitsPerShare.push(balance / supply);
    }
  }

  private async playStep(step: number): Promise<void> {
    const { chain, actors, depositors, keeper, adversaries } = this.cast;
    const moveTime = this.clock.t0 + step * this.setup.stepSeconds;
    await this.clock.advanceTo(moveTime);
    const front = adversaries?.frontRunner;
    if (front) {
      // The feeds follow the step in updates of at most their deviation thresholds, the pools
      // with them: the front-runner sees the last update coming, before the feeds and the pools.
      const next = new Map(this.setup.risky.map((asset, i) => [asset.symbol, this.setup.prices[step][i]]));
      const lead = new Map<string, number>();
      for (const [symbol, to] of next) {
        const threshold = chain.deviations.get(symbol)! / 10_000;
        const last = Math.min(threshold, Math.max(-threshold, to / actors.price(symbol) - 1));
        lead.set(symbol, to / (1 + last));
      }
      await actors.publishPrices(lead);
      await actors.alignPools();
      await front.beforeStep(next);
      await actors.alignPools();
    }
    await actors.move(new Map(this.setup.risky.map((asset, i) => [asset.symbol, this.setup.prices[step][i]])));
    const played = await front?.afterStep();
    if (played) {
      await actors.alignPools();
      if (played.refused !== undefined || played.pnlUsd > 0) {
        this.log(
          `    front-runner ${played.play} (step ${signed(played.edgeBps, 0)} bp, ${usd(played.sizeUsd)}): ` +
            `P&L ${usd(played.pnlUsd, 2)}${played.refused === undefined ? "" : `, refused ${played.refused}`}`,
        );
      }
    }
    await depositors.step(this.options.flowsPerDay, this.options.stepHours);
    await this.clock.advanceTo(moveTime + SETTLE_SECONDS);
    // The weights the step's move and flows left, before the keeper acts: the end of the interval
    // the tracking error averages over (see summary.ts).
    this.records.weightsBeforeKeeper.push((await chain.rebalancer.currentWeights()).map(Number));
    // The keeper's cooldown waits must end before the next price move.
    const status = await keeper.turn(moveTime + this.setup.stepSeconds - 60, "scenario");
    this.records.snapshots.push(await this.snapshot(status));
  }

  /** The state now; `knownStatus` is the keeper's last reading, when nothing happened since. */
  private async snapshot(knownStatus?: number): Promise<Snapshot> {
    const { chain, actors } = this.cast;
    const base = chain.tokens[0].decimals;
    const [nav, supply, weights, oneShare, status] = await Promise.all([
      chain.vault.totalAssets(),
      chain.vault.totalSupply(),
      chain.rebalancer.currentWeights(),
      chain.vault.convertToAssets(10n ** 18n),
      knownStatus ?? chain.rebalancer.rebalanceStatus().then(([value]) => Number(value)),
    ]);
    const prices = chain.tokens.map((token) => actors.price(token.symbol));
    const weightsBps = weights.map(Number);
    return {
      hour: await this.clock.recordTime(),
      prices,
      nav: Number(formatUnits(nav, base)),
      supply: Number(formatUnits(supply, 18)),
      sharePrice: Number(formatUnits(oneShare, base)),
      holdPerShare: this.unitsPerShare.reduce((sum, units, i) => sum + units * prices[i], 0),
      weightsBps,
      maxDriftBps: Math.max(...weightsBps.map((w, i) => Math.abs(w - chain.basket[i].targetBps))),
      status: statusName(status),
      breakerTripped: this.records.breakerTripped,
    };
  }

  private progress(hours: number, started: number): void {
    const { snapshots, rebalances } = this.records;
    const last = snapshots[snapshots.length - 1];
    const days = this.options.days;
    const day = Math.ceil(hours / 24);
    const first = snapshots[0];
    // The same measure as the summary: vault return minus buy-and-hold return, percentage points.
    const edge = signed((last.sharePrice / first.sharePrice - last.holdPerShare / first.holdPerShare) * 100);
    const count = rebalances.filter((r) => r.phase === "scenario").length;
    const adversaries = this.cast.adversaries;
    this.log(
      `day ${String(day).padStart(String(days).length)}/${days}  NAV ${usd(last.nav)}  share ${usd(last.sharePrice, 4)}` +
        ` (hold ${usd(last.holdPerShare, 4)}, ${edge} pp)  drift ${last.maxDriftBps} bp` +
        `  rebalances ${count}  breaker ${last.breakerTripped ? "TRIPPED" : "ok"}` +
        (adversaries ? `  adversaries ${usd(adversaries.pnlUsd(), 2)}` : "") +
        `  [${((Date.now() - started) / 1_000).toFixed(0)} s]`,
    );
  }
}

/**
 * Deploys the local market and a vault on the connected Hardhat chain and plays the scenario;
 * returns the report (write it with `writeReportFiles`, print it with `printReport`).
 */
export async function runScenario(options: ScenarioOptions, runOptions: RunOptions = {}): Promise<ScenarioReport> {
  return new ScenarioRun(options, runOptions).run();
}
