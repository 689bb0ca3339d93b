import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { getAddress, ZeroAddress, ZeroHash } from "ethers";
import hre, { ethers } from "hardhat";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { checkConfig, checkDeployment, DeploymentCheckError } from "../../deploy/check";
import { localConfig } from "../../deploy/config/local";
import { NETWORKS } from "../../deploy/config/networks";
import type { NetworkDeployConfig } from "../../deploy/config/types";
import { deployFromConfig } from "../../deploy/run";
import type { DeployOutcome } from "../../deploy/run";
import { DeployConfigError, resolveDeployment } from "../../deploy/resolve";
import { DEFAULT_BASKET, deployVault } from "../../src/vault";
import {
  BallastBreakers__factory,
  BallastPolicy__factory,
  BallastRebalancer__factory,
  BallastVault__factory,
  TimelockController__factory,
} from "../../typechain-types";
import { ENTRIES } from "../shared/entry";
import type { Entry } from "../shared/entry";
import { deployLocalMarket } from "../shared/market";

/** A deployment through `entry`, as a fixture (one per entry point: later fixtures revert to a chain without it). */
function deployedBy(entry: Entry): () => Promise<{ result: DeployOutcome; output: string }> {
  return async function deployed() {
    const [, guardian, proposer] = await ethers.getSigners();
    return entry.run<DeployOutcome>("ballast:deploy", { guardian: guardian.address, proposers: proposer.address });
  };
}

async function localConfigFixture(): Promise<NetworkDeployConfig> {
  return localConfig(await deployLocalMarket(), "hardhat", 31337);
}

/** A copy of `config` with one token's fields changed. */
function withToken(config: NetworkDeployConfig, symbol: string, change: object): NetworkDeployConfig {
  return { ...config, tokens: { ...config.tokens, [symbol]: { ...config.tokens[symbol], ...change } } };
}

function failed(results: { check: string; ok: boolean }[]): string[] {
  return results.filter((r) => !r.ok).map((r) => r.check);
}

describe("npm run deploy", () => {
  describe("on the local chain", () => {
    for (const entry of ENTRIES) {
      describe(`as a ${entry.name}`, () => {
        const deployed = deployedBy(entry);

        it("deploys through Ignition, hands governance to the timelock, and passes every check", async () => {
          const { result: outcome, output } = await loadFixture(deployed);
          const [deployer, guardian, proposer] = await ethers.getSigners();
          expect(failed(outcome.preChecks)).to.deep.equal([]);
          expect(failed(outcome.postChecks ?? [])).to.deep.equal([]);
          expect(outcome.postChecks?.length).to.be.greaterThan(25);
          expect(output).to.contain("Deployment check:");
          expect(output).not.to.contain("FAIL");

          const {
            vault: vaultAddress,
            policy: policyAddress,
            breakers: breakersAddress,
            rebalancer: rebalancerAddress,
            timelock: timelockAddress,
          } = outcome.deployed!;
          const vault = BallastVault__factory.connect(vaultAddress, ethers.provider);
          const policy = BallastPolicy__factory.connect(policyAddress, ethers.provider);
          const breakers = BallastBreakers__factory.connect(breakersAddress, ethers.provider);
          const timelock = TimelockController__factory.connect(timelockAddress, ethers.provider);
          // The module's rebalancer: deployed for this vault and policy, and linked to the vault once,
          // while the deployer was still its admin.
          expect(await vault.rebalancer()).to.equal(rebalancerAddress);
          const rebalancer = BallastRebalancer__factory.connect(rebalancerAddress, ethers.provider);
          const rebalancerArtifact = await hre.artifacts.readArtifact("BallastRebalancer");
          expect((await ethers.provider.getCode(rebalancerAddress)).length).to.equal(
            rebalancerArtifact.deployedBytecode.length,
          );
          expect(await rebalancer.vault()).to.equal(vaultAddress);
          expect(await rebalancer.policy()).to.equal(policyAddress);
          expect(await rebalancer.breakers()).to.equal(breakersAddress);
          const linked = await vault.queryFilter(vault.filters.RebalancerSet);
          expect(linked.map((e) => [e.args.oldRebalancer, e.args.newRebalancer])).to.deep.equal([
            [ZeroAddress, rebalancerAddress],
          ]);
          for (const governed of [vault, policy, breakers, rebalancer]) {
            expect(await governed.hasRole(ZeroHash, timelockAddress)).to.equal(true);
            expect(await governed.hasRole(ZeroHash, deployer.address)).to.equal(false);
          }
          expect(await vault.hasRole(await vault.GUARDIAN_ROLE(), guardian.address)).to.equal(true);
          expect(await timelock.hasRole(await timelock.PROPOSER_ROLE(), proposer.address)).to.equal(true);
          expect(await timelock.hasRole(await timelock.PROPOSER_ROLE(), deployer.address)).to.equal(false);
          expect(await timelock.getMinDelay()).to.equal(2n * 86_400n);
          expect((await breakers.breakerParams()).tripOnInvalidPrice).to.equal(true);
          expect(await breakers.minObservations()).to.equal(3_600n);
          // Each watched pool's ring raised from the local market's 720 to a 30-minute window at 1 s
          // blocks, twice over: 3,600 observations, in steps of 1,000 (one transaction each).
          const watched = outcome.postChecks!.filter((r) => / \d+ observations$/.test(r.check));
          expect(watched.map((r) => r.check)).to.deep.equal([
            "WETH/USDC 500 observations",
            "WBTC/WETH 500 observations",
            "LINK/USDC 3000 observations",
          ]);
          for (const r of watched) expect(r.detail).to.match(/^\d+ \(next 3600\), the TWAP window needs 3600$/);
          const before = outcome.preChecks.find((r) => r.check === "WETH/USDC 500 observations");
          expect(before?.detail).to.equal("720 (next 720), the TWAP window needs 3600: the deployment raises it");
          expect((await policy.costParams()).gasTokenOracle).to.equal((await vault.oracles())[1]);
          // The chain's router, for depositors' bounds: no immutable and no state, so its code is all of it.
          const router = await hre.artifacts.readArtifact("BallastRouter");
          expect(await ethers.provider.getCode(outcome.deployed!.router!)).to.equal(router.deployedBytecode);
          await expect(breakers.connect(deployer).resetBreaker(rebalancerAddress))
            .to.be.revertedWithCustomError(breakers, "AccessControlUnauthorizedAccount")
            .withArgs(deployer.address, ZeroHash);
        });

        it("checks only, deploying nothing, when asked to check only", async () => {
          const before = await ethers.provider.getBlockNumber();
          const { result: outcome } = await entry.run<DeployOutcome>("ballast:deploy", { checkOnly: true });
          expect(outcome.deployed).to.equal(undefined);
          expect(failed(outcome.preChecks)).to.deep.equal([]);
          // Only the local market's own deployment ran.
          expect(await ethers.provider.getBlockNumber()).to.be.greaterThan(before);
        });
      });
    }
  });

  describe("on a live network", () => {
    it("refuses to deploy, before any call to the chain, unless the proposers and the guardian are named", async () => {
      const [, guardian, proposer] = await ethers.getSigners();
      // The name alone makes it live: the refusal comes before the chain is asked anything.
      const mainnet = { ...hre, network: { ...hre.network, name: "mainnet" } } as HardhatRuntimeEnvironment;
      const before = await ethers.provider.getBlockNumber();
      await expect(deployFromConfig(mainnet, { log: () => {} })).to.be.rejectedWith(
        DeployConfigError,
        "on mainnet name --proposers and --guardian (e.g. a Safe): by default the deployer's key would propose and guard",
      );
      await expect(
        deployFromConfig(mainnet, { log: () => {}, governance: { proposers: [proposer.address] } }),
      ).to.be.rejectedWith(DeployConfigError, "on mainnet name --guardian");
      await expect(
        deployFromConfig(mainnet, { log: () => {}, governance: { guardian: guardian.address } }),
      ).to.be.rejectedWith(DeployConfigError, "on mainnet name --proposers (e.g. a Safe)");
      expect(await ethers.provider.getBlockNumber()).to.equal(before);
    });
  });

  describe("checkConfig", () => {
    it("names a wrong feed, decimals, factory, a route without a pool, and a stale feed", async () => {
      const config = await loadFixture(localConfigFixture);
      expect(failed(await checkConfig(config, ethers.provider))).to.deep.equal([]);
      let bad = withToken(config, "WETH", { feedDescription: "BTC / USD" });
      bad = withToken(bad, "LINK", { staleAfter: 1 });
      bad = {
        ...bad,
        basket: bad.basket.map((a) => (a.symbol === "WBTC" ? { ...a, route: ["WBTC", 100, "USDC"] } : a)),
      };
      await ethers.provider.send("evm_mine", []);
      expect(failed(await checkConfig(bad, ethers.provider))).to.deep.equal([
        "WETH feed",
        "LINK feed",
        // No such pool: its ring cannot be read either.
        "WBTC/USDC 100 observations",
        "route WBTC -> USDC",
        "route USDC -> WBTC",
      ]);
      // Not Uniswap V3's factory (the quoter): refused by name.
      const notFactory = { ...config, uniswap: { ...config.uniswap, factory: config.uniswap.quoter } };
      expect(failed(await checkConfig(notFactory, ethers.provider))).to.include("factory");
      // Breakers that watch no pool: the factory's pool code is still checked, on the basket's first pool.
      const noTwap = { ...config, breakers: { ...config.breakers, twapWindow: 0 } };
      const factory = (await checkConfig(noTwap, ethers.provider)).find((r) => r.check === "factory");
      expect(factory?.ok).to.equal(true);
      expect(factory?.detail).to.match(/\(canonical code\)$/);
      // Wrong decimals also throw every quote of the token off.
      const decimals = failed(await checkConfig(withToken(config, "USDC", { decimals: 18 }), ethers.provider));
      expect(decimals).to.include.members(["USDC decimals", "route WETH -> USDC", "route USDC -> WETH"]);
    });

    it("names the chain when the configuration is another's", async () => {
      const config = await loadFixture(localConfigFixture);
      expect(failed(await checkConfig({ ...config, chainId: 1 }, ethers.provider))).to.deep.equal(["chain id"]);
    });
  });

  describe("checkDeployment", () => {
    it("catches a vault, rebalancer, policy and breakers still governed by a key rather than the timelock", async () => {
      const config = await loadFixture(localConfigFixture);
      const market = await deployLocalMarket();
      const [deployer] = await ethers.getSigners();
      const direct = await deployVault(market, { basket: DEFAULT_BASKET, governance: { admin: deployer.address } });
      const { timelock } = await deployVault(market, { basket: DEFAULT_BASKET });
      const resolved = resolveDeployment(await localConfig(market, "hardhat", 31337), deployer.address);
      const results = await checkDeployment(
        {
          vault: await direct.vault.getAddress(),
          policy: await direct.policy.getAddress(),
          breakers: await direct.breakers.getAddress(),
          rebalancer: await direct.rebalancer.getAddress(),
          timelock: await timelock!.getAddress(),
        },
        resolved,
        config,
        deployer.address,
        ethers.provider,
      );
      expect(failed(results)).to.include.members([
        "vault admin is the timelock",
        "vault admin left by the deployer",
        "rebalancer admin is the timelock",
        "rebalancer admin left by the deployer",
        "policy admin is the timelock",
        "policy admin left by the deployer",
        "breakers admin is the timelock",
        "breakers admin left by the deployer",
        "breakers",
        "min observations",
        "cost gate",
        // The local market's rings (720) are short of a 30-minute window at 1 s blocks (3,600).
        "WETH/USDC 500 observations",
        "WBTC/WETH 500 observations",
        "LINK/USDC 3000 observations",
      ]);
      expect(() => {
        throw new DeploymentCheckError(results);
      }).to.throw(DeploymentCheckError, "vault admin is the timelock");
    });
  });

  describe("network configurations", () => {
    const EXPECTED: Record<string, { chainId: number; l2: boolean; observations: number }> = {
      // A 30-minute TWAP, twice over, at 12 s, 0.25 s, 2 s and 12 s blocks.
      mainnet: { chainId: 1, l2: false, observations: 300 },
      arbitrum: { chainId: 42161, l2: true, observations: 14_400 },
      base: { chainId: 8453, l2: true, observations: 1_800 },
      sepolia: { chainId: 11155111, l2: false, observations: 300 },
    };

    for (const config of Object.values(NETWORKS)) {
      it(`${config.network}: resolves, with checksummed addresses and its own chain's facts`, async () => {
        const expected = EXPECTED[config.network];
        expect(config.chainId).to.equal(expected.chainId);
        expect(Boolean(config.sequencerFeed)).to.equal(expected.l2);
        for (const value of [
          config.uniswap.factory,
          config.uniswap.quoter,
          ...Object.values(config.tokens).flatMap((t) => [t.address, t.feed]),
        ]) {
          expect(getAddress(value)).to.equal(value);
        }
        const [deployer] = await ethers.getSigners();
        const resolved = resolveDeployment(config, deployer.address);
        expect(resolved.assets[0].sellRoute).to.equal("0x");
        expect(resolved.sequencer.gracePeriod > 0).to.equal(expected.l2);
        expect(resolved.params.minTradeValue).to.be.greaterThan(0n);
        expect(resolved.observationCardinality).to.equal(expected.observations);
        // Every first pool whose other token is in the basket: the breakers watch them all.
        expect(resolved.watchedPools.length).to.be.greaterThan(0);
        expect(resolved.watchedPools.length).to.be.lessThan(config.basket.length);
      });
    }

    it("never assumes one chain's token addresses on another", () => {
      const usdc = Object.values(NETWORKS).map((c) => c.tokens.USDC.address);
      const weth = Object.values(NETWORKS).map((c) => c.tokens.WETH.address);
      expect(new Set(usdc).size).to.equal(usdc.length);
      expect(new Set(weth).size).to.equal(weth.length);
    });

    it("refuses inconsistent configurations by name", async () => {
      const [deployer] = await ethers.getSigners();
      const mainnet = NETWORKS[1];
      const cases: [NetworkDeployConfig, string][] = [
        [{ ...mainnet, basket: [...mainnet.basket.slice(0, 4)] }, "basket weights sum to 9000, not 10000"],
        [
          {
            ...mainnet,
            basket: mainnet.basket.map((a) =>
              a.symbol === "UNI" ? { ...a, route: ["UNI", 3_000, "DAI", 100, "USDC"] } : a,
            ),
          },
          "DAI is not a configured token",
        ],
        [
          {
            ...mainnet,
            basket: mainnet.basket.map((a) => (a.symbol === "UNI" ? { ...a, route: ["UNI", 2_500, "USDC"] } : a)),
          },
          "2500 is not a Uniswap V3 fee tier",
        ],
        [{ ...mainnet, fees: { ...mainnet.fees, managementFeeBps: 100 } }, "a management fee needs a fee recipient"],
        [{ ...mainnet, costs: { ...mainnet.costs, gasToken: "ARB" } }, "gas token ARB is not in the basket"],
        [withToken(mainnet, "LINK", { address: "0x1234" }), "0x1234 is not an address"],
        [{ ...mainnet, blockTimeMs: 0 }, "block time 0 ms must be positive"],
        [{ ...mainnet, blockTimeMs: 10 }, "a 1800s TWAP at 10 ms blocks needs 360000 observations"],
      ];
      for (const [config, message] of cases) {
        expect(() => resolveDeployment(config, deployer.address)).to.throw(DeployConfigError, message);
      }
    });
  });

  describe("against mainnet (FORK_URL)", () => {
    it("finds every configured token, feed and route as configured", async function () {
      const { chainId } = await ethers.provider.getNetwork();
      if (!process.env.FORK_URL || chainId !== 31337n) this.skip();
      // A mainnet fork keeps Hardhat's chain id: compare against mainnet's configuration.
      expect(failed(await checkConfig({ ...NETWORKS[1], chainId: 31337 }, ethers.provider))).to.deep.equal([]);
    });
  });
});
