import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { Contract, MaxUint256, parseUnits, toQuantity } from "ethers";
import type { Signer } from "ethers";
import hre, { ethers } from "hardhat";

import type { NetworkDeployConfig } from "../../deploy/config/types";
import { deployFromConfig } from "../../deploy/run";
import {
  BallastBreakers__factory,
  BallastRebalancer__factory,
  BallastVault__factory,
  IERC20Metadata__factory,
  MockAggregatorV3__factory,
  MockERC20__factory,
} from "../../typechain-types";
import type { BallastBreakers, BallastRebalancer, BallastVault } from "../../typechain-types";
import { Trip } from "../shared/security";
import { Status } from "../shared/vault";

/*
 * The deployment scenario against real contracts: with FORK_URL set, mainnet's USDC, WETH and WBTC,
 * its Chainlink feeds and Uniswap V3 pools at the pinned FORK_BLOCK; without it, the same steps on
 * the local replica, so that CI always runs them. The vault is deployed by `npm run deploy`'s own
 * code with the network's reviewed configuration (breakers, cost gate, timelock).
 */

const FORKED = Boolean(process.env.FORK_URL);
const quiet = () => undefined;

interface Scenario {
  config: NetworkDeployConfig;
  vault: BallastVault;
  breakers: BallastBreakers;
  rebalancer: BallastRebalancer;
  /** Gives `account` `amount` of a configured token. */
  fund(account: string, symbol: string, amount: bigint): Promise<void>;
}

async function impersonate(address: string): Promise<Signer> {
  await hre.network.provider.send("hardhat_impersonateAccount", [address]);
  await hre.network.provider.send("hardhat_setBalance", [address, toQuantity(10n ** 20n)]);
  return ethers.getSigner(address);
}

/** Mints real mainnet tokens the way their issuers do: USDC's master minter, WBTC's owner, WETH's deposit. */
async function forkFund(config: NetworkDeployConfig, account: string, symbol: string, amount: bigint): Promise<void> {
  const token = config.tokens[symbol].address;
  if (symbol === "WETH") {
    const holder = await impersonate(account);
    await hre.network.provider.send("hardhat_setBalance", [account, toQuantity(amount + 10n ** 20n)]);
    await (await new Contract(token, ["function deposit() payable"], holder).deposit({ value: amount })).wait();
  } else if (symbol === "USDC") {
    const usdc = new Contract(token, ["function masterMinter() view returns (address)"], ethers.provider);
    const master = await impersonate((await usdc.masterMinter()) as string);
    const [minter] = await ethers.getSigners();
    await (
      await new Contract(token, ["function configureMinter(address,uint256)"], master).configureMinter(minter, amount)
    ).wait();
    await (await new Contract(token, ["function mint(address,uint256)"], minter).mint(account, amount)).wait();
  } else if (symbol === "WBTC") {
    const wbtc = new Contract(token, ["function owner() view returns (address)"], ethers.provider);
    const owner = await impersonate((await wbtc.owner()) as string);
    await (await new Contract(token, ["function mint(address,uint256)"], owner).mint(account, amount)).wait();
  } else {
    throw new Error(`no way to fund ${symbol} on the fork`);
  }
}

async function scenarioFixture(): Promise<Scenario> {
  const outcome = await deployFromConfig(hre, { log: quiet });
  const { vault: vaultAddress, breakers: breakersAddress } = outcome.deployed!;
  const vault = BallastVault__factory.connect(vaultAddress, ethers.provider);
  const breakers = BallastBreakers__factory.connect(breakersAddress, ethers.provider);
  const rebalancer = BallastRebalancer__factory.connect(await vault.rebalancer(), ethers.provider);
  if (FORKED) {
    return {
      config: outcome.config,
      vault,
      breakers,
      rebalancer,
      fund: (a, s, x) => forkFund(outcome.config, a, s, x),
    };
  }
  // The local replica: its tokens mint for their owner, the deployer (WETH is canonical: wrap ETH).
  const [owner] = await ethers.getSigners();
  const fund = async (account: string, symbol: string, amount: bigint) => {
    const token = outcome.config.tokens[symbol].address;
    if (symbol === "WETH") return forkFund(outcome.config, account, symbol, amount);
    await (await MockERC20__factory.connect(token, owner).mint(account, amount)).wait();
  };
  // Its pools need an hour of TWAP history for the breakers, and its feeds a fresh answer after it.
  await time.increase(3_600);
  for (const { feed } of Object.values(outcome.config.tokens)) {
    const aggregator = MockAggregatorV3__factory.connect(feed, owner);
    const [, answer] = await aggregator.latestRoundData();
    await (await aggregator.setAnswer(answer)).wait();
  }
  return { config: outcome.config, vault, breakers, rebalancer, fund };
}

describe(`deployment scenario (${FORKED ? "mainnet fork" : "local replica"})`, () => {
  it("deposits, invests along the configured routes, exits in the base asset and in kind", async () => {
    const { config, vault, rebalancer, fund } = await loadFixture(scenarioFixture);
    const [, alice] = await ethers.getSigners();
    const usdc = IERC20Metadata__factory.connect(config.tokens.USDC.address, alice);
    const amount = parseUnits("1000000", 6);
    await fund(alice.address, "USDC", amount);
    await (await usdc.approve(vault, MaxUint256)).wait();
    await (await vault.connect(alice).deposit(amount, alice.address)).wait();
    expect(await vault.totalAssets()).to.be.closeTo(amount, 1n);

    // All cash: the largest drift there is. The keeper's call invests up to maxTradeBps per asset.
    const [status] = await rebalancer.rebalanceStatus();
    expect(status).to.equal(Status.Due);
    const receipt = await (await rebalancer.connect(alice).rebalance()).wait();
    const [event] = await vault.queryFilter(vault.filters.Rebalanced, receipt!.blockNumber, receipt!.blockNumber);
    expect(event.args.caller).to.equal(alice.address);
    expect(event.args.trades).to.equal(BigInt(config.basket.length - 1));
    expect(event.args.driftAfterBps).to.be.lessThan(event.args.driftBeforeBps);
    // Real pools cost fees and impact: within the loss bound.
    expect(event.args.navAfter).to.be.greaterThan((event.args.navBefore * 9_900n) / 10_000n);

    // Half out in USDC (beyond the cash left, slices are sold through the pools), half in kind.
    const shares = await vault.balanceOf(alice);
    const preview = await vault.previewRedeem(shares / 2n);
    const before = await usdc.balanceOf(alice);
    await (await vault.connect(alice).redeem(shares / 2n, alice.address, alice.address)).wait();
    expect((await usdc.balanceOf(alice)) - before).to.be.greaterThanOrEqual(preview);
    const inKind = await vault.previewRedeemInKind(await vault.balanceOf(alice));
    await (await vault.connect(alice).redeemInKind(await vault.balanceOf(alice), alice.address, alice.address)).wait();
    expect(inKind.filter((a) => a > 0n).length).to.equal(config.basket.length);
    expect(await vault.totalSupply()).to.equal(0n);
  });

  it("refuses trading on frozen feeds, read from their own rounds (nothing recorded), and keeps the in-kind exit open", async () => {
    const { config, vault, breakers, rebalancer, fund } = await loadFixture(scenarioFixture);
    const [, alice] = await ethers.getSigners();
    const usdc = IERC20Metadata__factory.connect(config.tokens.USDC.address, alice);
    const amount = parseUnits("100000", 6);
    await fund(alice.address, "USDC", amount);
    await (await usdc.approve(vault, MaxUint256)).wait();
    await (await vault.connect(alice).deposit(amount, alice.address)).wait();
    await (await rebalancer.connect(alice).rebalance()).wait();

    // No feed answers for two days: every one is stale.
    await time.increase(2 * 86_400);
    // The breakers see it in the feeds' rounds (the base's first), for a cooldown after they answer
    // again; a rebalance meanwhile reverts whole, recording nothing.
    const lastPrices = [...(await vault.lastPrices())];
    expect(await breakers.refusal(rebalancer, lastPrices, [])).to.deep.equal([Trip.InvalidPrice, 0n, false]);
    const [status] = await rebalancer.rebalanceStatus();
    expect(status).to.equal(Status.PriceUnavailable);
    await expect(rebalancer.connect(alice).rebalance()).to.be.revertedWithCustomError(
      rebalancer,
      "BallastPriceUnavailable",
    );
    expect((await breakers.breaker(rebalancer))[0]).to.equal(Trip.None);
    await expect(vault.connect(alice).redeem(1n, alice.address, alice.address)).to.be.revertedWithCustomError(
      vault,
      "BallastPriceUnavailable",
    );
    await expect(vault.connect(alice).redeemInKind(await vault.balanceOf(alice), alice.address, alice.address)).to.emit(
      vault,
      "RedeemedInKind",
    );
  });
});
