// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IBallastErrors} from "./IBallastErrors.sol";
import {IBallastOracle} from "./IBallastOracle.sol";
import {IBallastPolicy} from "./IBallastPolicy.sol";
import {IBallastVault} from "./IBallastVault.sol";

/// @title IBallastRebalancer
/// @notice Decides when and how one vault's basket trades: asks its {IBallastPolicy} whether a
/// rebalance is due (triggers, bands, volatility, breakers, cost gate), plans the legs, and has the
/// vault execute them ({IBallastVault-executeRebalance}), which enforces the holders' bounds by itself.
/// The policy keeps its records under this contract's address (breakers, volatility estimate, last
/// rebalance). Governed by its `DEFAULT_ADMIN_ROLE` (a TimelockController); governance may replace
/// the rebalancer behind the timelock ({IBallastVault-setRebalancer}).
interface IBallastRebalancer is IBallastErrors {
    /// @notice Emitted when governance points the rebalancer at another policy.
    event PolicySet(IBallastPolicy oldPolicy, IBallastPolicy newPolicy);

    /// @notice Emitted when a due rebalance makes no trade because its estimated cost exceeds its
    /// benefit times the policy's ratio (base-asset units; see {IBallastPolicy-assessCost}).
    event RebalanceSkipped(address indexed caller, uint256 cost, uint256 benefit);

    /// @notice The vault is paused: nothing trades.
    error EnforcedPause();

    /// @notice The vault this rebalancer trades for.
    function vault() external view returns (IBallastVault);

    /// @notice The trigger policy consulted by {rebalance}.
    function policy() external view returns (IBallastPolicy);

    /// @notice Points the rebalancer at another trigger policy (governance). Reverts for zero, an
    /// account without code, or unchanged. The new policy keeps its own record of this rebalancer's
    /// last rebalance (none, if it never served it): its cooldown starts from that record.
    function setPolicy(IBallastPolicy newPolicy) external;

    /// @notice The vault's price sources (the policy reads their round histories through this).
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
    /// them leaves inside its band). Never reverts.
    function rebalanceStatus()
        external
        view
        returns (IBallastPolicy.Status status, uint256 driftBps, uint256 targetBandBps);

    /// @notice What the cost-efficiency gate would say of a rebalance now, whether or not one is
    /// due (keepers' view): its estimated cost and benefit (base-asset units) and whether it passes.
    /// @dev Reverts with {BallastPriceUnavailable} when a price is invalid. The gas part uses the
    /// block's base fee, which an `eth_call` on most nodes (Hardhat included) sets to 0: keepers
    /// add their own gas estimate to the view's numbers.
    function rebalanceCost() external view returns (uint256 cost, uint256 benefit, bool worthIt);

    /// @notice Chainlink Automation (and Gelato) entry: whether {rebalance} is due. `performData` is empty.
    function checkUpkeep(bytes calldata checkData) external view returns (bool upkeepNeeded, bytes memory performData);

    /// @notice Chainlink Automation (and Gelato) entry: runs {rebalance}.
    function performUpkeep(bytes calldata performData) external;

    /// @notice Has the vault record every valid oracle price as the last known one, hands them to
    /// the policy's volatility estimate and runs the breakers. Permissionless.
    function poke() external;

    /// @notice Trades the basket toward its target weights through Uniswap V3. Permissionless.
    /// @dev Runs only when the policy says Due or DueByCalendar (else reverts with
    /// {BallastRebalanceNotDue}). A tripped circuit breaker, or a cost-efficiency gate that finds the
    /// trades not worth their cost ({RebalanceSkipped}), ends the call without trading and without
    /// reverting, so that the record stays. Sells what is above target + band into the base asset
    /// (all of an asset whose target weight is 0), then buys what is below target - band with it
    /// (band as reported by {rebalanceStatus}); each trade capped at `maxTradeBps` of NAV and
    /// skipped below `minTradeValue`. The vault bounds each swap and the NAV loss
    /// ({IBallastVault-executeRebalance}).
    /// @return trades The number of swaps made.
    function rebalance() external returns (uint256 trades);

    /// @notice The vault's report that its basket changed (an asset listed or removed): the policy
    /// forgets the volatility estimate ({IBallastPolicy-resetObservations}). The vault only.
    function basketChanged() external;
}
