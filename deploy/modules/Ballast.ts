import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { ContractCallFuture } from "@nomicfoundation/ignition-core";
import { ZeroAddress, ZeroHash } from "ethers";

import type {
  BreakerConfig,
  CostConfig,
  FeeConfig,
  PlanConfig,
  TriggerConfig,
  VolatilityConfig,
} from "../config/types";
import type { WatchedPool } from "../resolve";

import BallastPlannerModule from "./BallastPlanner";
import BallastRouterModule from "./BallastRouter";

/** A deployment with every address and encoding settled (see `deploy/resolve.ts`). */
export interface ResolvedDeployment {
  chainId: number;
  router: string;
  /** The router's Uniswap V3 factory. */
  factory: string;
  /**
   * The pools the breakers watch (each asset's first pool, when its other token is in the basket),
   * and the observations each must be able to hold (0 when the breakers check no TWAP).
   */
  watchedPools: readonly WatchedPool[];
  observationCardinality: number;
  /** Basket order, base asset first. */
  assets: readonly {
    symbol: string;
    token: string;
    feed: string;
    staleAfter: number;
    feedDeviationBps: number;
    weightBps: number;
    sellRoute: string;
    buyRoute: string;
  }[];
  vault: { name: string; symbol: string };
  params: {
    slippageBps: number;
    maxTradeBps: number;
    maxLossBps: number;
    minTradeValue: bigint;
    maxPoolGapBps: number;
  };
  triggers: TriggerConfig;
  breakers: BreakerConfig & { sequencerFeed: string };
  volatility: VolatilityConfig;
  costs: CostConfig;
  /** Basket index whose oracle prices the gas token. */
  gasTokenIndex: number;
  fees: FeeConfig & { recipient: string };
  reward: { premiumBps: number; maxRewardBps: number; maxReward: bigint };
  plan: PlanConfig;
  governance: { timelockDelay: number; proposers: readonly string[]; executors: readonly string[]; guardian: string };
}

/** `BallastRebalancer`'s plan parameters at construction. */
export const DEFAULT_PLAN = { minDriftCutBps: 2_500, costToleranceBps: 10 } as const;

/**
 * Observations a single `increaseObservationCardinalityNext` call adds at most: each new slot costs
 * ~22k gas, so 1,000 stay under Arbitrum's 32M per-transaction limit and any L1 block.
 */
export const CARDINALITY_STEP = 1_000;

/** The targets of the calls that raise a ring to `cardinality`, `CARDINALITY_STEP` at a time. */
export function cardinalitySteps(cardinality: number): number[] {
  const steps: number[] = [];
  for (let next = CARDINALITY_STEP; next < cardinality; next += CARDINALITY_STEP) steps.push(next);
  if (cardinality > 0) steps.push(cardinality);
  return steps;
}

/**
 * Ballast on one chain: a `ChainlinkOracle` per basket token (consulting the L2 sequencer feed if any), the `BasketAdmin`, `VaultLogic` and
 * `FeeMath` libraries, a `BallastPolicy` (when to rebalance), `BallastBreakers` (whether trading is safe now), the `BallastVault`, its
 * `BallastRebalancer` (linked by `setRebalancer`; it consults the policy and the breakers and plans with the chain's `BallastPlanner`, a
 * submodule), and the `TimelockController` that governs all four;
 * each pool the breakers watch gets an observation ring that spans twice the TWAP window at the
 * chain's block time, and the breakers require as much of pools governance adds later.
 * The deployer holds the admin role only while the module applies the breaker, volatility, cost
 * and fee parameters, then grants it to the timelock and renounces it: at the end no key can change
 * a parameter without the timelock's delay.
 * The chain's `BallastRouter` comes with it (a submodule, once per deployment).
 */
export function ballastModule(d: ResolvedDeployment) {
  return buildModule("Ballast", (m) => {
    const deployer = m.getAccount(0);
    const basketAdmin = m.library("BasketAdmin");
    const vaultLogic = m.library("VaultLogic");
    const feeMath = m.library("FeeMath");
    // On an L2 every oracle consults the sequencer feed too: no price while it is down.
    const { sequencerFeed, sequencerGracePeriod } = d.breakers;
    const grace = sequencerFeed === ZeroAddress ? 0 : sequencerGracePeriod;
    const oracles = d.assets.map((asset) =>
      m.contract("ChainlinkOracle", [asset.feed, asset.staleAfter, asset.feedDeviationBps, sequencerFeed, grace], {
        id: `Oracle_${asset.symbol}`,
      }),
    );
    // The timelock administers itself (admin zero): nobody can bypass its delay.
    const timelock = m.contract("TimelockController", [
      d.governance.timelockDelay,
      [...d.governance.proposers],
      [...d.governance.executors],
      ZeroAddress,
    ]);
    const policy = m.contract("BallastPolicy", [deployer, d.triggers]);
    const breakers = m.contract("BallastBreakers", [deployer]);
    const basket = d.assets.map((asset, i) => ({
      token: asset.token,
      oracle: oracles[i],
      targetWeightBps: asset.weightBps,
      sellRoute: asset.sellRoute,
      buyRoute: asset.buyRoute,
    }));
    const vault = m.contract(
      "BallastVault",
      [d.vault.name, d.vault.symbol, d.router, basket, d.params, deployer, d.governance.guardian],
      { libraries: { BasketAdmin: basketAdmin, FeeMath: feeMath, VaultLogic: vaultLogic } },
    );
    const { planner } = m.useModule(BallastPlannerModule);
    const rebalancer = m.contract("BallastRebalancer", [vault, policy, breakers, planner, deployer]);

    // Each watched pool's observation ring raised to cover the TWAP window at the chain's block time
    // with a margin: a ring anyone can write over within the window (one dust mint a block) would
    // let them blind the breakers' TWAP checks. A step at or below a ring's size is a no-op.
    const factory = m.contractAt("IUniswapV3Factory", d.factory);
    for (const watched of d.watchedPools) {
      const id = watched.label.replace(/[^A-Za-z0-9]/g, "_");
      const address = m.staticCall(factory, "getPool", [watched.tokenA, watched.tokenB, watched.fee], 0, {
        id: `Pool_${id}_address`,
      });
      const pool = m.contractAt("IUniswapV3Pool", address, { id: `Pool_${id}` });
      for (const target of cardinalitySteps(d.observationCardinality)) {
        m.call(pool, "increaseObservationCardinalityNext", [target], { id: `Pool_${id}_observations_${target}` });
      }
    }

    const configured: ContractCallFuture<string, string>[] = [
      m.call(vault, "setRebalancer", [rebalancer]),
      m.call(breakers, "setBreakerParams", [d.breakers]),
      m.call(policy, "setVolatilityParams", [d.volatility]),
      m.call(policy, "setCostParams", [{ ...d.costs, gasTokenOracle: oracles[d.gasTokenIndex] }]),
    ];
    // Governance's later basket changes must find their watched pools as deep (addAsset, setRoutes).
    if (d.observationCardinality > 0) {
      configured.push(m.call(breakers, "setMinObservations", [d.observationCardinality]));
    }
    const { managementFeeBps, entryFeeBps, exitFeeBps, recipient } = d.fees;
    // All-zero fees and no recipient are the vault's initial state: setting them again would be
    // refused as a no-op. A recipient alone is set, so that the deployment and the chain agree.
    const initial = managementFeeBps + entryFeeBps + exitFeeBps === 0 && BigInt(recipient) === 0n;
    if (!initial) configured.push(m.call(vault, "setFeeParams", [d.fees]));
    // The rebalancer starts with no reward and plans held to 2,500 / 10 bps: a setter that repeats
    // its state is refused as a no-op.
    if (d.reward.maxRewardBps !== 0 && d.reward.maxReward !== 0n) {
      configured.push(m.call(rebalancer, "setRewardParams", [d.reward]));
    }
    if (
      d.plan.minDriftCutBps !== DEFAULT_PLAN.minDriftCutBps ||
      d.plan.costToleranceBps !== DEFAULT_PLAN.costToleranceBps
    ) {
      configured.push(m.call(rebalancer, "setPlanParams", [d.plan]));
    }

    for (const [name, governed] of [
      ["Policy", policy],
      ["Breakers", breakers],
      ["Vault", vault],
      ["Rebalancer", rebalancer],
    ] as const) {
      const grant = m.call(governed, "grantRole", [ZeroHash, timelock], {
        id: `${name}_grantAdmin`,
        after: configured,
      });
      m.call(governed, "renounceRole", [ZeroHash, deployer], { id: `${name}_renounceAdmin`, after: [grant] });
    }

    const { router } = m.useModule(BallastRouterModule);

    return {
      vault,
      policy,
      breakers,
      rebalancer,
      planner,
      timelock,
      router,
      basketAdmin,
      vaultLogic,
      ...Object.fromEntries(oracles.map((oracle, i) => [`oracle${d.assets[i].symbol}`, oracle])),
    };
  });
}
