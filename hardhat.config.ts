import path from "node:path";

import "@nomicfoundation/hardhat-toolbox";
import "./tasks";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import { subtask } from "hardhat/config";
import type { HardhatUserConfig, NetworkUserConfig } from "hardhat/types";

/**
 * The compiler comes from the npm `solc` package, never from a download: this machine (and CI)
 * reaches only the npm registry. The version below must equal the installed package's version,
 * which `npm ci` pins through package-lock.json.
 */
const SOLC_VERSION = "0.8.28";

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc") as { version(): string };
  const longVersion = solc.version();
  if (!longVersion.startsWith(`${SOLC_VERSION}+`)) {
    throw new Error(`npm solc is ${longVersion}, hardhat.config.ts pins ${SOLC_VERSION}: run npm ci`);
  }
  return {
    version: SOLC_VERSION,
    longVersion,
    compilerPath: path.join(path.dirname(require.resolve("solc/package.json")), "soljson.js"),
    isSolcJs: true,
  };
});

/** A live network is configured only from the environment; no URL or key lives in the repo. */
function liveNetwork(urlVar: string, chainId: number): NetworkUserConfig | undefined {
  const url = process.env[urlVar];
  if (!url) return undefined;
  const key = process.env.DEPLOYER_PRIVATE_KEY;
  return { url, chainId, accounts: key ? [key] : [] };
}

const live: Record<string, NetworkUserConfig | undefined> = {
  mainnet: liveNetwork("MAINNET_RPC_URL", 1),
  arbitrum: liveNetwork("ARBITRUM_RPC_URL", 42161),
  base: liveNetwork("BASE_RPC_URL", 8453),
  sepolia: liveNetwork("SEPOLIA_RPC_URL", 11155111),
};

/** The compiler settings of every file, at `runs` optimiser runs. */
function withRuns(runs: number) {
  return {
    version: SOLC_VERSION,
    settings: {
      optimizer: { enabled: true, runs },
      // The IR pipeline optimises across functions and memory: measured by `npm run bench` against
      // the legacy pipeline on the same code, a rebalance -4.5%, a deposit -3.3%, checkUpkeep
      // -5.4%, and every contract smaller (the vault 19.9 -> 19.2 KB). It compiles in ~2.5 min.
      viaIR: true,
      // Cancun (transient storage, MCOPY) is live on Ethereum mainnet, Arbitrum and Base.
      evmVersion: "cancun",
    },
  };
}

const forkUrl = process.env.FORK_URL;

const config: HardhatUserConfig = {
  solidity: {
    compilers: [withRuns(200)],
    // Per-file optimiser runs. The vault is optimised for size (runs: 1): its gas is spent in its
    // linked libraries (runs: 200 on the vault itself measured within 100 gas of runs: 1 on every
    // bench figure, for 0.3 KB more). The contracts and libraries a rebalance, an entry or an exit
    // runs through, with room under the limit, trade size for gas (runs: 10000: every bench figure
    // -0.6% to -1.2%, VaultLogic 17.1 -> 19.3 KB); the rebalancer keeps runs: 200, which stays
    // under 20 KB. test/deploy/sizes.test.ts holds every contract to 20 KB.
    overrides: {
      "contracts/BallastVault.sol": withRuns(1),
      "contracts/libraries/VaultLogic.sol": withRuns(10_000),
      "contracts/libraries/BasketAdmin.sol": withRuns(10_000),
      "contracts/BallastPlanner.sol": withRuns(10_000),
      "contracts/BallastPolicy.sol": withRuns(10_000),
      "contracts/BallastBreakers.sol": withRuns(10_000),
    },
  },
  networks: {
    hardhat: {
      hardfork: "cancun",
      ...(forkUrl
        ? {
            forking: {
              url: forkUrl,
              ...(process.env.FORK_BLOCK ? { blockNumber: Number(process.env.FORK_BLOCK) } : {}),
            },
          }
        : {}),
    },
    localhost: { url: process.env.LOCALHOST_RPC_URL ?? "http://127.0.0.1:8545" },
    ...Object.fromEntries(Object.entries(live).filter((e): e is [string, NetworkUserConfig] => e[1] !== undefined)),
  },
  paths: {
    ignition: "deploy",
  },
  // hardhat-verify (Etherscan's v2 API: one key for every chain it serves).
  etherscan: {
    apiKey: process.env.ETHERSCAN_API_KEY ?? "",
  },
  sourcify: {
    enabled: false,
  },
  typechain: {
    outDir: "typechain-types",
    target: "ethers-v6",
    // Typed factories for the real Uniswap V3 and WETH9 bytecode shipped on npm: tests deploy these
    // exact artifacts, never a recompiled copy.
    externalArtifacts: [
      "node_modules/@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json",
      "node_modules/@uniswap/v3-core/artifacts/contracts/UniswapV3Pool.sol/UniswapV3Pool.json",
      "node_modules/@uniswap/v3-periphery/artifacts/contracts/SwapRouter.sol/SwapRouter.json",
      "node_modules/@uniswap/v3-periphery/artifacts/contracts/NonfungiblePositionManager.sol/NonfungiblePositionManager.json",
      "node_modules/@uniswap/v3-periphery/artifacts/contracts/NonfungibleTokenPositionDescriptor.sol/NonfungibleTokenPositionDescriptor.json",
      "node_modules/@uniswap/v3-periphery/artifacts/contracts/libraries/NFTDescriptor.sol/NFTDescriptor.json",
      "node_modules/@uniswap/v3-periphery/artifacts/contracts/lens/QuoterV2.sol/QuoterV2.json",
      "node_modules/@uniswap/swap-router-contracts/artifacts/contracts/SwapRouter02.sol/SwapRouter02.json",
      "node_modules/canonical-weth/build/contracts/WETH9.json",
    ],
  },
  gasReporter: {
    enabled: process.env.REPORT_GAS === "true",
    offline: true,
    currency: "USD",
  },
  mocha: {
    timeout: 120_000,
  },
};

export default config;
