/**
 * `npm run app`: the depositor app against a local node. Starts `npm run node` (the node with
 * everything deployed) unless something already answers on 8545, waits for its addresses, then
 * serves the app with Vite. The two commands by hand: `npm run node`, then
 * `npx vite --config app/vite.config.ts`.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import path from "node:path";

const RPC = process.env.LOCALHOST_RPC_URL ?? "http://127.0.0.1:8545";
const ADDRESSES = path.join(__dirname, "..", "reports", "node-addresses.json");

async function nodeAnswers(): Promise<boolean> {
  try {
    const response = await fetch(RPC, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    });
    return response.ok;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const children: ChildProcess[] = [];
  const stop = () => {
    for (const child of children) child.kill("SIGINT");
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  if (await nodeAnswers()) {
    console.log(`A node answers on ${RPC}: using it (its addresses: reports/node-addresses.json).`);
  } else {
    console.log("No node on 8545: starting `npm run node` (deploys the market and the vault, about a minute)...");
    const startedAt = Date.now();
    children.push(spawn("npm", ["run", "node"], { stdio: "inherit" }));
    // The node answers before it has deployed: wait for the addresses it writes at the end.
    while (!(existsSync(ADDRESSES) && statSync(ADDRESSES).mtimeMs >= startedAt)) await sleep(1_000);
  }
  const vite = spawn("npx", ["vite", "--config", "app/vite.config.ts"], {
    stdio: "inherit",
    env: { ...process.env, VITE_CONFIG_NATIVE_IGNORE_WARNING: "true" },
  });
  children.push(vite);
  console.log("Open http://127.0.0.1:5173/ and connect a wallet on chain 31337 (RPC http://127.0.0.1:8545).");
  vite.on("exit", stop);
}

void main();
