/**
 * The keeper: watches blocks and, for each vault, asks the vault's rebalancer whether a rebalance
 * is due, simulates it, prices it with a real gas estimate, sends it under a fee cap, follows it to
 * confirmation and replaces it when stuck. It sends nothing else: no maintenance transaction exists
 * (the breakers and the volatility estimate read the oracles' own history, a trip lapses by itself).
 * Vaults are configured by address: each cycle reads `vault.rebalancer()`, so a rebalancer that
 * governance replaces is followed without a restart.
 *
 * This class wires the parts and runs the cycles: the reads (./chain.ts), the decision of what to
 * send (./decide.ts), the transactions (./transactions.ts: one per vault at a time, each under a
 * nonce it reserved) and the loops on the injected clock (./loop.ts). Several keepers on one vault
 * are safe because the rebalancer itself refuses a second rebalance within its cooldown
 * (`BallastRebalanceNotDue(Cooldown)`), which the keeper treats as a clean no-op.
 */
import { formatUnits, ZeroAddress } from "ethers";
import type { Provider, Signer } from "ethers";

import { describeError } from "../shared/revert";

import { VaultReader } from "./chain";
import { systemClock } from "./clock";
import type { Clock } from "./clock";
import { resolveKeeperConfig } from "./config";
import type { KeeperConfig, KeeperOptions } from "./config";
import { Decider } from "./decide";
import { KeeperConfigError, KeeperError, KeeperStoppedError } from "./errors";
import { EpisodeLog, jsonLogger } from "./logger";
import type { KeeperLogger } from "./logger";
import { runLoop, settle } from "./loop";
import type { LoopHost } from "./loop";
import { revertReason } from "./outcomes";
import { withRetry } from "./retry";
import { TxManager } from "./transactions";
import type { CycleContext, CycleResult, InFlightInfo, RevertReason, Rpc, VaultState } from "./types";

export class Keeper {
  readonly config: KeeperConfig;
  private readonly provider: Provider;
  private readonly logger: KeeperLogger;
  private readonly clock: Clock;
  private readonly rpc: Rpc;
  private readonly signer: Signer | undefined;
  private readonly sendProvider: Provider | undefined;
  private readonly abort = new AbortController();
  private readonly episodes: EpisodeLog;
  private readonly reader: VaultReader;
  private readonly decider: Decider;
  /** Made at init, once the account and the chain are known. */
  private txs: TxManager | undefined;
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
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? jsonLogger({ clock: this.clock });
    if (options.from !== undefined) this.from = options.from;
    this.episodes = new EpisodeLog(this.logger);
    this.rpc = (label, fn, vault) =>
      withRetry(label, fn, {
        policy: this.config.retry,
        logger: this.logger,
        signal: this.abort.signal,
        fields: vault === undefined ? {} : { vault },
      });
    const parts = { provider, config: this.config, logger: this.logger, episodes: this.episodes, rpc: this.rpc };
    this.reader = new VaultReader({ ...parts, from: () => this.from });
    this.decider = new Decider({ ...parts, reader: this.reader });
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
    return this.txs?.inFlight(this.states.map((s) => s.address)) ?? [];
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
    const block = await this.reader.latestBlock();
    if (block.baseFeePerGas == null) {
      throw new KeeperConfigError(
        `chain ${this.chainId} has no EIP-1559 base fee: the keeper sends type-2 transactions`,
      );
    }
    if (this.signer) this.from = await this.signer.getAddress();
    const txs = new TxManager({
      chain: this.provider,
      signer: this.signer,
      sendProvider: this.sendProvider,
      chainId: this.chainId,
      from: this.from,
      config: this.config,
      logger: this.logger,
      episodes: this.episodes,
      rpc: this.rpc,
      tip: (ctx) => this.reader.tip(ctx),
      stopping: () => this.stopping,
    });
    // Fail at start, not at the first rebalance: a JSON-RPC account cannot sign raw transactions.
    if (this.sendProvider && !this.config.dryRun) await txs.checkRawSigning();
    const states: VaultState[] = [];
    for (const address of this.config.vaults) states.push(await this.reader.connect(address, this.chainId));
    this.txs = txs;
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
    await settle(this.loopHost(), (settled) => {
      // Keep what the first cycle saw (the status) under what settling found.
      for (const result of settled) results.set(result.vault, { ...results.get(result.vault), ...result });
    });
    return this.config.vaults.map((vault) => results.get(vault) ?? { vault, action: "idle" });
  }

  /** Runs until {@link stop}: a cycle on every new block (polled or subscribed). */
  start(): Promise<void> {
    if (this.stopping) throw new KeeperError("a stopped keeper cannot be restarted: create a new one");
    if (this.running) throw new KeeperError("the keeper is already running");
    this.running = runLoop(this.loopHost());
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

  /** The keeper as its loops drive it. */
  private loopHost(): LoopHost {
    return {
      config: this.config,
      logger: this.logger,
      clock: this.clock,
      provider: this.provider,
      signal: this.abort.signal,
      stopped: () => this.stopping,
      init: () => this.init(),
      tick: (options) => this.tick(options),
      blockNumber: () => this.rpc("getBlockNumber", () => this.provider.getBlockNumber()),
      inFlight: () => this.inFlight(),
    };
  }

  private async cycle(settleOnly: boolean): Promise<CycleResult[]> {
    await this.init();
    const results: CycleResult[] = [];
    let ctx: CycleContext;
    try {
      const block = await this.reader.latestBlock();
      ctx = {
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
      if (settleOnly && !this.txs?.busy(state.address)) continue;
      try {
        results.push(await this.processVault(state, ctx));
      } catch (error) {
        if (error instanceof KeeperStoppedError) break;
        this.logger.log("error", "cycle_failed", { vault: state.address, error: describeError(error) });
        results.push({ vault: state.address, action: "failed", reason: describeError(error) });
      }
    }
    return results;
  }

  /** A vault's turn: follow its transaction in flight, or decide whether to send one. */
  private async processVault(state: VaultState, ctx: CycleContext): Promise<CycleResult> {
    const txs = this.txs as TxManager;
    if (txs.busy(state.address)) {
      return txs.follow(state.address, ctx, async (fees) => {
        const prepared = await this.decider.prepare(state, ctx, fees);
        return prepared.ok
          ? { to: state.rebalancerAddress, data: prepared.data, gasLimit: prepared.gasLimit }
          : undefined;
      });
    }
    const decision = await this.decider.decide(state, ctx);
    if ("result" in decision) return decision.result;
    if (this.config.dryRun) {
      this.logger.log("info", "dry_run", decision.details);
      return { vault: state.address, action: "would_send", kind: decision.tx.kind, status: decision.status };
    }
    return txs.send(state.address, ctx, decision.tx, decision.details);
  }

  /**
   * Decodes a revert with every Ballast ABI (a rebalance bubbles up what the vault, the policy or
   * the breakers refuse), Error(string) and Panic.
   */
  decodeRevert(error: unknown): RevertReason {
    return revertReason(error);
  }
}
