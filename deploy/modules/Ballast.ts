import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { ContractCallFuture } from "@nomicfoundation/ignition-core";
import { ZeroAddress, ZeroHash } from "ethers";

import type { IBallastBreakers } from "../../typechain-types/artifacts/contracts/BallastBreakers";
import type { IBallastPolicy } from "../../typechain-types/artifacts/contracts/BallastPolicy";
import type { IBallastRebalancer } from "../../typechain-types/artifacts/contracts/BallastRebalancer";
import type { IBallastVault } from "../../typechain-types/artifacts/contracts/BallastVault";
import type { WatchedPool } from "../resolve";

import BallastPlannerModule from "./BallastPlanner";
import BallastRouterModule from "./BallastRouter";

/** A struct whose address fields are plain addresses: Ignition takes no promise or contract object there. */
type Addressed<T, K extends keyof T> = Omit<T, K> & { [key in K]: string };

/** A basket asset with its token, feed and routes settled. */
export interface ResolvedAsset {
  symbol: string;
  token: string;
  feed: string;
  /** Seconds after which its oracle treats the feed as stale. */
  staleAfter: number;
  /** The feed's deviation threshold, bps (entries are priced as if the feed had moved that far). */
  feedDeviationBps: number;
  weightBps: number;
  /** Uniswap V3 paths to and from the base asset; `0x` for the base asset. */
  sellRoute: string;
  buyRoute: string;
}

/** A new TimelockController (administering itself) governs: what `npm run deploy` deploys. */
export interface TimelockGovernance {
  timelockDelay: number;
  proposers: readonly string[];
  executors: readonly string[];
  /** May pause at once. */
  guardian: string;
}

/** An address governs directly, without a timelock's delay (tests of the setters, the demo's lab). */
export interface DirectGovernance {
  admin: string;
  guardian: string;
}

/**
 * A deployment with every address and encoding settled: `deploy/resolve.ts` makes one of a network's
 * configuration, `deployVault` (src/vault) of a local market and its options. A parameter group left
 * out keeps the contract's initial state (breakers, volatility scaling, cost gate, fees and reward
 * off; the rebalancer's plan bounds), as does one given equal to it: a setter refuses a call that
 * repeats the current state.
 */
export interface ResolvedDeployment {
  /** The account that sends every transaction and holds the admin role until the module hands it on. */
  deployer: string;
  /** The Uniswap V3 factory: the vault swaps directly on its pools. */
  factory: string;
  /**
   * The pools the breakers watch (each asset's first pool, when its other token is in the basket),
   * and the observations each must be able to hold (0 when the breakers check no TWAP): the module
   * raises their rings and has the breakers require as much of pools governance adds later.
   */
  watchedPools: readonly WatchedPool[];
  observationCardinality: number;
  /** Basket order, base asset first. */
  assets: readonly ResolvedAsset[];
  /** The L2 sequencer uptime feed every oracle consults, and its grace period; none on an L1. */
  sequencer?: { feed: string; gracePeriod: number };
  vault: { name: string; symbol: string };
  params: IBallastVault.RebalanceParamsStruct;
  triggers: IBallastPolicy.TriggerParamsStruct;
  breakers?: Addressed<IBallastBreakers.BreakerParamsStruct, "sequencerFeed">;
  volatility?: IBallastPolicy.VolatilityParamsStruct;
  costs?: Omit<IBallastPolicy.CostParamsStruct, "gasTokenOracle">;
  /** Basket index whose oracle prices the gas token for the cost gate; none: no gas-token oracle. */
  gasTokenIndex?: number;
  fees?: Addressed<IBallastVault.FeeParamsStruct, "recipient">;
  reward?: IBallastRebalancer.RewardParamsStruct;
  plan?: IBallastRebalancer.PlanParamsStruct;
  governance: TimelockGovernance | DirectGovernance;
}

/**
 * What `npm run deploy` deploys: every parameter stated, and a timelock governing (a `Required`
 * intersection alone would still admit an object with both a timelock's fields and an `admin`).
 */
export type LiveDeployment = Omit<Required<ResolvedDeployment>, "governance"> & {
  governance: TimelockGovernance & { admin?: never };
};

/** Whether an address governs directly (no timelock): the module hands every admin role to it. */
export function isDirect(governance: TimelockGovernance | DirectGovernance): governance is DirectGovernance {
  return "admin" in governance && governance.admin !== undefined;
}

/** `BallastRebalancer`'s plan parameters at construction. */
export const DEFAULT_PLAN = { minDriftCutBps: 2_500, costToleranceBps: 10 } as const;

type Field = string | number | bigint | boolean;

/**
 * Whether a parameter struct equals a contract's initial state (`initial`, all zero by default)
 * field by field, addresses and booleans as integers: the module skips such a setter call, which
 * the contract would refuse as a no-op.
 */
export function isInitial(
  params: Readonly<Record<string, Field>>,
  initial: Readonly<Record<string, Field>> = {},
): boolean {
  return Object.entries(params).every(([key, value]) => BigInt(value) === BigInt(initial[key] ?? 0));
}

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
 * Ballast on one chain: a `ChainlinkOracle` per basket token (consulting the L2 sequencer feed if
 * any), the `BasketAdmin`, `VaultLogic` and `FeeMath` libraries, a `BallastPolicy` (when to
 * rebalance), `BallastBreakers` (whether trading is safe now), the `BallastVault`, its
 * `BallastRebalancer` (linked by `setRebalancer`; it consults the policy and the breakers and plans
 * with the chain's `BallastPlanner`, a submodule), and, unless an address governs directly, the
 * `TimelockController` that governs all four;
 * each pool the breakers watch gets an observation ring that spans twice the TWAP window at the
 * chain's block time, and the breakers require as much of pools governance adds later.
 * The deployer holds the admin role only while the module applies the parameters that differ from
 * the contracts' initial state, then grants it to the timelock (or the direct admin) and renounces
 * it: at the end no other key can change a parameter.
 * The chain's `BallastRouter` comes with it (a submodule, once per deployment).
 */
export function ballastModule(d: ResolvedDeployment) {
  return buildModule("Ballast", (m) => {
    // The deployer by address, not `m.getAccount(0)`: the caller may deploy from another account
    // (Ignition's `defaultSender`, which every future here is sent from).
    const { deployer } = d;
    const basketAdmin = m.library("BasketAdmin");
    const vaultLogic = m.library("VaultLogic");
    const feeMath = m.library("FeeMath");
    const sequencer = d.sequencer ?? { feed: ZeroAddress, gracePeriod: 0 };
    const oracles = d.assets.map((asset) =>
      m.contract(
        "ChainlinkOracle",
        [asset.feed, asset.staleAfter, asset.feedDeviationBps, sequencer.feed, sequencer.gracePeriod],
        { id: `Oracle_${asset.symbol}` },
      ),
    );
    const governance = d.governance;
    // The timelock administers itself (admin zero): nobody can bypass its delay.
    if (isDirect(governance) && BigInt(governance.admin) === 0n) {
      throw new Error("governance.admin: the zero address would leave the contracts without an admin");
    }
    const admin = isDirect(governance)
      ? governance.admin
      : m.contract("TimelockController", [
          governance.timelockDelay,
          [...governance.proposers],
          [...governance.executors],
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
      [d.vault.name, d.vault.symbol, d.factory, basket, d.params, deployer, d.governance.guardian],
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

    // Only what differs from a contract's initial state is set: its setter refuses a no-op.
    const configured: ContractCallFuture<string, string>[] = [m.call(vault, "setRebalancer", [rebalancer])];
    if (d.breakers && !isInitial(d.breakers)) configured.push(m.call(breakers, "setBreakerParams", [d.breakers]));
    if (d.volatility && !isInitial(d.volatility)) {
      configured.push(m.call(policy, "setVolatilityParams", [d.volatility]));
    }
    if (d.costs && !(isInitial(d.costs) && d.gasTokenIndex === undefined)) {
      const gasTokenOracle = d.gasTokenIndex === undefined ? ZeroAddress : oracles[d.gasTokenIndex];
      configured.push(m.call(policy, "setCostParams", [{ ...d.costs, gasTokenOracle }]));
    }
    // Governance's later basket changes must find their watched pools as deep (addAsset, setRoutes).
    if (d.observationCardinality > 0) {
      configured.push(m.call(breakers, "setMinObservations", [d.observationCardinality]));
    }
    // A fee recipient alone is set too, so that the deployment and the chain agree.
    if (d.fees && !isInitial(d.fees)) configured.push(m.call(vault, "setFeeParams", [d.fees]));
    if (d.reward && !isInitial(d.reward)) configured.push(m.call(rebalancer, "setRewardParams", [d.reward]));
    if (d.plan && !isInitial(d.plan, DEFAULT_PLAN)) configured.push(m.call(rebalancer, "setPlanParams", [d.plan]));

    // A deployer that is the direct admin keeps its role: there is nobody to hand it to. Compared
    // as numbers: the same address in another letter case must not grant and then renounce.
    if (typeof admin !== "string" || BigInt(admin) !== BigInt(deployer)) {
      for (const [name, governed] of [
        ["Policy", policy],
        ["Breakers", breakers],
        ["Vault", vault],
        ["Rebalancer", rebalancer],
      ] as const) {
        const grant = m.call(governed, "grantRole", [ZeroHash, admin], {
          id: `${name}_grantAdmin`,
          after: configured,
        });
        m.call(governed, "renounceRole", [ZeroHash, deployer], { id: `${name}_renounceAdmin`, after: [grant] });
      }
    }

    const { router } = m.useModule(BallastRouterModule);

    return {
      vault,
      policy,
      breakers,
      rebalancer,
      planner,
      router,
      basketAdmin,
      vaultLogic,
      ...(typeof admin === "string" ? {} : { timelock: admin }),
      ...Object.fromEntries(oracles.map((oracle, i) => [`oracle${d.assets[i].symbol}`, oracle])),
    };
  });
}
