/**
 * `npx hardhat backtest` (`npm run backtest -- ...`): the strategy lab's command line. Runs policies
 * on the same simulated or historical price path and prints a results table, writing HTML and SVG
 * charts (cost vs tracking error with the efficient frontier, NAV over time) to --out; --sweep
 * recommends a band for a volatility and fee tier instead. See docs/simulator.md. The command is
 * src/cli/backtest.ts, which scripts/backtest.ts runs too.
 */
import { task } from "hardhat/config";

import type { BacktestArgs } from "../src/cli/backtest";

task(
  "backtest",
  "Simulates rebalancing policies (the vault's and others) on the same price paths; see docs/simulator.md",
)
  .addOptionalParam("assets", "Number of assets besides USDC (1-15), or symbols, comma-separated (default 3)")
  .addOptionalParam("weights", "Target weights in bps, base first, comma-separated (default 5% base, rest equal)")
  .addOptionalParam("years", "Years simulated (default 1)")
  .addOptionalParam("step", "Step: seconds or 30s, 1m, 5m, 1h, 1d (default 1m; sweep 5m)")
  .addOptionalParam("seed", "Seed of the price path (default 1)")
  .addOptionalParam("model", "Price model: gbm, jumps, regimes, jumps+regimes (default gbm)")
  .addOptionalParam("vol", "Annualised volatility of every asset, e.g. 0.8 (default: per asset)")
  .addOptionalParam("corr", "Correlation between assets (default 0.6)")
  .addOptionalParam("csv", "Historical prices: timestamp,SYM1,SYM2,... (format in docs/simulator.md)")
  .addOptionalParam(
    "flows",
    "Depositors' flows: timestamp,kind,account,shares,assets,value,charge (npm start's <name>.flows.csv), applied to the vault's policies",
  )
  .addOptionalParam(
    "policies",
    "Comma-separated: edge-T, full-T, vol-T, ideal-T, daily, weekly, monthly, hold, amm, amm-F",
  )
  .addOptionalParam("nav", "Initial NAV in USD (default 1000000)")
  .addOptionalParam("fee", "Uniswap V3 fee tier of every pool, pips: 100, 500, 3000, 10000 (default 3000)")
  .addOptionalParam("depth", "USD depth of every pool (default 20000000)")
  .addOptionalParam("gwei", "Base fee, gwei (default 20)")
  .addOptionalParam(
    "pools",
    "Pools of their own, A/B:fee:depthUsd comma-separated, e.g. WETH/USDC:500:60000000 (others: --fee, --depth)",
  )
  .addOptionalParam("routes", "Routes to the base, comma-separated, e.g. WBTC/WETH/USDC (default: direct)")
  .addOptionalParam("initialWeights", "Weights of the initial holdings in bps, base first (default: the targets)")
  .addFlag("gate", "Turn the vault's cost-efficiency gate on (RECOMMENDED_COSTS)")
  .addFlag("reward", "The vault pays the keeper the recommended reward (gas + 20%, capped), as npm start's vault")
  .addFlag("breakers", "The circuit breakers on (RECOMMENDED_BREAKERS): a 20% move within an hour halts trading")
  .addFlag("fixedLiquidity", "Leave LP ranges where placed at the start instead of re-centring them")
  .addOptionalParam(
    "recenterThreshold",
    "LPs re-centre a pool at the value they hold once its price moved this fraction, e.g. 0.1 (npm start's)",
  )
  .addFlag("sweep", "Sweep trigger bands (edge and full) and recommend one for --vol and --fee")
  .addOptionalParam("bands", "Sweep: trigger bands in bps, comma-separated (default 25..1200)")
  .addOptionalParam(
    "targets",
    "Sweep: target bands in bps to try with each trigger band too (vault-T-B), comma-separated",
  )
  .addOptionalParam("seeds", "Sweep: paths averaged per band (default 3; 1 with --csv)")
  .addOptionalParam("teCost", "Sweep: bps a year worth paying to avoid 1% RMS tracking error (default 10)")
  .addOptionalParam("out", "Directory for the reports (default reports)")
  .setAction(async (args: BacktestArgs) => {
    // Loaded here, not at the top: hardhat.config.ts loads every task file on start, and the
    // simulator should cost nothing to tasks that do not use it.
    const { backtestCommand } = await import("../src/cli/backtest");
    return backtestCommand(args);
  });
