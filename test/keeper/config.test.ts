import { expect } from "chai";
import { Wallet } from "ethers";
import { ethers } from "hardhat";

import {
  backoffDelay,
  bumpFees,
  DEFAULTS,
  effectiveGasPrice,
  gasValueInBase,
  initialFees,
  isTransientRpcError,
  jsonLogger,
  KeeperConfigError,
  parseKeeperTaskArgs,
  passesCostGate,
  resolveKeeperConfig,
  rewardPremium,
  revertData,
  withMargin,
  withRetry,
  MemoryLogger,
  KeeperRpcError,
} from "../../src/keeper";
import type { KeeperOptions } from "../../src/keeper";

const GWEI = 10n ** 9n;
const VAULT = Wallet.createRandom().address;

function options(overrides: Partial<KeeperOptions> = {}): KeeperOptions {
  return { vaults: [VAULT], provider: ethers.provider, dryRun: true, ...overrides };
}

describe("keeper configuration and pure rules", () => {
  describe("resolveKeeperConfig", () => {
    it("applies the documented defaults", () => {
      const config = resolveKeeperConfig(options());
      expect(config).to.deep.include({
        vaults: [VAULT],
        dryRun: true,
        maxFeePerGas: 100n * GWEI,
        priorityFee: undefined,
        trigger: "poll",
        pollIntervalMs: DEFAULTS.pollIntervalMs,
        confirmations: 1,
        replaceAfterBlocks: 3,
        replaceAfterMs: 60_000,
        feeBumpBps: 1_250,
        gasLimitMarginBps: 2_000,
        gasToken: undefined,
      });
      expect(config.retry).to.deep.equal(DEFAULTS.retry);
    });

    it("parses gwei and USD amounts exactly", () => {
      const config = resolveKeeperConfig(
        options({ maxFeePerGasGwei: "0.05", priorityFeeGwei: 0.001, gasToken: { usdPrice: "3123.45" } }),
      );
      expect(config.maxFeePerGas).to.equal(50_000_000n);
      expect(config.priorityFee).to.equal(1_000_000n);
      expect(config.gasToken).to.deep.equal({ usdPriceWad: 3_123_450_000_000_000_000_000n });
    });

    const bad: [string, Partial<KeeperOptions>, RegExp][] = [
      ["no vault", { vaults: [] }, /at least one vault/],
      ["a non-address vault", { vaults: ["vault"] }, /"vault" is not an address/],
      ["a vault twice", { vaults: [VAULT, VAULT.toLowerCase()] }, /listed twice/],
      ["no signer outside a dry run", { dryRun: false }, /a signer is required/],
      ["no provider", { provider: undefined }, /a provider is required/],
      ["a zero cap", { maxFeePerGasGwei: 0 }, /maxFeePerGasGwei must be positive/],
      ["a negative cap", { maxFeePerGasGwei: -1 }, /maxFeePerGasGwei must be a non-negative decimal/],
      ["sub-wei gwei", { maxFeePerGasGwei: "1.0000000001" }, /at most 9 decimals/],
      ["a tip above the cap", { maxFeePerGasGwei: 1, priorityFeeGwei: 2 }, /cannot exceed/],
      ["a fee bump under 12.5%", { feeBumpBps: 1_000 }, /feeBumpBps must be an integer from 1250 to 10000/],
      ["zero confirmations", { confirmations: 0 }, /confirmations must be an integer from 1/],
      ["a fractional block count", { replaceAfterBlocks: 1.5 }, /replaceAfterBlocks must be an integer/],
      ["an unknown trigger", { trigger: "mempool" as "poll" }, /trigger must be "poll" or "block"/],
      ["a shrinking backoff", { retry: { factor: 0.5 } }, /retry.factor must be from 1 to 10/],
      ["a max delay under the base", { retry: { baseDelayMs: 10, maxDelayMs: 5 } }, /maxDelayMs is below/],
      [
        "two gas price sources",
        { gasToken: { basketAsset: 1, usdPrice: 1 } as never },
        /either basketAsset or usdPrice/,
      ],
      ["a zero gas token price", { gasToken: { usdPrice: "0" } }, /gasToken.usdPrice must be positive/],
      [
        "a gas token index past 15",
        { gasToken: { basketAsset: 16 } },
        /gasToken.basketAsset must be an integer from 0 to 15/,
      ],
      ["a bad from", { from: "me" }, /from "me" is not an address/],
    ];
    for (const [name, overrides, message] of bad) {
      it(`refuses ${name}`, () => {
        expect(() => resolveKeeperConfig(options(overrides))).to.throw(KeeperConfigError, message);
      });
    }
  });

  describe("parseKeeperTaskArgs", () => {
    it("turns seconds into milliseconds, splits vault lists and keeps unset options unset", () => {
      const other = Wallet.createRandom().address;
      const parsed = parseKeeperTaskArgs({
        vault: ` ${VAULT}, ${other},`,
        dryRun: false,
        once: true,
        onceTimeout: "1800",
        replaceAfter: "0",
        pollInterval: "0.5",
        retryDelay: "0.25",
        maxRetries: "3",
        gasToken: "2",
        signer: "1",
        logLevel: "debug",
      });
      expect(parsed.options).to.deep.equal({
        vaults: [VAULT, other],
        dryRun: false,
        pollIntervalMs: 500,
        replaceAfterMs: 0,
        retry: { retries: 3, baseDelayMs: 250, maxDelayMs: DEFAULTS.retry.maxDelayMs },
        gasToken: { basketAsset: 2 },
        onceTimeoutMs: 1_800_000,
      });
      expect(parsed).to.include({ once: true, signer: 1, logLevel: "debug", privateRpcUrl: undefined });
      expect(
        parseKeeperTaskArgs({ vault: VAULT, dryRun: true, once: false, gasToken: "weth" }).options.gasToken,
      ).to.deep.equal({
        basketAsset: "weth",
      });
    });
  });

  describe("fees", () => {
    it("prices a new transaction at 2 x base fee + tip under the cap, and waits when the cap is below the base fee", () => {
      expect(initialFees(10n * GWEI, GWEI, 100n * GWEI)).to.deep.equal({
        maxFeePerGas: 21n * GWEI,
        maxPriorityFeePerGas: GWEI,
      });
      expect(initialFees(10n * GWEI, GWEI, 15n * GWEI)).to.deep.equal({
        maxFeePerGas: 15n * GWEI,
        maxPriorityFeePerGas: GWEI,
      });
      expect(initialFees(10n * GWEI, 20n * GWEI, 10n * GWEI)).to.deep.equal({
        maxFeePerGas: 10n * GWEI,
        maxPriorityFeePerGas: 10n * GWEI,
      });
      expect(initialFees(10n * GWEI + 1n, GWEI, 10n * GWEI)).to.equal(undefined);
    });

    it("bumps a replacement by at least the bump on both fees, follows a rising base fee, and refuses past the cap", () => {
      const old = { maxFeePerGas: 21n * GWEI, maxPriorityFeePerGas: GWEI };
      expect(bumpFees(old, 1_250, 10n * GWEI, GWEI, 100n * GWEI)).to.deep.equal({
        maxFeePerGas: 23_625_000_000n,
        maxPriorityFeePerGas: 1_125_000_000n,
      });
      expect(bumpFees(old, 1_250, 30n * GWEI, GWEI, 100n * GWEI)?.maxFeePerGas).to.equal(61n * GWEI);
      expect(bumpFees(old, 1_250, 30n * GWEI, GWEI, 40n * GWEI)?.maxFeePerGas).to.equal(40n * GWEI);
      expect(bumpFees(old, 1_250, 30n * GWEI, GWEI, 23n * GWEI)).to.equal(undefined);
      // Rounded up: 12.5% of an odd wei amount never falls short.
      expect(bumpFees({ maxFeePerGas: 9n, maxPriorityFeePerGas: 1n }, 1_250, 0n, 0n, 100n)).to.deep.equal({
        maxFeePerGas: 11n,
        maxPriorityFeePerGas: 2n,
      });
    });

    it("values gas in the base asset, rounded up, and applies the gate only when it is on", () => {
      expect(effectiveGasPrice({ maxFeePerGas: 21n * GWEI, maxPriorityFeePerGas: GWEI }, 10n * GWEI)).to.equal(
        11n * GWEI,
      );
      expect(effectiveGasPrice({ maxFeePerGas: 21n * GWEI, maxPriorityFeePerGas: GWEI }, 25n * GWEI)).to.equal(
        21n * GWEI,
      );
      expect(withMargin(1_000n, 2_000)).to.equal(1_200n);
      expect(withMargin(1_001n, 2_000)).to.equal(1_202n);
      // 0.01 ETH at $3000 with USDC at $1: $30, in 6-decimal units.
      expect(gasValueInBase(10n ** 16n, 3_000n * 10n ** 18n, 10n ** 18n, 6)).to.equal(30_000_000n);
      expect(gasValueInBase(1n, 3_000n * 10n ** 18n, 10n ** 18n, 6)).to.equal(1n);
      expect(passesCostGate(90n, 10n, 100n, 10_000n)).to.be.true;
      expect(passesCostGate(90n, 11n, 100n, 10_000n)).to.be.false;
      expect(passesCostGate(90n, 11n, 100n, 20_000n)).to.be.true;
      expect(passesCostGate(10n ** 30n, 0n, 0n, 0n)).to.be.true;
      // The reward's premium: 1.2 x gas 100, the premium a sixth of it; capped at 60, a sixth of 60.
      expect(rewardPremium(100n, 2_000n, 10n ** 9n)).to.equal(20n);
      expect(rewardPremium(100n, 2_000n, 60n)).to.equal(10n);
      expect(rewardPremium(100n, 0n, 10n ** 9n)).to.equal(0n);
      expect(rewardPremium(1n, 2_000n, 10n ** 9n)).to.equal(1n); // rounded up: a cost
    });
  });

  describe("retries", () => {
    const policy = { retries: 3, baseDelayMs: 100, maxDelayMs: 250, factor: 2, jitter: false };

    it("backs off exponentially up to the cap, jittered within [50%, 100%]", () => {
      expect([1, 2, 3, 4].map((n) => backoffDelay(policy, n))).to.deep.equal([100, 200, 250, 250]);
      expect(backoffDelay({ ...policy, jitter: true }, 2, () => 0)).to.equal(100);
      expect(backoffDelay({ ...policy, jitter: true }, 2, () => 0.999)).to.equal(200);
    });

    it("retries transport errors only", () => {
      const coded = (code: string, message = "x") => Object.assign(new Error(message), { code });
      for (const error of [
        coded("SERVER_ERROR"),
        coded("TIMEOUT"),
        coded("NETWORK_ERROR"),
        coded("ECONNRESET"),
        coded("UNKNOWN_ERROR", "429 Too Many Requests"),
        new Error("fetch failed"),
        new Error("header not found"),
      ]) {
        expect(isTransientRpcError(error), error.message).to.be.true;
      }
      for (const error of [
        coded("CALL_EXCEPTION"),
        coded("INSUFFICIENT_FUNDS"),
        coded("NONCE_EXPIRED"),
        coded("INVALID_ARGUMENT"),
        Object.assign(new Error("timeout"), { data: "0x4cc3f2e1" + "00".repeat(64) }),
        new Error("execution reverted"),
      ]) {
        expect(isTransientRpcError(error), error.message).to.be.false;
      }
    });

    it("finds revert data in nested wrappers", () => {
      const data = "0x4cc3f2e1" + "00".repeat(64);
      expect(revertData({ info: { error: { data } } })).to.equal(data);
      expect(revertData({ error: { error: { data } } })).to.equal(data);
      expect(revertData({ data: "0x" })).to.equal(undefined);
      const cycle: Record<string, unknown> = {};
      cycle.error = cycle;
      expect(revertData(cycle)).to.equal(undefined);
    });

    it("gives up with a KeeperRpcError naming the call and the attempts", async () => {
      const logger = new MemoryLogger();
      let calls = 0;
      const failing = () => {
        calls++;
        return Promise.reject(Object.assign(new Error("down"), { code: "SERVER_ERROR" }));
      };
      await expect(
        withRetry("getBlock", failing, { policy: { ...policy, baseDelayMs: 1, maxDelayMs: 1 }, logger }),
      ).to.be.rejectedWith(KeeperRpcError, "RPC getBlock failed after 4 attempt(s): SERVER_ERROR: down");
      expect(calls).to.equal(4);
      expect(logger.events("rpc_retry")).to.have.length(3);
    });
  });

  describe("logger", () => {
    it("writes one JSON object per line with ts, level, event first, bigints as strings, below-level records dropped", () => {
      const lines: string[] = [];
      const logger = jsonLogger({ minLevel: "info", write: (line) => lines.push(line), clock: () => 0 });
      logger.log("debug", "status", { vault: VAULT });
      logger.log("info", "tx_sent", { vault: VAULT, nonce: 3, maxFeePerGas: 2n ** 70n, error: new Error("boom") });
      expect(lines).to.have.length(1);
      expect(lines[0]).to.not.include("\n");
      expect(JSON.parse(lines[0])).to.deep.equal({
        ts: "1970-01-01T00:00:00.000Z",
        level: "info",
        event: "tx_sent",
        vault: VAULT,
        nonce: 3,
        maxFeePerGas: "1180591620717411303424",
        error: { name: "Error", message: "boom" },
      });
    });
  });
});
