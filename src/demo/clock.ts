/** The chain's clock as a scenario reads it. */
import { time } from "@nomicfoundation/hardhat-network-helpers";

export class ScenarioClock {
  /** Chain time of hour 0 (set once the opening deposits are invested). */
  t0 = 0;
  /** Chain time at the last reading, ms: the keeper bot's clock (simulated time stands still between calls). */
  chainTimeMs = 0;

  /** Hours since hour 0 at a chain time. */
  hourAt(timestamp: number): number {
    return (timestamp - this.t0) / 3_600;
  }

  /** Chain time as an hour value for records: hours once hour 0 is known, chain time before it. */
  async recordTime(): Promise<number> {
    const now = await time.latest();
    this.chainTimeMs = now * 1_000;
    return this.t0 === 0 ? now : this.hourAt(now);
  }

  /** Hour 0 is now. */
  async startHours(): Promise<void> {
    this.t0 = await time.latest();
  }

  async advanceTo(timestamp: number): Promise<void> {
    const now = await time.latest();
    if (timestamp > now) await time.increaseTo(timestamp);
  }
}
