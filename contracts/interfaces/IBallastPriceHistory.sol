// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IBallastPriceHistory
/// @notice What a price source may offer besides {IBallastOracle}: what it reported in the past,
/// from its own history (a Chainlink feed's rounds). The breakers ({IBallastBreakers}) judge sliding
/// windows on it, which need no transaction to record anything: the dislocation check compares each
/// asset's price now with the one in force `moveWindow` ago, and the invalid-price check asks
/// whether a price was valid throughout the last `cooldown`. A source without it is left out of
/// those checks.
interface IBallastPriceHistory {
    /// @notice Whether the source's price was valid at every moment from `timestamp` to now by its
    /// own history: every report in force over that time (the one in force at `timestamp` and each
    /// made since) was a price (positive, in the units it started with) and came within the
    /// source's staleness bound of the one before it, and the latest is still fresh. `false` as soon
    /// as one moment was not. A source reads a bounded part of its history: what it leaves unchecked
    /// (older reports, or those before its history begins) it documents, and counts as valid.
    function validSince(uint256 timestamp) external view returns (bool);

    /// @notice The USD price (WAD) of one whole unit in force at `timestamp`: the answer of the latest
    /// round updated at or before it. `valid == false` when the history does not reach back that far
    /// (or that round was stale, non-positive, or the feed's decimals have changed since).
    function priceAt(uint256 timestamp) external view returns (bool valid, uint256 priceWad);
}
