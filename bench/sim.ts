/**
 * Speed of the strategy lab's simulator (src/sim): one year of one-minute steps for a basket of 8
 * assets besides the base, under one vault policy (band-edge, 200 bps trigger), on correlated GBM.
 * The target is under 5 seconds on a 2-core machine, path generation included.
 *
 *     npx ts-node bench/sim.ts        (or: npx hardhat run bench/sim.ts)
 *
 * Prints the timings and a JSON line; it measures, it never fails on a number (that is for CI to
 * decide, not a test: a loaded machine would make a timing test flaky).
 */
import { ASSET_CATALOG, DEFAULT_POLICIES, generatePath, presetPolicy, simulate, YEAR_SECONDS } from "../src/sim";

const TARGET_MS = 5_000;
/** The first eight assets of the catalog (the local market's tokens, then SOL). */
const ASSETS = ASSET_CATALOG.slice(0, 8);

function main(): void {
  const steps = YEAR_SECONDS / 60;
  // CPU time too: other processes on a shared 2-core machine stretch the wall clock, not the CPU.
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const path = generatePath({ assets: ASSETS, correlation: 0.6, years: 1, stepSeconds: 60 }, "bench");
  const t1 = performance.now();
  // USDC 4%, 12% in each of the eight assets.
  const targetsBps = [400, ...ASSETS.map(() => 1_200)];
  const result = simulate({
    path,
    targetsBps,
    navUsd: 1_000_000,
    policy: presetPolicy("edge-200", { assets: targetsBps.length, referenceVolBps: 8_500 }),
  });
  const t2 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1_000;
  const total = t2 - t0;
  console.log(`steps:        ${steps.toLocaleString("en-US")} (1 year of 1-minute steps), 8 assets + base`);
  console.log(`path:         ${(t1 - t0).toFixed(0)} ms (correlated GBM)`);
  console.log(
    `simulation:   ${(t2 - t1).toFixed(0)} ms (policy edge-200: ${result.rebalances} rebalances, ${result.swaps} swaps)`,
  );
  console.log(
    `total:        ${total.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU (target < ${TARGET_MS} ms: ${total < TARGET_MS ? "met" : "NOT met"})`,
  );
  console.log(
    JSON.stringify({
      steps,
      assets: ASSETS.length,
      pathMs: Math.round(t1 - t0),
      simulateMs: Math.round(t2 - t1),
      totalMs: Math.round(total),
      cpuMs: Math.round(cpuMs),
      targetMs: TARGET_MS,
      met: total < TARGET_MS,
    }),
  );
  // For reference: every default policy on the same path (simulation only; the path is shared).
  for (const name of DEFAULT_POLICIES) {
    const start = performance.now();
    const r = simulate({
      path,
      targetsBps,
      navUsd: 1_000_000,
      policy: presetPolicy(name, { assets: targetsBps.length, referenceVolBps: 8_500 }),
    });
    console.log(
      `  ${name.padEnd(10)} ${(performance.now() - start).toFixed(0).padStart(5)} ms  (${r.rebalances} rebalances)`,
    );
  }
}

main();
