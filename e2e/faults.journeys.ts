/// <reference lib="dom" />
/**
 * Journeys 10-15: a revert by name, the paused vault, a breaker after a feed outage, the slippage
 * protection, the governance page (the rebalancer, its policy, pending operations), keyboard and 390 px. The journeys that break something run in
 * an EVM snapshot and revert it, so that each starts from the same chain.
 */
import { expect } from "chai";
import { ZeroAddress, ZeroHash, id as keccakText } from "ethers";
import type { Interface, Signer } from "ethers";
import hre from "hardhat";

import { DEFAULT_TRIGGERS } from "../src/vault/deployVault";
import { BallastPolicy__factory, BallastRebalancer__factory } from "../typechain-types";

import {
  approve,
  chooseFlow,
  connectWallet,
  DESKTOP,
  enterAmount,
  MOBILE,
  openApp,
  screenshots,
  txSettled,
} from "./harness";
import type { World } from "./harness";

/** Runs `body` in an EVM snapshot, reverted afterwards even when it fails. */
async function inSnapshot(body: () => Promise<void>): Promise<void> {
  const snapshot = (await hre.network.provider.send("evm_snapshot", [])) as string;
  try {
    await body();
  } finally {
    await hre.network.provider.send("evm_revert", [snapshot]);
  }
}

export function faultJourneys(world: () => World): void {
  let operator: Signer;
  let user: Signer;
  let me: string;
  before(async () => {
    [operator, user] = await hre.ethers.getSigners();
    me = await user.getAddress();
  });
  const vault = () => world().devnet.vault;
  const rebalancer = () => world().devnet.rebalancer;
  const market = () => world().devnet.market;
  const breakFeed = (symbol: string) =>
    market()
      .token(symbol)
      .feed.connect(market().deployer)
      .setAnswer(0)
      .then((tx) => tx.wait());

  it("10 a revert shown by its custom error's name and a sentence (WETH's feed down)", async () => {
    await inSnapshot(async () => {
      await breakFeed("WETH");
      const weth = market().token("WETH").address;
      // The chain's own answer: the preview reverts with BallastPriceUnavailable(WETH).
      const error = await vault()
        .previewDeposit(10n ** 9n)
        .then(() => undefined)
        .catch((e: { data?: string }) => e.data);
      const parsed = vault().interface.parseError(error ?? "0x");
      expect(parsed?.name).to.equal("BallastPriceUnavailable");
      expect(parsed?.args[0]).to.equal(weth);
      const { context, page } = await openApp(world(), { account: me });
      await connectWallet(page);
      await enterAmount(page, "1000");
      expect(await page.getByTestId("preview-error").innerText()).to.equal("BallastPriceUnavailable(WETH)");
      expect(await page.getByTestId("preview").innerText()).to.contain(
        "WETH's price feed is not answering; exits in kind still work.",
      );
      expect(await page.getByRole("button", { name: "Deposit", exact: true }).isDisabled()).to.equal(true);
      // In kind stays offered and previews.
      await chooseFlow(page, "Exit in kind");
      await enterAmount(page, "10");
      expect(await page.locator('fieldset[data-testid="preview"]').innerText()).to.contain("WETH");
      await screenshots(page, "10-revert-by-name");
      await context.close();
    });
  });

  it("11 paused vault: deposits halted, an exit in kind still works", async () => {
    await inSnapshot(async () => {
      await (await vault().connect(operator).pause()).wait();
      const { context, page } = await openApp(world(), { account: me });
      await connectWallet(page);
      expect(await page.getByTestId("status").getAttribute("data-status")).to.equal("Paused");
      await enterAmount(page, "100");
      await page.getByTestId("deposits-halted").waitFor();
      expect(await page.getByRole("button", { name: "Deposit", exact: true }).isDisabled()).to.equal(true);
      await chooseFlow(page, "Exit in kind");
      const shares = await vault().balanceOf(me);
      await enterAmount(page, "100");
      await approve(page);
      await page.getByRole("button", { name: "Redeem in kind", exact: true }).click();
      const hash = await txSettled(page, "Redeem in kind", "confirmed");
      const rc = await hre.ethers.provider.getTransactionReceipt(hash as string);
      expect(rc?.logs.some((l) => vault().interface.parseLog(l)?.name === "RedeemedInKind")).to.equal(true);
      expect(await vault().paused()).to.equal(true);
      expect(shares - (await vault().balanceOf(me))).to.equal(100n * 10n ** 18n);
      await screenshots(page, "11-paused");
      await context.close();
    });
  });

  it("12 breaker after a feed outage nobody recorded: reason and asset shown, in kind offered", async () => {
    await inSnapshot(async () => {
      const price = await market().feedPrice("WETH");
      // WETH's feed fails and recovers with no transaction to the vault in between.
      await breakFeed("WETH");
      await market().setFeedPrice("WETH", price);
      // A large deposit makes a rebalance due (the base far above its target weight).
      const usdc = market().token("USDC");
      const amount = 600_000n * 10n ** BigInt(usdc.decimals);
      await market().fund(await operator.getAddress(), "USDC", amount);
      await (await usdc.contract.connect(operator).approve(vault(), amount)).wait();
      await (
        await vault()
          .connect(operator)
          .deposit(amount, await operator.getAddress())
      ).wait();
      // The breakers read the outage from the feed's own rounds: the due rebalance is refused for
      // their cooldown, and nothing is recorded.
      const rebalancerAddress = await rebalancer().getAddress();
      const [status] = await rebalancer().rebalanceStatus();
      expect(status).to.equal(6n); // Status.BreakerTripped
      const [recorded] = await world().devnet.breakers.breaker(rebalancerAddress);
      expect(recorded).to.equal(0n);
      const { context, page } = await openApp(world(), { account: me });
      await connectWallet(page);
      expect(await page.getByTestId("status").getAttribute("data-status")).to.equal("BreakerTripped");
      expect(await page.getByTestId("status").innerText()).to.contain("InvalidPrice on WETH");
      await chooseFlow(page, "Exit in kind");
      await enterAmount(page, "10");
      expect(await page.getByRole("button", { name: "Approve", exact: true }).isEnabled()).to.equal(true);
      await screenshots(page, "12-breaker-tripped");
      // A refusal records nothing: the governance page's history (the breakers' events) has no trip.
      await page.evaluate(() => {
        location.hash = "#/governance";
      });
      await page.waitForSelector('p[data-testid="breaker-history"]', { timeout: 30_000 });
      expect(await page.getByTestId("breaker-history").innerText()).to.equal("No trip recorded.");
      await context.close();
    });
  });

  it("13 slippage protection: a price move past the tolerance refuses the deposit", async () => {
    await inSnapshot(async () => {
      const { context, page } = await openApp(world(), { account: me });
      await connectWallet(page);
      await enterAmount(page, "5000");
      await approve(page);
      await page.getByTestId("preview-out").waitFor();
      const usdc = market().token("USDC").contract;
      const [shares, base, nonce] = await Promise.all([
        vault().balanceOf(me),
        usdc.balanceOf(me),
        hre.ethers.provider.getTransactionCount(me),
      ]);
      // Between the preview and the send, WETH's feed jumps 5%: NAV up ~2%, 2% fewer shares, past 0.5%.
      await market().setFeedPrice("WETH", (await market().feedPrice("WETH")) * 1.05);
      await page.getByRole("button", { name: "Deposit", exact: true }).click();
      await txSettled(page, "Deposit", "failed");
      const text = (await page.getByTestId("tx").innerText()) ?? "";
      expect(text).to.contain("BallastRouterTooFewShares(");
      expect(text).to.contain("The price moved beyond your slippage tolerance");
      expect(await vault().balanceOf(me)).to.equal(shares);
      expect(await usdc.balanceOf(me)).to.equal(base);
      expect(await hre.ethers.provider.getTransactionCount(me)).to.equal(nonce);
      await screenshots(page, "13-slippage-refused");
      await context.close();
    });
  });

  it("14 governance page: the rebalancer, its policy and breakers, parameters with bounds, pending timelock operations decoded, breaker history", async () => {
    await inSnapshot(async () => {
      const timelock = world().devnet.timelock;
      if (!timelock) throw new Error("the devnet has no timelock");
      const vaultAddress = await vault().getAddress();
      const rebalancerAddress = await rebalancer().getAddress();
      const policyAddress = await world().devnet.policy.getAddress();
      const timelockAddress = await timelock.getAddress();
      expect(await vault().rebalancer()).to.equal(rebalancerAddress);
      expect(await rebalancer().policy()).to.equal(policyAddress);
      // What governance might queue: a fee change, another policy for the rebalancer, another rebalancer.
      const nextPolicy = await new BallastPolicy__factory(operator).deploy(timelockAddress, DEFAULT_TRIGGERS);
      const nextPolicyAddress = await nextPolicy.getAddress();
      const nextRebalancer = await new BallastRebalancer__factory(operator).deploy(
        vaultAddress,
        nextPolicyAddress,
        await rebalancer().breakers(),
        await rebalancer().planner(),
        timelockAddress,
      );
      const nextRebalancerAddress = await nextRebalancer.getAddress();
      const calls = [
        {
          target: vaultAddress,
          data: (vault().interface as Interface).encodeFunctionData("setFeeParams", [[0, 25, 0, ZeroAddress]]),
        },
        {
          target: rebalancerAddress,
          data: (rebalancer().interface as Interface).encodeFunctionData("setPolicy", [nextPolicyAddress]),
        },
        {
          target: vaultAddress,
          data: (vault().interface as Interface).encodeFunctionData("setRebalancer", [nextRebalancerAddress]),
        },
      ];
      const delay = await timelock.getMinDelay();
      for (const [i, { target, data }] of calls.entries()) {
        const salt = keccakText(`e2e-governance-${i}`);
        await (await timelock.connect(operator).schedule(target, 0, data, ZeroHash, salt, delay)).wait();
        const opId = await timelock.hashOperation(target, 0, data, ZeroHash, salt);
        expect(await timelock.isOperationPending(opId)).to.equal(true);
      }
      const { context, page } = await openApp(world(), undefined, "#/governance");
      await page.waitForSelector('ul[data-testid="pending"]', { timeout: 30_000 });
      expect(await page.getByTestId("contract-vault").innerText()).to.equal(vaultAddress);
      expect(await page.getByTestId("contract-rebalancer").innerText()).to.equal(rebalancerAddress);
      expect(await page.getByTestId("contract-policy").innerText()).to.equal(policyAddress);
      expect(await page.getByTestId("contract-breakers").innerText()).to.equal(
        await world().devnet.breakers.getAddress(),
      );
      expect(await page.getByTestId("contract-timelock").innerText()).to.equal(timelockAddress);
      const pending = await page.locator('ul[data-testid="pending"] > li code.wrap').allInnerTexts();
      expect(pending).to.deep.equal([
        `vault.setFeeParams(params=(0, 25, 0, ${ZeroAddress}))`,
        `rebalancer.setPolicy(newPolicy=${nextPolicyAddress})`,
        `vault.setRebalancer(newRebalancer=${nextRebalancerAddress})`,
      ]);
      const params = (await page.locator('[data-testid="parameters"]').allTextContents()).join(" ");
      expect(params).to.contain("triggerBandBps");
      expect(params).to.contain(`≤ ${await world().devnet.policy.MAX_TRIGGER_BAND_BPS()}`);
      await page.getByTestId("breaker-history").waitFor();
      await screenshots(page, "14-governance");
      await context.close();
    });
  });

  it("15 keyboard only at 390 px: connect, type an amount, approve", async () => {
    const { context, page } = await openApp(world(), { account: me });
    await page.setViewportSize(MOBILE);
    const router = await world().devnet.router.getAddress();
    const usdc = market().token("USDC").contract;
    // Tab to the wallet button and press Enter: no mouse.
    const tabTo = async (matches: () => boolean | Promise<boolean>) => {
      for (let i = 0; i < 60; i++) {
        await page.keyboard.press("Tab");
        if (await matches()) return;
      }
      throw new Error("never reached by Tab");
    };
    const focused = () =>
      page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        return { text: el?.getAttribute("aria-label") ?? el?.textContent?.trim() ?? "", id: el?.id ?? "" };
      });
    await tabTo(async () => (await focused()).text === "Connect wallet");
    await page.keyboard.press("Enter");
    await page.waitForSelector('[data-testid="position-shares"]');
    await tabTo(async () => (await focused()).id === "amount");
    await page.keyboard.type("25");
    await page.getByTestId("preview-out").waitFor();
    await tabTo(async () => (await focused()).text === "Approve");
    await page.keyboard.press("Enter");
    await txSettled(page, "Approve", "confirmed");
    expect(await usdc.allowance(me, router)).to.equal(25_000_000n);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, "nothing wider than 390 px").to.be.at.most(0);
    await page.setViewportSize(DESKTOP);
    await screenshots(page, "15-keyboard");
    await context.close();
  });
}
