import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { parseUnits, Wallet } from "ethers";
import { ethers } from "hardhat";

import { readStatus, renderStatus } from "../../src/ops";
import type { DepositResult, InKindResult, RebalanceResult, RedeemResult, VaultStatus } from "../../src/ops";
import { DEFAULT_TRIGGERS } from "../../src/vault";
import { main as deposit } from "../../scripts/deposit";
import { main as rebalance } from "../../scripts/rebalance";
import { main as redeem } from "../../scripts/redeem";
import { main as redeemInKind } from "../../scripts/redeem-in-kind";
import { main as status } from "../../scripts/status";
import { depositedFixture, emptyFixture, investedFixture } from "../ops/helpers";

import { expectScriptError, runScript } from "./helpers";

const DAY = 24 * 60 * 60;
const COOLDOWN = Number(DEFAULT_TRIGGERS.cooldown);

/**
 * The operator scripts (scripts/status.ts, deposit.ts, redeem.ts, redeem-in-kind.ts, rebalance.ts)
 * on the Hardhat network, with the assertions of their tasks' tests (test/ops/flows.test.ts), the
 * parameters given as the environment variables a user sets.
 */
describe("operator scripts", function () {
  describe("scripts/status.ts", function () {
    it("prints the table, and the same numbers as JSON with JSON=true", async function () {
      const { rebalancer, policy, vaultAddress } = await loadFixture(investedFixture);
      const { output } = await runScript<VaultStatus>(status, { BALLAST_VAULT: vaultAddress });
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
      const { result, output: json } = await runScript<VaultStatus>(status, {
        BALLAST_VAULT: vaultAddress,
        JSON: "true",
      });
      const parsed = JSON.parse(json) as { nav: string; assets: { symbol: string; weightBps: string }[] };
      expect(parsed.nav).to.equal(result.nav.toString());
      expect(parsed.assets.map((a) => a.symbol)).to.deep.equal(["USDC", "WETH", "WBTC", "LINK"]);
      expect(parsed.assets[1].weightBps).to.equal(result.assets[1].weightBps.toString());
    });

    it("refuses an address without a contract, a contract that is not a vault, a malformed address, none, and JSON=maybe", async function () {
      const { market } = await loadFixture(emptyFixture);
      const nobody = Wallet.createRandom().address;
      await expectScriptError(status, { BALLAST_VAULT: nobody }, /^no contract at --vault 0x[0-9a-fA-F]{40} on/);
      await expectScriptError(status, { BALLAST_VAULT: market.token("USDC").address }, /is not a Ballast vault/);
      const printed = await expectScriptError(
        status,
        { BALLAST_VAULT: "0x1234" },
        /--vault "0x1234" is not an address/,
        ["status"],
      );
      // The runner names the variable behind the flag the message speaks of.
      expect(printed).to.match(
        /^Error: --vault "0x1234" is not an address.*\n\(--vault is BALLAST_VAULT for this script\)$/,
      );
      await expectScriptError(status, {}, /no vault given: pass --vault <address> or set BALLAST_VAULT/);
      await expectScriptError(
        status,
        { BALLAST_VAULT: nobody, JSON: "maybe" },
        /Invalid value maybe for argument JSON of type boolean/,
      );
    });
  });

  describe("scripts/deposit.ts", function () {
    it("approves exactly the amount and deposits it for the previewed shares", async function () {
      const { vault, market, alice, vaultAddress } = await loadFixture(investedFixture);
      const usdc = market.token("USDC").contract;
      const amount = parseUnits("1000.5", 6);
      const preview = await vault.previewDeposit(amount);
      const before = await usdc.balanceOf(alice);

      const { result, output } = await runScript<DepositResult>(deposit, {
        BALLAST_VAULT: vaultAddress,
        AMOUNT: "1000.5",
        FROM: alice.address,
      });
      expect(result.assets).to.equal(amount);
      expect(result.shares).to.equal(preview);
      expect(result.minShares).to.equal(preview);
      expect(result.receiver).to.equal(alice.address);
      expect(result.approvalTx).to.match(/^0x[0-9a-f]{64}$/);
      expect(await vault.balanceOf(alice)).to.equal(preview);
      expect(await usdc.balanceOf(alice)).to.equal(before - amount);
      expect(await usdc.allowance(alice, vault)).to.equal(0n);
      expect(output).to.contain("approved 1,000.5 USDC");
      expect(output).to.contain("deposited 1,000.5 USDC for");
    });

    it("refuses no AMOUNT, too many decimals, zero, a short balance, MIN_SHARES above the preview, a bad FROM, a paused vault", async function () {
      const { vault, market, alice, stranger, deployer, vaultAddress } = await loadFixture(investedFixture);
      const usdc = market.token("USDC").contract;
      const env = { BALLAST_VAULT: vaultAddress, FROM: alice.address };
      await expectScriptError(deposit, env, /^set AMOUNT: how much of the base asset/);
      await expectScriptError(
        deposit,
        { ...env, AMOUNT: "1.1234567" },
        /--amount 1.1234567 has 7 decimals but USDC has 6/,
      );
      await expectScriptError(deposit, { ...env, AMOUNT: "1e6" }, /is not a decimal number of USDC/);
      await expectScriptError(deposit, { ...env, AMOUNT: "0" }, /--amount must be more than 0 USDC/);
      await expectScriptError(
        deposit,
        { ...env, AMOUNT: "10", FROM: stranger.address },
        /holds 0 USDC, less than --amount 10/,
      );
      const preview = await vault.previewDeposit(parseUnits("1000", 6));
      const printed = await expectScriptError(
        deposit,
        { ...env, AMOUNT: "1000", MIN_SHARES: ethers.formatUnits(preview + 1n, 18) },
        /--min-shares .* is more than the .* that 1000 USDC buys now \(previewDeposit\): nothing sent/,
        ["deposit"],
      );
      expect(printed).to.match(/\n\(--min-shares is MIN_SHARES for this script\)$/);
      await expectScriptError(deposit, { ...env, AMOUNT: "10", RECEIVER: "bob" }, /--receiver "bob"/);
      await expectScriptError(
        deposit,
        { ...env, AMOUNT: "10", FROM: "99" },
        /--from 99: network hardhat has \d+ accounts/,
      );
      await vault.connect(deployer).pause();
      await expectScriptError(deposit, { ...env, AMOUNT: "10" }, /accepts no deposit .*: the vault is paused/);
      expect(await usdc.allowance(alice, vault)).to.equal(0n);
      expect(await usdc.balanceOf(alice)).to.equal(parseUnits("100000", 6));
    });
  });

  describe("scripts/redeem.ts", function () {
    it("redeems shares for at least the previewed base asset, and every share with ALL=true", async function () {
      const { vault, market, bob, vaultAddress } = await loadFixture(investedFixture);
      const usdc = market.token("USDC").contract;
      const shares = parseUnits("1000", 18);
      const preview = await vault.previewRedeem(shares);
      const before = await usdc.balanceOf(bob);
      const { result, output } = await runScript<RedeemResult>(redeem, {
        BALLAST_VAULT: vaultAddress,
        SHARES: "1000",
        FROM: bob.address,
      });
      expect(result.shares).to.equal(shares);
      expect(result.previewAssets).to.equal(preview);
      expect(result.assets).to.be.greaterThanOrEqual(preview);
      expect(await usdc.balanceOf(bob)).to.equal(before + result.assets);
      expect(output).to.match(/^redeemed 1,000 shares for [\d,.]+ USDC/);

      const all = await vault.balanceOf(bob);
      const { result: everything } = await runScript<RedeemResult>(redeem, {
        BALLAST_VAULT: vaultAddress,
        ALL: "true",
        MIN_ASSETS: "400000",
        FROM: bob.address,
      });
      expect(everything.shares).to.equal(all);
      expect(await vault.balanceOf(bob)).to.equal(0n);
    });

    it("refuses SHARES with ALL, neither, more shares than held, MIN_ASSETS above the preview, stale prices", async function () {
      const { vault, bob, stranger, vaultAddress } = await loadFixture(investedFixture);
      const env = { BALLAST_VAULT: vaultAddress, FROM: bob.address };
      await expectScriptError(redeem, { ...env, SHARES: "1", ALL: "true" }, /either --shares <amount> or --all/);
      const printed = await expectScriptError(redeem, env, /either --shares <amount> or --all/, ["redeem"]);
      expect(printed).to.contain("(--shares is SHARES, --all is ALL for this script)");
      await expectScriptError(redeem, { ...env, SHARES: "10000000" }, /less than --shares 10000000/);
      await expectScriptError(redeem, { ...env, ALL: "true", FROM: stranger.address }, /holds no BLST/);
      await expectScriptError(
        redeem,
        { ...env, SHARES: "1000", MIN_ASSETS: "2000" },
        /--min-assets 2000 is more than the [\d,.]+ USDC these shares are guaranteed now \(previewRedeem\)/,
      );
      await time.increase(DAY + 1);
      await expectScriptError(redeem, { ...env, SHARES: "1000" }, /redeem-in-kind always works/);
      expect(await vault.balanceOf(bob)).to.be.greaterThan(parseUnits("400000", 18));
    });
  });

  describe("scripts/redeem-in-kind.ts", function () {
    it("pays a slice of every basket token and prints each amount, even with stale prices", async function () {
      const { vault, market, bob, vaultAddress } = await loadFixture(investedFixture);
      await time.increase(DAY + 1);
      const shares = parseUnits("5000", 18);
      const preview = await vault.previewRedeemInKind(shares);
      const { result, output } = await runScript<InKindResult>(redeemInKind, {
        BALLAST_VAULT: vaultAddress,
        SHARES: "5000",
        FROM: bob.address,
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

    it("FORFEIT leaves the named tokens (symbol or address) in the vault and reports what they were", async function () {
      const { vault, market, bob, vaultAddress } = await loadFixture(investedFixture);
      const shares = parseUnits("5000", 18);
      const preview = await vault.previewRedeemInKind(shares);
      const { result, output } = await runScript<InKindResult>(redeemInKind, {
        BALLAST_VAULT: vaultAddress,
        SHARES: "5000",
        FORFEIT: `wbtc, ${market.token("LINK").address}`,
        FROM: bob.address,
      });
      expect(result.amounts.map((a) => a.amount)).to.deep.equal([preview[0], preview[1], 0n, 0n]);
      expect(result.forfeited.map((f) => [f.symbol, f.amount])).to.deep.equal([
        ["WBTC", preview[2]],
        ["LINK", preview[3]],
      ]);
      expect(await market.token("WBTC").contract.balanceOf(bob)).to.equal(0n);
      expect(output).to.match(/forfeited [\d,.]+ WBTC \(left in the vault\)/);
      await expectScriptError(
        redeemInKind,
        { BALLAST_VAULT: vaultAddress, SHARES: "1", FORFEIT: "DOGE", FROM: bob.address },
        /--forfeit DOGE: not a basket token \(USDC, WETH, WBTC, LINK\)/,
      );
    });
  });

  describe("scripts/rebalance.ts", function () {
    it("rebalances a due vault and reports the trades; then refuses in the cooldown, saying until when", async function () {
      const { vault, rebalancer, policy, stranger, vaultAddress } = await loadFixture(depositedFixture);
      const { result, output } = await runScript<RebalanceResult>(rebalance, {
        BALLAST_VAULT: vaultAddress,
        FROM: stranger.address,
      });
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

      const s = await readStatus(ethers.provider, vaultAddress);
      const last = Number(await policy.lastRebalance(rebalancer));
      expect(last).to.equal(await time.latest());
      expect(s.rebalance.statusName).to.equal("Cooldown");
      expect(s.rebalance.nextAllowedAt).to.equal(last + COOLDOWN);
      expect(renderStatus(s)).to.match(/next allowed {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(in 10m\)/);
      const when = new Date((last + COOLDOWN) * 1000).toISOString().slice(0, 19).replace("T", " ");
      await expectScriptError(
        rebalance,
        { BALLAST_VAULT: vaultAddress },
        new RegExp(`^no rebalance is due: Cooldown: .*next allowed at ${when} UTC \\(in 10m\\)`),
      );
    });

    it("refuses below the trigger band, and a non-vault", async function () {
      const { market, vaultAddress } = await loadFixture(investedFixture);
      await expectScriptError(
        rebalance,
        { BALLAST_VAULT: vaultAddress },
        /^no rebalance is due: NotDue: max drift \d+ bp is below the trigger band of 200 bp$/,
      );
      await expectScriptError(rebalance, { BALLAST_VAULT: "vault" }, /--vault "vault" is not an address/);
      await expectScriptError(rebalance, { BALLAST_VAULT: market.token("WETH").address }, /is not a Ballast vault/);
    });
  });
});
