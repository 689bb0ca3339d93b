import type { Provider, Signer } from "ethers";
import { ethers, network } from "hardhat";

import { Keeper, MemoryLogger } from "../../src/keeper";
import type { KeeperOptions } from "../../src/keeper";
import type { BallastPolicy, BallastVault } from "../../typechain-types";
import { investedAdminFixture } from "../shared/fixtures";
import type { VaultFixture } from "../shared/fixtures";

export const GWEI = 10n ** 9n;
export const HOUR = 3_600;

/** The basket's symbols (FOUR_ASSET_BASKET order). */
const SYMBOLS = ["USDC", "WETH", "WBTC", "LINK"] as const;

/**
 * The invested four-asset vault ($500k, the first signer its direct admin) after WETH rose 10%:
 * WETH ~230 bp overweight against a 200 bp trigger band, so a rebalance is due. The other feeds
 * report again so none is stale.
 */
export async function driftedFixture(): Promise<VaultFixture> {
  const fixture = await investedAdminFixture();
  const { market } = fixture;
  await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 1.1);
  await market.alignAllPools();
  for (const s of SYMBOLS.filter((s) => s !== "WETH")) await market.setFeedPrice(s, await market.feedPrice(s));
  return fixture;
}

/** A controllable clock for the keeper's intervals (replacement by time). */
export class TestClock {
  constructor(public ms = 1_700_000_000_000) {}
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

/**
 * Keeper options for tests: fast polls and backoffs (no jitter, so delays are exact), a 1 gwei tip,
 * a memory logger.
 */
export function testKeeper(
  vault: BallastVault | string,
  signer: Signer | undefined,
  overrides: Partial<KeeperOptions> = {},
): { keeper: Keeper; logger: MemoryLogger } {
  const logger = new MemoryLogger();
  const keeper = new Keeper({
    vaults: [typeof vault === "string" ? vault : vaultAddress(vault)],
    provider: ethers.provider,
    signer,
    priorityFeeGwei: "1",
    maxFeePerGasGwei: "500",
    pollIntervalMs: 20,
    retry: { retries: 4, baseDelayMs: 5, maxDelayMs: 100, factor: 2, jitter: false },
    logger,
    ...overrides,
  });
  return { keeper, logger };
}

function vaultAddress(vault: BallastVault): string {
  return vault.target as string;
}

/** Rebalanced events of `vault` since `fromBlock`. */
export async function rebalancesSince(vault: BallastVault, fromBlock: number): Promise<number> {
  return (await vault.queryFilter(vault.filters.Rebalanced, fromBlock)).length;
}

/** Mined transactions sent by `address` (its `latest` nonce). */
export async function nonceOf(signer: Signer): Promise<number> {
  return ethers.provider.getTransactionCount(await signer.getAddress(), "latest");
}

/** Sets the base fee of the next block and mines it, so that `latest` shows that base fee. */
export async function mineWithBaseFee(baseFee: bigint): Promise<void> {
  await network.provider.send("hardhat_setNextBlockBaseFeePerGas", [ethers.toQuantity(baseFee)]);
  await network.provider.send("evm_mine", []);
}

export async function setAutomine(on: boolean): Promise<void> {
  await network.provider.send("evm_setAutomine", [on]);
}

/** Every basket feed reports its current answer again (keeps them fresh after time moves). */
export async function refreshFeeds(fixture: VaultFixture): Promise<void> {
  for (const s of SYMBOLS) await fixture.market.setFeedPrice(s, await fixture.market.feedPrice(s));
}

/** The outage a flaky provider plays: which methods fail, how, and what runs before a call goes through. */
export interface Outage {
  /** How many times each provider method fails before it works. */
  failures?: Record<string, number>;
  /** Errors thrown: a transport error by default. */
  error?: (method: string) => Error;
  /** Runs before a method is forwarded (after the failures), e.g. to change the chain mid-cycle. */
  before?: (method: string, args: unknown[]) => Promise<void>;
  /** Forward the call, then fail anyway: the node did it but the reply was lost. */
  failAfterForwarding?: boolean;
}

export interface FlakyProvider {
  provider: Provider;
  /** Calls per method, failed ones included. */
  calls: Record<string, number>;
  /** Injected failures per method. */
  failed: Record<string, number>;
  /** Makes `method` fail its next `times` calls. */
  fail(method: string, times: number): void;
}

/**
 * `target` wrapped so that its methods fail as `outage` says: an RPC endpoint with an outage. Only
 * the methods named in `outage.failures` fail; everything else is forwarded as is.
 */
export function flakyProvider(target: Provider, outage: Outage): FlakyProvider {
  const remaining: Record<string, number> = { ...outage.failures };
  const calls: Record<string, number> = {};
  const failed: Record<string, number> = {};
  const makeFailure =
    outage.error ??
    ((method: string) => Object.assign(new Error(`injected outage in ${method}`), { code: "SERVER_ERROR" }));
  const provider = new Proxy(target, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof property !== "string" || typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        calls[property] = (calls[property] ?? 0) + 1;
        const fail = (remaining[property] ?? 0) > 0;
        if (fail) remaining[property]--;
        if (fail && !outage.failAfterForwarding) {
          failed[property] = (failed[property] ?? 0) + 1;
          throw makeFailure(property);
        }
        await outage.before?.(property, args);
        const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(object, args);
        if (fail) {
          failed[property] = (failed[property] ?? 0) + 1;
          throw makeFailure(property);
        }
        return result;
      };
    },
  });
  return {
    provider,
    calls,
    failed,
    fail: (method, times) => {
      remaining[method] = times;
    },
  };
}

export type { BallastPolicy, BallastVault, VaultFixture };
