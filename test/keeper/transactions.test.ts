/**
 * The keeper's transaction manager against a fake chain and a fake signer: nonces, replacement
 * (by blocks and by the injected clock), cancellation, the fee cap, confirmation and a nonce taken
 * by a transaction it does not know, each without a node.
 */
import { expect } from "chai";
import { Wallet } from "ethers";
import type { TransactionRequest } from "ethers";

import { EpisodeLog, isStuck, MemoryLogger, nextNonce, TxManager } from "../../src/keeper";
import type { CycleContext, Receipt, PrepareReplacement, TxChain, TxRequest, TxSigner } from "../../src/keeper";

const GWEI = 10n ** 9n;
const VAULT = Wallet.createRandom().address;
const FROM = Wallet.createRandom().address;
const REBALANCER = Wallet.createRandom().address;

/** A chain whose nonces and receipts the test sets. */
class FakeChain implements TxChain {
  latest = 7;
  pending = 7;
  readonly receipts = new Map<string, Receipt>();

  async getTransactionCount(_address: string, blockTag: "latest" | "pending"): Promise<number> {
    return blockTag === "latest" ? this.latest : this.pending;
  }

  async getTransactionReceipt(hash: string): Promise<Receipt | null> {
    return this.receipts.get(hash) ?? null;
  }

  async call(): Promise<string> {
    return "0x";
  }

  /** Mines `hash` in `block`, successful, with no logs. */
  mine(hash: string, block: number): void {
    this.receipts.set(hash, { hash, blockNumber: block, gasUsed: 21_000n, gasPrice: 3n * GWEI, status: 1, logs: [] });
    this.latest++;
    this.pending = this.latest;
  }
}

/** A signer that records what it is asked to send and answers with a hash per send. */
class FakeSigner implements TxSigner {
  readonly sent: TransactionRequest[] = [];

  async sendTransaction(request: TransactionRequest): Promise<{ hash: string }> {
    this.sent.push(request);
    return { hash: `0x${this.sent.length.toString(16).padStart(64, "0")}` };
  }

  async signTransaction(): Promise<string> {
    throw new Error("a JSON-RPC account cannot sign raw transactions");
  }
}

const CONFIG = { confirmations: 2, replaceAfterBlocks: 3, replaceAfterMs: 60_000, feeBumpBps: 1_250 };

function setup(overrides: { maxFeePerGas?: bigint } = {}) {
  const chain = new FakeChain();
  const signer = new FakeSigner();
  const logger = new MemoryLogger(() => 0);
  const txs = new TxManager({
    chain,
    signer,
    sendProvider: undefined,
    chainId: 31_337n,
    from: FROM,
    config: { ...CONFIG, maxFeePerGas: overrides.maxFeePerGas ?? 500n * GWEI },
    logger,
    episodes: new EpisodeLog(logger),
    rpc: (_label, fn) => fn(),
    tip: async () => GWEI,
    stopping: () => false,
  });
  return { chain, signer, logger, txs };
}

function at(block: number, now = 0, baseFee = 10n * GWEI): CycleContext {
  return { block: { number: block, baseFee, timestamp: block * 12 }, now };
}

const REBALANCE: TxRequest = {
  kind: "rebalance",
  to: REBALANCER,
  data: "0x7d7c2a1c",
  gasLimit: 900_000n,
  fees: { maxFeePerGas: 21n * GWEI, maxPriorityFeePerGas: GWEI },
};

const stillDue: PrepareReplacement = async () => ({ to: REBALANCER, data: "0x7d7c2a1c", gasLimit: 800_000n });
const noLongerDue: PrepareReplacement = async () => undefined;

describe("keeper transactions (fake chain)", () => {
  it("chooses the nonce after its own in flight, and waits behind someone else's pending ones", () => {
    expect(nextNonce(7, 7, [])).to.deep.equal({ nonce: 7, foreign: false });
    expect(nextNonce(7, 9, [7, 8])).to.deep.equal({ nonce: 9, foreign: false });
    // A nonce below `latest` is mined already: it reserves nothing.
    expect(nextNonce(7, 7, [5])).to.deep.equal({ nonce: 7, foreign: false });
    expect(nextNonce(7, 8, [])).to.deep.equal({ nonce: 7, foreign: true });
  });

  it("calls a transaction stuck after enough blocks, or after long enough on the injected clock", () => {
    const config = { replaceAfterBlocks: 3, replaceAfterMs: 60_000 };
    const flight = { sentBlock: 10, sentAt: 1_000 };
    expect(isStuck(flight, at(12, 1_000), config)).to.equal(false);
    expect(isStuck(flight, at(13, 1_000), config)).to.equal(true);
    expect(isStuck(flight, at(11, 61_000), config)).to.equal(true);
    expect(isStuck(flight, at(11, 61_000), { ...config, replaceAfterMs: 0 })).to.equal(false);
  });

  it("replaces a stuck rebalance on the same nonce with bumped fees, then confirms the replacement", async () => {
    const { chain, signer, logger, txs } = setup();
    const sent = await txs.send(VAULT, at(10), REBALANCE, { kind: "rebalance" });
    expect(sent).to.include({ action: "sent", kind: "rebalance", nonce: 7 });
    expect(txs.busy(VAULT)).to.equal(true);

    expect(await txs.follow(VAULT, at(12), stillDue)).to.include({ action: "pending", hash: sent.hash });
    let replacementFees: unknown;
    const replaced = await txs.follow(VAULT, at(13, 0, 30n * GWEI), async (fees) => {
      replacementFees = fees;
      return stillDue(fees);
    });
    expect(replaced).to.include({ action: "replaced", kind: "rebalance", nonce: 7 });
    expect(replaced.hash).to.not.equal(sent.hash);
    const replacement = signer.sent[1];
    expect(replacement).to.include({ nonce: 7, to: REBALANCER });
    // The larger of the two gas limits; fees at least 12.5% up, and at least 2 x base fee + tip.
    expect(replacement.gasLimit).to.equal(900_000n);
    expect(replacement.maxFeePerGas).to.equal(61n * GWEI);
    expect(replacement.maxPriorityFeePerGas).to.equal((GWEI * 11_250n) / 10_000n);
    expect(replacementFees).to.deep.equal({
      maxFeePerGas: 61n * GWEI,
      maxPriorityFeePerGas: (GWEI * 11_250n) / 10_000n,
    });
    expect(logger.events("tx_replaced")[0]).to.include({
      replaces: sent.hash,
      hash: replaced.hash,
      previousMaxFeePerGas: String(21n * GWEI),
    });

    chain.mine(replaced.hash as string, 14);
    expect(await txs.follow(VAULT, at(14), stillDue)).to.include({ action: "pending", reason: "confirmations" });
    const confirmed = await txs.follow(VAULT, at(15), stillDue);
    expect(confirmed).to.deep.equal({
      vault: VAULT,
      action: "confirmed",
      kind: "rebalance",
      hash: replaced.hash,
      nonce: 7,
      reason: "no_trade",
    });
    expect(logger.events("rebalance_no_trade")[0]).to.include({ replacements: 1, block: 14, gasUsed: "21000" });
    expect(txs.busy(VAULT)).to.equal(false);
  });

  it("cancels a stuck rebalance that is no longer due: a self-transfer on its nonce", async () => {
    const { chain, signer, logger, txs } = setup();
    await txs.send(VAULT, at(10), REBALANCE, {});
    const cancelled = await txs.follow(VAULT, at(13), noLongerDue);
    expect(cancelled).to.include({ action: "replaced", kind: "cancel", nonce: 7 });
    expect(signer.sent[1]).to.include({ nonce: 7, to: FROM, data: "0x", gasLimit: 21_000n });
    expect(txs.inFlight([VAULT])[0]).to.include({ kind: "cancel", nonce: 7 });

    chain.mine(cancelled.hash as string, 13);
    expect(await txs.follow(VAULT, at(14), noLongerDue)).to.include({ action: "confirmed", reason: "cancelled" });
    expect(logger.events("cancelled")).to.have.length(1);
  });

  it("waits under the fee cap instead of replacing, warning once", async () => {
    const { signer, logger, txs } = setup({ maxFeePerGas: 22n * GWEI });
    await txs.send(VAULT, at(10), REBALANCE, {});
    for (const block of [13, 14, 15]) {
      expect(await txs.follow(VAULT, at(block), stillDue)).to.include({
        action: "pending",
        reason: "replacement_capped",
      });
    }
    expect(signer.sent).to.have.length(1);
    expect(logger.events("replacement_capped")).to.have.length(1);
  });

  it("lets go of a nonce mined by a transaction it does not know", async () => {
    const { chain, logger, txs } = setup();
    await txs.send(VAULT, at(10), REBALANCE, {});
    chain.latest = 8;
    expect(await txs.follow(VAULT, at(11), stillDue)).to.include({ action: "confirmed", reason: "nonce_consumed" });
    expect(logger.events("nonce_consumed")).to.have.length(1);
    expect(txs.busy(VAULT)).to.equal(false);
  });

  it("sends nothing while someone else's transactions are pending on the account", async () => {
    const { chain, signer, txs } = setup();
    chain.pending = 9;
    expect(await txs.send(VAULT, at(10), REBALANCE, {})).to.include({ action: "waiting", reason: "foreign_pending" });
    expect(signer.sent).to.have.length(0);
  });

  it("refuses at start a signer that cannot sign raw transactions", async () => {
    const { txs } = setup();
    await expect(txs.checkRawSigning()).to.be.rejectedWith(/cannot sign raw transactions/);
  });
});
