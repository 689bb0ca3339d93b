/**
 * Profiling aid for bench/trace.ts: the gas a transaction spends in one contract's own code (calls
 * out of it excluded), attributed to source lines through the compiler's source map. Reads the
 * artifacts' build info, so it needs a compiled tree; the code must be the artifact's (libraries
 * are linked by address only, which does not move any instruction).
 */
import { artifacts } from "hardhat";

export interface StructLog {
  op: string;
  pc: number;
  gas: number;
  gasCost: number;
  depth: number;
  stack?: string[];
}

interface SourceMapEntry {
  start: number;
  length: number;
  file: number;
}

const CALLS = new Set(["CALL", "STATICCALL", "DELEGATECALL", "CALLCODE"]);

/** The compiler's compressed source map, one entry per instruction (omitted fields repeat). */
function decodeSourceMap(map: string): SourceMapEntry[] {
  const out: SourceMapEntry[] = [];
  let last: SourceMapEntry = { start: -1, length: -1, file: -1 };
  for (const item of map.split(";")) {
    const [s, l, f] = item.split(":");
    last = {
      start: s ? Number(s) : last.start,
      length: l ? Number(l) : last.length,
      file: f ? Number(f) : last.file,
    };
    out.push(last);
  }
  return out;
}

/** Program counter -> instruction index (PUSHn carries n bytes of data). */
function instructionIndex(bytecodeHex: string): Map<number, number> {
  const code = Buffer.from(bytecodeHex.replace(/^0x/, "").replace(/__\$[0-9a-f]{34}\$__/g, "0".repeat(40)), "hex");
  const index = new Map<number, number>();
  for (let pc = 0, i = 0; pc < code.length; ++i) {
    index.set(pc, i);
    const op = code[pc];
    pc += op >= 0x60 && op <= 0x7f ? op - 0x5e : 1;
  }
  return index;
}

/**
 * Gas spent by `contractName`'s own instructions in the frames `frameStart` (indices into `logs` of
 * the calls into it), by source line, largest first.
 */
export async function lineProfile(
  logs: StructLog[],
  frameStarts: number[],
  fullyQualifiedName: string,
): Promise<{ line: string; gas: number }[]> {
  const buildInfo = await artifacts.getBuildInfo(fullyQualifiedName);
  if (!buildInfo) throw new Error(`no build info for ${fullyQualifiedName}`);
  const [file, name] = fullyQualifiedName.split(":");
  const compiled = buildInfo.output.contracts[file][name].evm.deployedBytecode;
  const entries = decodeSourceMap(compiled.sourceMap);
  const index = instructionIndex(compiled.object);
  const sources = new Map<number, { path: string; lineStarts: number[] }>();
  for (const [path, { id }] of Object.entries(buildInfo.output.sources)) {
    const content = buildInfo.input.sources[path]?.content ?? "";
    const lineStarts = [0];
    for (let k = 0; k < content.length; ++k) if (content[k] === "\n") lineStarts.push(k + 1);
    sources.set(id, { path, lineStarts });
  }
  const where = (pc: number): string => {
    const entry = entries[index.get(pc) ?? -1];
    const source = entry ? sources.get(entry.file) : undefined;
    if (!entry || !source) return "(generated)";
    let lo = 0;
    let hi = source.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (source.lineStarts[mid] <= entry.start) lo = mid;
      else hi = mid - 1;
    }
    return `${source.path.replace(/^.*\/(contracts|node_modules)\//, "")}:${lo + 1}`;
  };
  // `TRACE_BY=function`: by the compiled function whose code holds the instruction (the last
  // function entry at or before it: the optimizer lays each function out in one piece), inlined
  // code counted in its host.
  // The compiler's output has it; Hardhat's type of that output does not name it.
  const debugData = (compiled as { functionDebugData?: Record<string, { entryPoint: number | null }> })
    .functionDebugData;
  const entryPoints = Object.entries(debugData ?? {})
    .flatMap(([fn, d]) => (d.entryPoint === null ? [] : [{ fn, pc: d.entryPoint }]))
    .sort((a, b) => a.pc - b.pc);
  const host = (pc: number): string => {
    let found = "(dispatch)";
    for (const e of entryPoints) {
      if (e.pc > pc) break;
      found = e.fn;
    }
    return found;
  };
  const key = process.env.TRACE_BY === "function" ? host : where;
  const gasByLine = new Map<string, number>();
  // How many times each function was entered (its first instruction run), for `TRACE_BY=function`.
  const entryAt = new Set(key === host ? entryPoints.map((e) => e.pc) : []);
  const entered = new Map<string, number>();
  for (const start of frameStarts) {
    const depth = logs[start + 1].depth;
    for (let k = start + 1; k < logs.length && logs[k].depth >= depth; ++k) {
      const l = logs[k];
      if (l.depth !== depth) continue;
      // A call's gas is its callee's frame, reported there.
      const cost = CALLS.has(l.op) ? 0 : l.gasCost;
      const k2 = key(l.pc);
      gasByLine.set(k2, (gasByLine.get(k2) ?? 0) + cost);
      if (entryAt.has(l.pc)) entered.set(k2, (entered.get(k2) ?? 0) + 1);
    }
  }
  return [...gasByLine.entries()]
    .map(([line, gas]) => ({ line: entered.has(line) ? `${line} x${entered.get(line)}` : line, gas }))
    .sort((a, b) => b.gas - a.gas);
}
