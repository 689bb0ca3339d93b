/**
 * After `vite build`: the bundle's gzipped size against the budget (issue 15: 400 KB). Fails the
 * build beyond it, so that a heavy dependency cannot slip in unnoticed.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";

const BUDGET_BYTES = 400 * 1024;
const DIST = path.join(__dirname, "..", "app", "dist");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : [full];
  });
}

const shipped = files(DIST).filter((file) => /\.(js|css|html)$/.test(file));
let total = 0;
for (const file of shipped) {
  const gz = gzipSync(readFileSync(file), { level: 9 }).length;
  total += gz;
  console.log(`${path.relative(DIST, file).padEnd(40)} ${(gz / 1024).toFixed(1).padStart(7)} KB gz`);
}
console.log(`Bundle: ${(total / 1024).toFixed(1)} KB gzipped (budget ${BUDGET_BYTES / 1024} KB)`);
if (total > BUDGET_BYTES) {
  console.error("The bundle is over its budget.");
  process.exit(1);
}
