import { expect } from "chai";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import hre from "hardhat";

import { scriptParams } from "../../src/cli/script";
import { START_VARIABLES } from "../../src/cli/start";

const ROOT = path.join(__dirname, "..", "..");

/** The tasks each script mirrors, and the variables it reads besides their flags'. */
const SCRIPTS: Record<string, { tasks: string[]; extra: string[] }> = {
  "deploy.ts": { tasks: ["ballast:deploy"], extra: [] },
  "status.ts": { tasks: ["status"], extra: [] },
  "deposit.ts": { tasks: ["deposit"], extra: [] },
  "redeem.ts": { tasks: ["redeem"], extra: [] },
  "redeem-in-kind.ts": { tasks: ["redeem-in-kind"], extra: [] },
  "rebalance.ts": { tasks: ["rebalance"], extra: [] },
  "keeper.ts": { tasks: ["keeper"], extra: [] },
  "governance.ts": { tasks: ["gov:propose", "gov:pending", "gov:execute"], extra: ["ACTION"] },
  "start.ts": { tasks: [], extra: [...START_VARIABLES] },
  "backtest.ts": { tasks: ["backtest"], extra: [] },
  "bench.ts": { tasks: [], extra: ["BENCH_MODE", "BENCH_SNAPSHOT"] },
  "app-dev.ts": { tasks: [], extra: ["LOCALHOST_RPC_URL"] },
  "app-size.ts": { tasks: [], extra: [] },
};

function variables(script: string): Set<string> {
  const { tasks, extra } = SCRIPTS[script];
  return new Set([...tasks.flatMap((task) => scriptParams(hre, task).map((p) => p.env)), ...extra]);
}

describe("scripts/ and its documentation", function () {
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  const rows = new Map(
    [...readme.matchAll(/^\| `scripts\/([\w-]+\.ts)` +\|([^|]*)\|([^|]*)\|$/gm)].map((m) => [m[1], m[2]]),
  );

  it("lists every script of scripts/ in the README's table, and only those", function () {
    const files = readdirSync(path.join(ROOT, "scripts")).filter((f) => f.endsWith(".ts"));
    expect([...rows.keys()].sort()).to.deep.equal([...files].sort());
    expect([...files].sort()).to.deep.equal(Object.keys(SCRIPTS).sort());
  });

  it("names in the table only variables the script reads", function () {
    for (const [script, cell] of rows) {
      const named = [...cell.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]);
      const known = variables(script);
      for (const name of named) expect(known.has(name), `${script}: ${name}`).to.be.true;
    }
  });

  it("gives every flag of a mirrored task its own variable", function () {
    for (const [script, { tasks }] of Object.entries(SCRIPTS)) {
      for (const task of tasks) {
        const params = scriptParams(hre, task);
        const names = params.map((p) => p.env);
        expect(new Set(names).size, `${script} (${task}): ${names.join(", ")}`).to.equal(names.length);
      }
    }
  });

  it("runs every npm script's file that exists", function () {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    for (const [name, command] of Object.entries(pkg.scripts)) {
      for (const [file] of command.matchAll(/\b(?:scripts|bench|tasks)\/[\w./-]+\.ts\b/g)) {
        expect(existsSync(path.join(ROOT, file)), `npm run ${name}: ${file}`).to.be.true;
      }
    }
    expect(pkg.scripts.bench).to.equal("hardhat run scripts/bench.ts");
  });
});
