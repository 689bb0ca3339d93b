import { AbiCoder, Contract, formatUnits, getCreate2Address, keccak256, ZeroHash } from "ethers";
import type { ContractRunner, Provider } from "ethers";

import {
  BallastBreakers__factory,
  BallastPolicy__factory,
  BallastRebalancer__factory,
  BallastVault__factory,
  ChainlinkOracle__factory,
  IERC20Metadata__factory,
  QuoterV2__factory,
  TimelockController__factory,
} from "../typechain-types";
import { allRoutes } from "../src/vault/routes";

import type { NetworkDeployConfig } from "./config/types";
import type { LiveDeployment } from "./modules/Ballast";
import { encodeRoute, firstPools, requiredCardinality, watchedPools } from "./resolve";
import type { WatchedPool } from "./resolve";

/** One line of a check: what was compared, whether it held, and the values seen. */
export interface CheckResult {
  check: string;
  ok: boolean;
  detail: string;
}

/** Thrown when a check fails; carries every result so the report shows all problems at once. */
export class DeploymentCheckError extends Error {
  constructor(readonly results: readonly CheckResult[]) {
    super(
      `deployment check failed:\n${results
        .filter((r) => !r.ok)
        .map((r) => `  ${r.check}: ${r.detail}`)
        .join("\n")}`,
    );
    this.name = "DeploymentCheckError";
  }
}

/** Throws {@link DeploymentCheckError} unless every result holds. */
export function assertAllOk(results: readonly CheckResult[]): void {
  if (results.some((r) => !r.ok)) throw new DeploymentCheckError(results);
}

/** Largest gap between a route's quote and the feeds' price before the check calls it wrong. */
const QUOTE_TOLERANCE_BPS = 500n;

const AGGREGATOR_ABI = [
  "function description() view returns (string)",
  "function decimals() view returns (uint8)",
  "function latestRoundData() view returns (uint80, int256, uint256, uint256, uint80)",
];

const FACTORY_ABI = ["function getPool(address, address, uint24) view returns (address)"];
const POOL_ABI = [
  "function slot0() view returns (uint160, int24, uint16 observationIndex, uint16 observationCardinality, uint16 observationCardinalityNext, uint8, bool)",
];

/**
 * A watched pool's observation ring against the `required` observations (the TWAP window at the
 * chain's block time, with a margin). `mustHold`: a deployed vault's pools must (the deployment
 * raised them); before deploying, a short ring is reported and left for the deployment to raise.
 * The ring reaches its new size only as it wraps (one observation a block): the detail says both.
 */
async function checkObservations(
  factoryAddress: string,
  pool: WatchedPool,
  required: number,
  mustHold: boolean,
  provider: Provider,
): Promise<CheckResult> {
  const check = `${pool.label} observations`;
  return attempt(
    check,
    async () => {
      const factory = new Contract(factoryAddress, FACTORY_ABI, provider);
      const address = (await factory.getPool(pool.tokenA, pool.tokenB, pool.fee)) as string;
      const [, , , cardinality, next] = (await new Contract(address, POOL_ABI, provider).slot0()) as bigint[];
      return { cardinality, next };
    },
    ({ cardinality, next }) =>
      result(
        check,
        !mustHold || next >= BigInt(required),
        `${cardinality} (next ${next}), the TWAP window needs ${required}` +
          (next >= BigInt(required) ? "" : mustHold ? "" : ": the deployment raises it"),
      ),
  );
}

function result(check: string, ok: boolean, detail: string): CheckResult {
  return { check, ok, detail };
}

async function attempt<T>(
  check: string,
  run: () => Promise<T>,
  judge: (value: T) => CheckResult,
): Promise<CheckResult> {
  try {
    return judge(await run());
  } catch (error) {
    return result(check, false, `call failed: ${(error as Error).message.split("\n")[0]}`);
  }
}

/** USD price (18 decimals) of one whole `symbol` from its configured feed. */
async function feedPriceWad(config: NetworkDeployConfig, symbol: string, runner: ContractRunner): Promise<bigint> {
  const feed = new Contract(config.tokens[symbol].feed, AGGREGATOR_ABI, runner);
  const [, answer] = (await feed.latestRoundData()) as [bigint, bigint];
  const decimals = (await feed.decimals()) as bigint;
  return answer * 10n ** (18n - decimals);
}

/**
 * Compares a network's configuration with the chain before anything is deployed: the chain id,
 * each token's decimals, each feed's description, decimals and freshness, the sequencer feed, the
 * router's kind and factory, each watched pool's observation ring (reported: the deployment raises
 * a short one), and a QuoterV2 quote along every route both ways (which proves every pool and fee
 * tier exists and trades) within 5% of what the feeds imply.
 */
export async function checkConfig(config: NetworkDeployConfig, provider: Provider): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const { chainId } = await provider.getNetwork();
  results.push(result("chain id", chainId === BigInt(config.chainId), `${chainId} (config ${config.chainId})`));
  const latest = await provider.getBlock("latest");
  const now = BigInt(latest?.timestamp ?? 0);

  for (const [symbol, token] of Object.entries(config.tokens)) {
    results.push(
      await attempt(
        `${symbol} decimals`,
        () => IERC20Metadata__factory.connect(token.address, provider).decimals(),
        (d) => result(`${symbol} decimals`, d === BigInt(token.decimals), `${d} (config ${token.decimals})`),
      ),
    );
    const feed = new Contract(token.feed, AGGREGATOR_ABI, provider);
    results.push(
      await attempt(
        `${symbol} feed`,
        async () => {
          const description = (await feed.description()) as string;
          const decimals = (await feed.decimals()) as bigint;
          const [, answer, , updatedAt] = (await feed.latestRoundData()) as [bigint, bigint, bigint, bigint];
          return { description, decimals, answer, updatedAt };
        },
        ({ description, decimals, answer, updatedAt }) =>
          result(
            `${symbol} feed`,
            description === token.feedDescription &&
              decimals <= 18n &&
              answer > 0n &&
              now - updatedAt <= token.staleAfter,
            `"${description}" (config "${token.feedDescription}"), ${formatUnits(answer, decimals)} USD, ` +
              `${now - updatedAt}s old (stale after ${token.staleAfter}s)`,
          ),
      ),
    );
  }

  if (config.sequencerFeed) {
    const sequencer = new Contract(config.sequencerFeed, AGGREGATOR_ABI, provider);
    results.push(
      await attempt(
        "sequencer feed",
        async () => ((await sequencer.latestRoundData()) as [bigint, bigint])[1],
        (answer) => result("sequencer feed", answer === 0n, answer === 0n ? "up" : "down"),
      ),
    );
  }

  // The vault swaps on the factory's pools directly, at addresses it computes (CREATE2 over the
  // canonical pool init code, PoolAddress.sol): the factory must be Uniswap V3's and deploy that code.
  const factory = new Contract(
    config.uniswap.factory,
    [
      "function feeAmountTickSpacing(uint24) view returns (int24)",
      "function getPool(address,address,uint24) view returns (address)",
    ],
    provider,
  );
  // Whether or not the breakers watch any pool: the basket's first pool is where its trades start.
  const [probe] = firstPools(config);
  results.push(
    await attempt(
      "factory",
      async () => {
        const spacing = (await factory.feeAmountTickSpacing(500)) as bigint;
        if (!probe) return { spacing, canonical: true, pool: "" };
        const pool = (await factory.getPool(probe.tokenA, probe.tokenB, probe.fee)) as string;
        return { spacing, canonical: pool === poolAddress(config.uniswap.factory, probe), pool };
      },
      ({ spacing, canonical, pool }) =>
        result(
          "factory",
          spacing === 10n && canonical,
          `0.05% tick spacing ${spacing}` +
            (probe
              ? `, ${probe.label} at ${pool} ${canonical ? "(canonical code)" : "(not the canonical pool code)"}`
              : ""),
        ),
    ),
  );

  const required = requiredCardinality(Number(config.breakers.twapWindow), config.blockTimeMs);
  for (const pool of watchedPools(config)) {
    results.push(await checkObservations(config.uniswap.factory, pool, required, false, provider));
  }

  const base = config.basket[0].symbol;
  for (const asset of config.basket.slice(1)) {
    const route = asset.route ?? [];
    for (const [from, to, hops] of [
      [asset.symbol, base, route],
      [base, asset.symbol, [...route].reverse()],
    ] as const) {
      results.push(await checkRoute(config, from, to, encodeRoute(config, hops, from, to), provider));
    }
  }
  return results;
}

/** Quotes one whole `from` along `path` and compares the output with the feeds' price. */
async function checkRoute(
  config: NetworkDeployConfig,
  from: string,
  to: string,
  path: string,
  provider: Provider,
): Promise<CheckResult> {
  const check = `route ${from} -> ${to}`;
  return attempt(
    check,
    async () => {
      const quoter = QuoterV2__factory.connect(config.uniswap.quoter, provider);
      const amountIn = 10n ** BigInt(config.tokens[from].decimals);
      const [amountOut] = await quoter.quoteExactInput.staticCall(path, amountIn);
      const fromPrice = await feedPriceWad(config, from, provider);
      const toPrice = await feedPriceWad(config, to, provider);
      const expected = (fromPrice * 10n ** BigInt(config.tokens[to].decimals)) / toPrice;
      return { amountOut, expected };
    },
    ({ amountOut, expected }) => {
      const gap = amountOut > expected ? amountOut - expected : expected - amountOut;
      return result(
        check,
        expected > 0n && gap * 10_000n <= expected * QUOTE_TOLERANCE_BPS,
        `1 ${from} -> ${formatUnits(amountOut, config.tokens[to].decimals)} ${to} ` +
          `(feeds: ${formatUnits(expected, config.tokens[to].decimals)})`,
      );
    },
  );
}

/** The addresses a deployment produced. */
export interface DeployedAddresses {
  vault: string;
  policy: string;
  /** The BallastBreakers: whether trading is safe now. */
  breakers: string;
  /** The vault's BallastRebalancer, which consults `policy` and `breakers`. */
  rebalancer: string;
  timelock: string;
  /** The chain's BallastPlanner, the rebalancer's on-chain plan (stateless); absent from older deployments. */
  planner?: string;
  /** The chain's BallastRouter (periphery, nothing to configure); absent from older deployments. */
  router?: string;
}

/**
 * Checks a deployment against what was asked: roles (the timelock alone is admin of vault,
 * rebalancer, policy and breakers, the deployer kept nothing, the guardian can pause), the
 * timelock's delay, proposers and executors, the links (the vault's rebalancer is the one deployed,
 * for this vault, consulting the policy and the breakers deployed), the basket, every parameter, each oracle pricing now, every
 * route quoting, and each watched pool's observation ring able to span the TWAP window at the
 * chain's block time, twice.
 */
export async function checkDeployment(
  deployed: DeployedAddresses,
  resolved: LiveDeployment,
  config: NetworkDeployConfig,
  deployer: string,
  provider: Provider,
): Promise<CheckResult[]> {
  const vault = BallastVault__factory.connect(deployed.vault, provider);
  const policy = BallastPolicy__factory.connect(deployed.policy, provider);
  const breakers = BallastBreakers__factory.connect(deployed.breakers, provider);
  const rebalancer = BallastRebalancer__factory.connect(deployed.rebalancer, provider);
  const timelock = TimelockController__factory.connect(deployed.timelock, provider);
  const results: CheckResult[] = [];
  /** The fields of a struct returned by a view that `expected` names. */
  const pick = (struct: object, expected: object): Record<string, unknown> =>
    Object.fromEntries(Object.keys(expected).map((key) => [key, (struct as Record<string, unknown>)[key]]));
  const same = (check: string, actual: unknown, expected: unknown) => {
    const [a, e] = [JSON.stringify(actual, bigints), JSON.stringify(expected, bigints)];
    results.push(result(check, a === e, a === e ? a : `${a} (expected ${e})`));
  };

  for (const [name, governed] of [
    ["vault", vault],
    ["rebalancer", rebalancer],
    ["policy", policy],
    ["breakers", breakers],
  ] as const) {
    same(`${name} admin is the timelock`, await governed.hasRole(ZeroHash, deployed.timelock), true);
    same(`${name} admin left by the deployer`, await governed.hasRole(ZeroHash, deployer), false);
  }
  same("guardian", await vault.hasRole(await vault.GUARDIAN_ROLE(), resolved.governance.guardian), true);
  same("timelock delay", await timelock.getMinDelay(), BigInt(resolved.governance.timelockDelay));
  for (const proposer of resolved.governance.proposers) {
    same(`proposer ${proposer}`, await timelock.hasRole(await timelock.PROPOSER_ROLE(), proposer), true);
  }
  for (const executor of resolved.governance.executors) {
    same(`executor ${executor}`, await timelock.hasRole(await timelock.EXECUTOR_ROLE(), executor), true);
  }
  same("timelock admin left by the deployer", await timelock.hasRole(ZeroHash, deployer), false);
  same("vault rebalancer", await vault.rebalancer(), deployed.rebalancer);
  same("rebalancer vault", await rebalancer.vault(), deployed.vault);
  same("rebalancer policy", await rebalancer.policy(), deployed.policy);
  same("rebalancer breakers", await rebalancer.breakers(), deployed.breakers);
  if (deployed.planner) same("rebalancer planner", await rebalancer.planner(), deployed.planner);
  same("factory", await vault.uniswapFactory(), resolved.factory);
  same(
    "basket",
    await vault.basketTokens(),
    resolved.assets.map((a) => a.token),
  );
  const state = await vault.basketState();
  same(
    "target weights",
    state.targets,
    resolved.assets.map((a) => BigInt(a.weightBps)),
  );
  same("rebalance params", pick(state.params, resolved.params), resolved.params);
  same("fees", pick(await vault.feeParams(), resolved.fees), resolved.fees);
  same("keeper reward", pick(await rebalancer.rewardParams(), resolved.reward), resolved.reward);
  same("keeper plans", pick(await rebalancer.planParams(), resolved.plan), resolved.plan);
  same("triggers", pick(await policy.triggerParams(), resolved.triggers), resolved.triggers);
  same("breakers", pick(await breakers.breakerParams(), resolved.breakers), resolved.breakers);
  same("volatility", pick(await policy.volatilityParams(), resolved.volatility), resolved.volatility);
  same("min observations", await breakers.minObservations(), BigInt(resolved.observationCardinality));
  const oracles = await vault.oracles();
  const costs = { ...resolved.costs, gasTokenOracle: oracles[resolved.gasTokenIndex] };
  same("cost gate", pick(await policy.costParams(), costs), costs);
  const [sellRoutes, buyRoutes] = await allRoutes(vault);
  const sequencer = [resolved.sequencer.feed, resolved.sequencer.gracePeriod];
  // The oracles and the breakers must watch one sequencer: resolved separately, they could drift apart.
  same("breakers' sequencer feed as the oracles'", (await breakers.breakerParams()).sequencerFeed, sequencer[0]);
  for (const [i, asset] of resolved.assets.entries()) {
    const oracle = ChainlinkOracle__factory.connect(oracles[i], provider);
    results.push(
      await attempt(
        `${asset.symbol} oracle`,
        () => oracle.price(),
        (price) => result(`${asset.symbol} oracle`, price > 0n, `${formatUnits(price, 18)} USD`),
      ),
    );
    same(`${asset.symbol} oracle deviation threshold`, await oracle.deviationBps(), BigInt(asset.feedDeviationBps));
    same(
      `${asset.symbol} oracle sequencer feed and grace`,
      [await oracle.sequencerFeed(), await oracle.sequencerGracePeriod()],
      sequencer,
    );
    if (i === 0) continue;
    const [sell, buy] = [sellRoutes[i], buyRoutes[i]];
    const base = resolved.assets[0].symbol;
    results.push(await checkRoute(config, asset.symbol, base, sell, provider));
    results.push(await checkRoute(config, base, asset.symbol, buy, provider));
  }
  for (const pool of resolved.watchedPools) {
    results.push(await checkObservations(resolved.factory, pool, resolved.observationCardinality, true, provider));
  }
  return results;
}

/** JSON.stringify replacer: bigints as decimal strings, numbers as bigints' strings too. */
function bigints(_key: string, value: unknown): unknown {
  return typeof value === "bigint" || typeof value === "number" ? value.toString() : value;
}

/** keccak256 of UniswapV3Pool's creation code, as contracts/libraries/PoolAddress.sol has it. */
const POOL_INIT_CODE_HASH = "0xe34f199b19b2b4f47f68442619d555527d244f78a3297ea89325f843f87b8b54";

/** Where `factory` deploys `pool` if it deploys Uniswap's canonical pool code. */
function poolAddress(factory: string, pool: WatchedPool): string {
  const [token0, token1] =
    pool.tokenA.toLowerCase() < pool.tokenB.toLowerCase() ? [pool.tokenA, pool.tokenB] : [pool.tokenB, pool.tokenA];
  const salt = keccak256(
    AbiCoder.defaultAbiCoder().encode(["address", "address", "uint24"], [token0, token1, pool.fee]),
  );
  return getCreate2Address(factory, salt, POOL_INIT_CODE_HASH);
}
