/// <reference lib="dom" />
/**
 * Journeys 1-9: reading, connecting, the network, entering and leaving, a rejection. Each ends
 * by asserting what the chain says (balances, shares, allowances, events), then screenshots.
 */
import { expect } from "chai";
import type { Signer, TransactionReceipt } from "ethers";
import hre from "hardhat";
import type { Page } from "playwright-core";

import { statusName } from "../src/vault/enums";

import { approve, chooseFlow, connectWallet, enterAmount, openApp, screenshots, txSettled } from "./harness";
import type { FlowLabel, World } from "./harness";

export interface Timing {
  firstRenderMs?: number;
}

async function receipt(hash: string | undefined): Promise<TransactionReceipt> {
  expect(hash, "the page shows the transaction's hash").to.match(/^0x[0-9a-f]{64}$/);
  const found = await hre.ethers.provider.getTransactionReceipt(hash as string);
  expect(found, "the hash the page shows is a mined transaction").to.not.equal(null);
  return found as TransactionReceipt;
}

export function flowJourneys(world: () => World, timing: Timing): void {
  let user: Signer;
  let me: string;
  before(async () => {
    user = (await hre.ethers.getSigners())[1];
    me = await user.getAddress();
  });

  const usdc = () => world().devnet.market.token("USDC").contract;
  const vault = () => world().devnet.vault;
  const rebalancer = () => world().devnet.rebalancer;
  const router = () => world().devnet.router;

  /** The app as `me`, with the wallet connected, on `flow` when given (else the default, Deposit). */
  async function openConnected(flow?: FlowLabel) {
    const opened = await openApp(world(), { account: me });
    await connectWallet(opened.page);
    if (flow) await chooseFlow(opened.page, flow);
    return opened;
  }

  /** What `me` holds of the vault's shares and of the base asset. */
  const holdings = () => Promise.all([vault().balanceOf(me), usdc().balanceOf(me)]);

  /** Clicks the flow's button and waits for its transaction to confirm: the receipt of the hash shown. */
  async function send(page: Page, action: string): Promise<TransactionReceipt> {
    await page.getByRole("button", { name: action, exact: true }).click();
    return receipt(await txSettled(page, action, "confirmed"));
  }

  /** The first of the vault's events named `name` in a receipt. */
  const vaultEvent = (rc: TransactionReceipt, name: string) =>
    rc.logs.map((l) => vault().interface.parseLog(l)).find((e) => e?.name === name);

  /**
   * Approves and sends the amount entered on an exit in the base asset (the button `action`): the
   * vault's Withdraw event, the shares `me` spent and the base asset `me` received.
   */
  async function exitToBase(page: Page, action: string) {
    const [sharesBefore, baseBefore] = await holdings();
    await approve(page);
    const withdraw = vaultEvent(await send(page, action), "Withdraw");
    const [sharesAfter, baseAfter] = await holdings();
    return { withdraw, sharesSpent: sharesBefore - sharesAfter, baseReceived: baseAfter - baseBefore };
  }

  it("01 read-only: NAV, share price, basket and status without a wallet", async () => {
    const { context, page } = await openApp(world());
    const nav = await vault().totalAssets();
    const navText = (await page.getByTestId("nav").innerText()) ?? "";
    // The page shows the chain's NAV, in whole USDC with grouping.
    expect(navText.replace(/[^0-9.]/g, "").split(".")[0]).to.equal((nav / 10n ** 6n).toString());
    const tokens = await vault().basketTokens();
    expect(await page.locator('[data-testid="basket"] tbody tr').count()).to.equal(tokens.length);
    // The status is the rebalancer's (the vault has none of its own since the split).
    expect(await vault().rebalancer()).to.equal(await rebalancer().getAddress());
    const [status] = await rebalancer().rebalanceStatus();
    expect(await page.getByTestId("status").getAttribute("data-status")).to.equal(statusName(status));
    expect(statusName(status)).to.be.oneOf(["NotDue", "Cooldown", "Due", "DueByCalendar", "Uneconomic"]);
    // The devnet's opening investment rebalanced through the rebalancer; the page lists the vault's
    // Rebalanced events (the newest ten), each with the Swapped events of its transaction.
    const rebalanced = await vault().queryFilter(vault().filters.Rebalanced());
    expect(rebalanced.length).to.be.greaterThan(0);
    const listed = page.locator('[data-testid="rebalances"] > li');
    expect(await listed.count()).to.equal(Math.min(10, rebalanced.length));
    const newest = rebalanced[rebalanced.length - 1];
    const swaps = await vault().queryFilter(vault().filters.Swapped(), newest.blockNumber, newest.blockNumber);
    const swapsOfNewest = swaps.filter((e) => e.transactionHash === newest.transactionHash);
    expect(await listed.first().locator("li").count()).to.equal(swapsOfNewest.length);
    expect(await listed.first().innerText()).to.match(new RegExp(`^Block ${newest.blockNumber}:`));
    expect(await page.locator("#weights-chart").count()).to.equal(1);
    timing.firstRenderMs = await page.evaluate(
      () => performance.getEntriesByName("ballast:first-meaningful-render")[0]?.startTime ?? -1,
    );
    expect(timing.firstRenderMs).to.be.greaterThan(0);
    const marks = await page.evaluate(() =>
      performance
        .getEntriesByType("mark")
        .filter((m) => m.name.startsWith("ballast:"))
        .map((m) => `${m.name.slice(8)} ${m.startTime.toFixed(0)}`),
    );
    console.log(`      marks (ms from navigation): ${marks.join(", ")}`);
    expect(await page.getByRole("button", { name: "Deposit", exact: true }).count()).to.equal(0);
    await screenshots(page, "01-read-only");
    await context.close();
  });

  it("02 connect: the wallet found by EIP-6963, account, network and position", async () => {
    const { context, page } = await openConnected();
    expect(await page.getByTestId("account").getAttribute("title")).to.equal(me);
    expect(await page.getByTestId("network").innerText()).to.contain("Ballast local");
    const shares = await vault().balanceOf(me);
    const base = await usdc().balanceOf(me);
    expect(shares).to.equal(0n);
    expect(await page.getByTestId("position-shares").innerText()).to.equal("0");
    expect((await page.getByTestId("wallet-base").innerText())?.replace(/,/g, "")).to.equal(
      (base / 10n ** 6n).toString(),
    );
    await page.getByRole("button", { name: /Add .* token to wallet/ }).click();
    await page.getByTestId("notice").waitFor();
    expect(
      await page.evaluate(
        () => (window as unknown as { __testWallet: { watched: unknown[] } }).__testWallet.watched.length,
      ),
    ).to.equal(1);
    // The wallet switches accounts: the page follows without a reload.
    const second = await (await hre.ethers.getSigners())[3].getAddress();
    await page.evaluate(
      (account) =>
        (window as unknown as { __testWallet: { setAccount(a: string): void } }).__testWallet.setAccount(account),
      second,
    );
    await page.waitForSelector(`[data-testid="account"][title="${second}"]`);
    await page.waitForSelector('body[data-refreshing="false"]');
    expect((await page.getByTestId("wallet-base").innerText()).replace(/,/g, "")).to.equal(
      ((await usdc().balanceOf(second)) / 10n ** 6n).toString(),
    );
    await screenshots(page, "02-connect");
    await context.close();
  });

  it("03 wrong network: switch, adding the chain to the wallet first", async () => {
    const other = await (await hre.ethers.getSigners())[2].getAddress();
    const { context, page } = await openApp(world(), { account: other, chainId: "0x1", knownChains: ["0x1"] });
    await page.getByRole("button", { name: "Connect wallet", exact: true }).click();
    await page.getByTestId("wrong-network").waitFor();
    await page.getByRole("button", { name: /Switch to/ }).click();
    await page.waitForSelector('[data-testid="position-shares"]', { timeout: 30_000 });
    const wallet = await page.evaluate(() => {
      const w = (window as unknown as { __testWallet: { chainId(): string; requests: string[] } }).__testWallet;
      return { chainId: w.chainId(), requests: w.requests };
    });
    expect(wallet.chainId).to.equal("0x7a69");
    expect(wallet.requests).to.include.members(["wallet_switchEthereumChain", "wallet_addEthereumChain"]);
    // The position now read on the node's chain: the account's real balance.
    const base = await usdc().balanceOf(other);
    expect((await page.getByTestId("wallet-base").innerText())?.replace(/,/g, "")).to.equal(
      (base / 10n ** 6n).toString(),
    );
    await screenshots(page, "03-wrong-network-switched");
    await context.close();
  });

  it("04 approve (exact amount) and deposit through the router with a minimum", async () => {
    const { context, page } = await openConnected();
    const amount = 10_000n * 10n ** 6n;
    const [sharesBefore, baseBefore] = await holdings();
    await enterAmount(page, "10,000");
    const charge = (await page.getByTestId("preview-charge").innerText()).trim();
    expect(charge).to.match(/^\d+(\.\d+)?%/);
    await approve(page);
    expect(await usdc().allowance(me, await router().getAddress())).to.equal(amount);
    const rc = await send(page, "Deposit");
    // Every step shown, with the block the chain put it in.
    expect(await page.getByTestId("tx-steps").innerText()).to.match(
      new RegExp(`Pending[\\s\\S]*Included in block ${rc.blockNumber}[\\s\\S]*Confirmed`),
    );
    const deposit = vaultEvent(rc, "Deposit");
    expect(deposit?.args.owner).to.equal(me);
    expect(deposit?.args.assets).to.equal(amount);
    const sharesAfter = await vault().balanceOf(me);
    expect(sharesAfter - sharesBefore).to.equal(deposit?.args.shares);
    expect(baseBefore - (await usdc().balanceOf(me))).to.equal(amount);
    expect(await usdc().allowance(me, await router().getAddress())).to.equal(0n);
    // The position refreshed after the transaction.
    await page.waitForFunction(
      (text) => document.querySelector('[data-testid="position-shares"]')?.textContent !== text,
      "0",
    );
    await screenshots(page, "04-deposit");
    await context.close();
  });

  it("05 redeem shares in the base asset", async () => {
    const { context, page } = await openConnected("Exit by shares");
    await enterAmount(page, "1000");
    expect((await page.getByTestId("preview-sells").innerText()).trim()).to.match(/^(Yes|No)/);
    const { withdraw, sharesSpent, baseReceived } = await exitToBase(page, "Redeem");
    expect(withdraw?.args.owner).to.equal(me);
    expect(sharesSpent).to.equal(10n ** 21n);
    expect(baseReceived).to.equal(withdraw?.args.assets);
    await screenshots(page, "05-redeem");
    await context.close();
  });

  it("06 withdraw an amount of the base asset", async () => {
    const { context, page } = await openConnected("Exit by amount");
    await enterAmount(page, "250.5");
    const { withdraw, sharesSpent, baseReceived } = await exitToBase(page, "Withdraw");
    expect(baseReceived).to.equal(250_500_000n);
    expect(sharesSpent).to.equal(withdraw?.args.shares);
    await screenshots(page, "06-withdraw");
    await context.close();
  });

  it("07 redeem in kind: a slice of every token", async () => {
    const { context, page } = await openConnected("Exit in kind");
    const tokens = await vault().basketTokens();
    const erc20 = (a: string) => hre.ethers.getContractAt("IERC20", a);
    const before = await Promise.all(tokens.map(async (t) => (await erc20(t)).balanceOf(me)));
    await enterAmount(page, "500");
    await approve(page);
    const rc = await send(page, "Redeem in kind");
    const event = vaultEvent(rc, "RedeemedInKind");
    expect(event?.args.owner).to.equal(me);
    expect(event?.args.shares).to.equal(500n * 10n ** 18n);
    const after = await Promise.all(tokens.map(async (t) => (await erc20(t)).balanceOf(me)));
    const amounts = event?.args.amounts as bigint[];
    tokens.forEach((_, i) => expect(after[i] - before[i]).to.equal(amounts[i]));
    expect(amounts.every((a) => a > 0n)).to.equal(true);
    await screenshots(page, "07-redeem-in-kind");
    await context.close();
  });

  it("08 exit in kind leaving a token behind (redeemInKindExcept)", async () => {
    const { context, page } = await openConnected("Exit in kind");
    const wbtc = world().devnet.market.token("WBTC");
    const wbtcBefore = await wbtc.contract.balanceOf(me);
    await enterAmount(page, "200");
    await page.getByRole("checkbox", { name: "Leave WBTC behind" }).check();
    await approve(page);
    const rc = await send(page, "Redeem in kind");
    const forfeited = vaultEvent(rc, "ForfeitedInKind");
    expect(forfeited?.args.token).to.equal(wbtc.address);
    expect(forfeited?.args.owner).to.equal(me);
    expect(await wbtc.contract.balanceOf(me)).to.equal(wbtcBefore);
    await screenshots(page, "08-in-kind-except");
    await context.close();
  });

  it("09 wallet rejection: a calm message, nothing sent", async () => {
    const { context, page } = await openConnected();
    const nonce = await hre.ethers.provider.getTransactionCount(me);
    const allowance = await usdc().allowance(me, await router().getAddress());
    await enterAmount(page, "50");
    await page.evaluate(() =>
      (window as unknown as { __testWallet: { rejectNext(): void } }).__testWallet.rejectNext(),
    );
    await page.getByRole("button", { name: "Approve", exact: true }).click();
    await txSettled(page, "Approve", "rejected");
    const text = (await page.getByTestId("tx").innerText()) ?? "";
    expect(text).to.contain("You declined it in your wallet; nothing was sent.");
    expect(await page.getByTestId("tx").getAttribute("class")).to.contain("calm");
    expect(await hre.ethers.provider.getTransactionCount(me)).to.equal(nonce);
    expect(await usdc().allowance(me, await router().getAddress())).to.equal(allowance);
    await screenshots(page, "09-rejection");
    await context.close();
  });
}
