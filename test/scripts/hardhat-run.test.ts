import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { spawn } from "node:child_process";
import path from "node:path";
import hre from "hardhat";
import { TASK_NODE_CREATE_SERVER } from "hardhat/builtin-tasks/task-names";
import type { JsonRpcServer } from "hardhat/types";

import { investedFixture } from "../ops/helpers";

const ROOT = path.join(__dirname, "..", "..");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `npx hardhat run <script> --network localhost` as a user types it, against `rpcUrl`. Spawned
 * asynchronously: the node answering it runs on this process's event loop.
 */
function hardhatRun(script: string, rpcUrl: string, env: Record<string, string>): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, LOCALHOST_RPC_URL: rpcUrl, ...env };
  // The test runner's own network must not leak into the child: --network alone chooses it.
  delete childEnv.HARDHAT_NETWORK;
  return new Promise((resolve, reject) => {
    const child = spawn("npx", ["hardhat", "run", script, "--network", "localhost"], { cwd: ROOT, env: childEnv });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * The `hardhat run` wiring itself, proven once: the scripts' other tests call their main in-process.
 * A JSON-RPC node over the in-process chain stands for `npm run node`. Each spawn compiles the
 * config and the script with ts-node: ~10-20 s.
 */
describe("npx hardhat run scripts/status.ts --network localhost", function () {
  this.timeout(240_000);

  let server: JsonRpcServer;
  let rpcUrl: string;

  before(async () => {
    server = (await hre.run(TASK_NODE_CREATE_SERVER, {
      hostname: "127.0.0.1",
      port: 0,
      provider: hre.network.provider,
    })) as JsonRpcServer;
    const { port } = await server.listen();
    rpcUrl = `http://127.0.0.1:${port}`;
  });

  after(async () => {
    await server.close();
  });

  it("prints the vault's status read over JSON-RPC, and exits 0", async function () {
    const { vault, vaultAddress } = await loadFixture(investedFixture);
    const run = await hardhatRun("scripts/status.ts", rpcUrl, { BALLAST_VAULT: vaultAddress, JSON: "true" });
    expect(run.code, run.stderr).to.equal(0);
    const status = JSON.parse(run.stdout.slice(run.stdout.indexOf("{"))) as {
      nav: string;
      vault: { address: string };
      assets: { symbol: string }[];
    };
    expect(status.vault.address).to.equal(vaultAddress);
    expect(status.nav).to.equal((await vault.totalAssets()).toString());
    expect(status.assets.map((a) => a.symbol)).to.deep.equal(["USDC", "WETH", "WBTC", "LINK"]);
  });

  it("prints a bad variable's error without a stack trace, naming the variable, and exits 1", async function () {
    const run = await hardhatRun("scripts/status.ts", rpcUrl, { BALLAST_VAULT: "0x1234" });
    expect(run.code, run.stdout).to.equal(1);
    expect(run.stderr).to.match(/^Error: --vault "0x1234" is not an address/m);
    expect(run.stderr).to.contain("(--vault is BALLAST_VAULT for this script)");
    expect(run.stderr).not.to.match(/\n\s+at /);
  });
});
