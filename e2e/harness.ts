/**
 * The e2e run's world: a Hardhat JSON-RPC server on the in-process network with the real devnet
 * deployment (src/demo/devnet.ts, prices still: no ticker), the built app (app/dist) served
 * over HTTP, and Debian's Chromium driven by playwright-core with the test wallet (e2e/wallet.js).
 */
import { mkdirSync, readFileSync, existsSync, createReadStream } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

import hre from "hardhat";
import { TASK_NODE_CREATE_SERVER } from "hardhat/builtin-tasks/task-names";
import type { JsonRpcServer } from "hardhat/types";
import { chromium } from "playwright-core";
import type { Browser, BrowserContext, Page } from "playwright-core";

import { DEFAULT_DEVNET_OPTIONS, deployDevnet } from "../src/demo/devnet";
import type { Devnet } from "../src/demo/devnet";

const ROOT = path.join(__dirname, "..");
const DIST = path.join(ROOT, "app", "dist");
export const SCREENSHOTS = path.join(ROOT, "reports", "app");
const ADDRESSES = path.join(ROOT, "reports", "app", "e2e-node-addresses.json");
/** A port of its own, so that a `npm run node` on 8545 does not collide with the run. */
const RPC_PORT = Number(process.env.E2E_RPC_PORT ?? 8645);
export const NODE_CHAIN_HEX = "0x7a69";
export const DESKTOP = { width: 1280, height: 900 };
export const MOBILE = { width: 390, height: 844 };

export interface World {
  devnet: Devnet;
  rpcUrl: string;
  appUrl: string;
  browser: Browser;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

/** A static server for the built app, serving this run's node addresses as the dev server does. */
function serveApp(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname === "/node-addresses.json") {
      res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store" });
      res.end(readFileSync(ADDRESSES));
      return;
    }
    const file = path.join(DIST, path.normalize(url.pathname === "/" ? "/index.html" : url.pathname));
    if (!file.startsWith(DIST) || !existsSync(file)) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { "Content-Type": TYPES[path.extname(file)] ?? "application/octet-stream" });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

export async function startWorld(): Promise<World> {
  if (!existsSync(path.join(DIST, "index.html"))) throw new Error("app/dist is missing: run `npm run app:build` first");
  mkdirSync(SCREENSHOTS, { recursive: true });
  const rpc = (await hre.run(TASK_NODE_CREATE_SERVER, {
    hostname: "127.0.0.1",
    port: RPC_PORT,
    provider: hre.network.provider,
  })) as JsonRpcServer;
  await rpc.listen();
  const devnet = await deployDevnet(
    { ...DEFAULT_DEVNET_OPTIONS, tickSeconds: 0, addressesFile: ADDRESSES },
    () => undefined,
  );
  const app = await serveApp();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
  const rpcUrl = `http://127.0.0.1:${RPC_PORT}`;
  const appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}/?rpc=${encodeURIComponent(rpcUrl)}`;
  // Starting the browser process is not the app's cost: one page load first, in a context that is
  // then thrown away, so that journey 01 measures a fresh context (empty cache) in a running browser.
  const warmUp = await browser.newContext();
  await (await warmUp.newPage()).goto(appUrl, { waitUntil: "load" });
  await warmUp.close();
  return {
    devnet,
    rpcUrl,
    appUrl,
    browser,
    async close() {
      await browser.close();
      await new Promise((resolve) => app.close(resolve));
      await rpc.close();
    },
  };
}

export interface WalletOptions {
  account: string;
  /** The chain the wallet reports at first (default: the node's). */
  chainId?: string;
  /** Chains the wallet knows (default: the node's); a switch to another fails with 4902 until added. */
  knownChains?: string[];
}

/** A fresh browser context and page, with the test wallet injected unless `wallet` is undefined. */
export async function openApp(
  world: World,
  wallet?: WalletOptions,
  hash = "",
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await world.browser.newContext({ viewport: DESKTOP, locale: "en-US" });
  if (wallet) {
    const config = {
      rpcUrl: world.rpcUrl,
      account: wallet.account,
      chainId: wallet.chainId ?? NODE_CHAIN_HEX,
      nodeChainId: NODE_CHAIN_HEX,
      knownChains: wallet.knownChains ?? [NODE_CHAIN_HEX],
    };
    const source = readFileSync(path.join(__dirname, "wallet.js"), "utf8");
    await context.addInitScript({ content: `window.__TEST_WALLET_CONFIG = ${JSON.stringify(config)};\n${source}` });
  }
  const page = await context.newPage();
  page.on("pageerror", (error) => console.log(`    [page error] ${error.message}`));
  if (process.env.E2E_TRACE_REQUESTS) {
    // Diagnostics of the first render: when each request started and how long it took (ms).
    page.on("requestfinished", (request) => {
      const t = request.timing();
      const body = request.postData()?.slice(0, 80) ?? "";
      console.log(
        `      ${t.startTime.toFixed(0)} +${t.responseEnd.toFixed(0)} ${request.method()} ${request.url().slice(0, 50)} ${body}`,
      );
    });
  }
  await page.goto(world.appUrl + hash);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  return { context, page };
}

/** The journey's end state at desktop width and at 390 px, to reports/app/. */
export async function screenshots(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize(MOBILE);
  await page.waitForTimeout(150);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-390.png`), fullPage: true });
  await page.setViewportSize(DESKTOP);
}

/** Waits for the page's transaction panel to reach a phase, returning the hash it shows. */
export async function txSettled(
  page: Page,
  label: string,
  phase: "confirmed" | "failed" | "rejected",
): Promise<string | undefined> {
  // By label (prefix): the previous transaction's panel may still show for a frame after a click.
  await page.waitForSelector(`[data-testid="tx"][data-label^="${label}"][data-phase="${phase}"]`, { timeout: 60_000 });
  // The page rereads balances and previews after a transaction: wait until it has.
  await page.waitForSelector('body[data-refreshing="false"]', { timeout: 30_000 });
  // No waiting for a hash that a declined request never had.
  const hash = page.locator('[data-testid="tx-hash"]');
  return (await hash.count()) > 0 ? ((await hash.textContent()) ?? "").trim() : undefined;
}

/** Clicks Approve and waits for the approval to confirm. */
export async function approve(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Approve", exact: true }).click();
  await txSettled(page, "Approve", "confirmed");
}

/** Types an amount and waits for its preview to be read. */
export async function enterAmount(page: Page, amount: string): Promise<void> {
  await page.getByLabel("Amount", { exact: true }).fill(amount);
  await page.waitForSelector(
    '[data-testid="preview-out"], [data-testid="preview-error"], fieldset[data-testid="preview"]',
    {
      timeout: 30_000,
    },
  );
}

/** The flows' radio labels. */
export type FlowLabel = "Deposit" | "Exit by shares" | "Exit by amount" | "Exit in kind";

/** Chooses a flow by its radio label. */
export async function chooseFlow(page: Page, label: FlowLabel) {
  await page.getByRole("radio", { name: label, exact: true }).check();
}

export async function connectWallet(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Connect wallet", exact: true }).click();
  await page.waitForSelector('[data-testid="position-shares"]', { timeout: 30_000 });
}
