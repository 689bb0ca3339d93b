import { loadFixture, setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { MaxUint256, parseUnits, Wallet } from "ethers";
import { ethers, network } from "hardhat";

import { deposit, OpsInputError, readStatus, rebalance, renderStatus, redeemInKind, VAULT_ENV } from "../../src/ops";
import type { DepositResult, InKindResult, RebalanceResult, RedeemResult, VaultStatus } from "../../src/ops";
import { DEFAULT_TRIGGERS, isUsablePrice, MAX_PRICE_WAD, RECOMMENDED_BREAKERS } from "../../src/vault";
import { ENTRIES } from "../shared/entry";
import { Status } from "../shared/vault";

import { depositedFixture, emptyFixture, guardedFixture, investedFixture } from "./helpers";

const DAY = 24 * 60 * 60;
const SHARE = 10n ** 18n;
const COOLDOWN = Number(DEFAULT_TRIGGERS.cooldown);

describe("operator commands", function () {
  describe("the operator functions", function () {
    it("reads NAV, share price, weights vs targets, trigger, breaker, cost and fees of an invested vault", async function () {
      const { vault, rebalancer, policy, vaultAddress } = await loadFixture(investedFixture);
      const s = await readStatus(ethers.provider, vaultAddress);

      expect(s.vault).to.include({
        address: vaultAddress,
        rebalancer: await rebalancer.getAddress(),
        policy: await policy.getAddress(),
      });
      expect(s.nav).to.equal(await vault.totalAssets());
      expect(s.totalSupply).to.equal(await vault.totalSupply());
      expect(s.sharePrice).to.equal(await vault.convertToAssets(SHARE));
      expect(s.asset.symbol).to.equal("USDC");
      expect(s.asset.decimals).to.equal(6);
      expect(s.paused).to.be.false;
      expect(s.pricesValid).to.be.true;
      expect(s.assets.map((a) => a.symbol)).to.deep.equal(["USDC", "WETH", "WBTC", "LINK"]);
      expect(s.assets.map((a) => a.targetBps)).to.deep.equal([500n, 4_000n, 3_500n, 2_000n]);
      expect(s.assets.map((a) => a.weightBps)).to.deep.equal(await rebalancer.currentWeights());
      for (const a of s.assets) {
        expect(a.driftBps).to.equal(a.weightBps - a.targetBps);
        expect(a.priceSource).to.equal("oracle");
      }
      // Values at the oracle prices add up to the NAV (each rounded down, as the vault does).
      const total = s.assets.reduce((sum, a) => sum + a.value, 0n);
      expect(total).to.be.within(s.nav - 4n, s.nav);

      // Settled at target, the last cooldown over: not due, and allowed now if it were. The policy
      // keeps the record under the rebalancer's address.
      const last = Number(await policy.lastRebalance(rebalancer));
      expect(last).to.be.greaterThan(0);
      expect(s.rebalance.statusName).to.equal("NotDue");
      expect(s.rebalance.lastRebalance).to.equal(last);
      expect(s.timestamp).to.be.greaterThanOrEqual(last + COOLDOWN);
      expect(s.rebalance.nextAllowedAt).to.equal(s.timestamp);
      expect(s.rebalance.triggerBandBps).to.equal(200n);
      expect(s.rebalance.calendarDueAt).to.equal(null);
      expect(s.rebalance.maxDriftBps).to.equal(await rebalancer.maxDrift());
      expect(s.breaker).to.include({ tripped: false, reasonName: "None", enabled: false, resetNotBefore: null });
      const [cost, benefit, worthIt] = await rebalancer.rebalanceCost();
      expect(s.cost).to.include({ available: true, cost, benefit, worthIt, maxCostRatioBps: 0n });
      expect(s.fees).to.include({ managementFeeBps: 0n, entryFeeBps: 0n, exitFeeBps: 0n, pendingFeeShares: 0n });
    });

    it("skips the approval when the allowance suffices, and mints to --receiver", async function () {
      const { vault, market, alice, bob } = await loadFixture(investedFixture);
      await market.token("USDC").contract.connect(alice).approve(vault, MaxUint256);
      const bobBefore = await vault.balanceOf(bob);
      const result = await deposit(alice, {
        vault: await vault.getAddress(),
        amount: "250",
        receiver: bob.address,
        minShares: "1",
      });
      expect(result.approvalTx).to.equal(null);
      expect(result.minShares).to.equal(SHARE);
      expect(await vault.balanceOf(bob)).to.equal(bobBefore + result.shares);
      expect(await vault.balanceOf(alice)).to.equal(0n);
    });
  });

  for (const entry of ENTRIES) {
    describe(`through the ${entry.name}`, function () {
      describe("status", function () {
        it("prints the table, and the same numbers as JSON when asked for JSON", async function () {
          const { rebalancer, policy, vaultAddress } = await loadFixture(investedFixture);
          const { output } = await entry.run<VaultStatus>("status", { vault: vaultAddress });
          for (const text of [
            `rebalancer ${await rebalancer.getAddress()}, policy ${await policy.getAddress()}`,
            "NAV",
            "share price",
            "WETH",
            "40.00%",
            "35.00%",
            "NotDue (2)",
            "next allowed",
            "breaker",
            "cost/benefit",
          ]) {
            expect(output).to.contain(text);
          }
          const { result, output: json } = await entry.run<VaultStatus>("status", { vault: vaultAddress, json: true });
          const parsed = JSON.parse(json) as { nav: string; assets: { symbol: string; weightBps: string }[] };
          expect(parsed.nav).to.equal(result.nav.toString());
          expect(parsed.assets.map((a) => a.symbol)).to.deep.equal(["USDC", "WETH", "WBTC", "LINK"]);
          expect(parsed.assets[1].weightBps).to.equal(result.assets[1].weightBps.toString());
        });

        it("shows a due rebalance with a gas estimate, and the last prices when the feeds go stale", async function () {
          const { vaultAddress } = await loadFixture(depositedFixture);
          const due = await readStatus(ethers.provider, vaultAddress);
          expect(due.rebalance.statusName).to.equal("Due");
          expect(due.rebalance.maxDriftBps).to.equal(9_500n);
          expect(due.rebalance.lastRebalance).to.equal(0);
          expect(due.rebalance.nextAllowedAt).to.equal(due.timestamp);
          expect(due.cost.gas?.units).to.be.greaterThan(100_000n);

          await time.increase(DAY + 1);
          const stale = await readStatus(ethers.provider, vaultAddress);
          expect(stale.rebalance.statusName).to.equal("PriceUnavailable");
          expect(stale.pricesValid).to.be.false;
          expect(stale.assets.every((a) => a.priceSource === "last" && a.priceWad > 0n)).to.be.true;
          expect(stale.cost.available).to.be.false;
          expect(stale.cost.error).to.match(/^BallastPriceUnavailable\(/);
          const { output } = await entry.run("status", { vault: vaultAddress });
          expect(output).to.contain("(last)");
          expect(output).to.contain("PriceUnavailable (5)");
        });

        it("takes an oracle's answer past 128 bits as the vault does: the last price, never the garbage", async function () {
          const { vault, vaultAddress } = await loadFixture(investedFixture);
          const oracle = (await vault.oracles())[2]; // WBTC's adapter
          const last = (await vault.lastPrices())[2];
          // An adapter answering (true, price): MSTORE 1 at 0, `price` at 32, RETURN 64 bytes.
          const answering = (price: bigint) =>
            "0x600160005270" + price.toString(16).padStart(34, "0") + "60205260406000f3";
          await ethers.provider.send("hardhat_setCode", [oracle, answering(MAX_PRICE_WAD + 1n)]);
          const garbage = await readStatus(ethers.provider, vaultAddress);
          expect(garbage.assets[2]).to.include({ priceSource: "last", priceWad: last });
          expect(garbage.pricesValid).to.be.false;
          expect(garbage.rebalance.statusName).to.equal("PriceUnavailable");
          await ethers.provider.send("hardhat_setCode", [oracle, answering(MAX_PRICE_WAD)]);
          const largest = await readStatus(ethers.provider, vaultAddress);
          expect(largest.assets[2]).to.include({ priceSource: "oracle", priceWad: MAX_PRICE_WAD });
          expect(isUsablePrice(true, MAX_PRICE_WAD)).to.be.true;
          expect([
            isUsablePrice(true, MAX_PRICE_WAD + 1n),
            isUsablePrice(true, 0n),
            isUsablePrice(false, 1n),
          ]).to.deep.equal([false, false, false]);
        });

        it("refuses an address without a contract, a contract that is not a vault, a malformed address or none", async function () {
          const { market } = await loadFixture(emptyFixture);
          const nobody = Wallet.createRandom().address;
          await entry.expectError("status", { vault: nobody }, /^no contract at --vault 0x[0-9a-fA-F]{40} on/);
          await entry.expectError("status", { vault: market.token("USDC").address }, /is not a Ballast vault/);
          await entry.expectError("status", { vault: "0x1234" }, /--vault "0x1234" is not an address/);
          const saved = process.env[VAULT_ENV];
          delete process.env[VAULT_ENV];
          try {
            await entry.expectError("status", {}, /no vault given: pass --vault <address> or set BALLAST_VAULT/);
          } finally {
            if (saved !== undefined) process.env[VAULT_ENV] = saved;
          }
          await expect(readStatus(ethers.provider, nobody)).to.be.rejectedWith(OpsInputError, /no contract/);
        });
      });

      describe("deposit", function () {
        it("approves exactly the amount and deposits it for the previewed shares", async function () {
          const { vault, market, alice, vaultAddress } = await loadFixture(investedFixture);
          const usdc = market.token("USDC").contract;
          const amount = parseUnits("1000.5", 6);
          const preview = await vault.previewDeposit(amount);
          const before = await usdc.balanceOf(alice);

          const { result, output } = await entry.run<DepositResult>("deposit", {
            vault: vaultAddress,
            amount: "1000.5",
            from: alice.address,
          });
          expect(result.assets).to.equal(amount);
          expect(result.shares).to.equal(preview);
          expect(result.minShares).to.equal(preview);
          expect(result.receiver).to.equal(alice.address);
          expect(result.approvalTx).to.match(/^0x[0-9a-f]{64}$/);
          expect(await vault.balanceOf(alice)).to.equal(preview);
          expect(await usdc.balanceOf(alice)).to.equal(before - amount);
          // The exact approval was used up: no standing allowance is left behind.
          expect(await usdc.allowance(alice, vault)).to.equal(0n);
          expect(output).to.contain("approved 1,000.5 USDC");
          expect(output).to.contain("deposited 1,000.5 USDC for");
        });

        it("refuses too many decimals, a non-number, zero, a short balance, a minimum of shares above the preview, a paused vault", async function () {
          const { vault, market, alice, stranger, deployer, vaultAddress } = await loadFixture(investedFixture);
          const usdc = market.token("USDC").contract;
          const from = alice.address;
          await entry.expectError(
            "deposit",
            { vault: vaultAddress, amount: "1.1234567", from },
            /--amount 1.1234567 has 7 decimals but USDC has 6/,
          );
          await entry.expectError(
            "deposit",
            { vault: vaultAddress, amount: "1e6", from },
            /is not a decimal number of USDC/,
          );
          await entry.expectError("deposit", { vault: vaultAddress, amount: "-5", from }, /is not a decimal number/);
          await entry.expectError(
            "deposit",
            { vault: vaultAddress, amount: "0", from },
            /--amount must be more than 0 USDC/,
          );
          await entry.expectError(
            "deposit",
            { vault: vaultAddress, amount: "10", from: stranger.address },
            /holds 0 USDC, less than --amount 10/,
          );
          await entry.expectError("deposit", { vault: vaultAddress, amount: "100001", from }, /holds 100,000 USDC/);
          const preview = await vault.previewDeposit(parseUnits("1000", 6));
          await entry.expectError(
            "deposit",
            { vault: vaultAddress, amount: "1000", minShares: ethers.formatUnits(preview + 1n, 18), from },
            /--min-shares .* is more than the .* that 1000 USDC buys now \(previewDeposit\): nothing sent/,
          );
          await entry.expectError(
            "deposit",
            { vault: vaultAddress, amount: "1000", minShares: "1.0000000000000000001", from },
            /has 19 decimals but BLST has 18/,
          );
          await entry.expectError(
            "deposit",
            { vault: vaultAddress, amount: "10", receiver: "bob", from },
            /--receiver "bob"/,
          );
          await entry.expectError(
            "deposit",
            { vault: vaultAddress, amount: "10", from: "99" },
            /--from 99: network hardhat has \d+ accounts/,
          );
          await vault.connect(deployer).pause();
          await entry.expectError(
            "deposit",
            { vault: vaultAddress, amount: "10", from },
            /accepts no deposit .*: the vault is paused/,
          );
          // Nothing was sent by any refusal: no approval, no transfer.
          expect(await usdc.allowance(alice, vault)).to.equal(0n);
          expect(await usdc.balanceOf(alice)).to.equal(parseUnits("100000", 6));
        });
      });

      describe("redeem", function () {
        it("redeems shares for at least the previewed base asset", async function () {
          const { vault, market, bob, vaultAddress } = await loadFixture(investedFixture);
          const usdc = market.token("USDC").contract;
          const shares = parseUnits("1000", 18);
          const preview = await vault.previewRedeem(shares);
          const before = await usdc.balanceOf(bob);
          const { result, output } = await entry.run<RedeemResult>("redeem", {
            vault: vaultAddress,
            shares: "1000",
            from: bob.address,
          });
          expect(result.shares).to.equal(shares);
          expect(result.previewAssets).to.equal(preview);
          expect(result.assets).to.be.greaterThanOrEqual(preview);
          expect(await usdc.balanceOf(bob)).to.equal(before + result.assets);
          expect(output).to.match(/^redeemed 1,000 shares for [\d,.]+ USDC/);
        });

        it("redeems every share when asked for all", async function () {
          const { vault, bob, vaultAddress } = await loadFixture(investedFixture);
          const all = await vault.balanceOf(bob);
          const { result } = await entry.run<RedeemResult>("redeem", {
            vault: vaultAddress,
            all: true,
            minAssets: "400000",
            from: bob.address,
          });
          expect(result.shares).to.equal(all);
          expect(await vault.balanceOf(bob)).to.equal(0n);
        });

        it("refuses shares with all, neither, more shares than held, a minimum of assets above the preview, stale prices", async function () {
          const { vault, bob, stranger, vaultAddress } = await loadFixture(investedFixture);
          const from = bob.address;
          await entry.expectError(
            "redeem",
            { vault: vaultAddress, shares: "1", all: true, from },
            /either --shares <amount> or --all/,
          );
          await entry.expectError("redeem", { vault: vaultAddress, from }, /either --shares <amount> or --all/);
          await entry.expectError(
            "redeem",
            { vault: vaultAddress, shares: "10000000", from },
            /less than --shares 10000000/,
          );
          await entry.expectError(
            "redeem",
            { vault: vaultAddress, all: true, from: stranger.address },
            /holds no BLST/,
          );
          await entry.expectError(
            "redeem",
            { vault: vaultAddress, shares: "1000", minAssets: "2000", from },
            /--min-assets 2000 is more than the [\d,.]+ USDC these shares are guaranteed now \(previewRedeem\)/,
          );
          await time.increase(DAY + 1);
          await entry.expectError(
            "redeem",
            { vault: vaultAddress, shares: "1000", from },
            /redeem-in-kind always works/,
          );
          expect(await vault.balanceOf(bob)).to.be.greaterThan(parseUnits("400000", 18));
        });
      });

      describe("redeem-in-kind", function () {
        it("pays a slice of every basket token and prints each amount, even with stale prices", async function () {
          const { vault, market, bob, vaultAddress } = await loadFixture(investedFixture);
          await time.increase(DAY + 1); // no price needed
          const shares = parseUnits("5000", 18);
          const preview = await vault.previewRedeemInKind(shares);
          const { result, output } = await entry.run<InKindResult>("redeem-in-kind", {
            vault: vaultAddress,
            shares: "5000",
            from: bob.address,
          });
          expect(result.shares).to.equal(shares);
          expect(result.amounts.map((a) => a.symbol)).to.deep.equal(["USDC", "WETH", "WBTC", "LINK"]);
          expect(result.amounts.map((a) => a.amount)).to.deep.equal(preview);
          for (const a of result.amounts) {
            expect(a.amount).to.be.greaterThan(0n);
            expect(await market.token(a.symbol).contract.balanceOf(bob)).to.equal(a.amount);
            expect(output).to.contain(` ${a.symbol}`);
          }
          expect(output).to.contain("redeemed 5,000 shares in kind");
        });

        it("leaves the tokens to forfeit (symbol or address) in the vault and reports what they were", async function () {
          const { vault, market, bob, vaultAddress } = await loadFixture(investedFixture);
          const shares = parseUnits("5000", 18);
          const preview = await vault.previewRedeemInKind(shares);
          const { result, output } = await entry.run<InKindResult>("redeem-in-kind", {
            vault: vaultAddress,
            shares: "5000",
            forfeit: `wbtc, ${market.token("LINK").address}`,
            from: bob.address,
          });
          expect(result.amounts.map((a) => a.amount)).to.deep.equal([preview[0], preview[1], 0n, 0n]);
          expect(result.forfeited.map((f) => [f.symbol, f.amount])).to.deep.equal([
            ["WBTC", preview[2]],
            ["LINK", preview[3]],
          ]);
          expect(await market.token("WBTC").contract.balanceOf(bob)).to.equal(0n);
          expect(output).to.match(/forfeited [\d,.]+ WBTC \(left in the vault\)/);
          await entry.expectError(
            "redeem-in-kind",
            { vault: vaultAddress, shares: "1", forfeit: "DOGE", from: bob.address },
            /--forfeit DOGE: not a basket token \(USDC, WETH, WBTC, LINK\)/,
          );
        });

        it("refuses an account without shares and an unknown vault", async function () {
          const { stranger, vaultAddress } = await loadFixture(investedFixture);
          await entry.expectError(
            "redeem-in-kind",
            { vault: vaultAddress, all: true, from: stranger.address },
            /holds no BLST/,
          );
          await entry.expectError(
            "redeem-in-kind",
            { vault: Wallet.createRandom().address, all: true, from: stranger.address },
            /no contract at --vault/,
          );
          await expect(redeemInKind(stranger, { vault: vaultAddress, shares: "1" })).to.be.rejectedWith(
            OpsInputError,
            /holds 0 BLST, less than --shares 1/,
          );
        });
      });

      describe("rebalance", function () {
        it("rebalances a due vault and reports the trades", async function () {
          const { vault, rebalancer, policy, stranger, vaultAddress } = await loadFixture(depositedFixture);
          const { result, output } = await entry.run<RebalanceResult>("rebalance", {
            vault: vaultAddress,
            from: stranger.address,
          });
          // Given the vault, the task sends to the rebalancer the vault names; the stranger is the caller.
          expect(result.rebalancer).to.equal(await rebalancer.getAddress());
          expect((await ethers.provider.getTransaction(result.tx))?.to).to.equal(await rebalancer.getAddress());
          const mined = await ethers.provider.getTransactionReceipt(result.tx);
          const [event] = await vault.queryFilter(vault.filters.Rebalanced, mined?.blockNumber, mined?.blockNumber);
          expect([event.transactionHash, event.args.caller]).to.deep.equal([result.tx, stranger.address]);
          expect(result.statusBefore).to.equal("Due");
          expect(result.outcome.kind).to.equal("rebalanced");
          if (result.outcome.kind !== "rebalanced") return;
          expect(result.outcome.driftBeforeBps).to.equal(9_500n);
          expect(result.outcome.trades).to.equal(BigInt(result.outcome.swaps.length));
          expect(result.outcome.trades).to.be.greaterThan(0n);
          expect(output).to.match(/^rebalanced \(Due\): \d+ swap\(s\), drift 9500 -> \d+ bp/);

          // Still drifting (each trade is capped at 10% of NAV), but in the cooldown: status says until when.
          const s = await readStatus(ethers.provider, vaultAddress);
          const last = Number(await policy.lastRebalance(rebalancer));
          expect(last).to.equal(await time.latest());
          expect(s.rebalance.statusName).to.equal("Cooldown");
          expect(s.rebalance.nextAllowedAt).to.equal(last + COOLDOWN);
          expect(renderStatus(s)).to.match(/next allowed {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(in 10m\)/);
          const when = new Date((last + COOLDOWN) * 1000).toISOString().slice(0, 19).replace("T", " ");
          await entry.expectError(
            "rebalance",
            { vault: vaultAddress },
            new RegExp(`^no rebalance is due: Cooldown: .*next allowed at ${when} UTC \\(in 10m\\)`),
          );
        });

        it("reports a rebalance the rebalancer's cost gate skipped once mined, from the rebalancer's RebalanceSkipped", async function () {
          const { vault, rebalancer, policy, timelock, stranger, vaultAddress } = await loadFixture(depositedFixture);
          // Governance (the timelock, impersonated) has the gate count gas, valued through WETH's oracle,
          // at its bounds (5M gas and 1M a hop), for a benefit worth twice the trades' own cost: an
          // eth_call, at base fee 0, finds the rebalance worth it; a block at 1,000 gwei does not.
          const governor = await ethers.getImpersonatedSigner(await timelock.getAddress());
          await setBalance(governor.address, 10n ** 20n);
          const gasTokenOracle = (await vault.oracles())[1];
          const params = { maxCostRatioBps: 10_000, gasBase: 5_000_000, gasPerHop: 1_000_000, gasTokenOracle };
          const probe = 10n ** 14n;
          await policy.connect(governor).setCostParams({ benefitPerBpWad: probe, ...params });
          const [tradeCost, probeBenefit] = await rebalancer.rebalanceCost();
          await policy
            .connect(governor)
            .setCostParams({ benefitPerBpWad: (probe * 2n * tradeCost) / probeBenefit, ...params });
          expect((await rebalancer.rebalanceStatus())[0]).to.equal(Status.Due);

          await network.provider.send("hardhat_setNextBlockBaseFeePerGas", [ethers.toQuantity(1_000n * 10n ** 9n)]);
          await network.provider.send("evm_mine", []);
          const { result, output } = await entry.run<RebalanceResult>("rebalance", {
            vault: vaultAddress,
            from: stranger.address,
          });
          const mined = await ethers.provider.getTransactionReceipt(result.tx);
          const [skipped] = await rebalancer.queryFilter(
            rebalancer.filters.RebalanceSkipped,
            mined?.blockNumber,
            mined?.blockNumber,
          );
          expect(skipped.args.caller).to.equal(stranger.address);
          expect(skipped.args.cost).to.be.greaterThan(skipped.args.benefit);
          expect(result.outcome).to.deep.equal({
            kind: "skipped",
            cost: skipped.args.cost,
            benefit: skipped.args.benefit,
          });
          expect(
            await vault.queryFilter(vault.filters.Rebalanced, mined?.blockNumber, mined?.blockNumber),
          ).to.deep.equal([]);
          expect(output).to.match(/^no trade: the cost gate skipped it \(cost [\d,.]+ USDC > benefit [\d,.]+ USDC\)/);
        });

        it("refuses below the trigger band, and a non-vault", async function () {
          const { market, vaultAddress } = await loadFixture(investedFixture);
          const signer = (await ethers.getSigners())[0];
          await expect(rebalance(signer, { vault: vaultAddress })).to.be.rejectedWith(
            OpsInputError,
            /^no rebalance is due: NotDue: max drift \d+ bp is below the trigger band of 200 bp$/,
          );
          await entry.expectError("rebalance", { vault: "vault" }, /--vault "vault" is not an address/);
          await entry.expectError("rebalance", { vault: market.token("WETH").address }, /is not a Ballast vault/);
        });
      });

      describe("with breakers and the cost gate on", function () {
        it("the due rebalance records the trip, then status shows the tripped breaker and the gate's verdict; rebalance refuses until it resets", async function () {
          const { rebalancer, breakers, vaultAddress } = await loadFixture(guardedFixture);
          const due = await readStatus(ethers.provider, vaultAddress);
          // $500k 95% off target: removing the drift is worth far more than the trades cost.
          expect(due.rebalance.statusName).to.equal("Due");
          expect(due.cost.worthIt).to.be.true;
          // The gas, which the view cannot see in an eth_call, is estimated apart and valued through WETH's oracle.
          expect(due.cost.gas?.valueInBase).to.be.greaterThan(0n);
          expect(due.breaker).to.include({ tripped: false, enabled: true });
          expect(due.cost.maxCostRatioBps).to.equal(10_000n);
          expect(renderStatus(due)).to.match(
            /cost\/benefit {2}cost [\d,.]+ USDC vs benefit [\d,.]+ USDC \(worth it: the gate trades if cost <= benefit x 100.00%\)/,
          );

          // The pools are younger than the 30-minute TWAP window: the checks cannot run, and the due
          // rebalance, the first check, records the trip and trades nothing.
          const { result, output } = await entry.run<RebalanceResult>("rebalance", { vault: vaultAddress });
          const [, index, trippedAt] = await breakers.breaker(rebalancer);
          expect(result.outcome).to.deep.equal({ kind: "breaker-tripped", reason: "TwapUnavailable", index });
          expect(output).to.match(
            /^no trade: the circuit breakers stopped it \(TwapUnavailable, asset \d+\) \(tx 0x[0-9a-f]{64}\)$/,
          );

          expect(trippedAt).to.be.greaterThan(0n);
          const s = await readStatus(ethers.provider, vaultAddress);
          expect(s.breaker).to.include({
            tripped: true,
            reasonName: "TwapUnavailable",
            index: Number(index),
            trippedAt: Number(trippedAt),
            resetNotBefore: Number(trippedAt) + Number(RECOMMENDED_BREAKERS.cooldown),
          });
          expect(s.rebalance.statusName).to.equal("BreakerTripped");
          expect(renderStatus(s)).to.match(
            /breaker {7}TRIPPED: TwapUnavailable on \w+ at .*; holds until .* \(in 1h\), then the next healthy rebalance clears it/,
          );
          await entry.expectError(
            "rebalance",
            { vault: vaultAddress },
            /^no rebalance is due: BreakerTripped: TwapUnavailable on asset \d+/,
          );
        });
      });
    });
  }
});
