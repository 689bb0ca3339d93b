/**
 * The lab's circuit breaker: BallastBreakers' move window (`Dislocation`), the one breaker a
 * simulated market can trip. Its pools follow the oracles and its feeds never fail, so the TWAP
 * checks and the invalid-price history never refuse; a crash, though, halts trading on chain, and
 * the lab must halt where the chain does (issue 17: `npm start` and the lab on the same path).
 *
 * As on chain: when the policy says a rebalance is due, an asset whose price in the base moved more
 * than `maxMoveBps` since `moveWindow` seconds ago (read from the feeds' own rounds, ChainlinkOracle's
 * `priceAt`) makes the call record a trip and trade nothing; trading halts for `cooldown` seconds,
 * and after that for as long as the move is still in the window; the first due rebalance after that
 * clears the trip and trades (BallastRebalancer._dueStatus, BallastBreakers.checkBreakers).
 */
import { checkInteger } from "./errors";
import { roundsAt } from "./feeds";
import type { RoundHistory } from "./feeds";
import { mulDiv } from "./vaultModel";

/** The move-window part of IBallastBreakers.BreakerParams (seconds and bps). */
export interface BreakerSpec {
  maxMoveBps: number;
  moveWindow: number;
  cooldown: number;
}

/** What the rebalancer does at a due check with the breakers on. */
export type BreakerVerdict = "trade" | "trip" | "halted";

export class MoveBreaker {
  private trippedAt: number | undefined;
  trips = 0;
  resets = 0;

  constructor(
    private readonly spec: BreakerSpec,
    /** The feeds' round histories, base first (src/sim/feeds.ts `publishRounds`). */
    private readonly feeds: readonly RoundHistory[],
  ) {
    checkInteger("breakers.maxMoveBps", spec.maxMoveBps, 1, 10_000);
    checkInteger("breakers.moveWindow", spec.moveWindow, 60, 30 * 86_400);
    checkInteger("breakers.cooldown", spec.cooldown, 0, 30 * 86_400);
  }

  /** A trip within its cooldown: the status says BreakerTripped whatever the drift. */
  holds(now: number): boolean {
    return this.trippedAt !== undefined && now < this.trippedAt + this.spec.cooldown;
  }

  /**
   * At a check where the policy says a rebalance is due (`tradable`: and the gate lets it trade), at
   * time `now` with the oracles' prices (WAD, base first): whether the call trades (a lapsed trip
   * cleared on the way), records a trip (trading nothing: the keeper pays its gas), or is not sent.
   */
  verdict(now: number, pricesWad: readonly bigint[], tradable: boolean): BreakerVerdict {
    if (this.holds(now)) return "halted";
    if (this.dislocated(now, pricesWad)) {
      if (this.trippedAt !== undefined) return "halted";
      this.trippedAt = now;
      this.trips++;
      return "trip";
    }
    if (!tradable) return "halted";
    if (this.trippedAt !== undefined) {
      this.trippedAt = undefined;
      this.resets++;
    }
    return "trade";
  }

  /** BallastBreakers._dislocated: an asset moved more than maxMoveBps in the base since `now - moveWindow`. */
  private dislocated(now: number, pricesWad: readonly bigint[]): boolean {
    const since = BigInt(now - this.spec.moveWindow);
    const priceAt = (i: number): bigint | undefined => {
      const k = roundsAt(this.feeds[i], since);
      return k === 0 ? undefined : this.feeds[i].answers[k - 1];
    };
    const baseThen = priceAt(0);
    if (baseThen === undefined) return false;
    const baseNow = pricesWad[0];
    for (let i = 1; i < pricesWad.length; i++) {
      const then = priceAt(i);
      if (then === undefined) continue;
      const scaled = mulDiv(pricesWad[i], baseThen, then);
      const gap = scaled > baseNow ? scaled - baseNow : baseNow - scaled;
      if (mulDiv(gap, 10_000n, baseNow) > BigInt(this.spec.maxMoveBps)) return true;
    }
    return false;
  }
}
