/**
 * The depositor app's build (`npm run app`, `npm run app:build`; see README "The app"). Two
 * virtual modules are made here, at build time, so that the bundle carries no bytecode and no
 * hand-copied ABI or address:
 * - `virtual:ballast-abis`: the `abi` arrays of the compiled Hardhat artifacts (run
 *   `hardhat compile` first; the npm scripts do).
 * - `virtual:ballast-chains`: per chain id, what `npm run deploy` uses (deploy/config/networks.ts:
 *   tokens, explorer) and what it deployed (Ignition's deployed_addresses.json, when present).
 * The local node's addresses (reports/node-addresses.json) change with every `npm run node`, so
 * the page fetches them at run time: the dev server serves the file (so does the e2e run's
 * server). The static build leaves it out: a bundle for IPFS must not point visitors at a
 * developer's localhost; copy the file next to index.html to use a build with a local node.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

import { defineConfig } from "vite";
import type { Plugin } from "vite";

import { NETWORKS } from "../deploy/config/networks";

// The npm scripts run from the repository root.
const ROOT = process.cwd();
const NODE_ADDRESSES = path.join(ROOT, "reports", "node-addresses.json");

/** Artifact per exported name: the contracts the app calls, and those whose errors it decodes. */
const ARTIFACTS: Record<string, string> = {
  vaultAbi: "artifacts/contracts/BallastVault.sol/BallastVault.json",
  rebalancerAbi: "artifacts/contracts/BallastRebalancer.sol/BallastRebalancer.json",
  policyAbi: "artifacts/contracts/BallastPolicy.sol/BallastPolicy.json",
  breakersAbi: "artifacts/contracts/BallastBreakers.sol/BallastBreakers.json",
  routerAbi: "artifacts/contracts/periphery/BallastRouter.sol/BallastRouter.json",
  timelockAbi: "artifacts/@openzeppelin/contracts/governance/TimelockController.sol/TimelockController.json",
  erc20Abi: "artifacts/@openzeppelin/contracts/token/ERC20/ERC20.sol/ERC20.json",
  oracleAbi: "artifacts/contracts/interfaces/IBallastOracle.sol/IBallastOracle.json",
};

function abisModule(): string {
  return Object.entries(ARTIFACTS)
    .map(([name, file]) => {
      const full = path.join(ROOT, file);
      if (!existsSync(full)) throw new Error(`${file} is missing: run \`npx hardhat compile\` first`);
      const { abi } = JSON.parse(readFileSync(full, "utf8")) as { abi: unknown[] };
      return `export const ${name} = ${JSON.stringify(abi)};`;
    })
    .join("\n");
}

/** Ignition's record of a live deployment (`npm run deploy`), keyed `Module#Contract`. */
function deployedAddresses(chainId: number): Record<string, string> {
  const file = path.join(ROOT, "deploy", "deployments", `chain-${chainId}`, "deployed_addresses.json");
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Record<string, string>) : {};
}

function chainsModule(): string {
  const chains = Object.values(NETWORKS).map((config) => {
    const deployed = deployedAddresses(config.chainId);
    const find = (suffix: string) => Object.entries(deployed).find(([key]) => key.endsWith(`#${suffix}`))?.[1];
    return {
      chainId: config.chainId,
      name: config.network,
      explorer: config.explorer,
      tokens: Object.fromEntries(Object.entries(config.tokens).map(([symbol, t]) => [symbol, t.address])),
      vault: find("BallastVault"),
      router: find("BallastRouter"),
      timelock: find("TimelockController"),
      rpcUrl: undefined,
    };
  });
  return `export const chains = ${JSON.stringify(chains)};`;
}

function ballast(): Plugin {
  const ids: Record<string, () => string> = {
    "virtual:ballast-abis": abisModule,
    "virtual:ballast-chains": chainsModule,
  };
  return {
    name: "ballast",
    resolveId: (id) => (id in ids ? `\0${id}` : undefined),
    load: (id) => (id.startsWith("\0") && id.slice(1) in ids ? ids[id.slice(1)]() : undefined),
    configureServer(server) {
      server.middlewares.use("/node-addresses.json", (_req, res) => {
        res.setHeader("Content-Type", "application/json");
        res.setHeader("Cache-Control", "no-store");
        if (existsSync(NODE_ADDRESSES)) res.end(readFileSync(NODE_ADDRESSES));
        else {
          res.statusCode = 404;
          res.end("{}");
        }
      });
    },
  };
}

export default defineConfig({
  root: path.join(ROOT, "app"),
  // Relative URLs: the bundle works from any folder of any static host, IPFS gateways included.
  base: "./",
  plugins: [ballast()],
  server: { host: "127.0.0.1", port: 5173 },
  build: {
    outDir: path.join(ROOT, "app", "dist"),
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 1_500,
  },
});
