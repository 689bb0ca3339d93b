/**
 * The state every benchmark starts from (`settle`), the cost gate set to refuse (`refuseEveryPlan`)
 * and an observation made by a skipped rebalance (`observeSkipped`): shared by scripts/bench.ts and
 * bench/trace.ts; the gate off (`COST_GATE_OFF`) also by
 * test/sim/differential.test.ts.
 */
import { ZeroAddress } from "ethers";

import type { LocalMarket } from "../src/market";
import { Status } from "../src/vault/enums";
import type { BallastPolicy, BallastRebalancer } from "../typechain-types";

/** IBallastPolicy.Status values the loop below acts on, as `rebalanceStatus()` returns them. */
const DUE = BigInt(Status.Due);
const COOLDOWN = BigInt(Status.Cooldown);

/**
 * Rebalances until the vault is no longer due, waiting out cooldowns and realigning the pools after
 * each call, as a keeper and arbitrageurs would: the state every benchmark starts from.
 */
export async function settle(market: LocalMarket, rebalancer: BallastRebalancer): Promise<void> {
  for (let i = 0; i < 12; i++) {
    const [status] = await rebalancer.rebalanceStatus();
    if (status === COOLDOWN) {
      await market.advanceTime(600);
      continue;
    }
    if (status !== DUE) return;
    await (await rebalancer.rebalance()).wait();
    await market.alignAllPools();
  }
}

/**
 * The cost gate off (every field zero: a `maxCostRatioBps` of 0 turns it off), with no gas-token
 * oracle: the base that benchmarks and the differential test set their gates from.
 */
export const COST_GATE_OFF = {
  benefitPerBpWad: 0n,
  maxCostRatioBps: 0n,
  gasBase: 0n,
  gasPerHop: 0n,
  gasTokenOracle: ZeroAddress,
};

/**
 * Sets the cost gate so that it refuses any plan (a benefit of one wei per basis point, at most
 * 100% of it in cost): the dormant path a skipped rebalance takes, with no gas-token oracle.
 */
export async function refuseEveryPlan(policy: BallastPolicy): Promise<void> {
  await (await policy.setCostParams({ ...COST_GATE_OFF, benefitPerBpWad: 1n, maxCostRatioBps: 10_000n })).wait();
}

/**
 * A rebalance that the gate skips, which still observes the volatility estimate (the observation a
 * measured one continues from), with the gate's parameters put back after it.
 */
export async function observeSkipped(policy: BallastPolicy, rebalancer: BallastRebalancer): Promise<void> {
  const costs = await policy.costParams();
  await refuseEveryPlan(policy);
  await (await rebalancer.rebalance()).wait();
  await (
    await policy.setCostParams({
      benefitPerBpWad: costs.benefitPerBpWad,
      maxCostRatioBps: costs.maxCostRatioBps,
      gasBase: costs.gasBase,
      gasPerHop: costs.gasPerHop,
      gasTokenOracle: costs.gasTokenOracle,
    })
  ).wait();
}
