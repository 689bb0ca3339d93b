/**
 * The keeper's reads: each vault checked at start and followed to its current rebalancer, its
 * status, simulations and gas estimates of a call, and the prices and parameters the cost gate
 * weighs. Every read goes through the keeper's retries; a revert comes back as a value.
 */
import { formatUnits, ZeroAddress } from "ethers";
import type { Block, Provider } from "ethers";

import {
  BallastRebalancer__factory,
  BallastVault__factory,
  IBallastOracle__factory,
  IBallastPolicy__factory,
  IERC20Metadata__factory,
} from "../../typechain-types";
import type { BallastRebalancer, BallastVault, IBallastPolicy } from "../../typechain-types";
import { isRevert } from "../shared/revert";
import { isUsablePrice } from "../vault/prices";

import type { KeeperConfig } from "./config";
import { KeeperConfigError, KeeperRpcError } from "./errors";
import { initialFees } from "./fees";
import type { Fees } from "./fees";
import type { EpisodeLog, KeeperLogger } from "./logger";
import { revertReason } from "./outcomes";
import type { CycleContext, RevertReason, Rpc, VaultState } from "./types";

/** A call's answer, or its revert. */
export type Simulated<T> = { result: T } | { revert: RevertReason };

export interface ChainDeps {
  provider: Provider;
  config: KeeperConfig;
  logger: KeeperLogger;
  episodes: EpisodeLog;
  rpc: Rpc;
  /** The account calls are simulated from (known after init). */
  from: () => string;
}

export class VaultReader {
  constructor(private readonly deps: ChainDeps) {}

  private get provider(): Provider {
    return this.deps.provider;
  }

  private rpc<T>(label: string, fn: () => Promise<T>, vault?: string): Promise<T> {
    return this.deps.rpc(label, fn, vault);
  }

  async latestBlock(): Promise<Block> {
    return this.rpc("getBlock", async () => {
      const latest = await this.provider.getBlock("latest");
      // A lagging node behind a load balancer can answer null: treat it like a timeout.
      if (!latest) throw Object.assign(new Error("latest block unavailable"), { code: "SERVER_ERROR" });
      return latest;
    });
  }

  /**
   * Checks that `address` is a Ballast vault with a rebalancer, and that a configured gas token is
   * in its basket.
   */
  async connect(address: string, chainId: bigint): Promise<VaultState> {
    const code = await this.rpc("getCode", () => this.provider.getCode(address), address);
    if (code === "0x") throw new KeeperConfigError(`no contract at vault ${address} on chain ${chainId}`);
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
    return {
      address,
      vault,
      rebalancer,
      rebalancerAddress,
      baseDecimals,
      gasTokenIndex: await this.gasTokenIndex(vault, address),
      lastStatus: undefined,
      gasUnpricedLogged: false,
    };
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
  async refreshRebalancer(state: VaultState): Promise<void> {
    const current = await this.rpc("rebalancer", () => state.vault.rebalancer(), state.address);
    if (current === state.rebalancerAddress) return;
    state.rebalancer = await this.checkRebalancer(state.address, current);
    this.deps.logger.log("warn", "rebalancer_changed", {
      vault: state.address,
      previous: state.rebalancerAddress,
      rebalancer: current,
    });
    state.rebalancerAddress = current;
  }

  /** Resolves the configured gas token to a basket index of `vault`. */
  private async gasTokenIndex(vault: BallastVault, address: string): Promise<number | undefined> {
    const source = this.deps.config.gasToken;
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

  /** `rebalanceStatus()`: the status code, the drift and the target band. */
  status(state: VaultState): Promise<[bigint, bigint, bigint]> {
    return this.rpc("rebalanceStatus", () => state.rebalancer.rebalanceStatus(), state.address);
  }

  /** eth_call at the latest block (never `pending`: our own transaction in the mempool would distort it). */
  simulate(state: VaultState, data: string): Promise<Simulated<string>> {
    const request = { from: this.deps.from(), to: state.rebalancerAddress, data, blockTag: "latest" };
    return this.reverting(() => this.rpc("call", () => this.provider.call(request), state.address));
  }

  estimate(state: VaultState, data: string): Promise<Simulated<bigint>> {
    const request = { from: this.deps.from(), to: state.rebalancerAddress, data, blockTag: "latest" };
    return this.reverting(() => this.rpc("estimateGas", () => this.provider.estimateGas(request), state.address));
  }

  private async reverting<T>(read: () => Promise<T>): Promise<Simulated<T>> {
    try {
      return { result: await read() };
    } catch (error) {
      if (!isRevert(error)) throw error;
      return { revert: revertReason(error) };
    }
  }

  async policy(state: VaultState): Promise<IBallastPolicy> {
    const address = await this.rpc("policy", () => state.rebalancer.policy(), state.address);
    return IBallastPolicy__factory.connect(address, this.provider);
  }

  async costParams(state: VaultState): ReturnType<IBallastPolicy["costParams"]> {
    const policy = await this.policy(state);
    return this.rpc("costParams", () => policy.costParams(), state.address);
  }

  /** `rebalanceCost()`: the on-chain plan's cost (without gas, in an eth_call) and benefit. */
  async rebalanceCost(state: VaultState): Promise<[bigint, bigint]> {
    const [cost, benefit] = await this.rpc("rebalanceCost", () => state.rebalancer.rebalanceCost(), state.address);
    return [cost, benefit];
  }

  rewardParams(state: VaultState): ReturnType<BallastRebalancer["rewardParams"]> {
    return this.rpc("rewardParams", () => state.rebalancer.rewardParams(), state.address);
  }

  totalAssets(state: VaultState): Promise<bigint> {
    return this.rpc("totalAssets", () => state.vault.totalAssets(), state.address);
  }

  /** The gas token's USD price (WAD): the configured one, a basket asset's, or the policy's oracle. */
  async gasTokenPrice(state: VaultState, policyOracle: string): Promise<bigint | undefined> {
    const source = this.deps.config.gasToken;
    if (source !== undefined && "usdPriceWad" in source) return source.usdPriceWad;
    if (state.gasTokenIndex !== undefined) return this.assetPrice(state, state.gasTokenIndex);
    if (policyOracle !== ZeroAddress) {
      const oracle = IBallastOracle__factory.connect(policyOracle, this.provider);
      const [valid, price] = await this.rpc("gasTokenOracle.tryPrice", () => oracle.tryPrice(), state.address);
      return isUsablePrice(valid, price) ? price : undefined;
    }
    return undefined;
  }

  /** A basket asset's USD price (WAD) from the vault's oracle, else the last one the vault recorded. */
  async assetPrice(state: VaultState, index: number): Promise<bigint | undefined> {
    const oracles = await this.rpc("oracles", () => state.vault.oracles(), state.address);
    if (index < oracles.length) {
      const oracle = IBallastOracle__factory.connect(oracles[index], this.provider);
      const [valid, price] = await this.rpc("oracle.tryPrice", () => oracle.tryPrice(), state.address);
      if (isUsablePrice(valid, price)) return price;
    }
    const last = await this.rpc("lastPrices", () => state.vault.lastPrices(), state.address);
    return index < last.length && last[index] > 0n ? last[index] : undefined;
  }

  /** The priority fee: the configured one, else the node's suggestion, never above the cap. Read once a cycle. */
  async tip(ctx: CycleContext): Promise<bigint> {
    if (ctx.tip === undefined) {
      const { config } = this.deps;
      const suggested =
        config.priorityFee ??
        (await this.rpc("getFeeData", () => this.provider.getFeeData())).maxPriorityFeePerGas ??
        0n;
      ctx.tip = suggested < config.maxFeePerGas ? suggested : config.maxFeePerGas;
    }
    return ctx.tip;
  }

  /** Fees for a new transaction now, or undefined (logged) when the cap is below the base fee. */
  async newFees(state: VaultState, ctx: CycleContext): Promise<Fees | undefined> {
    const { config } = this.deps;
    const fees = initialFees(ctx.block.baseFee, await this.tip(ctx), config.maxFeePerGas);
    if (!fees) {
      this.deps.episodes.note(state.address, "warn", "fee_cap_below_base_fee", {
        baseFeeGwei: formatUnits(ctx.block.baseFee, "gwei"),
        maxFeePerGasGwei: formatUnits(config.maxFeePerGas, "gwei"),
      });
    }
    return fees;
  }
}
