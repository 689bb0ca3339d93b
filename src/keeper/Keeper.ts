/**
 * The keeper: watches blocks and, for each vault, asks the vault's rebalancer whether a rebalance
 * is due, simulates it, prices it with a real gas estimate, sends it under a fee cap, follows it to
 * confirmation and replaces it when stuck. It sends nothing else: no maintenance transaction exists
 * (the breakers and the volatility estimate read the oracles' own history, a trip lapses by itself).
 * Vaults are configured by address: each cycle reads `vault.rebalancer()`, so a rebalancer that
 * governance replaces is followed without a restart.
 *
 * Safety rests on two rules. One transaction per vault at a time: a vault with a transaction in
 * flight gets no other until that nonce is mined (by it or by a replacement). And every send or
 * replacement reuses a nonce the keeper reserved, so retries and replacements can never land twice.
 * Several keepers on one vault are safe because the rebalancer itself refuses a second rebalance
 * within its cooldown (`BallastRebalanceNotDue(Cooldown)`), which the keeper treats as a clean no-op.
 */
import { formatUnits, isError, Transaction, ZeroAddress } from "ethers";
import type { Block, Interface, Provider, Signer, TransactionReceipt, TransactionRequest } from "ethers";

import {
  BallastRebalancer__factory,
  BallastVault__factory,
  IBallastBreakers__factory,
  IBallastOracle__factory,
  IBallastPolicy__factory,
  IERC20Metadata__factory,
} from "../../typechain-types";
import type { BallastRebalancer, BallastVault } from "../../typechain-types";
import { STATUS_NAMES, TRIP_NAMES } from "../vault/enums";
import type { StatusName } from "../vault/enums";
import { resolveKeeperConfig } from "./config";
import type { KeeperConfig, KeeperOptions } from "./config";
import { errorInterfaces } from "../shared/abis";
import { decodeRevertData, describeError } from "../shared/revert";
import { KeeperConfigError, KeeperError, KeeperRpcError, KeeperStoppedError } from "./errors";
import {
  bumpFees,
  effectiveGasPrice,
  gasValueInBase,
  initialFees,
  passesCostGate,
  rewardPremium,
  withMargin,
} from "./fees";
import type { Fees } from "./fees";
import { jsonLogger } from "./logger";
import { planRebalance as planKeeperRebalance } from "./planner";
import type { KeeperLogger, LogFields, LogLevel } from "./logger";
import { isRevert, revertData, sleep, withRetry } from "./retry";

export { STATUS_NAMES };
export type { StatusName };

/** A plain value transfer to oneself: the cheapest transaction that consumes a nonce. */
const CANCEL_GAS = 21_000n;
const CANNOT_SIGN = "the signer cannot sign raw transactions, which a private RPC needs: use a private-key signer";
/** Without new blocks (a quiet local node) the keeper still runs a cycle this often. */
const IDLE_TICK_MS = 60_000;

export function statusName(status: bigint | number): StatusName | `Unknown(${string})` {
  return STATUS_NAMES[Number(status)] ?? `Unknown(${String(status)})`;
}

/** What a transaction is for: a rebalance, or a cancellation (of a stuck one). */
export type TxKind = "rebalance" | "cancel";

/** What one cycle did for one vault. */
export type CycleAction =
  | "idle" // nothing to do
  | "skipped" // something was due but not worth or not possible to send (see reason)
  | "waiting" // something is due and waits for a condition (fee cap, foreign pending transactions)
  | "would_send" // dry run: would have sent
  | "sent"
  | "pending" // a transaction in flight, not yet mined (or not yet confirmed)
  | "replaced"
  | "confirmed"
  | "failed";

export interface CycleResult {
  vault: string;
  action: CycleAction;
  kind?: TxKind;
  reason?: string;
  status?: string;
  hash?: string;
  nonce?: number;
}

/** A decoded revert: the custom error (or Error(string)/Panic) and its arguments. */
export interface RevertReason {
  name: string;
  args: unknown[];
  data?: string;
}

interface Attempt {
  /** Undefined when a send may have reached the node but its hash is unknown (e.g. the reply timed out). */
  hash: string | undefined;
  kind: TxKind;
  to: string;
  data: string;
  gasLimit: bigint;
  fees: Fees;
}

interface InFlight {
  nonce: number;
  purpose: TxKind;
  attempts: Attempt[];
  sentBlock: number;
  sentAt: number;
  replacementCapped: boolean;
}

interface VaultState {
  address: string;
  vault: BallastVault;
  /** The vault's rebalancer as last read (`vault.rebalancer()`): what the keeper calls and simulates. */
  rebalancer: BallastRebalancer;
  rebalancerAddress: string;
  baseDecimals: number;
  gasTokenIndex: number | undefined;
  inFlight: InFlight | undefined;
  lastStatus: string | undefined;
  /** The last outcome logged at info, so that a state lasting many blocks logs once, then at debug. */
  lastNote: string | undefined;
  gasUnpricedLogged: boolean;
}

/** The chain as one cycle sees it. */
interface Context {
  block: { number: number; baseFee: bigint; timestamp: number };
  now: number;
  tip?: bigint;
}

type Plan =
  | {
      ok: true;
      /** The call: `rebalancePlan(legs)` (the keeper's own plan) or `rebalance()`. */
      data: string;
      gasEstimate: bigint;
      gasLimit: bigint;
      fees: Fees;
      trades: bigint;
      gate: LogFields;
    }
  | { ok: false; result: CycleResult };

/** In-flight transaction of a vault, as reported by {@link Keeper.inFlight}. */
export interface InFlightInfo {
  vault: string;
  nonce: number;
  kind: TxKind;
  hashes: (string | undefined)[];
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

export class Keeper {
  readonly config: KeeperConfig;
  private readonly provider: Provider;
  private readonly signer: Signer | undefined;
  private readonly sendProvider: Provider | undefined;
  private readonly logger: KeeperLogger;
  private readonly clock: () => number;
  private readonly abort = new AbortController();
  private readonly vaultInterface: Interface = BallastVault__factory.createInterface();
  private readonly rebalancerInterface: Interface = BallastRebalancer__factory.createInterface();
  private readonly breakersInterface: Interface = IBallastBreakers__factory.createInterface();
  private states: VaultState[] = [];
  private initialized: Promise<void> | undefined;
  private from = ZeroAddress;
  private chainId = 0n;
  /** Cycles run one after another: two at once could each see a vault idle and both send. */
  private tickChain: Promise<unknown> = Promise.resolve();
  private running: Promise<void> | undefined;
  private stopping = false;

  constructor(options: KeeperOptions) {
    this.config = resolveKeeperConfig(options);
    this.signer = options.signer;
    const provider = options.provider ?? options.signer?.provider;
    if (!provider) throw new KeeperConfigError("a provider is required");
    this.provider = provider;
    this.sendProvider = options.sendProvider;
    this.logger = options.logger ?? jsonLogger();
    this.clock = options.clock ?? Date.now;
    if (options.from !== undefined) this.from = options.from;
  }

  /** The account that sends (or, in a dry run, simulates). */
  get account(): string {
    return this.from;
  }

  /** Whether `stop()` was called. */
  get stopped(): boolean {
    return this.stopping;
  }

  /** Transactions in flight, one per vault at most. */
  inFlight(): InFlightInfo[] {
    return this.states.flatMap(({ address, inFlight }) => {
      if (!inFlight) return [];
      const last = inFlight.attempts[inFlight.attempts.length - 1];
      return [
        {
          vault: address,
          nonce: inFlight.nonce,
          kind: last.kind,
          hashes: inFlight.attempts.map((a) => a.hash),
          maxFeePerGas: last.fees.maxFeePerGas,
          maxPriorityFeePerGas: last.fees.maxPriorityFeePerGas,
        },
      ];
    });
  }

  /**
   * Checks the chain and every vault once: the chain must have EIP-1559 fees, each address must be
   * a Ballast vault with a rebalancer, and a configured gas token must be in its basket. Runs once;
   * later calls wait for the first.
   */
  init(): Promise<void> {
    // A failed start (the node down at boot) must not be remembered: the next call tries again.
    this.initialized ??= this.initialize().catch((error: unknown) => {
      this.initialized = undefined;
      throw error;
    });
    return this.initialized;
  }

  private async initialize(): Promise<void> {
    const network = await this.rpc("getNetwork", () => this.provider.getNetwork());
    this.chainId = network.chainId;
    const block = await this.latestBlock();
    if (block.baseFeePerGas == null) {
      throw new KeeperConfigError(
        `chain ${this.chainId} has no EIP-1559 base fee: the keeper sends type-2 transactions`,
      );
    }
    if (this.signer) this.from = await this.signer.getAddress();
    if (this.sendProvider && this.signer && !this.config.dryRun) {
      // Fail at start, not at the first rebalance: a JSON-RPC account cannot sign raw transactions.
      try {
        await this.signer.signTransaction({
          type: 2,
          chainId: this.chainId,
          from: this.from,
          to: this.from,
          nonce: 0,
          gasLimit: CANCEL_GAS,
          maxFeePerGas: 1n,
          maxPriorityFeePerGas: 1n,
        });
      } catch (error) {
        throw new KeeperConfigError(CANNOT_SIGN, { cause: error });
      }
    }
    const states: VaultState[] = [];
    for (const address of this.config.vaults) {
      const code = await this.rpc("getCode", () => this.provider.getCode(address), address);
      if (code === "0x") throw new KeeperConfigError(`no contract at vault ${address} on chain ${this.chainId}`);
      const vault = BallastVault__factory.connect(address, this.provider);
      let asset: string;
      let rebalancerAddress: string;
      try {
        rebalancerAddress = await this.rpc("rebalancer", () => vault.rebalancer(), address);
        asset = await this.rpc("asset", () => vault.asset(), address);
      } catch (error) {
        if (error instanceof KeeperRpcError) throw error;
        throw new KeeperConfigError(`${address} does not answer rebalancer() and asset(): not a Ballast vault?`, {
          cause: error,
        });
      }
      const rebalancer = await this.checkRebalancer(address, rebalancerAddress);
      const baseDecimals = Number(
        await this.rpc("decimals", () => IERC20Metadata__factory.connect(asset, this.provider).decimals(), address),
      );
      states.push({
        address,
        vault,
        rebalancer,
        rebalancerAddress,
        baseDecimals,
        gasTokenIndex: await this.gasTokenIndex(vault, address),
        inFlight: undefined,
        lastStatus: undefined,
        lastNote: undefined,
        gasUnpricedLogged: false,
      });
    }
    this.states = states;
    const c = this.config;
    this.logger.log("info", "keeper_started", {
      chainId: this.chainId,
      account: this.from,
      vaults: c.vaults,
      rebalancers: states.map((s) => s.rebalancerAddress),
      dryRun: c.dryRun,
      maxFeePerGasGwei: formatUnits(c.maxFeePerGas, "gwei"),
      priorityFeeGwei: c.priorityFee === undefined ? "node" : formatUnits(c.priorityFee, "gwei"),
      // Private RPC URLs usually embed an API key: say only whether one is used.
      privateRpc: this.sendProvider !== undefined,
      trigger: c.trigger,
      pollIntervalMs: c.pollIntervalMs,
      confirmations: c.confirmations,
      replaceAfterBlocks: c.replaceAfterBlocks,
      replaceAfterMs: c.replaceAfterMs,
    });
  }

  /**
   * The rebalancer `vault` names, checked to answer as one: a vault not yet linked to a rebalancer
   * (`setRebalancer` not called) has nothing to keep.
   */
  private async checkRebalancer(vault: string, address: string): Promise<BallastRebalancer> {
    if (address === ZeroAddress) {
      throw new KeeperConfigError(`vault ${vault} has no rebalancer: governance has not called setRebalancer`);
    }
    const rebalancer = BallastRebalancer__factory.connect(address, this.provider);
    try {
      await this.rpc("rebalanceStatus", () => rebalancer.rebalanceStatus(), vault);
    } catch (error) {
      if (error instanceof KeeperRpcError) throw error;
      throw new KeeperConfigError(
        `vault ${vault}'s rebalancer ${address} does not answer rebalanceStatus(): not a Ballast rebalancer?`,
        { cause: error },
      );
    }
    return rebalancer;
  }

  /**
   * Follows the vault to its current rebalancer: governance may have replaced it (`setRebalancer`),
   * after which the old one can no longer trade for the vault.
   */
  private async refreshRebalancer(state: VaultState): Promise<void> {
    const current = await this.rpc("rebalancer", () => state.vault.rebalancer(), state.address);
    if (current === state.rebalancerAddress) return;
    state.rebalancer = await this.checkRebalancer(state.address, current);
    this.logger.log("warn", "rebalancer_changed", {
      vault: state.address,
      previous: state.rebalancerAddress,
      rebalancer: current,
    });
    state.rebalancerAddress = current;
  }

  /** Resolves the configured gas token to a basket index of `vault`. */
  private async gasTokenIndex(vault: BallastVault, address: string): Promise<number | undefined> {
    const source = this.config.gasToken;
    if (source === undefined || !("basketAsset" in source)) return undefined;
    const tokens = await this.rpc("basketTokens", () => vault.basketTokens(), address);
    const wanted = source.basketAsset;
    if (typeof wanted === "number") {
      if (wanted >= tokens.length) {
        throw new KeeperConfigError(
          `gas token index ${wanted} is outside vault ${address}'s basket of ${tokens.length}`,
        );
      }
      return wanted;
    }
    const byAddress = tokens.findIndex((t) => t.toLowerCase() === wanted.toLowerCase());
    if (byAddress >= 0) return byAddress;
    for (const [i, token] of tokens.entries()) {
      const symbol = await this.rpc(
        "symbol",
        () => IERC20Metadata__factory.connect(token, this.provider).symbol(),
        address,
      );
      if (symbol.toLowerCase() === wanted.toLowerCase()) return i;
    }
    throw new KeeperConfigError(`gas token ${wanted} is not in vault ${address}'s basket`);
  }

  // --- Running ---------------------------------------------------------------------------------

  /**
   * One cycle over every vault (or, with `settleOnly`, over those with a transaction in flight).
   * Cycles are serialised: a call made while one runs starts after it.
   */
  tick(options: { settleOnly?: boolean } = {}): Promise<CycleResult[]> {
    const run = this.tickChain.then(() => this.cycle(options.settleOnly ?? false));
    this.tickChain = run.catch(() => undefined);
    return run;
  }

  /**
   * One cycle, then waits (polling) until every transaction it sent is confirmed, replacing stuck
   * ones, for at most `onceTimeoutMs`: what `--once` runs. Returns each vault's last result.
   */
  async runOnce(): Promise<CycleResult[]> {
    const results = new Map<string, CycleResult>();
    for (const result of await this.tick()) results.set(result.vault, result);
    const deadline = Date.now() + this.config.onceTimeoutMs;
    while (this.states.some((s) => s.inFlight) && !this.stopping) {
      if (Date.now() >= deadline) {
        this.logger.log("warn", "pending_at_exit", { inFlight: this.inFlight() });
        break;
      }
      try {
        await sleep(this.config.pollIntervalMs, this.abort.signal);
      } catch {
        break;
      }
      // Keep what the first cycle saw (the status) under what settling found.
      for (const result of await this.tick({ settleOnly: true })) {
        results.set(result.vault, { ...results.get(result.vault), ...result });
      }
    }
    return this.config.vaults.map((vault) => results.get(vault) ?? { vault, action: "idle" });
  }

  /** Runs until {@link stop}: a cycle on every new block (polled or subscribed). */
  start(): Promise<void> {
    if (this.stopping) throw new KeeperError("a stopped keeper cannot be restarted: create a new one");
    if (this.running) throw new KeeperError("the keeper is already running");
    this.running = this.loop();
    return this.running;
  }

  /**
   * Stops cleanly: no new cycle or transaction starts, waits and backoffs end at once, the cycle
   * under way finishes (a send in progress is recorded, never abandoned half-way). Transactions still
   * in flight are logged with their nonces (`keeper_stopped`) for the next run or an operator.
   */
  async stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = true;
      this.logger.log("info", "keeper_stopping", {});
      this.abort.abort();
    }
    await this.tickChain;
    await this.running?.catch(() => undefined);
  }

  private async loop(): Promise<void> {
    try {
      // A long-running keeper outlives RPC outages, including one at boot; a bad option stays fatal.
      for (;;) {
        try {
          await this.init();
          break;
        } catch (error) {
          // Stopped while the node was still unreachable: that is a clean stop, not a failure.
          if (error instanceof KeeperStoppedError || this.stopping) return;
          if (!(error instanceof KeeperRpcError)) throw error;
          this.logger.log("error", "init_failed", { error: describeError(error) });
          try {
            await sleep(Math.max(this.config.pollIntervalMs, 5_000), this.abort.signal);
          } catch {
            return;
          }
        }
      }
      this.logger.log("info", "keeper_running", { trigger: this.config.trigger });
      if (this.config.trigger === "block") await this.loopOnBlocks();
      else await this.loopPolling();
    } finally {
      this.logger.log("info", "keeper_stopped", { inFlight: this.inFlight() });
    }
  }

  private async loopPolling(): Promise<void> {
    let lastBlock = -1;
    let lastTickAt = 0;
    while (!this.stopping) {
      try {
        const number = await this.rpc("getBlockNumber", () => this.provider.getBlockNumber());
        const idle = Date.now() - lastTickAt >= Math.max(this.config.pollIntervalMs, IDLE_TICK_MS);
        if (number !== lastBlock || idle) {
          lastBlock = number;
          lastTickAt = Date.now();
          await this.tick();
        }
      } catch (error) {
        if (error instanceof KeeperStoppedError) break;
        this.logger.log("error", "poll_failed", { error: describeError(error) });
      }
      try {
        await sleep(this.config.pollIntervalMs, this.abort.signal);
      } catch {
        break;
      }
    }
  }

  private async loopOnBlocks(): Promise<void> {
    let again = false;
    let busy = false;
    // Blocks that arrive during a cycle collapse into one more cycle, not a queue of them.
    const onBlock = (): void => {
      if (this.stopping) return;
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      void (async () => {
        do {
          again = false;
          await this.tick().catch((error: unknown) =>
            this.logger.log("error", "cycle_failed", { error: describeError(error) }),
          );
        } while (again && !this.stopping);
        busy = false;
      })();
    };
    await this.provider.on("block", onBlock);
    try {
      onBlock();
      while (!this.stopping) {
        try {
          await sleep(Math.max(this.config.pollIntervalMs, IDLE_TICK_MS), this.abort.signal);
        } catch {
          break;
        }
        onBlock();
      }
    } finally {
      await this.provider.off("block", onBlock);
    }
  }

  private async cycle(settleOnly: boolean): Promise<CycleResult[]> {
    await this.init();
    const results: CycleResult[] = [];
    let context: Context;
    try {
      const block = await this.latestBlock();
      context = {
        block: { number: block.number, baseFee: block.baseFeePerGas ?? 0n, timestamp: block.timestamp },
        now: this.clock(),
      };
    } catch (error) {
      if (error instanceof KeeperStoppedError) return [];
      this.logger.log("error", "cycle_failed", { error: describeError(error) });
      return this.states.map(({ address }) => ({ vault: address, action: "failed", reason: describeError(error) }));
    }
    for (const state of this.states) {
      if (this.stopping) break;
      if (settleOnly && !state.inFlight) continue;
      try {
        results.push(await this.processVault(state, context));
      } catch (error) {
        if (error instanceof KeeperStoppedError) break;
        this.logger.log("error", "cycle_failed", { vault: state.address, error: describeError(error) });
        results.push({ vault: state.address, action: "failed", reason: describeError(error) });
      }
    }
    return results;
  }

  // --- Deciding --------------------------------------------------------------------------------

  private async processVault(state: VaultState, ctx: Context): Promise<CycleResult> {
    if (state.inFlight) return this.checkInFlight(state, ctx);
    await this.refreshRebalancer(state);
    const [code, drift, band] = await this.rpc(
      "rebalanceStatus",
      () => state.rebalancer.rebalanceStatus(),
      state.address,
    );
    const status = statusName(code);
    const fields = { vault: state.address, status, driftBps: drift, targetBandBps: band, block: ctx.block.number };
    if (status !== state.lastStatus) {
      this.logger.log("info", "status_changed", { ...fields, previous: state.lastStatus ?? null });
      state.lastStatus = status;
      state.lastNote = undefined;
    } else {
      this.logger.log("debug", "status", fields);
    }
    switch (status) {
      case "Due":
      case "DueByCalendar":
        return this.tryRebalance(state, ctx, status);
      case "BreakerTripped":
        // A trip holds for its cooldown, or the breakers would refuse a due rebalance without recording
        // anything (a condition that lasts, an oracle invalid within the last cooldown): nothing to
        // send until the status changes; the next rebalance then clears a lapsed trip by itself.
        return { vault: state.address, action: "waiting", status, reason: "breaker_cooldown" };
      case "Paused":
        return { vault: state.address, action: "idle", status, reason: "paused" };
      default:
        return { vault: state.address, action: "idle", status };
    }
  }

  private async tryRebalance(state: VaultState, ctx: Context, status: string): Promise<CycleResult> {
    const plan = await this.planRebalance(state, ctx, undefined);
    if (!plan.ok) return { ...plan.result, status };
    const data = plan.data;
    const details = {
      vault: state.address,
      rebalancer: state.rebalancerAddress,
      kind: "rebalance",
      keeperPlan: data !== this.rebalancerInterface.encodeFunctionData("rebalance"),
      status,
      trades: plan.trades,
      gasEstimate: plan.gasEstimate,
      gasLimit: plan.gasLimit,
      maxFeePerGas: plan.fees.maxFeePerGas,
      maxPriorityFeePerGas: plan.fees.maxPriorityFeePerGas,
      baseFeePerGas: ctx.block.baseFee,
      ...plan.gate,
    };
    if (this.config.dryRun) {
      this.logger.log("info", "dry_run", details);
      return { vault: state.address, action: "would_send", kind: "rebalance", status };
    }
    return this.send(
      state,
      ctx,
      { kind: "rebalance", to: state.rebalancerAddress, data, gasLimit: plan.gasLimit, fees: plan.fees },
      details,
    );
  }

  /**
   * Simulates a rebalance at the latest block, estimates its gas, sets its fees (or takes `fees`,
   * for a replacement) and applies the cost gate with that gas. Logs why it stops, if it does.
   */
  private async planRebalance(state: VaultState, ctx: Context, fees: Fees | undefined): Promise<Plan> {
    // The keeper's own plan first; the on-chain plan, `rebalance()`, is the fallback when there is
    // none or the rebalancer refuses it (whatever the on-chain plan would have done).
    let data = this.rebalancerInterface.encodeFunctionData("rebalance");
    let simulated: Awaited<ReturnType<Keeper["simulate"]>> | undefined;
    let quotedCost: bigint | undefined;
    const own = await this.ownPlan(state, ctx);
    if (own !== undefined) {
      const planned = await this.simulate(state, own.data);
      if ("revert" in planned) {
        this.note(state, "warn", "keeper_plan_refused", { reason: planned.revert.name, args: planned.revert.args });
      } else if (this.tradesOf("rebalancePlan", planned.result) === 0n) {
        // The rebalancer's gate skips the plan: the on-chain plan may still pass.
        this.note(state, "info", "keeper_plan_skipped", {});
      } else {
        [data, simulated, quotedCost] = [own.data, planned, own.quotedCost];
      }
    }
    simulated ??= await this.simulate(state, data);
    if ("revert" in simulated)
      return { ok: false, result: this.reportRevert(state, "rebalance", simulated.revert, "simulation") };
    const trades = this.tradesOf(quotedCost === undefined ? "rebalance" : "rebalancePlan", simulated.result);
    // A due rebalance that trades nothing records a breaker's trip: the status says Due for the call
    // that first sees a latching condition, since that call is what holds trading off for the trip's
    // cooldown, and BreakerTripped from then on. (Or every trade is dust.) Nothing is
    // traded, so there is nothing for the cost gate to weigh.
    if (trades === 0n) this.note(state, "info", "rebalance_would_not_trade", {});
    const estimated = await this.estimate(state, data);
    if ("revert" in estimated)
      return { ok: false, result: this.reportRevert(state, "rebalance", estimated.revert, "estimate") };
    const gasEstimate = estimated.gas;
    const chosen = fees ?? (await this.newFees(state, ctx));
    if (!chosen) return { ok: false, result: { vault: state.address, action: "waiting", reason: "fee_cap" } };

    const gate =
      trades === 0n
        ? { passes: true, fields: { costGate: "no_trade" } }
        : await this.costGate(state, ctx, gasEstimate, chosen, quotedCost);
    if (!gate.passes) {
      this.note(state, "info", "uneconomic", { ...gate.fields, gasEstimate });
      return { ok: false, result: { vault: state.address, action: "skipped", reason: "uneconomic" } };
    }
    return {
      ok: true,
      data,
      gasEstimate,
      gasLimit: withMargin(gasEstimate, this.config.gasLimitMarginBps),
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
  private async ownPlan(state: VaultState, ctx: Context): Promise<{ data: string; quotedCost: bigint } | undefined> {
    if (this.config.quoter === undefined) return undefined;
    try {
      const [, , band] = await this.rpc("rebalanceStatus", () => state.rebalancer.rebalanceStatus(), state.address);
      const plan = await planKeeperRebalance(
        { vault: state.vault, rebalancer: state.rebalancer, quoter: this.config.quoter, provider: this.provider },
        band,
        await this.legGasCost(state, ctx),
      );
      if (plan.legs.length === 0) return undefined;
      this.note(state, "info", "keeper_plan", {
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
      this.note(state, "warn", "keeper_plan_failed", { error: describeError(error) });
      return undefined;
    }
  }

  /**
   * What one more leg costs the vault in gas, in base units: the policy's `gasPerHop` at the block's
   * base fee (the keeper's reward pays for gas at that fee). 0 when the gas token or the base asset
   * has no price: the planner then weighs routes by their quotes alone.
   */
  private async legGasCost(state: VaultState, ctx: Context): Promise<bigint> {
    const policy = IBallastPolicy__factory.connect(
      await this.rpc("policy", () => state.rebalancer.policy(), state.address),
      this.provider,
    );
    const params = await this.rpc("costParams", () => policy.costParams(), state.address);
    const gasTokenUsd = await this.gasTokenPrice(state, params.gasTokenOracle);
    const baseUsd = await this.assetPrice(state, 0);
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
    ctx: Context,
    gasEstimate: bigint,
    fees: Fees,
    planCost?: bigint,
  ): Promise<{ passes: boolean; fields: LogFields }> {
    const policy = IBallastPolicy__factory.connect(
      await this.rpc("policy", () => state.rebalancer.policy(), state.address),
      this.provider,
    );
    const params = await this.rpc("costParams", () => policy.costParams(), state.address);
    const ratio = params.maxCostRatioBps;
    if (ratio === 0n) return { passes: true, fields: { costGate: "off" } };
    // The cost of what is sent: the keeper's own plan at its quote, else the on-chain plan's (a
    // pool pushed against the on-chain plan's route need not make the keeper's plan look dear).
    // The benefit is the on-chain plan's: both trade to the same band edges.
    const [onChainCost, benefit] = await this.rpc(
      "rebalanceCost",
      () => state.rebalancer.rebalanceCost(),
      state.address,
    );
    const cost = planCost ?? onChainCost;
    const gasPrice = effectiveGasPrice(fees, ctx.block.baseFee);
    const gasWei = gasEstimate * gasPrice;
    const gasTokenUsd = await this.gasTokenPrice(state, params.gasTokenOracle);
    const baseUsd = await this.assetPrice(state, 0);
    let gasCost = 0n;
    if (gasTokenUsd === undefined || baseUsd === undefined) {
      if (!state.gasUnpricedLogged) {
        this.logger.log("warn", "gas_unpriced", {
          vault: state.address,
          detail:
            "no price for the gas token (set gasToken, or the policy's gasTokenOracle) or the base asset: the gate runs without gas",
        });
        state.gasUnpricedLogged = true;
      }
    } else {
      gasCost = gasValueInBase(gasWei, gasTokenUsd, baseUsd, state.baseDecimals);
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
    const r = await this.rpc("rewardParams", () => state.rebalancer.rewardParams(), state.address);
    if (r.maxRewardBps === 0n || r.maxReward === 0n || gasCost === 0n) return 0n;
    const nav = await this.rpc("totalAssets", () => state.vault.totalAssets(), state.address);
    const cap = min((nav * r.maxRewardBps) / 10_000n, r.maxReward);
    return rewardPremium(gasCost, r.premiumBps, cap);
  }

  private async gasTokenPrice(state: VaultState, policyOracle: string): Promise<bigint | undefined> {
    const source = this.config.gasToken;
    if (source !== undefined && "usdPriceWad" in source) return source.usdPriceWad;
    if (state.gasTokenIndex !== undefined) return this.assetPrice(state, state.gasTokenIndex);
    if (policyOracle !== ZeroAddress) {
      const oracle = IBallastOracle__factory.connect(policyOracle, this.provider);
      const [valid, price] = await this.rpc("gasTokenOracle.tryPrice", () => oracle.tryPrice(), state.address);
      return valid && price > 0n ? price : undefined;
    }
    return undefined;
  }

  /** A basket asset's USD price (WAD) from the vault's oracle, else the last one the vault recorded. */
  private async assetPrice(state: VaultState, index: number): Promise<bigint | undefined> {
    const oracles = await this.rpc("oracles", () => state.vault.oracles(), state.address);
    if (index < oracles.length) {
      const oracle = IBallastOracle__factory.connect(oracles[index], this.provider);
      const [valid, price] = await this.rpc("oracle.tryPrice", () => oracle.tryPrice(), state.address);
      if (valid && price > 0n) return price;
    }
    const last = await this.rpc("lastPrices", () => state.vault.lastPrices(), state.address);
    return index < last.length && last[index] > 0n ? last[index] : undefined;
  }

  /** Fees for a new transaction now, or undefined (logged) when the cap is below the base fee. */
  private async newFees(state: VaultState, ctx: Context): Promise<Fees | undefined> {
    const fees = initialFees(ctx.block.baseFee, await this.tip(ctx), this.config.maxFeePerGas);
    if (!fees) {
      this.note(state, "warn", "fee_cap_below_base_fee", {
        baseFeeGwei: formatUnits(ctx.block.baseFee, "gwei"),
        maxFeePerGasGwei: formatUnits(this.config.maxFeePerGas, "gwei"),
      });
    }
    return fees;
  }

  private async tip(ctx: Context): Promise<bigint> {
    if (ctx.tip === undefined) {
      const configured = this.config.priorityFee;
      const suggested =
        configured ?? (await this.rpc("getFeeData", () => this.provider.getFeeData())).maxPriorityFeePerGas ?? 0n;
      ctx.tip = suggested < this.config.maxFeePerGas ? suggested : this.config.maxFeePerGas;
    }
    return ctx.tip;
  }

  // --- Sending ---------------------------------------------------------------------------------

  private async send(
    state: VaultState,
    ctx: Context,
    tx: Omit<Attempt, "hash">,
    details: LogFields,
  ): Promise<CycleResult> {
    const vault = state.address;
    if (this.stopping) return { vault, action: "skipped", kind: tx.kind, reason: "stopping" };
    const latest = await this.rpc(
      "getTransactionCount",
      () => this.provider.getTransactionCount(this.from, "latest"),
      vault,
    );
    const pending = await this.rpc(
      "getTransactionCount",
      () => this.provider.getTransactionCount(this.from, "pending"),
      vault,
    );
    const own = this.states.flatMap((s) => (s.inFlight && s.inFlight.nonce >= latest ? [s.inFlight.nonce] : []));
    const nonce = own.length > 0 ? Math.max(...own) + 1 : latest;
    if (pending > nonce) {
      // Someone else (another process with this key, or this keeper before a restart) has
      // transactions pending: sending now could race them for nonces or repeat what they do.
      this.note(state, "warn", "foreign_pending_transactions", { latestNonce: latest, pendingNonce: pending, nonce });
      return { vault, action: "waiting", kind: tx.kind, reason: "foreign_pending" };
    }
    let hash: string | undefined;
    try {
      hash = await this.broadcast(state, tx, nonce);
    } catch (error) {
      return this.sendFailed(state, tx, nonce, error);
    }
    state.inFlight = {
      nonce,
      purpose: tx.kind,
      attempts: [{ ...tx, hash }],
      sentBlock: ctx.block.number,
      sentAt: ctx.now,
      replacementCapped: false,
    };
    state.lastNote = undefined;
    this.logger.log("info", "tx_sent", {
      ...details,
      hash: hash ?? null,
      nonce,
      privateRpc: this.sendProvider !== undefined,
    });
    return { vault, action: "sent", kind: tx.kind, hash, nonce };
  }

  /**
   * Signs and sends with the given nonce, retrying transport errors: the nonce is fixed, so a retry
   * of a send that did reach the node is at worst refused, never mined twice. Returns the hash, or
   * undefined when the node may have the transaction but never told us (the in-flight check then
   * follows the nonce).
   */
  private async broadcast(state: VaultState, tx: Omit<Attempt, "hash">, nonce: number): Promise<string | undefined> {
    const signer = this.signer;
    if (!signer) throw new KeeperConfigError("no signer: cannot send");
    const request: TransactionRequest = {
      type: 2,
      chainId: this.chainId,
      from: this.from,
      to: tx.to,
      data: tx.data,
      value: 0n,
      nonce,
      gasLimit: tx.gasLimit,
      maxFeePerGas: tx.fees.maxFeePerGas,
      maxPriorityFeePerGas: tx.fees.maxPriorityFeePerGas,
    };
    let hash: string | undefined;
    let send: () => Promise<unknown>;
    if (this.sendProvider) {
      const sendProvider = this.sendProvider;
      let signed: string;
      try {
        signed = await signer.signTransaction(request);
      } catch (error) {
        throw new KeeperConfigError(CANNOT_SIGN, { cause: error });
      }
      hash = Transaction.from(signed).hash ?? undefined;
      send = () => sendProvider.broadcastTransaction(signed);
    } else {
      send = async () => {
        hash = (await signer.sendTransaction(request)).hash;
      };
    }
    let tries = 0;
    try {
      await this.rpc(
        "sendTransaction",
        () => {
          tries++;
          return send();
        },
        state.address,
      );
      return hash;
    } catch (error) {
      // Transport trouble to the end, the node already has this very transaction, or a retry finds
      // the nonce taken (by the first try, whose reply was lost): it may be out there. Keep the
      // nonce reserved; the in-flight check will see it mined or replace it.
      if (error instanceof KeeperRpcError || isAlreadyKnown(error) || (tries > 1 && isNonceTaken(error))) {
        this.logger.log("warn", "send_uncertain", {
          vault: state.address,
          nonce,
          hash: hash ?? null,
          error: describeError(error),
        });
        return hash;
      }
      throw error;
    }
  }

  /** A send that threw for a reason other than transport: a revert (Hardhat automine reports those at once), or a refusal. */
  private async sendFailed(
    state: VaultState,
    tx: Omit<Attempt, "hash">,
    nonce: number,
    error: unknown,
  ): Promise<CycleResult> {
    if (error instanceof KeeperConfigError || error instanceof KeeperStoppedError) throw error;
    if (isRevert(error)) {
      const mined =
        (await this.rpc(
          "getTransactionCount",
          () => this.provider.getTransactionCount(this.from, "latest"),
          state.address,
        )) > nonce;
      return { ...this.reportRevert(state, tx.kind, this.decodeRevert(error), mined ? "mined" : "send"), nonce };
    }
    this.logger.log("error", "send_failed", {
      vault: state.address,
      kind: tx.kind,
      nonce,
      error: describeError(error),
    });
    return { vault: state.address, action: "failed", kind: tx.kind, reason: describeError(error), nonce };
  }

  // --- Following a transaction -----------------------------------------------------------------

  private async checkInFlight(state: VaultState, ctx: Context): Promise<CycleResult> {
    const flight = state.inFlight as InFlight;
    const vault = state.address;
    // The nonce first, receipts second: a transaction mined between the two reads is then seen by
    // its receipt rather than mistaken for someone else's.
    const latestNonce = await this.rpc(
      "getTransactionCount",
      () => this.provider.getTransactionCount(this.from, "latest"),
      vault,
    );
    for (const attempt of [...flight.attempts].reverse()) {
      const hash = attempt.hash;
      if (hash === undefined) continue;
      const receipt = await this.rpc("getTransactionReceipt", () => this.provider.getTransactionReceipt(hash), vault);
      if (!receipt) continue;
      const confirmations = ctx.block.number - receipt.blockNumber + 1;
      if (confirmations < this.config.confirmations) {
        this.logger.log("debug", "awaiting_confirmations", { vault, hash, confirmations });
        return { vault, action: "pending", kind: attempt.kind, hash, nonce: flight.nonce, reason: "confirmations" };
      }
      return this.finalize(state, flight, attempt, receipt);
    }
    if (latestNonce > flight.nonce) {
      // Mined, but not as any hash we know (a send whose reply was lost, or another holder of the key).
      state.inFlight = undefined;
      this.logger.log("warn", "nonce_consumed", {
        vault,
        nonce: flight.nonce,
        hashes: flight.attempts.map((a) => a.hash ?? null),
      });
      return { vault, action: "confirmed", kind: flight.purpose, nonce: flight.nonce, reason: "nonce_consumed" };
    }
    const last = flight.attempts[flight.attempts.length - 1];
    const stuck =
      ctx.block.number - flight.sentBlock >= this.config.replaceAfterBlocks ||
      (this.config.replaceAfterMs > 0 && ctx.now - flight.sentAt >= this.config.replaceAfterMs);
    if (stuck && !this.stopping) return this.replace(state, ctx, flight, last);
    return { vault, action: "pending", kind: last.kind, hash: last.hash, nonce: flight.nonce };
  }

  /**
   * Same nonce, fees bumped: what the transaction still should be is decided again (a rebalance
   * that is no longer due or worth it becomes a cancellation, so the nonce does not stay blocked).
   */
  private async replace(state: VaultState, ctx: Context, flight: InFlight, last: Attempt): Promise<CycleResult> {
    const vault = state.address;
    const fees = bumpFees(
      last.fees,
      this.config.feeBumpBps,
      ctx.block.baseFee,
      await this.tip(ctx),
      this.config.maxFeePerGas,
    );
    if (!fees) {
      if (!flight.replacementCapped) {
        this.logger.log("warn", "replacement_capped", {
          vault,
          nonce: flight.nonce,
          maxFeePerGas: last.fees.maxFeePerGas,
          capGwei: formatUnits(this.config.maxFeePerGas, "gwei"),
          baseFeeGwei: formatUnits(ctx.block.baseFee, "gwei"),
        });
        flight.replacementCapped = true;
      }
      return {
        vault,
        action: "pending",
        kind: last.kind,
        hash: last.hash,
        nonce: flight.nonce,
        reason: "replacement_capped",
      };
    }
    let next: Omit<Attempt, "hash"> = { kind: "cancel", to: this.from, data: "0x", gasLimit: CANCEL_GAS, fees };
    // From the purpose, not the last attempt: that may be a cancellation, and a vault due again
    // (the other keeper's transaction dropped) gets its rebalance back.
    if (flight.purpose === "rebalance") {
      const plan = await this.planRebalance(state, ctx, fees);
      if (plan.ok) {
        next = {
          kind: "rebalance",
          to: state.rebalancerAddress,
          data: plan.data,
          gasLimit: max(plan.gasLimit, last.gasLimit),
          fees,
        };
      }
    }
    let hash: string | undefined;
    try {
      hash = await this.broadcast(state, next, flight.nonce);
    } catch (error) {
      if (error instanceof KeeperConfigError || error instanceof KeeperStoppedError) throw error;
      // Most often the original was mined meanwhile (nonce too low) or the node wants a larger
      // bump: the next check sees the receipt, or tries again with the fees then.
      this.logger.log("warn", "replacement_failed", {
        vault,
        nonce: flight.nonce,
        kind: next.kind,
        error: describeError(error),
      });
      return {
        vault,
        action: "pending",
        kind: last.kind,
        hash: last.hash,
        nonce: flight.nonce,
        reason: "replacement_failed",
      };
    }
    flight.attempts.push({ ...next, hash });
    flight.sentBlock = ctx.block.number;
    flight.sentAt = ctx.now;
    this.logger.log("info", "tx_replaced", {
      vault,
      nonce: flight.nonce,
      kind: next.kind,
      replaces: last.hash ?? null,
      hash: hash ?? null,
      previousMaxFeePerGas: last.fees.maxFeePerGas,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
      baseFeePerGas: ctx.block.baseFee,
    });
    return { vault, action: "replaced", kind: next.kind, hash, nonce: flight.nonce };
  }

  private async finalize(
    state: VaultState,
    flight: InFlight,
    attempt: Attempt,
    receipt: TransactionReceipt,
  ): Promise<CycleResult> {
    state.inFlight = undefined;
    const vault = state.address;
    const fields: LogFields = {
      vault,
      kind: attempt.kind,
      hash: receipt.hash,
      nonce: flight.nonce,
      block: receipt.blockNumber,
      gasUsed: receipt.gasUsed,
      effectiveGasPrice: receipt.gasPrice,
      feeWei: receipt.gasUsed * receipt.gasPrice,
      replacements: flight.attempts.length - 1,
    };
    const base: CycleResult = {
      vault,
      action: "confirmed",
      kind: attempt.kind,
      hash: receipt.hash,
      nonce: flight.nonce,
    };
    if (receipt.status !== 1) {
      const reason = await this.replayRevert(attempt, receipt.blockNumber);
      return {
        ...this.reportRevert(state, attempt.kind, reason, "mined", fields),
        hash: receipt.hash,
        nonce: flight.nonce,
      };
    }
    const events = this.eventsOf(receipt, vault, attempt.to);
    const tripped = events.find((e) => e.name === "BreakerTripped");
    if (tripped) {
      this.logger.log("warn", "breaker_tripped", {
        vault,
        reason: TRIP_NAMES[Number(tripped.args[1])] ?? String(tripped.args[1]),
        index: tripped.args[2],
      });
    }
    // The first rebalance past a lapsed trip clears it, when every condition is healthy.
    if (events.some((e) => e.name === "BreakerReset")) {
      this.logger.log("info", "breaker_reset", { vault, hash: receipt.hash });
    }
    if (attempt.kind === "rebalance") {
      const rebalanced = events.find((e) => e.name === "Rebalanced");
      const skipped = events.find((e) => e.name === "RebalanceSkipped");
      if (rebalanced) {
        const [, navBefore, navAfter, driftBeforeBps, driftAfterBps, trades] = rebalanced.args;
        this.logger.log("info", "rebalanced", {
          ...fields,
          navBefore,
          navAfter,
          driftBeforeBps,
          driftAfterBps,
          trades,
        });
        return { ...base, reason: "rebalanced" };
      }
      if (skipped) {
        this.logger.log("warn", "rebalance_skipped_on_chain", {
          ...fields,
          cost: skipped.args[1],
          benefit: skipped.args[2],
        });
        return { ...base, reason: "skipped_on_chain" };
      }
      this.logger.log("warn", "rebalance_no_trade", fields);
      return { ...base, reason: tripped ? "breaker_tripped" : "no_trade" };
    }
    this.logger.log("info", "cancelled", fields);
    return { ...base, reason: "cancelled" };
  }

  /**
   * The Ballast events of a receipt, each decoded with its emitter's ABI: the vault's (`Rebalanced`),
   * the rebalancer's that was called (`RebalanceSkipped`), and any other contract's with the
   * breakers' (`BreakerTripped`, `BreakerReset`), which tokens' and pools' events never match.
   */
  private eventsOf(
    receipt: TransactionReceipt,
    vault: string,
    rebalancer: string,
  ): { name: string; args: readonly unknown[] }[] {
    const events: { name: string; args: readonly unknown[] }[] = [];
    for (const log of receipt.logs) {
      const emitter = log.address.toLowerCase();
      const iface =
        emitter === vault.toLowerCase()
          ? this.vaultInterface
          : emitter === rebalancer.toLowerCase()
            ? this.rebalancerInterface
            : this.breakersInterface;
      try {
        const parsed = iface.parseLog(log);
        if (parsed) events.push({ name: parsed.name, args: parsed.args.toArray() });
      } catch {
        // Not a Ballast event (e.g. a token Transfer): ignore.
      }
    }
    return events;
  }

  // --- Simulation and reverts ------------------------------------------------------------------

  /** eth_call at the latest block (never `pending`: our own transaction in the mempool would distort it). */
  private async simulate(state: VaultState, data: string): Promise<{ result: string } | { revert: RevertReason }> {
    try {
      const result = await this.rpc(
        "call",
        () => this.provider.call({ from: this.from, to: state.rebalancerAddress, data, blockTag: "latest" }),
        state.address,
      );
      return { result };
    } catch (error) {
      if (!isRevert(error)) throw error;
      return { revert: this.decodeRevert(error) };
    }
  }

  private async estimate(state: VaultState, data: string): Promise<{ gas: bigint } | { revert: RevertReason }> {
    try {
      const gas = await this.rpc(
        "estimateGas",
        () => this.provider.estimateGas({ from: this.from, to: state.rebalancerAddress, data, blockTag: "latest" }),
        state.address,
      );
      return { gas };
    } catch (error) {
      if (!isRevert(error)) throw error;
      return { revert: this.decodeRevert(error) };
    }
  }

  /** Why a mined transaction reverted: replayed at the end of its block (exact when it reverted for state that block left). */
  private async replayRevert(attempt: Attempt, blockNumber: number): Promise<RevertReason> {
    try {
      await this.rpc("call", () =>
        this.provider.call({ from: this.from, to: attempt.to, data: attempt.data, blockTag: blockNumber }),
      );
      return { name: "unknown", args: [] };
    } catch (error) {
      return isRevert(error) ? this.decodeRevert(error) : { name: "unknown", args: [describeError(error)] };
    }
  }

  /**
   * Decodes a revert with every Ballast ABI (a rebalance bubbles up what the vault, the policy or
   * the breakers refuse), Error(string) and Panic.
   */
  decodeRevert(error: unknown): RevertReason {
    const data = revertData(error);
    if (!data) return { name: "unknown", args: [describeError(error)] };
    const decoded = decodeRevertData(data, errorInterfaces());
    return { name: decoded.name, args: [...decoded.args], data };
  }

  /**
   * Logs a revert. `BallastRebalanceNotDue` is the expected answer when another keeper (or a
   * Chainlink upkeep) got there first: a clean no-op, logged at info. Anything else is an error.
   */
  private reportRevert(
    state: VaultState,
    kind: TxKind,
    reason: RevertReason,
    stage: "simulation" | "estimate" | "send" | "mined",
    fields: LogFields = {},
  ): CycleResult {
    const vault = state.address;
    if (reason.name === "BallastRebalanceNotDue") {
      const status = statusName(reason.args[0] as bigint);
      this.logger.log("info", "rebalance_not_due", { ...fields, vault, kind, stage, status, driftBps: reason.args[1] });
      return { vault, action: "skipped", kind, reason: `not_due:${status}`, status };
    }
    const level: LogLevel = stage === "mined" ? "error" : "warn";
    this.logger.log(level, stage === "mined" ? "tx_reverted" : "simulation_reverted", {
      ...fields,
      vault,
      kind,
      stage,
      error: reason.name,
      args: reason.args,
      data: reason.data ?? null,
    });
    return { vault, action: stage === "mined" ? "failed" : "skipped", kind, reason: `reverted:${reason.name}` };
  }

  // --- Helpers ---------------------------------------------------------------------------------

  private rpc<T>(label: string, fn: () => Promise<T>, vault?: string): Promise<T> {
    return withRetry(label, fn, {
      policy: this.config.retry,
      logger: this.logger,
      signal: this.abort.signal,
      fields: vault === undefined ? {} : { vault },
    });
  }

  private async latestBlock(): Promise<Block> {
    const block = await this.rpc("getBlock", async () => {
      const latest = await this.provider.getBlock("latest");
      // A lagging node behind a load balancer can answer null: treat it like a timeout.
      if (!latest) throw Object.assign(new Error("latest block unavailable"), { code: "SERVER_ERROR" });
      return latest;
    });
    return block;
  }

  /** Logs at `level` the first time, then at debug while the same condition lasts (one line per episode, not per block). */
  private note(state: VaultState, level: LogLevel, event: string, fields: LogFields): void {
    const repeated = state.lastNote === event;
    state.lastNote = event;
    this.logger.log(repeated ? "debug" : level, event, { vault: state.address, ...fields });
  }
}

function isAlreadyKnown(error: unknown): boolean {
  return /already known|known transaction|already imported|AlreadyKnown/i.test(describeError(error));
}

/** The node refuses the nonce: used already (mined), or held by a pending transaction with fees as high. */
function isNonceTaken(error: unknown): boolean {
  return (
    isError(error, "NONCE_EXPIRED") ||
    isError(error, "REPLACEMENT_UNDERPRICED") ||
    /nonce too low|nonce has already been used|replacement (transaction )?underpriced/i.test(describeError(error))
  );
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
