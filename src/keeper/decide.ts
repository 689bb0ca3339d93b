/**
 * The decision: what to do this block for a vault with no transaction in flight, from what the
 * chain says. Its status says whether a rebalance is due; if so, the call to send is the keeper's
 * own plan or the on-chain one, simulated and estimated at the latest block, priced at this
 * block's fees and weighed by the cost gate with the keeper's real gas. The rules themselves are
 * pure (here and in ./fees.ts); this module reads their inputs in the order they are needed, so
 * that a vault that is not due costs one read.
 */
import type { Interface, Provider } from "ethers";

import { BallastRebalancer__factory } from "../../typechain-types";
import { describeError } from "../shared/revert";

import type { VaultReader } from "./chain";
import type { KeeperConfig } from "./config";
import { effectiveGasPrice, gasValueInBase, passesCostGate, rewardPremium, withMargin } from "./fees";
import type { Fees } from "./fees";
import type { EpisodeLog, KeeperLogger, LogFields } from "./logger";
import { reportRevert } from "./outcomes";
import { planRebalance as planKeeperRebalance } from "./planner";
import { statusName } from "./types";
import type { CycleContext, CycleResult, TxRequest, VaultState } from "./types";

/** What a vault's status calls for: a rebalance, or this cycle's result without one. */
export function statusAction(status: string): "rebalance" | Omit<CycleResult, "vault"> {
  switch (status) {
    case "Due":
    case "DueByCalendar":
      return "rebalance";
    case "BreakerTripped":
      // A trip holds for its cooldown, or the breakers would refuse a due rebalance without recording
      // anything (a condition that lasts, an oracle invalid within the last cooldown): nothing to
      // send until the status changes; the next rebalance then clears a lapsed trip by itself.
      return { action: "waiting", status, reason: "breaker_cooldown" };
    case "Paused":
      return { action: "idle", status, reason: "paused" };
    default:
      return { action: "idle", status };
  }
}

/** The outcome of deciding: a transaction to send (with what its log line says), or a result without one. */
export type Decision = { tx: TxRequest; details: LogFields; status: string } | { result: CycleResult };

/** A rebalance transaction ready to send (the call, its gas and fees, the gate's numbers), or why there is none. */
export type PreparedRebalance =
  | { ok: true; data: string; gasEstimate: bigint; gasLimit: bigint; fees: Fees; trades: bigint; gate: LogFields }
  | { ok: false; result: CycleResult };

export interface DeciderDeps {
  provider: Provider;
  config: KeeperConfig;
  logger: KeeperLogger;
  episodes: EpisodeLog;
  reader: VaultReader;
}

export class Decider {
  private readonly rebalancerInterface: Interface = BallastRebalancer__factory.createInterface();

  constructor(private readonly deps: DeciderDeps) {}

  /** Reads the vault's status and, when a rebalance is due, prepares the transaction. */
  async decide(state: VaultState, ctx: CycleContext): Promise<Decision> {
    const { reader, logger } = this.deps;
    await reader.refreshRebalancer(state);
    const [code, drift, band] = await reader.status(state);
    const status = statusName(code);
    const fields = { vault: state.address, status, driftBps: drift, targetBandBps: band, block: ctx.block.number };
    if (status !== state.lastStatus) {
      logger.log("info", "status_changed", { ...fields, previous: state.lastStatus ?? null });
      state.lastStatus = status;
      this.deps.episodes.reset(state.address);
    } else {
      logger.log("debug", "status", fields);
    }
    const action = statusAction(status);
    if (action !== "rebalance") return { result: { vault: state.address, ...action } };

    const prepared = await this.prepare(state, ctx, undefined);
    if (!prepared.ok) return { result: { ...prepared.result, status } };
    const { data, fees, gasLimit } = prepared;
    const details = {
      vault: state.address,
      rebalancer: state.rebalancerAddress,
      kind: "rebalance",
      keeperPlan: data !== this.rebalancerInterface.encodeFunctionData("rebalance"),
      status,
      trades: prepared.trades,
      gasEstimate: prepared.gasEstimate,
      gasLimit,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
      baseFeePerGas: ctx.block.baseFee,
      ...prepared.gate,
    };
    return { tx: { kind: "rebalance", to: state.rebalancerAddress, data, gasLimit, fees }, details, status };
  }

  /**
   * Simulates a rebalance at the latest block, estimates its gas, sets its fees (or takes `fees`,
   * for a replacement) and applies the cost gate with that gas. Logs why it stops, if it does.
   */
  async prepare(state: VaultState, ctx: CycleContext, fees: Fees | undefined): Promise<PreparedRebalance> {
    const { reader, episodes, logger } = this.deps;
    const vault = state.address;
    // The keeper's own plan first; the on-chain plan, `rebalance()`, is the fallback when there is
    // none or the rebalancer refuses it (whatever the on-chain plan would have done).
    let data = this.rebalancerInterface.encodeFunctionData("rebalance");
    let simulated: Awaited<ReturnType<VaultReader["simulate"]>> | undefined;
    let quotedCost: bigint | undefined;
    const own = await this.ownPlan(state, ctx);
    if (own !== undefined) {
      const ownSimulated = await reader.simulate(state, own.data);
      if ("revert" in ownSimulated) {
        episodes.note(vault, "warn", "keeper_plan_refused", {
          reason: ownSimulated.revert.name,
          args: ownSimulated.revert.args,
        });
      } else if (this.tradesOf("rebalancePlan", ownSimulated.result) === 0n) {
        // The rebalancer's gate skips the plan: the on-chain plan may still pass.
        episodes.note(vault, "info", "keeper_plan_skipped", {});
      } else {
        [data, simulated, quotedCost] = [own.data, ownSimulated, own.quotedCost];
      }
    }
    simulated ??= await reader.simulate(state, data);
    if ("revert" in simulated)
      return { ok: false, result: reportRevert(logger, vault, "rebalance", simulated.revert, "simulation") };
    const trades = this.tradesOf(quotedCost === undefined ? "rebalance" : "rebalancePlan", simulated.result);
    // A due rebalance that trades nothing records a breaker's trip: the status says Due for the call
    // that first sees a latching condition, since that call is what holds trading off for the trip's
    // cooldown, and BreakerTripped from then on. (Or every trade is dust.) Nothing is
    // traded, so there is nothing for the cost gate to weigh.
    if (trades === 0n) episodes.note(vault, "info", "rebalance_would_not_trade", {});
    const estimated = await reader.estimate(state, data);
    if ("revert" in estimated)
      return { ok: false, result: reportRevert(logger, vault, "rebalance", estimated.revert, "estimate") };
    const gasEstimate = estimated.result;
    const chosen = fees ?? (await reader.newFees(state, ctx));
    if (!chosen) return { ok: false, result: { vault, action: "waiting", reason: "fee_cap" } };

    const gate =
      trades === 0n
        ? { passes: true, fields: { costGate: "no_trade" } }
        : await this.costGate(state, ctx, gasEstimate, chosen, quotedCost);
    if (!gate.passes) {
      episodes.note(vault, "info", "uneconomic", { ...gate.fields, gasEstimate });
      return { ok: false, result: { vault, action: "skipped", reason: "uneconomic" } };
    }
    return {
      ok: true,
      data,
      gasEstimate,
      gasLimit: withMargin(gasEstimate, this.deps.config.gasLimitMarginBps),
      fees: chosen,
      trades,
      gate: gate.fields,
    };
  }

  /** The swap count a simulated `rebalance()` or `rebalancePlan(legs)` returned. */
  private tradesOf(method: "rebalance" | "rebalancePlan", result: string): bigint {
    const [trades] = this.rebalancerInterface.decodeFunctionResult(method, result) as unknown as [bigint];
    return trades;
  }

  /**
   * The keeper's own plan of the rebalance due now, as `rebalancePlan(legs)` calldata (see
   * ./planner.ts), with its quoted cost; undefined without a quoter, when it finds nothing to
   * trade, or when planning fails (the on-chain plan then stands).
   */
  private async ownPlan(
    state: VaultState,
    ctx: CycleContext,
  ): Promise<{ data: string; quotedCost: bigint } | undefined> {
    const { config, reader, episodes, provider } = this.deps;
    if (config.quoter === undefined) return undefined;
    try {
      const [, , band] = await reader.status(state);
      const plan = await planKeeperRebalance(
        { vault: state.vault, rebalancer: state.rebalancer, quoter: config.quoter, provider },
        band,
        await this.legGasCost(state, ctx),
      );
      if (plan.legs.length === 0) return undefined;
      episodes.note(state.address, "info", "keeper_plan", {
        legs: plan.legs.length,
        valueTraded: plan.valueTraded,
        quotedCost: plan.quotedCost,
        dropped: plan.dropped,
      });
      return {
        data: this.rebalancerInterface.encodeFunctionData("rebalancePlan", [plan.legs]),
        quotedCost: plan.quotedCost,
      };
    } catch (error) {
      episodes.note(state.address, "warn", "keeper_plan_failed", { error: describeError(error) });
      return undefined;
    }
  }

  /**
   * What one more leg costs the vault in gas, in base units: the policy's `gasPerHop` at the block's
   * base fee (the keeper's reward pays for gas at that fee). 0 when the gas token or the base asset
   * has no price: the planner then weighs routes by their quotes alone.
   */
  private async legGasCost(state: VaultState, ctx: CycleContext): Promise<bigint> {
    const { reader } = this.deps;
    const params = await reader.costParams(state);
    const gasTokenUsd = await reader.gasTokenPrice(state, params.gasTokenOracle);
    const baseUsd = await reader.assetPrice(state, 0);
    if (gasTokenUsd === undefined || baseUsd === undefined) return 0n;
    return gasValueInBase(params.gasPerHop * ctx.block.baseFee, gasTokenUsd, baseUsd, state.baseDecimals);
  }

  /**
   * The policy's cost gate with the keeper's real gas added: the rebalancer's `rebalanceCost()` runs
   * in an eth_call whose base fee is 0 on most nodes, so its gas part is 0 and the keeper supplies
   * `estimate x (baseFee + tip)` valued in the base asset. `planCost`: the keeper's own plan's
   * quoted cost, which stands for the on-chain plan's when that plan is what goes out.
   */
  private async costGate(
    state: VaultState,
    ctx: CycleContext,
    gasEstimate: bigint,
    fees: Fees,
    planCost?: bigint,
  ): Promise<{ passes: boolean; fields: LogFields }> {
    const { reader, logger } = this.deps;
    const params = await reader.costParams(state);
    const ratio = params.maxCostRatioBps;
    if (ratio === 0n) return { passes: true, fields: { costGate: "off" } };
    // The cost of what is sent: the keeper's own plan at its quote, else the on-chain plan's (a
    // pool pushed against the on-chain plan's route need not make the keeper's plan look dear).
    // The benefit is the on-chain plan's: both trade to the same band edges.
    const [onChainCost, benefit] = await reader.rebalanceCost(state);
    const cost = planCost ?? onChainCost;
    const gasPrice = effectiveGasPrice(fees, ctx.block.baseFee);
    const gasTokenUsd = await reader.gasTokenPrice(state, params.gasTokenOracle);
    const baseUsd = await reader.assetPrice(state, 0);
    let gasCost = 0n;
    if (gasTokenUsd === undefined || baseUsd === undefined) {
      if (!state.gasUnpricedLogged) {
        logger.log("warn", "gas_unpriced", {
          vault: state.address,
          detail:
            "no price for the gas token (set gasToken, or the policy's gasTokenOracle) or the base asset: the gate runs without gas",
        });
        state.gasUnpricedLogged = true;
      }
    } else {
      gasCost = gasValueInBase(gasEstimate * gasPrice, gasTokenUsd, baseUsd, state.baseDecimals);
    }
    const premium = await this.rewardPremium(state, gasCost);
    return {
      passes: passesCostGate(cost, gasCost + premium, benefit, ratio),
      fields: {
        cost,
        costOf: planCost === undefined ? "rebalance" : "rebalancePlan",
        gasCost,
        rewardPremium: premium,
        benefit,
        maxCostRatioBps: ratio,
        gasPrice,
        gasTokenUsdWad: gasTokenUsd ?? null,
      },
    };
  }

  /**
   * The keeper reward's premium over `gasCost`, within the rebalancer's caps: the on-chain gate
   * counts it, and `rebalanceCost()` in an eth_call (base fee 0, no reward) does not show it.
   */
  private async rewardPremium(state: VaultState, gasCost: bigint): Promise<bigint> {
    const r = await this.deps.reader.rewardParams(state);
    if (r.maxRewardBps === 0n || r.maxReward === 0n || gasCost === 0n) return 0n;
    const nav = await this.deps.reader.totalAssets(state);
    const byNav = (nav * r.maxRewardBps) / 10_000n;
    return rewardPremium(gasCost, r.premiumBps, byNav < r.maxReward ? byNav : r.maxReward);
  }
}
