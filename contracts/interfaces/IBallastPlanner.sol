// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IBallastPolicy} from "./IBallastPolicy.sol";
import {IBallastVault} from "./IBallastVault.sol";

/// @title IBallastPlanner
/// @notice What a rebalance trades when no keeper brings a plan: the on-chain plan of a vault's
/// {IBallastVault-BasketState} at a target band, and whether the pools would take it now. Holds no
/// state and trusts no caller (every answer is a view), so one planner serves every rebalancer on a
/// chain; a rebalancer names its planner at construction, and governance changes the planning by
/// replacing the rebalancer behind the timelock ({IBallastVault-setRebalancer}). The vault enforces
/// the holders' bounds on whatever it is asked to trade: a faulty planner can make a rebalance
/// refuse or trade less, never lose beyond them.
interface IBallastPlanner {
    /// @notice The on-chain plan of `vault` in state `s` with target band `band` (bps): each asset above
    /// target + band is sold down to that edge, each below target - band bought up to it, every trade
    /// capped at the state's `maxTradeBps` of NAV and left out below the larger of its
    /// `minTradeValue` and `minLegValue` (base units: a trade too small to pay for its own leg). An
    /// asset whose target weight is 0 is retiring: its whole balance is sold (dust under a
    /// hundredth of a base token aside). Buys are funded by the base held above its own target
    /// plus the sales' oracle value; short of that, every buy is scaled down alike. Each asset trades
    /// along its vault route to or from the base (`vault`'s {IBallastVault-basketRoutes}). Every
    /// rounding is against the trade: amounts sold and bought round down. Reverts with
    /// {IBallastErrors-BallastStateMisaligned} for a state whose arrays differ in length.
    /// @return trades The legs in the order the vault runs them (sales, then purchases), each with
    /// the oracle values the cost model prices ({IBallastPolicy-Trade}).
    /// @return driftRemovedBps The total absolute drift (sum over assets of |weight - target|, bps)
    /// the trades remove at the state's prices, NAV unchanged.
    function plan(
        IBallastVault vault,
        IBallastVault.BasketState calldata s,
        uint256 band,
        uint256 minLegValue
    ) external view returns (IBallastPolicy.Trade[] memory trades, uint256 driftRemovedBps);

    /// @notice Whether the vault would trade every one of `trades` at the pools of `factory` as they
    /// are now, if need be shrunk to what they can fill, within `maxPoolGapBps` of the oracle at spot
    /// and `slippageBps` after fees and impact (the vault's bounds; {IBallastVault-executeRebalance}).
    function fits(
        address factory,
        IBallastPolicy.Trade[] calldata trades,
        uint256 maxPoolGapBps,
        uint256 slippageBps
    ) external view returns (bool);
}
