/**
 * The adversaries' part of the report, shared by the console (report.ts) and the HTML page
 * (chart.ts): their plays grouped by kind, and the verdict on their P&L. Pure TypeScript.
 */
import { usd } from "./format";
import type { AdversaryAttempt, AdversaryReport } from "./types";

/** A play's kind, for grouping: "up: deposit -> redeem", "push 4 bp" (the legs left out). */
export function playKind(attempt: AdversaryAttempt): string {
  return attempt.play.replace(/^(push \d+(?:\.\d+)? bp):.*$/, "$1");
}

/** The adversaries' plays grouped by kind: count, refused, P&L, best, worst. */
export function adversaryRows(adversaries: AdversaryReport): string[][] {
  const groups = new Map<string, AdversaryAttempt[]>();
  for (const attempt of adversaries.attempts) {
    const key = `${attempt.adversary}\u0000${playKind(attempt)}`;
    groups.set(key, [...(groups.get(key) ?? []), attempt]);
  }
  return [...groups.entries()].map(([key, attempts]) => {
    const [adversary, kind] = key.split("\u0000");
    const pnl = attempts.map((a) => a.pnlUsd);
    return [
      adversary,
      kind,
      String(attempts.length),
      String(attempts.filter((a) => a.refused !== undefined).length),
      usd(
        pnl.reduce((sum, v) => sum + v, 0),
        2,
      ),
      usd(Math.max(...pnl), 2),
      usd(Math.min(...pnl), 2),
    ];
  });
}

/** "front-runner -$1,234.56, sandwicher -$12.34: both <= 0" or the ones above zero, named. */
export function adversaryVerdict(adversaries: AdversaryReport): string {
  const each = adversaries.summaries.map((s) => `${s.adversary} ${usd(s.pnlUsd, 2)}`).join(", ");
  const gainers = adversaries.summaries.filter((s) => s.pnlUsd > 0);
  if (gainers.length === 0) return `${each}: every adversary's P&L is <= 0 (before its gas).`;
  return `${each}: ${gainers.map((s) => s.adversary).join(" and ")} made a PROFIT (P&L > 0), a value leak.`;
}
