/** The keeper's loops measure time on the injected clock: `runOnce`'s wait for its transactions. */
import { expect } from "chai";
import { ethers } from "hardhat";

import { MemoryLogger, resolveKeeperConfig } from "../../src/keeper";
import type { CycleResult, InFlightInfo } from "../../src/keeper";
import { settle } from "../../src/keeper/loop";
import type { LoopHost } from "../../src/keeper/loop";

const IN_FLIGHT: InFlightInfo = {
  vault: ethers.ZeroAddress,
  nonce: 3,
  kind: "rebalance",
  hashes: [undefined],
  maxFeePerGas: 1n,
  maxPriorityFeePerGas: 1n,
};

/** A keeper whose transaction never settles, on `clock`. */
function stuckHost(clock: () => number, onceTimeoutMs: number): LoopHost & { ticks: number; logger: MemoryLogger } {
  const config = resolveKeeperConfig({
    vaults: [ethers.ZeroAddress.replace(/0$/, "1")],
    provider: ethers.provider,
    dryRun: true,
    pollIntervalMs: 10,
    onceTimeoutMs,
  });
  const host = {
    config,
    logger: new MemoryLogger(clock),
    clock,
    provider: ethers.provider,
    signal: new AbortController().signal,
    stopped: () => false,
    ticks: 0,
    init: async () => undefined,
    tick: async (): Promise<CycleResult[]> => {
      host.ticks++;
      return [];
    },
    blockNumber: async () => 0,
    inFlight: () => [IN_FLIGHT],
  };
  return host;
}

describe("keeper loop on the injected clock", () => {
  it("gives up waiting for a transaction once the injected clock passes onceTimeoutMs", async () => {
    let now = 0;
    // Each reading of the clock is ten simulated seconds later: a minute passes within a few polls.
    const host = stuckHost(() => (now += 10_000), 60_000);
    const started = Date.now();
    await settle(host, () => undefined);
    expect(host.ticks).to.be.below(10);
    expect(Date.now() - started).to.be.below(1_000);
    expect(host.logger.events("pending_at_exit")).to.have.length(1);
    expect(host.logger.events("pending_at_exit")[0].ts).to.equal(new Date(now).toISOString());
  });

  it("still ends under a clock that stands still (a simulation's), after onceTimeoutMs of polling", async () => {
    const host = stuckHost(() => 1_700_000_000_000, 200);
    await settle(host, () => undefined);
    expect(host.ticks).to.equal(20);
    expect(host.logger.events("pending_at_exit")).to.have.length(1);
  });
});
