import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ZeroHash } from "ethers";
import { ethers } from "hardhat";

import { MarketConfigError } from "../../src/market";
import { DEFAULT_BASKET, deployVault, RECOMMENDED_BREAKERS, RECOMMENDED_COSTS } from "../../src/vault";
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
    expect(await own.vault.hasRole(ZeroHash, deployer.address)).to.equal(true);
    expect(await own.policy.hasRole(ZeroHash, deployer.address)).to.equal(true);
    expect(await own.rebalancer.hasRole(ZeroHash, deployer.address)).to.equal(true);
    expect(await own.vault.rebalancer()).to.equal(await own.rebalancer.getAddress());
    expect((await own.policy.costParams())[4]).to.equal(ethers.ZeroAddress);

    const handed = await deployVault(market, {
      basket: DEFAULT_BASKET,
      breakers: RECOMMENDED_BREAKERS,
      governance: { admin: other.address },
    });
    expect(await handed.policy.hasRole(ZeroHash, other.address)).to.equal(true);
    expect(await handed.policy.hasRole(ZeroHash, deployer.address)).to.equal(false);
    expect(await handed.vault.hasRole(ZeroHash, other.address)).to.equal(true);
    expect(await handed.vault.hasRole(ZeroHash, deployer.address)).to.equal(false);
    expect(await handed.rebalancer.hasRole(ZeroHash, other.address)).to.equal(true);
    expect(await handed.rebalancer.hasRole(ZeroHash, deployer.address)).to.equal(false);
    expect(await handed.vault.rebalancer()).to.equal(await handed.rebalancer.getAddress());
  });

  it("refuses a gas-token oracle outside the basket", async () => {
    const market = await loadFixture(marketFixture);
    await expect(
      deployVault(market, { basket: DEFAULT_BASKET, costs: { ...RECOMMENDED_COSTS, gasTokenOracle: "UNI" } }),
    ).to.be.rejectedWith(MarketConfigError, "costs.gasTokenOracle: UNI is not in the basket");
  });
});
