// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IBallastPriceHistory
/// @notice What a price source may offer besides {IBallastOracle}: the price it reported at a past
/// time, from its own history (a Chainlink feed's rounds). The policy's dislocation breaker compares
/// each asset's price now with the one in force `moveWindow` ago: a sliding window that needs no
/// transaction to record anything. A source without it is left out of that check.
interface IBallastPriceHistory {
    /// @notice The USD price (WAD) of one whole unit in force at `timestamp`: the answer of the latest
    /// round updated at or before it. `valid == false` when the history does not reach back that far
    /// (or that round was stale, non-positive, or the feed's decimals have changed since).
    function priceAt(uint256 timestamp) external view returns (bool valid, uint256 priceWad);
}
