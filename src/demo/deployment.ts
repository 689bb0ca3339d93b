/**
 * A scenario's chain: the local market with the basket's tokens only (fewer pools to deploy and keep
 * aligned), a Ballast vault on it with the breakers and cost gate recommended for a live network, and
 * what the run reads of them once.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { dataLength, dataSlice, getAddress } from "ethers";
import { ethers, network } from "hardhat";

import { DEFAULT_TOKENS, deployLocalMarket } from "../market";
import type { LocalMarket, MarketPool, MarketToken } from "../market";
import { allRoutes, deployVault, RECOMMENDED_BREAKERS, RECOMMENDED_COSTS, recommendedReward } from "../vault";
import type { BallastBreakers, BallastPolicy, BallastRebalancer, BallastVault } from "../../typechain-types";

import type { ScenarioOptions } from "./options";
import type { ScenarioSetup } from "./scenarios";
import type { BasketAsset, Logger, VaultSettings } from "./types";

export interface ScenarioDeployment {
  market: LocalMarket;
  vault: BallastVault;
  policy: BallastPolicy;
  breakers: BallastBreakers;
  rebalancer: BallastRebalancer;
  vaultAddress: string;
  policyAddress: string;
  breakersAddress: string;
  rebalancerAddress: string;
  timelock?: { getAddress(): Promise<string> };
  settings: VaultSettings;
  /** Each basket asset's feed deviation threshold, bps, as its oracle states it. */
  deviations: Map<string, number>;
  /** The basket's tokens, base first. */
  tokens: MarketToken[];
  basket: BasketAsset[];
  /** The pools the vault's routes go through (the adversaries' ground). */
  routePools: MarketPool[];
  /** The first pool of each risky asset's sell route, by symbol. */
  legPools: Map<string, MarketPool>;
  signers: HardhatEthersSigner[];
}

export async function deployScenario(
  setup: ScenarioSetup,
  options: ScenarioOptions,
  log: Logger,
): Promise<ScenarioDeployment> {
  const symbols = setup.basket.map((entry) => entry.symbol);
  log(`Deploying the local market (Uniswap V3 from the npm artifacts) on '${network.name}'...`);
  const market = await deployLocalMarket({ tokens: DEFAULT_TOKENS.filter((t) => symbols.includes(t.symbol)) });
  // Breakers and the cost gate as recommended for a live network; see docs/policy.md.
  const deployed = await deployVault(market, {
    basket: setup.basket,
    breakers: RECOMMENDED_BREAKERS,
    costs: { ...RECOMMENDED_COSTS, gasTokenOracle: "WETH" },
    triggers: { triggerBandBps: options.triggerBandBps, targetBandBps: options.targetBandBps },
    reward: recommendedReward(DEFAULT_TOKENS.find((t) => t.symbol === setup.basket[0].symbol)?.decimals ?? 6),
  });
  const { vault, policy, breakers, rebalancer } = deployed;
  const deviations = new Map<string, number>();
  for (const [i, entry] of setup.basket.entries()) {
    deviations.set(entry.symbol, Number(await deployed.oracles[i].deviationBps()));
  }
  const triggers = await policy.triggerParams();
  const { params, targets } = await vault.basketState();
  const breakerParams = await breakers.breakerParams();
  const costs = await policy.costParams();
  const settings: VaultSettings = {
    triggerBandBps: Number(triggers.triggerBandBps),
    targetBandBps: Number(triggers.targetBandBps),
    cooldownSeconds: Number(triggers.cooldown),
    maxTradeBps: Number(params.maxTradeBps),
    slippageBps: Number(params.slippageBps),
    breakerMaxMoveBps: Number(breakerParams.maxMoveBps),
    breakerOracleTwapBps: Number(breakerParams.maxOracleTwapDeviationBps),
    breakerSpotTwapTicks: Number(breakerParams.maxSpotTwapTicks),
    breakerTwapWindowSeconds: Number(breakerParams.twapWindow),
    breakerCooldownSeconds: Number(breakerParams.cooldown),
    costGateMaxRatioBps: Number(costs.maxCostRatioBps),
    costGateBenefitPerBp: Number(costs.benefitPerBpWad) / 1e18,
  };
  const tokens = (await vault.basketTokens()).map((address) => {
    const token = market.tokens.find((t) => t.address === address);
    if (!token) throw new Error(`basket token ${address} is not in the market`);
    return token;
  });
  const { routePools, legPools } = await findRoutePools(market, vault, tokens);
  return {
    market,
    vault,
    policy,
    breakers,
    rebalancer,
    vaultAddress: await vault.getAddress(),
    policyAddress: await policy.getAddress(),
    breakersAddress: await breakers.getAddress(),
    rebalancerAddress: await rebalancer.getAddress(),
    ...(deployed.timelock ? { timelock: deployed.timelock } : {}),
    settings,
    deviations,
    tokens,
    basket: tokens.map((token, i) => ({
      symbol: token.symbol,
      decimals: token.decimals,
      targetBps: Number(targets[i]),
    })),
    routePools,
    legPools,
    signers: await ethers.getSigners(),
  };
}

/** Every pool on the vault's sell routes (the buy routes are their reverse), decoded from the vault. */
async function findRoutePools(
  market: LocalMarket,
  vault: BallastVault,
  tokens: readonly MarketToken[],
): Promise<{ routePools: MarketPool[]; legPools: Map<string, MarketPool> }> {
  const pools = new Map<string, MarketPool>();
  const legPools = new Map<string, MarketPool>();
  const bySymbolAddress = (address: string) => {
    const token = market.tokens.find((t) => t.address === getAddress(address));
    if (!token) throw new Error(`route token ${address} is not in the market`);
    return token.symbol;
  };
  const [sellRoutes] = await allRoutes(vault);
  for (const [i, token] of tokens.entries()) {
    if (i === 0) continue;
    const sellRoute = sellRoutes[i];
    // A Uniswap V3 path: address (20 bytes), then fee (3 bytes) and address for each hop.
    for (let offset = 0; offset + 43 <= dataLength(sellRoute); offset += 23) {
      const a = bySymbolAddress(dataSlice(sellRoute, offset, offset + 20));
      const fee = Number(BigInt(dataSlice(sellRoute, offset + 20, offset + 23)));
      const b = bySymbolAddress(dataSlice(sellRoute, offset + 23, offset + 43));
      const pool = market.pool(a, b, fee);
      pools.set(pool.key, pool);
      if (offset === 0) legPools.set(token.symbol, pool);
    }
  }
  return { routePools: [...pools.values()], legPools };
}
