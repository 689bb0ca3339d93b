// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IBallastBreakers} from "./IBallastBreakers.sol";
import {IBallastErrors} from "./IBallastErrors.sol";
import {IBallastOracle} from "./IBallastOracle.sol";
import {IBallastPlanner} from "./IBallastPlanner.sol";
import {IBallastPolicy} from "./IBallastPolicy.sol";
import {IBallastVault} from "./IBallastVault.sol";

/// @title IBallastRebalancer
/// @notice Decides when and how one vault's basket trades: asks its {IBallastBreakers} whether
/// trading is safe now and its {IBallastPolicy} whether a rebalance is due (triggers, bands,
/// volatility, cost gate), plans the legs, and has the vault execute them
/// ({IBallastVault-executeRebalance}), which enforces the holders' bounds by itself. The policy
/// (volatility estimate, last rebalance) and the breakers (a trip) keep their records under this
/// contract's address. Governed by its `DEFAULT_ADMIN_ROLE` (a TimelockController); governance may
/// replace the rebalancer behind the timelock ({IBallastVault-setRebalancer}).
interface IBallastRebalancer is IBallastErrors {
    /// @notice What a successful rebalance pays its caller, from the vault in the base asset: its
    /// gas (as measured inside the call) at the block's base fee, valued through the policy's gas-token oracle, times `1 + premiumBps / 10_000`, at most
    /// `maxRewardBps` of NAV and `maxReward` base units. Nothing while either cap is 0, without a
    /// gas-token oracle, for a revert, or for a call that traded nothing.
    struct RewardParams {
        uint16 premiumBps;
        uint16 maxRewardBps;
        uint128 maxReward;
    }

    /// @notice How a keeper's plan ({rebalancePlan}) is held to account: after its legs every weight
    /// is within the target band, or the largest drift fell by at least `minDriftCutBps` of itself;
    /// and the NAV it lost is at most the policy's quote of its cost plus `costToleranceBps` of the
    /// value it traded.
    struct PlanParams {
        uint16 minDriftCutBps;
        uint16 costToleranceBps;
    }

    /// @notice Emitted when governance sets the keeper reward (`oldParams` all zero at construction).
    event RewardParamsSet(RewardParams oldParams, RewardParams newParams);

    /// @notice Emitted when governance sets how keepers' plans are held to account.
    event PlanParamsSet(PlanParams oldParams, PlanParams newParams);

    /// @notice Emitted when governance points the rebalancer at another policy.
    event PolicySet(IBallastPolicy oldPolicy, IBallastPolicy newPolicy);

    /// @notice Emitted when governance points the rebalancer at other circuit breakers (`oldBreakers`
    /// zero at construction).
    event BreakersSet(IBallastBreakers oldBreakers, IBallastBreakers newBreakers);

    /// @notice Emitted when a due rebalance makes no trade because its estimated cost exceeds its
    /// benefit times the policy's ratio (base-asset units; see {IBallastPolicy-assessCost}).
    event RebalanceSkipped(address indexed caller, uint256 cost, uint256 benefit);

    /// @notice The vault this rebalancer trades for.
    function vault() external view returns (IBallastVault);

    /// @notice Where {rebalance}'s on-chain plan comes from (fixed at construction: a new planner
    /// comes with a new rebalancer).
    function planner() external view returns (IBallastPlanner);

    /// @notice The trigger policy consulted by {rebalance}.
    function policy() external view returns (IBallastPolicy);

    /// @notice Points the rebalancer at another trigger policy (governance). Reverts for zero, an
    /// account without code, or unchanged. The new policy keeps its own record of this rebalancer's
    /// last rebalance (none, if it never served it): its cooldown starts from that record.
    function setPolicy(IBallastPolicy newPolicy) external;

    /// @notice The circuit breakers consulted by {rebalance} and the status.
    function breakers() external view returns (IBallastBreakers);

    /// @notice Points the rebalancer at other circuit breakers (governance). Reverts for zero, an
    /// account without code, or unchanged. The new breakers keep their own record of this
    /// rebalancer (none, if they never served it): a trip recorded by the old ones stays there.
    function setBreakers(IBallastBreakers newBreakers) external;

    /// @notice The vault's price sources (the breakers read their round histories through this).
    function oracles() external view returns (IBallastOracle[] memory);

    /// @notice The vault's current weights in basis points, valued by the oracles (rounded down).
    /// @dev Reverts with {BallastPriceUnavailable} when a price is invalid.
    function currentWeights() external view returns (uint256[] memory);

    /// @notice The largest |current - target| weight of the vault's basket, in basis points.
    /// @dev Reverts with {BallastPriceUnavailable} when a price is invalid.
    function maxDrift() external view returns (uint256);

    /// @notice Whether a rebalance may run now and why (independent of the caller), with the
    /// current largest drift and the band trades would stop at: the policy's target band, capped at
    /// half the trigger band spread over the non-base assets (the base asset absorbs what each of
    /// them leaves inside its band). Says what {rebalance} would do: BreakerTripped while the
    /// breakers' trip holds, and for a due rebalance the breakers would refuse without recording
    /// anything (a condition that refuses, one whose trip lapsed but lasts, an invalid price in the
    /// last `cooldown`); see {IBallastPolicy-Status} for the order. Never reverts.
    function rebalanceStatus()
        external
        view
        returns (IBallastPolicy.Status status, uint256 driftBps, uint256 targetBandBps);

    /// @notice What the cost-efficiency gate would say of a rebalance now, whether or not one is
    /// due (keepers' view): its estimated cost and benefit (base-asset units) and whether it passes.
    /// The cost counts the keeper reward's premium over the gas, as {rebalance} and the status do.
    /// @dev Reverts with {BallastPriceUnavailable} when a price is invalid. The gas part uses the
    /// block's base fee, which an `eth_call` on most nodes (Hardhat included) sets to 0: keepers
    /// add their own gas estimate to the view's numbers.
    function rebalanceCost() external view returns (uint256 cost, uint256 benefit, bool worthIt);

    /// @notice Chainlink Automation (and Gelato) entry: whether {rebalance} is due ({rebalanceStatus}
    /// says Due or DueByCalendar), so never while the breakers would refuse it without recording
    /// a trip. `performData` is empty.
    function checkUpkeep(bytes calldata checkData) external view returns (bool upkeepNeeded, bytes memory performData);

    /// @notice Chainlink Automation (and Gelato) entry: runs {rebalance}.
    function performUpkeep(bytes calldata performData) external;

    /// @notice Trades the basket toward its target weights through Uniswap V3. Permissionless.
    /// @dev Runs only when the policy says Due or DueByCalendar (else reverts with
    /// {BallastRebalanceNotDue}, as while the breakers' trip holds). A breakers' check that refuses
    /// ({IBallastBreakers-checkBreakers}), or a cost-efficiency gate that finds the trades not worth
    /// their cost ({RebalanceSkipped}), ends the call without trading and without reverting, so
    /// that the record stays. Sells what is above target + band into the base asset
    /// (all of an asset whose target weight is 0), then buys what is below target - band with it
    /// (band as reported by {rebalanceStatus}); each trade capped at `maxTradeBps` of NAV and
    /// skipped below `minTradeValue` and below the value that pays for its own leg's gas
    /// ({IBallastPolicy-minLegValue}). The vault bounds each swap and the NAV loss
    /// ({IBallastVault-executeRebalance}). Pays the keeper reward ({RewardParams}); the cost gate
    /// counts it.
    /// @return trades The number of swaps made.
    function rebalance() external returns (uint256 trades);

    /// @notice Settles a keeper's plan: `legs` computed off chain (any Uniswap V3 path between two
    /// basket assets, direct pairs included), checked on chain. Runs when {rebalance} would (due,
    /// not paused, prices valid; a breaker or the cost gate ends it without trading, as there), and
    /// requires of the plan: every leg sells an asset above its target weight and buys one below its
    /// own, the base asset aside, through which legs may route ({BallastPlanLeg}); after the legs every weight is within the target band, or the largest
    /// drift fell by at least `minDriftCutBps` of itself ({BallastPlanDrift}), so that a plan that
    /// removes little cannot burn the cooldown; the NAV lost is at most the policy's quote of the
    /// legs' cost plus `costToleranceBps` of the value traded ({BallastPlanCost}). The vault's own
    /// bounds apply to every leg ({IBallastVault-executeRebalance}). Pays the keeper reward.
    /// @return trades The number of swaps made.
    function rebalancePlan(IBallastVault.Leg[] calldata legs) external returns (uint256 trades);

    /// @notice The keeper reward in force.
    function rewardParams() external view returns (RewardParams memory);

    /// @notice Sets the keeper reward (governance): `premiumBps` at most 10_000 (twice the gas),
    /// `maxRewardBps` at most 10 (0.1% of NAV a rebalance). Reverts when out of bounds or unchanged.
    function setRewardParams(RewardParams calldata params) external;

    /// @notice How keepers' plans are held to account.
    function planParams() external view returns (PlanParams memory);

    /// @notice Sets how keepers' plans are held to account (governance): `minDriftCutBps` from 1_000
    /// to 10_000, `costToleranceBps` at most 500. Reverts when out of bounds or unchanged.
    function setPlanParams(PlanParams calldata params) external;

    /// @notice The vault's report that its basket changed (an asset listed or removed): the policy
    /// forgets the volatility estimate ({IBallastPolicy-resetObservations}). The vault only.
    function basketChanged() external;
}
