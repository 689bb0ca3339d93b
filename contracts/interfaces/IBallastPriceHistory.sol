// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IBallastPriceHistory
/// @notice What a price source may offer besides {IBallastOracle}: the price it reported at a past
/// time, from its own history (a Chainlink feed's rounds). The policy's dislocation breaker compares
/// each asset's price now with the one in force `moveWindow` ago, and its volatility estimate reads
/// the rounds published since its last observation: records that already exist, so that no
/// transaction needs to write any. A source without them is left out of those checks.
interface IBallastPriceHistory {
    /// @notice The USD price (WAD) of one whole unit in force at `timestamp`: the answer of the latest
    /// round updated at or before it. `valid == false` when the history does not reach back that far
    /// (or that round was stale, non-positive, or the feed's decimals have changed since).
    function priceAt(uint256 timestamp) external view returns (bool valid, uint256 priceWad);

    /// @notice Rounds of the source's history since `timestamp`, oldest first: the round in force at
    /// `timestamp` (the first round of the history if it began later), then at most `maxSamples`
    /// rounds spread evenly over those published since, the latest last: round `first + floor(j *
    /// (latest - first) / m)` for j = 1..m, `m = min(maxSamples, latest - first)`. Each round's
    /// update time (seconds) and USD price (WAD). `valid == false` when a sampled round answered a
    /// non-positive price, has no update time or one before the previous sample's, or the feed's
    /// decimals have changed.
    function samplesSince(
        uint256 timestamp,
        uint256 maxSamples
    ) external view returns (bool valid, uint256[] memory times, uint256[] memory pricesWad);
}
