/**
 * docs/simulator.md's usage example, type-checked against src/sim and run as written, so that the
 * documented API cannot drift from the code unnoticed (a renamed export or option fails here, not
 * in a reader's editor).
 */
import { readFileSync } from "node:fs";
import path from "node:path";

import { expect } from "chai";
import ts from "typescript";

import * as sim from "../../src/sim";

const ROOT = path.join(__dirname, "..", "..");
const DOC = path.join(ROOT, "docs", "simulator.md");

/** The doc's one TypeScript block that imports the library. */
function example(): string {
  const doc = readFileSync(DOC, "utf8");
  const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)]
    .map((m) => m[1])
    .filter((code) => code.includes('from "./src/sim"'));
  expect(blocks, 'one ```ts block importing "./src/sim"').to.have.length(1);
  return blocks[0];
}

describe("docs/simulator.md", function () {
  this.timeout(120_000);

  it("has a usage example that type-checks with the project's compiler options and runs", () => {
    const code = example();

    // Type-check it as a file at the repository's root, where the doc's "./src/sim" resolves.
    const file = path.join(ROOT, "docs-example.ts");
    const config = ts.readConfigFile(path.join(ROOT, "tsconfig.json"), (f) => ts.sys.readFile(f));
    const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
    const host = ts.createCompilerHost(options);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (name, version, ...rest) =>
      path.resolve(name) === file ? ts.createSourceFile(name, code, version) : getSourceFile(name, version, ...rest);
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (name) => path.resolve(name) === file || fileExists(name);
    const program = ts.createProgram([file], { ...options, noEmit: true }, host);
    const diagnostics = ts.getPreEmitDiagnostics(program);
    expect(ts.formatDiagnostics(diagnostics, host), "type errors in the doc's example").to.equal("");

    // Run it, with the library for its import and its console captured.
    const js = ts.transpileModule(code, { compilerOptions: options }).outputText;
    const lines: string[] = [];
    const load = (id: string) => {
      if (id !== "./src/sim") throw new Error(`the example imports ${id}; only ./src/sim is provided`);
      return sim;
    };
    new Function("require", "exports", "console", js)(load, {}, { log: (...a: unknown[]) => lines.push(a.join(" ")) });
    const output = lines.join("\n");
    expect(output).to.match(/^policy\s+return\s+excess\/yr/);
    expect(output).to.match(/^recommended: (edge|full)-\d+$/m);
  });
});
