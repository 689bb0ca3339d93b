/**
 * The keeper's turns in a scenario: no maintenance transaction, only the keeper bot of
 * `npm run keeper` (src/keeper) rebalancing whenever the vault says one is due, waiting out
 * cooldowns; unless `--keeper-plan off`, with its own planner on the market's QuoterV2 (it sends
 * `rebalancePlan(legs)`, and the on-chain planned `rebalance()` when the rebalancer would refuse
 * its plan). The sandwicher, when on, plays around each call.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { formatUnits, getAddress, parseUnits, toQuantity } from "ethers";
import type { Result, TransactionReceipt } from "ethers";
import { ethers, network } from "hardhat";

import { Keeper } from "../keeper";
import type { KeeperLogger, LogFields } from "../keeper";
import { Status, statusName, tripName } from "../vault/enums";

import type { Adversaries } from "./adversaries";
import type { ScenarioClock } from "./clock";
import type { ScenarioDeployment } from "./deployment";
import { usd } from "./format";
import type { MarketActors } from "./marketActors";
import { parsedLogs } from "./receipts";
import type { RunRecords } from "./summary";
import type { Logger, RebalanceRecord, SkippedRecord, TradeRecord } from "./types";

/** Keeper calls per turn at most (each trade is capped at maxTradeBps of NAV: investing takes ~10). */
const MAX_CALLS_PER_TURN = 40;

export class KeeperTurns {
  /** The bot, what `npm run keeper` runs, signing as the keeper's account. */
  private readonly bot: Keeper;
  /** The fields of the bot's last cost-gate refusal. */
  private lastGate: LogFields | undefined;

  private constructor(
    private readonly chain: ScenarioDeployment,
    /** The bot's name in the report. */
    readonly name: string,
    readonly signer: HardhatEthersSigner,
    quoter: string | undefined,
    private readonly gasGwei: number,
    private readonly actors: MarketActors,
    private readonly clock: ScenarioClock,
    private readonly records: RunRecords,
    private readonly log: Logger,
    private readonly adversaries: Adversaries | undefined,
  ) {
    this.bot = new Keeper({
      vaults: [chain.vaultAddress],
      signer,
      pollIntervalMs: 10,
      priorityFeeGwei: 0,
      maxFeePerGasGwei: Math.max(100, 4 * gasGwei),
      gasToken: { basketAsset: "WETH" },
      logger: this.keeperLogger(),
      // Simulated time stands still between calls: the bot's clock is the chain's.
      clock: () => clock.chainTimeMs,
      // The bot's own planner quotes every pool of the market (each fee tier, direct pairs).
      ...(quoter !== undefined ? { quoter } : {}),
    });
  }

  static async create(
    chain: ScenarioDeployment,
    signer: HardhatEthersSigner,
    options: { keeperPlan: boolean; gasGwei: number },
    actors: MarketActors,
    clock: ScenarioClock,
    records: RunRecords,
    log: Logger,
    adversaries: Adversaries | undefined,
  ): Promise<KeeperTurns> {
    const quoter = options.keeperPlan ? await chain.market.quoter.getAddress() : undefined;
    const name = options.keeperPlan ? "keeper bot (own plan)" : "keeper bot (rebalance())";
    return new KeeperTurns(chain, name, signer, quoter, options.gasGwei, actors, clock, records, log, adversaries);
  }

  /** Breaker trips and resets in the receipt of a keeper's rebalance (the only call that runs the checks). */
  private async recordBreakerEvents(receipt: TransactionReceipt): Promise<void> {
    for (const event of parsedLogs(receipt, this.chain.breakersAddress, this.chain.breakers.interface)) {
      if (event.name === "BreakerTripped") {
        const reason = tripName(event.args.reason as bigint);
        const asset = this.chain.basket[Number(event.args.index as bigint)]?.symbol;
        this.records.breakerTripped = true;
        this.records.breakerEvents.push({ hour: await this.clock.recordTime(), kind: "trip", reason, asset });
        this.log(`    breaker TRIPPED (${reason}, ${asset}) on a rebalance: rebalancing halts, exits stay open`);
      } else if (event.name === "BreakerReset") {
        this.records.breakerTripped = false;
        this.records.breakerEvents.push({ hour: await this.clock.recordTime(), kind: "reset" });
        this.log("    breaker reset on a rebalance: healthy again after its cooldown");
      }
    }
  }

  private addKeeperGas(gasUsed: bigint): number {
    const gas = Number(gasUsed);
    this.records.keeperGas += gas;
    this.records.keeperGasCostUsd += this.actors.gasCostUsd(gas);
    return gas;
  }

  /**
   * The keeper's turn: rebalances while the vault says one is due, waiting out cooldowns that end
   * before `deadline`. No maintenance transaction: the breakers judge the oracles' own round history
   * and the pools' observations when a rebalance is tried, the volatility estimate learns at each
   * rebalance, and a trip lapses after its cooldown (each rebalance refuses while a condition lasts, and clears it once healthy).
   */
  async turn(deadline: number, phase: "invest" | "scenario"): Promise<number | undefined> {
    // Two checks per call at most (a cooldown wait, then the call): a bound even if a status repeats.
    for (let checks = 0, calls = 0; checks < 2 * MAX_CALLS_PER_TURN && calls < MAX_CALLS_PER_TURN; checks++) {
      const [statusValue] = await this.chain.rebalancer.rebalanceStatus();
      const status = Number(statusValue);
      if (status === Status.Cooldown) {
        const ready =
          Number(await this.chain.policy.lastRebalance(this.chain.rebalancerAddress)) +
          this.chain.settings.cooldownSeconds;
        if (ready > deadline) return status;
        await this.clock.advanceTo(ready);
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
    const hour = await this.clock.recordTime();
    this.lastGate = undefined;
    const [result] = await this.bot.runOnce();
    if (result.kind !== "rebalance" || result.hash === undefined) {
      if (result.reason === "uneconomic") {
        // The bot's gate: the vault's cost (fees, impact, pool-oracle gap) plus the gas it estimated.
        const gate: LogFields = this.lastGate ?? {};
        const units = (value: unknown) =>
          typeof value === "bigint" ? Number(formatUnits(value, this.chain.tokens[0].decimals)) : 0;
        const record: SkippedRecord = {
          hour,
          costUsd: units(gate.cost) + units(gate.gasCost),
          benefitUsd: units(gate.benefit),
          // Nothing was sent: the bot's simulation and estimate are calls, not transactions.
          gasUsed: 0,
        };
        this.records.skipped.push(record);
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
      sent !== null && sent.data.startsWith(this.chain.rebalancer.interface.getFunction("rebalancePlan").selector)
        ? "rebalancePlan"
        : "rebalance";
    const gasUsed = this.addKeeperGas(receipt.gasUsed);
    await this.recordBreakerEvents(receipt);
    const events = parsedLogs(receipt, this.chain.vaultAddress, this.chain.vault.interface);
    const skip = parsedLogs(receipt, this.chain.rebalancerAddress, this.chain.rebalancer.interface).find(
      (e) => e.name === "RebalanceSkipped",
    );
    if (skip) {
      const base = this.chain.tokens[0].decimals;
      const record: SkippedRecord = {
        hour,
        costUsd: Number(formatUnits(skip.args.cost as bigint, base)),
        benefitUsd: Number(formatUnits(skip.args.benefit as bigint, base)),
        gasUsed,
      };
      this.records.skipped.push(record);
      this.log(
        `    rebalance skipped by the cost gate: cost ${usd(record.costUsd, 2)} > benefit ${usd(record.benefitUsd, 2)}`,
      );
      return "skipped";
    }
    const done = events.find((e) => e.name === "Rebalanced");
    if (!done) return "tripped";
    const trades = events.filter((e) => e.name === "Swapped").map((e) => this.trade(e.args));
    const base = this.chain.tokens[0].decimals;
    const feesUsd = this.actors.poolFeesUsd(receipt);
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
      gasCostUsd: this.actors.gasCostUsd(gasUsed),
      rewardUsd: Number(formatUnits((events.find((e) => e.name === "RewardPaid")?.args.amount as bigint) ?? 0n, base)),
      keeper: this.name,
      call,
    };
    this.records.rebalances.push(record);
    const when = phase === "invest" ? "invest" : `hour ${hour.toFixed(1)}`;
    this.log(
      `    ${call} (${when}): ${trades.length} trade(s) ${trades.map((t) => `${t.sell}->${t.buy}`).join(" ")}, ` +
        `drift ${record.driftBeforeBps} -> ${record.driftAfterBps} bp, cost ${usd(record.costUsd, 2)} ` +
        `(${record.costBps.toFixed(2)} bp), gas ${gasUsed.toLocaleString("en-US")}, keeper reward ${usd(record.rewardUsd, 2)}`,
    );
    await this.unwindSandwich();
    await this.actors.alignPools();
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
    const baseFee = parseUnits(String(this.gasGwei), "gwei");
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

  private trade(args: Result): TradeRecord {
    const tokenIn = this.chain.tokens.find((t) => t.address === getAddress(String(args.tokenIn)))!;
    const tokenOut = this.chain.tokens.find((t) => t.address === getAddress(String(args.tokenOut)))!;
    const amountIn = Number(formatUnits(args.amountIn as bigint, tokenIn.decimals));
    const amountOut = Number(formatUnits(args.amountOut as bigint, tokenOut.decimals));
    const valueInUsd = amountIn * this.actors.price(tokenIn.symbol);
    const valueOutUsd = amountOut * this.actors.price(tokenOut.symbol);
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
}
