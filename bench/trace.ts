/**
 * Profiling aid, not part of the benchmark: `npx hardhat run bench/trace.ts` sets up the bench's
 * 4-asset basket, then traces a deposit, a rebalance (WETH up 12%) and the same rebalance refused by
 * the cost gate with `debug_traceTransaction` (with `TRACE_OBSERVED=1`, also a rebalance that observes
 * the volatility estimate, as with the live configs' scaling on), and prints every call frame in call order with its
 * inclusive gas (before refunds), its own gas, SLOAD/SSTORE counts and its dearest opcodes. Library
 * delegatecalls show as their address; vault, rebalancer, policy, oracles, feeds and tokens by name.
 */
import { MaxUint256, parseUnits } from "ethers";
import { artifacts, ethers } from "hardhat";

import { deployLocalMarket } from "../src/market";
import { deployVault } from "../src/vault";

import { lineProfile } from "./lines";
import type { StructLog } from "./lines";
import { observeSkipped, refuseEveryPlan, settle } from "./settle";

/**
 * `TRACE_LINES=VaultLogic` (a contract's or library's name): its own gas by source line in each traced
 * transaction; with `TRACE_BY=function`, by compiled function (and how often each ran), which the
 * viaIR source map, putting much of a library on its `library` line, cannot say; with `TRACE_FRAME=k`,
 * in its k-th frame of the transaction alone (0 first). `TRACE_SLOTS=1`: the storage slots each
 * transaction read cold, by owner ({@link printColdSlots}).
 */
const LINES = process.env.TRACE_LINES;
const SEGMENTS = process.env.TRACE_SEGMENTS;

type Log = StructLog;

async function trace(hash: string, labels: Map<string, string>, title: string) {
  const t = (await ethers.provider.send("debug_traceTransaction", [
    hash,
    { disableMemory: true, disableStorage: true },
  ])) as { gas: number; structLogs: Log[] };
  const logs = t.structLogs;
  interface Frame {
    label: string;
    start: number;
    callGas: number;
    depth: number;
    own: number;
    children: number;
    sload: number;
    sstore: number;
    calls: number;
    idx: number;
    ops: Map<string, number>;
  }
  const frames: Frame[] = [];
  const stack: Frame[] = [
    {
      label: "tx",
      start: logs[0].gas,
      callGas: logs[0].gas,
      depth: 1,
      own: 0,
      children: 0,
      sload: 0,
      sstore: 0,
      calls: 0,
      idx: 0,
      ops: new Map(),
    },
  ];
  const out: string[] = [];
  for (let k = 0; k < logs.length; k++) {
    const l = logs[k];
    while (l.depth < stack[stack.length - 1].depth) {
      const f = stack.pop()!;
      const incl = f.callGas - l.gas;
      frames.push(f);
      out.push(
        `${"  ".repeat(f.depth - 1)}${f.label} incl~${incl} sload=${f.sload} sstore=${f.sstore} calls=${f.calls} own=${[...f.ops.values()].reduce((a, b) => a + b, 0)} top=${[
          ...f.ops.entries(),
        ]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 6)
          .map(([o, g]) => `${o}:${g}`)
          .join(",")}`,
      );
    }
    const cur = stack[stack.length - 1];
    if (!["CALL", "STATICCALL", "DELEGATECALL", "CALLCODE"].includes(l.op))
      cur.ops.set(l.op, (cur.ops.get(l.op) ?? 0) + l.gasCost);
    if (l.op === "SLOAD") cur.sload++;
    if (l.op === "SSTORE") cur.sstore++;
    if (["CALL", "STATICCALL", "DELEGATECALL", "CALLCODE"].includes(l.op) && l.stack) {
      cur.calls++;
      const addr = "0x" + l.stack[l.stack.length - 2].slice(-40).toLowerCase();
      const next = logs[k + 1];
      if (next && next.depth === l.depth + 1) {
        stack.push({
          label: `${l.op} ${labels.get(addr) ?? addr}`,
          start: next.gas,
          callGas: l.gas,
          depth: l.depth + 1,
          own: 0,
          children: 0,
          sload: 0,
          sstore: 0,
          calls: 0,
          idx: k,
          ops: new Map(),
        });
      }
    }
  }
  const root = stack[0];
  console.log(
    `\n=== ${title}: ${t.gas} root own=${[...root.ops.values()].reduce((a, b) => a + b, 0)} top=${[
      ...root.ops.entries(),
    ]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10)
      .map(([o, g]) => `${o}:${g}`)
      .join(",")}`,
  );
  // print in call order (entries were pushed at pop time; re-sort by idx)
  const order = frames.map((f, i) => ({ f, line: out[i] })).sort((a, b) => a.f.idx - b.f.idx);
  for (const o of order) console.log(o.line);
  if (LINES) await printLines(logs, LINES);
  for (const target of SEGMENTS?.split(",") ?? []) printSegments(logs, target, labels);
  if (process.env.TRACE_SLOTS) printColdSlots(logs, labels, (await ethers.provider.getTransaction(hash))?.to ?? "");
}

/**
 * `TRACE_SLOTS=1`: the slots each account's storage was first read from (cold) in the transaction,
 * by storage owner (a library's delegatecall reads its caller's), with the frame that read them:
 * which slots a call pays 2,100 gas for.
 */
function printColdSlots(logs: Log[], labels: Map<string, string>, to: string) {
  const name = (a: string) => labels.get(a) ?? a.slice(0, 10);
  // The storage owner and the code of each frame, by depth.
  const frames = [{ owner: to.toLowerCase(), code: to.toLowerCase() }];
  const seen = new Set<string>();
  const cold = new Map<string, string[]>();
  for (let k = 0; k < logs.length; ++k) {
    const l = logs[k];
    frames.length = l.depth;
    const frame = frames[l.depth - 1];
    if (["CALL", "STATICCALL", "DELEGATECALL"].includes(l.op) && l.stack && logs[k + 1]?.depth === l.depth + 1) {
      const target = "0x" + l.stack[l.stack.length - 2].slice(-40).toLowerCase();
      frames[l.depth] = { owner: l.op === "DELEGATECALL" ? frame.owner : target, code: target };
    }
    if ((l.op !== "SLOAD" && l.op !== "SSTORE") || !l.stack) continue;
    const key = `${frame.owner}:${l.stack[l.stack.length - 1]}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (l.op !== "SLOAD") continue;
    const list = cold.get(frame.owner) ?? [];
    list.push(
      `${BigInt("0x" + l.stack[l.stack.length - 1])
        .toString(16)
        .slice(0, 12)}@${name(frame.code)}`,
    );
    cold.set(frame.owner, list);
  }
  for (const [owner, slots] of cold)
    console.log(`  cold slots of ${name(owner)} (${slots.length}): ${slots.join(" ")}`);
}

/**
 * `TRACE_SEGMENTS=0x…,planner` (addresses or labels): each frame of that address's code, as its own gas between one
 * call out of it and the next, with the call's target: where, in call order, a frame spends.
 */
function printSegments(logs: Log[], target: string, labels: Map<string, string>) {
  const address = target.startsWith("0x") ? target : ([...labels].find(([, label]) => label === target)?.[0] ?? target);
  for (let k = 0; k < logs.length - 1; ++k) {
    const l = logs[k];
    if (!["DELEGATECALL", "CALL", "STATICCALL"].includes(l.op) || !l.stack) continue;
    if ("0x" + l.stack[l.stack.length - 2].slice(-40).toLowerCase() !== address) continue;
    const depth = l.depth + 1;
    let own = 0;
    const parts: string[] = [];
    let j = k + 1;
    for (; j < logs.length && logs[j].depth >= depth; ++j) {
      const m = logs[j];
      if (m.depth !== depth) continue;
      if (["DELEGATECALL", "CALL", "STATICCALL"].includes(m.op) && m.stack) {
        const to = "0x" + m.stack[m.stack.length - 2].slice(-40).toLowerCase();
        parts.push(`${own} -> ${labels.get(to) ?? to.slice(0, 8)}`);
        own = 0;
      } else own += m.gasCost;
    }
    parts.push(`${own} (return)`);
    console.log(`  segments of ${address.slice(0, 8)} frame at ${k}: ${parts.join(" | ")}`);
  }
}

/** The contract or library `name`'s own gas by source line, over every call into it. */
async function printLines(logs: Log[], name: string) {
  const artifact = await artifacts.readArtifact(name);
  const size = (artifact.deployedBytecode.length - 2) / 2;
  const starts: number[] = [];
  for (let k = 0; k < logs.length - 1; ++k) {
    const l = logs[k];
    if (!["DELEGATECALL", "CALL", "STATICCALL"].includes(l.op) || !l.stack || logs[k + 1].depth !== l.depth + 1)
      continue;
    const code = await ethers.provider.getCode("0x" + l.stack[l.stack.length - 2].slice(-40));
    if ((code.length - 2) / 2 === size) starts.push(k);
  }
  // Not called by anything: the transaction's own target, whose frame starts the trace.
  if (starts.length === 0) starts.push(-1);
  // `TRACE_FRAME=1`: the second call into it alone.
  const only = process.env.TRACE_FRAME;
  const picked = only === undefined ? starts : starts.slice(Number(only), Number(only) + 1);
  const lines = await lineProfile(logs, picked, `${artifact.sourceName}:${name}`);
  const total = lines.reduce((a, b) => a + b.gas, 0);
  console.log(`  ${name} own gas by line (${starts.length} calls, ${total} gas):`);
  for (const { line, gas } of lines.slice(0, 45)) console.log(`    ${String(gas).padStart(7)}  ${line}`);
}

async function main() {
  const [admin, seeder, user] = await ethers.getSigners();
  const market = await deployLocalMarket();
  const basket = [
    { symbol: "USDC", weightBps: 500 },
    { symbol: "WETH", weightBps: 4_000, route: ["WETH", 500, "USDC"] },
    { symbol: "WBTC", weightBps: 3_500, route: ["WBTC", 500, "WETH", 500, "USDC"] },
    { symbol: "LINK", weightBps: 2_000, route: ["LINK", 3_000, "USDC"] },
  ] as const;
  const { vault, policy, rebalancer, breakers, planner, oracles } = await deployVault(market, {
    basket,
    governance: { admin: await admin.getAddress() },
  });
  const labels = new Map<string, string>();
  labels.set((await vault.getAddress()).toLowerCase(), "vault");
  labels.set((await policy.getAddress()).toLowerCase(), "policy");
  labels.set((await rebalancer.getAddress()).toLowerCase(), "rebalancer");
  labels.set((await breakers.getAddress()).toLowerCase(), "breakers");
  labels.set((await planner.getAddress()).toLowerCase(), "planner");
  for (const [i, o] of oracles.entries()) labels.set((await o.getAddress()).toLowerCase(), `oracle${basket[i].symbol}`);
  for (const t of market.tokens) {
    labels.set(t.address.toLowerCase(), t.symbol);
    labels.set((await t.feed.getAddress()).toLowerCase(), `feed${t.symbol}`);
  }
  const va = await vault.getAddress();
  const fund = async (s: typeof seeder, usd: number) => {
    const a = parseUnits(String(usd), 6);
    await market.fund(await s.getAddress(), "USDC", a);
    await (await market.token("USDC").contract.connect(s).approve(va, MaxUint256)).wait();
    return a;
  };
  await (await vault.connect(seeder).deposit(await fund(seeder, 1_000_000), await seeder.getAddress())).wait();
  await settle(market, rebalancer);
  await market.advanceTime(600);
  for (const { symbol } of basket) await market.setFeedPrice(symbol, await market.feedPrice(symbol));
  await fund(user, 20_000);
  const d = await vault.connect(user).deposit(parseUnits("10000", 6), await user.getAddress());
  await trace(d.hash, labels, "deposit");
  await market.advanceTime(600);
  await market.setFeedPrice("WETH", (await market.feedPrice("WETH")) * 1.12);
  await market.alignAllPools();
  for (const { symbol } of basket) await market.setFeedPrice(symbol, await market.feedPrice(symbol));
  const snap = await ethers.provider.send("evm_snapshot", []);
  // checkUpkeep is a view: sent as a transaction so that it can be traced.
  const u = await admin.sendTransaction({
    to: await rebalancer.getAddress(),
    data: rebalancer.interface.encodeFunctionData("checkUpkeep", ["0x"]),
  });
  await trace(u.hash, labels, "checkUpkeep");
  await ethers.provider.send("evm_revert", [snap]);
  const snap2 = await ethers.provider.send("evm_snapshot", []);
  const r = await rebalancer.rebalance();
  await trace(r.hash, labels, "rebalance");
  await ethers.provider.send("evm_revert", [snap2]);
  const snap3 = await ethers.provider.send("evm_snapshot", []);
  await refuseEveryPlan(policy);
  const s = await rebalancer.rebalance();
  await trace(s.hash, labels, "skipped");
  await ethers.provider.send("evm_revert", [snap3]);
  if (process.env.TRACE_OBSERVED) {
    // Volatility scaling on, as the live configs set it (the bench's BENCH_VOLATILITY, the band capped
    // under this drift): a skipped rebalance observes first, then the due one an hour later observes
    // one round a feed.
    await (
      await policy.setVolatilityParams({
        referenceVolBps: 6_000,
        minBandBps: 150,
        maxBandBps: 200,
        averagingTime: 14 * 86_400,
        minObservationInterval: 3_600,
      })
    ).wait();
    await observeSkipped(policy, rebalancer);
    await market.advanceTime(3_600);
    for (const { symbol } of basket) await market.setFeedPrice(symbol, await market.feedPrice(symbol));
    const o = await rebalancer.rebalance();
    await trace(o.hash, labels, "observed");
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
