import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.join(__dirname, "..", "..");

/** The README's layout block: the fenced text under "## Layout". */
function layout(): string {
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  const section = readme.split(/^## Layout$/m)[1];
  const block = /```\n([\s\S]*?)```/.exec(section ?? "");
  if (!block) throw new Error("README has no layout block");
  return block[1];
}

/** Every file git tracks (the layout describes the repository, not a build). */
function tracked(): string[] {
  return execFileSync("git", ["ls-files"], { cwd: ROOT, encoding: "utf8" }).split("\n").filter(Boolean);
}

/** `dir/name` -> the first level below `dir`: a file's name, or a folder's name with a slash. */
function childrenOf(files: readonly string[], dir: string): Set<string> {
  const prefix = dir === "" ? "" : `${dir}/`;
  const out = new Set<string>();
  for (const file of files) {
    if (!file.startsWith(prefix)) continue;
    const [first, ...rest] = file.slice(prefix.length).split("/");
    out.add(rest.length > 0 ? `${first}/` : first);
  }
  return out;
}

describe("README's layout and the tree", function () {
  const text = layout();
  const files = tracked();
  const named = (name: string) => new RegExp(`(^|[\\s,(])${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`, "m");

  it("names every top-level folder, every src/ and test/ folder", function () {
    const wanted = [
      ...[...childrenOf(files, "")].filter((f) => f.endsWith("/") && !f.startsWith(".")),
      ...[...childrenOf(files, "src")].filter((f) => f.endsWith("/")),
      ...[...childrenOf(files, "test")].filter((f) => f.endsWith("/")),
      ...[...childrenOf(files, "contracts")].filter((f) => f.endsWith("/")),
    ];
    const missing = wanted.filter((dir) => !named(dir).test(text));
    expect(missing, `not in README's layout: ${missing.join(", ")}`).to.deep.equal([]);
  });

  it("names every contract at contracts/, every interface and every library", function () {
    const contracts = [...childrenOf(files, "contracts")].filter((f) => f.endsWith(".sol"));
    const rest = ["interfaces", "libraries"].flatMap((dir) =>
      [...childrenOf(files, `contracts/${dir}`)].map((f) => f.replace(/\.sol$/, "")),
    );
    const missing = [...contracts, ...rest].filter((name) => !named(name).test(text));
    expect(missing, `not in README's layout: ${missing.join(", ")}`).to.deep.equal([]);
  });

  it("names nothing the tree does not have", function () {
    const folders = [...text.matchAll(/(?:^|[\s,(])([a-z][\w-]*)\/(?=[\s,]|$)/gm)].map((m) => m[1]);
    const solidity = [...text.matchAll(/\b(I?Ballast\w+|[A-Z]\w+)\.sol\b/g)].map((m) => m[1]);
    // A generated folder (typechain-types) is not tracked but is there after a compile.
    const ghostFolders = folders.filter(
      (f) => !files.some((file) => file.split("/").slice(0, -1).includes(f)) && !existsSync(path.join(ROOT, f)),
    );
    const ghostFiles = solidity.filter((name) => !files.some((file) => file.endsWith(`/${name}.sol`)));
    expect([...ghostFolders, ...ghostFiles]).to.deep.equal([]);
  });
});
