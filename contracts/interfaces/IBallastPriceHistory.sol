// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IBallastPriceHistory
/// @notice What a price source may offer besides {IBallastOracle}: what it reported in the past,
/// from its own history (a Chainlink feed's rounds): records that already exist, so that no
/// transaction needs to write any. The breakers ({IBallastBreakers}) judge sliding windows on it (the
/// dislocation check compares each asset's price now with the one in force `moveWindow` ago, the
/// invalid-price check asks whether a price was valid throughout the last `cooldown`), and the
/// policy's volatility estimate reads the rounds published since the last it read. A source
/// without it is left out of those checks.
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

    /// @notice Rounds of the source's history since round `fromRound` (a round id as {samplesSince}
    /// answered it as `latestRound`), oldest first: round `first` (`fromRound` when it is a round of
    /// the source's current history at or before its latest; otherwise, as when `fromRound` is 0,
    /// the round in force at `timestamp`, or the first round of the history if it began later),
    /// then at most `maxSamples` rounds spread evenly over those published since, the latest last:
    /// round `first + floor(j * (latest - first) / m)` for j = 1..m, `m = min(maxSamples, latest -
    /// first)`. Each round's update time (seconds) and USD price (WAD); `latestRound` is the latest
    /// round's id, to continue from next time (a round published later in the same second is then
    /// not lost, as it would be to a search by time). `valid == false` when a sampled round answered
    /// a non-positive price (or one too large to carry in WAD), has no update time or one before the
    /// previous sample's, or the feed's decimals have changed.
    function samplesSince(
        uint256 fromRound,
        uint256 timestamp,
        uint256 maxSamples
    ) external view returns (bool valid, uint256 latestRound, uint256[] memory times, uint256[] memory pricesWad);
}
