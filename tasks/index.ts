/**
 * Registers every Hardhat task in this folder: each file defines its tasks with `task(...)` from
 * `hardhat/config` when loaded. Loaded by hardhat.config.ts.
 */
import { readdirSync } from "node:fs";
import path from "node:path";

for (const file of readdirSync(__dirname).sort()) {
  if (file === "index.ts" || !file.endsWith(".ts") || file.endsWith(".d.ts")) continue;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(path.join(__dirname, file));
}
