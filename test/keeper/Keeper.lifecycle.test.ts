import { EventEmitter } from "node:events";

import { loadFixture, setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { parseEther, ZeroAddress } from "ethers";
import { ethers } from "hardhat";

import { KeeperConfigError, MemoryLogger, runKeeper } from "../../src/keeper";
import type { Keeper } from "../../src/keeper";
import type { IBallastBreakers } from "../../typechain-types/artifacts/contracts/BallastBreakers";
import { deployVault } from "../../src/vault";
import type { BallastVault } from "../../typechain-types";
import { FOUR_ASSET_BASKET } from "../shared/fixtures";
import { Trip } from "../shared/security";
import type { VaultFixture } from "../shared/fixtures";
import { depositUsdc, rebalancerOf, rebalanceUntilSettled, Status } from "../shared/vault";

import {
  driftedFixture,
  flakyProvider,
  GWEI,
  HOUR,
  mineWithBaseFee,
  nonceOf,
  rebalancesSince,
  refreshFeeds,
  setAutomine,
  TestClock,
  testKeeper,
} from "./helpers";

/** Only the dislocation check: trips when a price moves 10% within an hour; a trip lasts an hour. */
const DISLOCATION_ONLY: IBallastBreakers.BreakerParamsStruct = {
  twapWindow: 0,
  maxOracleTwapDeviationBps: 0,
  maxSpotTwapTicks: 0,
  maxMoveBps: 1_000,
  moveWindow: HOUR,
  cooldown: HOUR,
  sequencerFeed: ZeroAddress,
  sequencerGracePeriod: 0,
  tripOnInvalidPrice: false,
};

/**
 * Two vaults on one market, both due: the drifted vault, and a second one invested at the drifted
 * prices before WETH rose another 10%.
 */
async function twoVaultsFixture(): Promise<VaultFixture & { second: BallastVault }> {
  const fixture = await driftedFixture();
  const { market } = fixture;
  const [admin, alice] = await ethers.getSigners();
  // WBTC straight into USDC: on the first vault's route, the second's WETH -> WBTC shortcut would
  // meet a pool the first just moved in the same block, and refuse it (BallastLegUnfit).
  const { vault: second } = await deployVault(market, {
    basket: FOUR_ASSET_BASKET.map(({ symbol, weightBps }) => ({ symbol, weightBps })),
    governance: { admin: admin.address },
  });
  await depositUsdc(market, second, alice, 200_000);
  await rebalanceUntilSettled(market, second);
  await time.increase(600);
  await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 1.1);
  await market.alignAllPools();
  await refreshFeeds(fixture);
  return { ...fixture, second };
}

/** Resolves once `condition` holds, polling; rejects after `timeoutMs`. */
async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for a condition");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("Keeper lifecycle", () => {
  afterEach(async () => {
    await setAutomine(true);
  });

  describe("stuck transactions", () => {
    it("replaces a transaction stuck under a rising base fee: same nonce, fees up at least 12.5%, mined once", async () => {
      const { vault } = await loadFixture(driftedFixture);
      const [, , , keeperSigner] = await ethers.getSigners();
      // Relative: other test files may have used this account before.
      const keeperSignerNonce = await nonceOf(keeperSigner);
      const from = await ethers.provider.getBlockNumber();
      await mineWithBaseFee(10n * GWEI);
      const { keeper, logger } = testKeeper(vault, keeperSigner, { replaceAfterBlocks: 1, replaceAfterMs: 0 });
      await keeper.init();

      await setAutomine(false);
      const [sent] = await keeper.tick();
      expect(sent).to.include({ action: "sent", kind: "rebalance", nonce: keeperSignerNonce });
      // The base fee jumps past the transaction's maxFeePerGas (2 x 10 + 1 gwei): it stays out of the block.
      await mineWithBaseFee(30n * GWEI);
      expect(await ethers.provider.getTransactionReceipt(sent.hash as string)).to.equal(null);

      const [replaced] = await keeper.tick();
      expect(replaced).to.include({ action: "replaced", kind: "rebalance", nonce: keeperSignerNonce });
      expect(replaced.hash).to.not.equal(sent.hash);
      const replacement = await ethers.provider.getTransaction(replaced.hash as string);
      expect(replacement?.nonce).to.equal(keeperSignerNonce);
      expect(replacement?.maxFeePerGas).to.be.at.least((21n * GWEI * 11_250n) / 10_000n);
      expect(replacement?.maxPriorityFeePerGas).to.be.at.least((GWEI * 11_250n) / 10_000n);
      const [log] = logger.events("tx_replaced");
      expect(log).to.include({ replaces: sent.hash, hash: replaced.hash, previousMaxFeePerGas: String(21n * GWEI) });

      await ethers.provider.send("evm_mine", []);
      const [done] = await keeper.tick();
      await setAutomine(true);
      expect(done).to.include({ action: "confirmed", reason: "rebalanced", hash: replaced.hash });
      expect(await ethers.provider.getTransactionReceipt(sent.hash as string)).to.equal(null);
      expect(await rebalancesSince(vault, from)).to.equal(1);
      expect(await nonceOf(keeperSigner)).to.equal(keeperSignerNonce + 1);
      expect(logger.events("rebalanced")[0]).to.include({ replacements: 1 });
    });

    it("cancels a stuck rebalance that another keeper made unnecessary (a self-transfer on the same nonce)", async () => {
      const { vault, rebalancer } = await loadFixture(driftedFixture);
      const [, , , keeperSigner, other] = await ethers.getSigners();
      // Relative: other test files may have used this account before.
      const keeperSignerNonce = await nonceOf(keeperSigner);
      const from = await ethers.provider.getBlockNumber();
      await mineWithBaseFee(10n * GWEI);
      const { keeper, logger } = testKeeper(vault, keeperSigner, { replaceAfterBlocks: 1, replaceAfterMs: 0 });
      await keeper.init();

      await setAutomine(false);
      const [sent] = await keeper.tick();
      expect(sent.action).to.equal("sent");
      // Someone paying more gets in first; the keeper's transaction is priced out of that block.
      await rebalancer
        .connect(other)
        .rebalance({ gasLimit: 3_000_000, maxFeePerGas: 100n * GWEI, maxPriorityFeePerGas: 2n * GWEI });
      await mineWithBaseFee(30n * GWEI);
      expect(await rebalancesSince(vault, from)).to.equal(1);

      const [cancelling] = await keeper.tick();
      expect(cancelling).to.include({ action: "replaced", kind: "cancel", nonce: keeperSignerNonce });
      expect(logger.events("rebalance_not_due")[0]).to.include({ stage: "simulation", status: "Cooldown" });
      const cancel = await ethers.provider.getTransaction(cancelling.hash as string);
      expect([cancel?.to, cancel?.value, cancel?.data, cancel?.nonce]).to.deep.equal([
        keeperSigner.address,
        0n,
        "0x",
        keeperSignerNonce,
      ]);

      await ethers.provider.send("evm_mine", []);
      const [done] = await keeper.tick();
      await setAutomine(true);
      expect(done).to.include({ action: "confirmed", kind: "cancel", reason: "cancelled" });
      expect(await rebalancesSince(vault, from)).to.equal(1);
      expect(await nonceOf(keeperSigner)).to.equal(keeperSignerNonce + 1);
      expect(keeper.inFlight()).to.deep.equal([]);
    });

    it("does not replace above the fee cap: it waits, warns once, and the original confirms when fees fall", async () => {
      const { vault } = await loadFixture(driftedFixture);
      const [, , , keeperSigner] = await ethers.getSigners();
      await mineWithBaseFee(10n * GWEI);
      const { keeper, logger } = testKeeper(vault, keeperSigner, {
        maxFeePerGasGwei: "22",
        replaceAfterBlocks: 1,
        replaceAfterMs: 0,
      });
      await keeper.init();
      await setAutomine(false);
      const [sent] = await keeper.tick();
      await mineWithBaseFee(30n * GWEI);
      for (let i = 0; i < 2; i++) {
        const [capped] = await keeper.tick();
        expect(capped).to.include({ action: "pending", reason: "replacement_capped", hash: sent.hash });
      }
      expect(logger.events("replacement_capped")).to.have.length(1);
      // Nothing else may be sent for this vault meanwhile: the lock holds.
      expect(keeper.inFlight()).to.have.length(1);

      await mineWithBaseFee(5n * GWEI);
      const [done] = await keeper.tick();
      await setAutomine(true);
      expect(done).to.include({ action: "confirmed", reason: "rebalanced", hash: sent.hash });
    });
  });

  describe("many vaults", () => {
    it("keeps several vaults with one account: one transaction each, consecutive nonces, each confirmed", async () => {
      const { vault, second } = await loadFixture(twoVaultsFixture);
      const [, , , keeperSigner] = await ethers.getSigners();
      expect((await (await rebalancerOf(vault)).rebalanceStatus())[0]).to.equal(Status.Due);
      expect((await (await rebalancerOf(second)).rebalanceStatus())[0]).to.equal(Status.Due);
      const from = await ethers.provider.getBlockNumber();
      const { keeper } = testKeeper(vault, keeperSigner, {
        vaults: [await vault.getAddress(), await second.getAddress()],
      });
      await keeper.init();
      const nonce = await nonceOf(keeperSigner);

      await setAutomine(false);
      const sent = await keeper.tick();
      expect(sent.map((r) => [r.action, r.nonce])).to.deep.equal([
        ["sent", nonce],
        ["sent", nonce + 1],
      ]);
      // Both are in flight: a cycle before they are mined sends nothing more.
      expect((await keeper.tick()).map((r) => r.action)).to.deep.equal(["pending", "pending"]);
      await ethers.provider.send("evm_mine", []);
      const done = await keeper.tick();
      await setAutomine(true);
      expect(done.map((r) => r.reason)).to.deep.equal(["rebalanced", "rebalanced"]);
      expect(await rebalancesSince(vault, from)).to.equal(1);
      expect(await rebalancesSince(second, from)).to.equal(1);
      expect(await nonceOf(keeperSigner)).to.equal(nonce + 2);
    });
  });

  describe("breakers and upkeep", () => {
    it("records a breaker's trip with the due rebalance itself, sends nothing while it holds; past its cooldown it rebalances, which clears the breaker", async () => {
      const fixture = await loadFixture(driftedFixture);
      const { vault, rebalancer, breakers, market } = fixture;
      const [, , , keeperSigner] = await ethers.getSigners();
      // Relative: other test files may have used this account before.
      const keeperSignerNonce = await nonceOf(keeperSigner);
      // Moves are measured on the feeds' own rounds: an hour of history first (the market is new).
      await time.increase(HOUR);
      await refreshFeeds(fixture);
      await breakers.setBreakerParams(DISLOCATION_ONLY);
      await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 1.15);
      await market.alignAllPools();
      // The status says Due: the rebalance that first sees the move records the trip (no trade), and
      // the keeper sends it as it is, with no cost gate (it trades nothing).
      expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);
      const clock = new TestClock();
      const { keeper, logger } = testKeeper(vault, keeperSigner, { clock: clock.now });
      const [recorded] = await keeper.runOnce();
      expect(recorded).to.include({ action: "confirmed", kind: "rebalance", reason: "breaker_tripped" });
      expect(logger.events("rebalance_would_not_trade")).to.have.length(1);
      expect((await breakers.breaker(rebalancer))[0]).to.equal(Trip.Dislocation);
      expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.BreakerTripped);

      for (let i = 0; i < 2; i++) {
        const [waiting] = await keeper.runOnce();
        expect(waiting).to.include({ action: "waiting", reason: "breaker_cooldown", status: "BreakerTripped" });
      }
      expect(await nonceOf(keeperSigner)).to.equal(keeperSignerNonce + 1);

      // Past the breaker's cooldown the move is over an hour old (the window slides with the clock,
      // on the feed's own rounds): the trip has lapsed, the rebalance finds the market healthy and
      // clears the breaker on its way.
      await time.increase(2 * HOUR);
      await refreshFeeds(fixture);
      clock.advance(300_000);
      const [rebalanced] = await keeper.runOnce();
      expect(rebalanced).to.include({ action: "confirmed", kind: "rebalance", reason: "rebalanced" });
      const [reason] = await breakers.breaker(rebalancer);
      expect(reason).to.equal(Trip.None);
      expect(logger.events("breaker_reset")).to.have.length(1);
      expect(logger.events("tx_sent").map((r) => r.kind)).to.deep.equal(["rebalance", "rebalance"]);
      expect(await nonceOf(keeperSigner)).to.equal(keeperSignerNonce + 2);
    });

    it("sends nothing but rebalances: a day of cycles with nothing due, the feeds publishing, sends nothing", async () => {
      const fixture = await loadFixture(driftedFixture);
      const { vault } = fixture;
      const [, , , keeperSigner] = await ethers.getSigners();
      // Relative: other test files may have used this account before.
      const keeperSignerNonce = await nonceOf(keeperSigner);
      const clock = new TestClock();
      const { keeper, logger } = testKeeper(vault, keeperSigner, { clock: clock.now });
      const [rebalanced] = await keeper.runOnce();
      expect(rebalanced).to.include({ action: "confirmed", kind: "rebalance", reason: "rebalanced" });

      // Prices, breakers and the volatility estimate need no upkeep: an idle keeper pays for nothing.
      for (let hour = 0; hour < 24; hour++) {
        await time.increase(HOUR);
        await refreshFeeds(fixture);
        clock.advance(HOUR * 1_000);
        const [idle] = await keeper.runOnce();
        expect(idle).to.deep.equal({ vault: await vault.getAddress(), action: "idle", status: "NotDue" });
      }
      expect(logger.events("tx_sent").map((r) => r.kind)).to.deep.equal(["rebalance"]);
      expect(await nonceOf(keeperSigner)).to.equal(keeperSignerNonce + 1);
    });
  });

  describe("running and stopping", () => {
    it("runs on new blocks until SIGINT, then stops cleanly and removes its signal handlers", async () => {
      const { vault } = await loadFixture(driftedFixture);
      const [, , , keeperSigner] = await ethers.getSigners();
      const signals = new EventEmitter();
      const logger = new MemoryLogger();
      let keeper: Keeper | undefined;
      const running = runKeeper({
        vaults: [await vault.getAddress()],
        provider: ethers.provider,
        signer: keeperSigner,
        logger,
        signals,
        priorityFeeGwei: "1",
        pollIntervalMs: 20,
        onKeeper: (k) => (keeper = k),
      });
      expect(signals.listenerCount("SIGINT")).to.equal(1);
      expect(signals.listenerCount("SIGTERM")).to.equal(1);
      await waitFor(() => logger.events("rebalanced").length === 1);
      signals.emit("SIGINT", "SIGINT");
      expect(await running).to.deep.equal([]);

      expect(keeper?.stopped).to.be.true;
      expect(signals.listenerCount("SIGINT")).to.equal(0);
      const events = logger.records.map((r) => r.event);
      expect(events.indexOf("signal_received")).to.be.lessThan(events.indexOf("keeper_stopping"));
      expect(logger.events("keeper_stopped")[0]).to.deep.include({ inFlight: [] });
      expect(logger.events("tx_sent")).to.have.length(1);
    });

    it("stops at once during an RPC backoff, and a stopped keeper cannot be restarted", async () => {
      const { vault } = await loadFixture(driftedFixture);
      const [, , , keeperSigner] = await ethers.getSigners();
      const flaky = flakyProvider(ethers.provider, {});
      const { keeper, logger } = testKeeper(vault, keeperSigner, {
        provider: flaky.provider,
        retry: { retries: 10, baseDelayMs: 60_000, maxDelayMs: 60_000 },
      });
      await keeper.init();
      flaky.fail("getBlockNumber", 100);
      const running = keeper.start();
      await waitFor(() => logger.events("rpc_retry").length > 0);
      const before = Date.now();
      await keeper.stop();
      await running;
      expect(Date.now() - before).to.be.lessThan(2_000);
      expect(() => keeper.start()).to.throw(/cannot be restarted/);
    });

    it("outlives a node that is down at boot, and still stops cleanly", async () => {
      const { vault } = await loadFixture(driftedFixture);
      const [, , , keeperSigner] = await ethers.getSigners();
      const flaky = flakyProvider(ethers.provider, { failures: { getNetwork: 1_000 } });
      const { keeper, logger } = testKeeper(vault, keeperSigner, { provider: flaky.provider, retry: { retries: 0 } });
      const running = keeper.start();
      await waitFor(() => logger.events("init_failed").length > 0);
      await keeper.stop();
      await running;
      expect(logger.events("init_failed")[0].error).to.match(/RPC getNetwork failed after 1 attempt/);
      expect(logger.events("keeper_stopped")).to.have.length(1);
    });

    it("follows block events in `block` mode", async () => {
      const { vault } = await loadFixture(driftedFixture);
      const [, , , keeperSigner] = await ethers.getSigners();
      const { keeper, logger } = testKeeper(vault, keeperSigner, { trigger: "block" });
      const running = keeper.start();
      await waitFor(() => logger.events("rebalanced").length === 1);
      await keeper.stop();
      await running;
      expect(logger.events("keeper_running")[0]).to.include({ trigger: "block" });
    });
  });

  describe("private RPC", () => {
    async function fundedWallet() {
      const wallet = ethers.Wallet.createRandom().connect(ethers.provider);
      await setBalance(wallet.address, parseEther("10"));
      return wallet;
    }

    it("signs locally and broadcasts through the private RPC; a lost reply and its retry still make one transaction", async () => {
      const { vault } = await loadFixture(driftedFixture);
      const from = await ethers.provider.getBlockNumber();
      const wallet = await fundedWallet();
      // The first broadcast reaches the node, but its reply is lost: the retry sends the same bytes.
      const privateRpc = flakyProvider(ethers.provider, {
        failures: { broadcastTransaction: 1 },
        failAfterForwarding: true,
      });
      const { keeper, logger } = testKeeper(vault, wallet, { sendProvider: privateRpc.provider });
      const [result] = await keeper.runOnce();
      expect(result).to.include({ action: "confirmed", reason: "rebalanced" });
      expect(privateRpc.calls.broadcastTransaction).to.equal(2);
      expect(logger.events("send_uncertain")).to.have.length(1);
      expect(logger.events("tx_sent")[0]).to.include({ privateRpc: true, hash: result.hash });
      expect(await rebalancesSince(vault, from)).to.equal(1);
      expect(await ethers.provider.getTransactionCount(wallet.address)).to.equal(1);
    });

    it("refuses at start a signer that cannot sign raw transactions", async () => {
      const { vault } = await loadFixture(driftedFixture);
      const [, , , keeperSigner] = await ethers.getSigners();
      const { keeper } = testKeeper(vault, keeperSigner, { sendProvider: ethers.provider });
      await expect(keeper.init()).to.be.rejectedWith(KeeperConfigError, /cannot sign raw transactions/);
    });
  });
});
