import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ZeroAddress, ZeroHash } from "ethers";
import hre, { ethers } from "hardhat";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { deployBallast } from "../../deploy/deployBallast";

import { MarketConfigError } from "../../src/market";
import { DEFAULT_BASKET, deployVault, RECOMMENDED_BREAKERS, RECOMMENDED_COSTS, resolveVault } from "../../src/vault";
import { marketFixture } from "../shared/fixtures";

const VOLATILITY = {
  referenceVolBps: 6_000,
  minBandBps: 100,
  maxBandBps: 800,
  averagingTime: 7 * 86_400,
  minObservationInterval: 3_600,
};

describe("deployVault", () => {
  it("applies breakers, volatility, cost gate and fees, links the rebalancer, then hands all four contracts to the timelock", async () => {
    const market = await loadFixture(marketFixture);
    const [deployer, treasury] = await ethers.getSigners();
    const fees = { managementFeeBps: 100, entryFeeBps: 5, exitFeeBps: 10, recipient: treasury.address };
    const { vault, policy, breakers, rebalancer, timelock, oracles } = await deployVault(market, {
      basket: DEFAULT_BASKET,
      breakers: RECOMMENDED_BREAKERS,
      volatility: VOLATILITY,
      costs: { ...RECOMMENDED_COSTS, gasTokenOracle: "WETH" },
      fees,
    });
    if (!timelock) throw new Error("the default deployment has a timelock");
    const admin = await timelock.getAddress();

    expect(await breakers.breakerParams()).to.deep.equal(Object.values(RECOMMENDED_BREAKERS));
    expect(await policy.volatilityParams()).to.deep.equal(Object.values(VOLATILITY));
    expect(await policy.costParams()).to.deep.equal([
      RECOMMENDED_COSTS.benefitPerBpWad,
      BigInt(RECOMMENDED_COSTS.maxCostRatioBps),
      BigInt(RECOMMENDED_COSTS.gasBase),
      BigInt(RECOMMENDED_COSTS.gasPerHop),
      await oracles[1].getAddress(),
    ]);
    expect(await vault.feeParams()).to.deep.equal(Object.values(fees));
    expect(await vault.rebalancer()).to.equal(await rebalancer.getAddress());
    expect(await rebalancer.vault()).to.equal(await vault.getAddress());
    expect(await rebalancer.policy()).to.equal(await policy.getAddress());
    expect(await rebalancer.breakers()).to.equal(await breakers.getAddress());
    // The deployer configured and left: only the timelock governs.
    for (const governed of [vault, policy, breakers, rebalancer]) {
      expect(await governed.hasRole(ZeroHash, admin)).to.equal(true);
      expect(await governed.hasRole(ZeroHash, deployer.address)).to.equal(false);
    }
    await expect(policy.setCostParams({ ...RECOMMENDED_COSTS, gasTokenOracle: ethers.ZeroAddress }))
      .to.be.revertedWithCustomError(policy, "AccessControlUnauthorizedAccount")
      .withArgs(deployer.address, ZeroHash);
    await expect(rebalancer.setPolicy(policy))
      .to.be.revertedWithCustomError(rebalancer, "AccessControlUnauthorizedAccount")
      .withArgs(deployer.address, ZeroHash);
    await expect(breakers.setBreakerParams({ ...RECOMMENDED_BREAKERS, cooldown: 60 }))
      .to.be.revertedWithCustomError(breakers, "AccessControlUnauthorizedAccount")
      .withArgs(deployer.address, ZeroHash);
  });

  it("keeps a direct admin when one is given, and the deployer's role when it is that admin", async () => {
    const market = await loadFixture(marketFixture);
    const [deployer, other] = await ethers.getSigners();
    const own = await deployVault(market, {
      basket: DEFAULT_BASKET,
      costs: RECOMMENDED_COSTS,
      governance: { admin: deployer.address },
    });
    for (const governed of [own.vault, own.policy, own.breakers, own.rebalancer]) {
      expect(await governed.hasRole(ZeroHash, deployer.address)).to.equal(true);
    }
    expect(own.timelock).to.equal(undefined);
    expect(await own.vault.rebalancer()).to.equal(await own.rebalancer.getAddress());
    expect((await own.policy.costParams())[4]).to.equal(ethers.ZeroAddress);

    const handed = await deployVault(market, {
      basket: DEFAULT_BASKET,
      breakers: RECOMMENDED_BREAKERS,
      governance: { admin: other.address },
    });
    for (const governed of [handed.vault, handed.policy, handed.breakers, handed.rebalancer]) {
      expect(await governed.hasRole(ZeroHash, other.address)).to.equal(true);
      expect(await governed.hasRole(ZeroHash, deployer.address)).to.equal(false);
    }
    expect(await handed.vault.rebalancer()).to.equal(await handed.rebalancer.getAddress());
  });

  it("deploys from the given signer (Ignition's default sender), which proposes, executes and guards", async () => {
    const market = await loadFixture(marketFixture);
    const [first, , , deployer] = await ethers.getSigners();
    const { vault, timelock } = await deployVault(market, { basket: DEFAULT_BASKET }, deployer);
    if (!timelock) throw new Error("the default deployment has a timelock");
    expect(vault.runner).to.equal(deployer);
    expect(await vault.hasRole(await vault.GUARDIAN_ROLE(), deployer.address)).to.equal(true);
    expect(await vault.hasRole(await vault.GUARDIAN_ROLE(), first.address)).to.equal(false);
    expect(await timelock.hasRole(await timelock.PROPOSER_ROLE(), deployer.address)).to.equal(true);
    expect(await timelock.hasRole(await timelock.PROPOSER_ROLE(), first.address)).to.equal(false);
    const created = await ethers.provider.getTransaction(
      (await vault.queryFilter(vault.filters.RebalancerSet))[0].transactionHash,
    );
    expect(created?.from).to.equal(deployer.address);
  });

  it("deploys afresh on every call: the in-process network keeps no Ignition journal to resume", async () => {
    const market = await loadFixture(marketFixture);
    const first = await deployVault(market, { basket: DEFAULT_BASKET });
    const second = await deployVault(market, { basket: DEFAULT_BASKET });
    const addresses = await Promise.all(
      [first, second].flatMap((d) => [d.vault, d.rebalancer, d.planner, d.router].map((c) => c.getAddress())),
    );
    expect(new Set(addresses).size).to.equal(addresses.length);
    for (const address of addresses) expect(await ethers.provider.getCode(address)).not.to.equal("0x");
  });

  it("skips the parameter groups given at the contracts' initial state, which their setters would refuse", async () => {
    const market = await loadFixture(marketFixture);
    const { vault, rebalancer, breakers } = await deployVault(market, {
      basket: DEFAULT_BASKET,
      fees: { managementFeeBps: 0, entryFeeBps: 0, exitFeeBps: 0, recipient: ethers.ZeroAddress },
      reward: { premiumBps: 0, maxRewardBps: 0, maxReward: 0 },
      plan: { minDriftCutBps: 2_500, costToleranceBps: 10 },
      breakers: {
        ...RECOMMENDED_BREAKERS,
        twapWindow: 0,
        maxOracleTwapDeviationBps: 0,
        maxSpotTwapTicks: 0,
        maxMoveBps: 0,
        moveWindow: 0,
        cooldown: 0,
        tripOnInvalidPrice: false,
      },
    });
    expect(await vault.queryFilter(vault.filters.FeeParamsSet)).to.have.length(0);
    expect(await rebalancer.queryFilter(rebalancer.filters.RewardParamsSet)).to.have.length(0);
    expect(await rebalancer.queryFilter(rebalancer.filters.PlanParamsSet)).to.have.length(1); // the constructor's
    expect(await breakers.queryFilter(breakers.filters.BreakerParamsSet)).to.have.length(0);
  });

  it("keeps the deployer's role when the direct admin is the deployer written in another letter case", async () => {
    const market = await loadFixture(marketFixture);
    const [deployer] = await ethers.getSigners();
    const resolved = await resolveVault(market, { basket: DEFAULT_BASKET }, deployer.address);
    // Granting to the "other" address and renouncing from the deployer would leave no admin at all.
    const deployed = await deployBallast(hre, {
      ...resolved,
      governance: { admin: deployer.address.toLowerCase(), guardian: deployer.address },
    });
    for (const name of ["vault", "policy", "breakers", "rebalancer"] as const) {
      const governed = await ethers.getContractAt("AccessControl", deployed[name]);
      expect(await governed.hasRole(ZeroHash, deployer.address), name).to.equal(true);
    }
  });

  it("refuses a zero direct admin, and a direct admin on a network that is not local", async () => {
    const market = await loadFixture(marketFixture);
    const [deployer] = await ethers.getSigners();
    const resolved = await resolveVault(market, { basket: DEFAULT_BASKET }, deployer.address);
    await expect(
      deployBallast(hre, { ...resolved, governance: { admin: ZeroAddress, guardian: deployer.address } }),
    ).to.be.rejectedWith("governance.admin: the zero address would leave the contracts without an admin");
    const direct = await resolveVault(
      market,
      { basket: DEFAULT_BASKET, governance: { admin: deployer.address } },
      deployer.address,
    );
    const mainnet = { ...hre, network: { ...hre.network, name: "mainnet" } } as HardhatRuntimeEnvironment;
    await expect(deployBallast(mainnet, direct)).to.be.rejectedWith(
      "a direct admin governs only on a local network, not on mainnet: deploy a timelock",
    );
  });

  it("refuses a gas-token oracle outside the basket", async () => {
    const market = await loadFixture(marketFixture);
    await expect(
      deployVault(market, { basket: DEFAULT_BASKET, costs: { ...RECOMMENDED_COSTS, gasTokenOracle: "UNI" } }),
    ).to.be.rejectedWith(MarketConfigError, "costs.gasTokenOracle: UNI is not in the basket");
  });
});
