import { ZeroAddress } from "ethers";

import type { IBallastBreakers } from "../../typechain-types/artifacts/contracts/BallastBreakers";
import type { IBallastRebalancer } from "../../typechain-types/artifacts/contracts/BallastRebalancer";

/**
 * The breaker, cost-gate and reward settings that every live network (deploy/config/networks.ts)
 * and the demo share: one statement of them, which `src/vault` re-exports for tests and the demo.
 */

const HOUR = 3_600;

/**
 * Breaker bounds once every watched pool has `twapWindow` of history: a 30-minute TWAP; trading
 * halts when an oracle and its pool's TWAP disagree by over 3%, when a pool's spot is 2% off its
 * TWAP (a manipulation in progress), or when a price moves 20% within an hour, and for an hour after
 * an oracle failed (read from its own rounds); a trip lasts at least an hour. No sequencer feed: an
 * L2's configuration names its own. In the contract's field order.
 */
export const RECOMMENDED_BREAKERS: IBallastBreakers.BreakerParamsStruct = {
  twapWindow: 1_800,
  maxOracleTwapDeviationBps: 300,
  maxSpotTwapTicks: 200,
  maxMoveBps: 2_000,
  moveWindow: HOUR,
  cooldown: HOUR,
  sequencerFeed: ZeroAddress,
  sequencerGracePeriod: 0,
  tripOnInvalidPrice: true,
};

/**
 * A cost gate: removing one basis point of total drift is worth a millionth of NAV, and a rebalance
 * may cost at most that; gas as measured by the benchmarks.
 */
export const RECOMMENDED_COSTS = {
  benefitPerBpWad: 10n ** 12n,
  maxCostRatioBps: 10_000,
  gasBase: 150_000,
  gasPerHop: 100_000,
} as const;

/**
 * Keepers are paid their gas plus 20%, at most 1 bp of NAV and 100 whole base tokens a rebalance: on
 * a $1M vault a rebalance of ~0.9M gas stays under the cap up to ~25 gwei at $3,500 ETH.
 */
export const RECOMMENDED_REWARD = { premiumBps: 2_000, maxRewardBps: 1, maxRewardWhole: 100 } as const;

/** {@link RECOMMENDED_REWARD} as the rebalancer takes it, for a base asset of `baseDecimals`. */
export function recommendedReward(baseDecimals: number): IBallastRebalancer.RewardParamsStruct {
  const { premiumBps, maxRewardBps, maxRewardWhole } = RECOMMENDED_REWARD;
  return { premiumBps, maxRewardBps, maxReward: BigInt(maxRewardWhole) * 10n ** BigInt(baseDecimals) };
}
