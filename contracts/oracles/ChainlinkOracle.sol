// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

import {IBallastErrors} from "../interfaces/IBallastErrors.sol";
import {IBallastOracle} from "../interfaces/IBallastOracle.sol";
import {IBallastPriceHistory} from "../interfaces/IBallastPriceHistory.sol";
import {SequencerUptime} from "../libraries/SequencerUptime.sol";

/// @title ChainlinkOracle
/// @notice {IBallastOracle} over a Chainlink `AggregatorV3Interface` USD feed, with a per-feed
/// heartbeat. Answers are normalised from the feed's decimals to 18 (WAD). On an L2 it also
/// consults Chainlink's sequencer uptime feed, as Chainlink advises every consumer to: while the
/// sequencer is down, and for a grace period after it restarts, feeds can lag the market (updates
/// queue behind the sequencer), so there is no price. The vault then refuses entries, base exits and
/// trades, and in-kind exits stay open.
contract ChainlinkOracle is IBallastOracle, IBallastPriceHistory, IBallastErrors {
    /// @notice Chainlink heartbeats range from 1 hour to 1 day on mainnet; allow a margin either side.
    uint256 public constant MIN_HEARTBEAT = 1 minutes;
    uint256 public constant MAX_HEARTBEAT = 7 days;
    /// @notice Longest wait after a sequencer restart (Chainlink's example uses one hour).
    uint256 public constant MAX_SEQUENCER_GRACE = 1 days;
    /// @notice Chainlink's deviation thresholds range from 0.01% to a few percent; 10% bounds a typo.
    uint256 public constant MAX_DEVIATION_BPS = 1_000;
    /// @notice Most rounds {validSince} reads, the latest included: a bound on its gas (one
    /// `getRoundData` a round) whatever the feed's pace.
    uint256 public constant MAX_VALIDITY_ROUNDS = 32;

    AggregatorV3Interface public immutable feed;
    /// @notice Longest time, in seconds, an answer may go without an update before it is stale.
    uint256 public immutable heartbeat;
    /// @inheritdoc IBallastOracle
    /// @dev The feed's deviation threshold as its operator publishes it (data.chain.link), which no
    /// contract can read: the deployment states it, the deploy check compares it with its config.
    uint256 public immutable deviationBps;
    /// @notice The feed's decimals when this adapter was deployed; a later change invalidates prices.
    uint8 public immutable feedDecimals;
    /// @notice Chainlink's L2 sequencer uptime feed (answer 0 up, 1 down); zero on L1.
    AggregatorV3Interface public immutable sequencerFeed;
    /// @notice Seconds after the sequencer comes back up before prices count again.
    uint256 public immutable sequencerGracePeriod;
    uint256 private immutable _scale;

    constructor(
        AggregatorV3Interface feed_,
        uint256 heartbeat_,
        uint256 deviationBps_,
        AggregatorV3Interface sequencerFeed_,
        uint256 sequencerGracePeriod_
    ) {
        if (address(feed_) == address(0)) revert BallastZeroAddress();
        if (heartbeat_ < MIN_HEARTBEAT || heartbeat_ > MAX_HEARTBEAT) {
            revert BallastParameterOutOfRange(Parameter.Heartbeat, heartbeat_, MIN_HEARTBEAT, MAX_HEARTBEAT);
        }
        if (deviationBps_ == 0 || deviationBps_ > MAX_DEVIATION_BPS) {
            revert BallastParameterOutOfRange(Parameter.DeviationBps, deviationBps_, 1, MAX_DEVIATION_BPS);
        }
        // Without a sequencer feed there is nothing to wait for: a grace period then is a mistake.
        uint256 maxGrace = address(sequencerFeed_) == address(0) ? 0 : MAX_SEQUENCER_GRACE;
        if (sequencerGracePeriod_ > maxGrace) {
            revert BallastParameterOutOfRange(Parameter.SequencerGracePeriod, sequencerGracePeriod_, 0, maxGrace);
        }
        uint8 decimals_ = feed_.decimals();
        if (decimals_ > 18) revert BallastFeedDecimals(address(feed_), decimals_);
        feed = feed_;
        heartbeat = heartbeat_;
        deviationBps = deviationBps_;
        feedDecimals = decimals_;
        sequencerFeed = sequencerFeed_;
        sequencerGracePeriod = sequencerGracePeriod_;
        _scale = 10 ** (18 - decimals_);
    }

    /// @inheritdoc IBallastOracle
    function price() external view returns (uint256 priceWad) {
        if (address(sequencerFeed) != address(0)) {
            (SequencerUptime.State state, uint256 startedAt) = SequencerUptime.state(
                address(sequencerFeed),
                sequencerGracePeriod
            );
            if (state == SequencerUptime.State.Down) revert BallastSequencerDown(address(sequencerFeed));
            if (state == SequencerUptime.State.GracePeriod) {
                revert BallastSequencerGracePeriod(address(sequencerFeed), startedAt, sequencerGracePeriod);
            }
        }
        (, int256 answer, , uint256 updatedAt, ) = feed.latestRoundData();
        uint8 decimals_ = feed.decimals();
        if (decimals_ != feedDecimals) revert BallastFeedDecimalsChanged(address(feed), feedDecimals, decimals_);
        // Non-positive, or so large that no real asset could be priced at it (the WAD would overflow).
        if (answer <= 0 || uint256(answer) > type(uint256).max / _scale)
            revert BallastFeedAnswer(address(feed), answer);
        if (updatedAt == 0 || updatedAt > block.timestamp) revert BallastFeedTimestamp(address(feed), updatedAt);
        if (block.timestamp - updatedAt > heartbeat) revert BallastFeedStale(address(feed), updatedAt, heartbeat);
        return uint256(answer) * _scale;
    }

    /// @inheritdoc IBallastPriceHistory
    /// @dev Walks back from the latest round, within the latest phase (a proxy's round ids are
    /// `phase << 64 | n`, n from 1), over the rounds updated after `timestamp` and the one in force
    /// at it: each must answer a price {price} would take, and each one after `timestamp` must have
    /// come within `heartbeat` of the round before it (else the price was stale in between); the
    /// latest must still be fresh now. Reads at most {MAX_VALIDITY_ROUNDS} rounds: a feed that
    /// updated more often within the window (a round every `window / 32` seconds, every 112 s for
    /// a one-hour window) has its older rounds left unchecked, so that an outage over before its
    /// last 32 rounds is not seen; nor is one before the phase's first round (a new aggregator or
    /// feed: its history begins there). False once the feed's decimals have changed (its history is
    /// in other units). The sequencer uptime feed is not consulted: a sequencer outage is the
    /// breakers' own check. Reverts when the feed does (a round it cannot answer).
    function validSince(uint256 timestamp) external view returns (bool) {
        if (feed.decimals() != feedDecimals) return false;
        (uint80 latest, int256 answer, , uint256 updatedAt, ) = feed.latestRoundData();
        if (updatedAt > block.timestamp || block.timestamp - updatedAt > heartbeat) return false;
        uint80 phase = (latest >> 64) << 64;
        uint64 round = uint64(latest);
        for (uint256 read = 1; read < MAX_VALIDITY_ROUNDS; ++read) {
            if (!_isPrice(answer)) return false;
            // The round in force at `timestamp`: whatever came before it is outside the window.
            if (updatedAt <= timestamp || round <= 1) return true;
            uint256 next = updatedAt;
            (, answer, , updatedAt, ) = feed.getRoundData(phase | --round);
            // Until `next`, this round was the price: stale past `heartbeat` (an incomplete round,
            // `updatedAt` 0, was never one).
            if (updatedAt == 0 || next > updatedAt + heartbeat) return false;
        }
        // The last round the bound lets it read: older ones are left unchecked.
        return _isPrice(answer);
    }

    /// @inheritdoc IBallastPriceHistory
    /// @dev The round in force at `timestamp` is found by {_roundAt}. The round found must have been
    /// fresh (within `heartbeat`) at `timestamp`.
    function priceAt(uint256 timestamp) external view returns (bool valid, uint256 priceWad) {
        if (feed.decimals() != feedDecimals) return (false, 0);
        (uint80 latest, int256 answer, , uint256 updatedAt, ) = feed.latestRoundData();
        bool found;
        (found, , answer, updatedAt) = _roundAt(latest, answer, updatedAt, timestamp);
        if (!found || !_isPrice(answer)) return (false, 0);
        if (updatedAt == 0 || timestamp - updatedAt > heartbeat) return (false, 0);
        return (true, uint256(answer) * _scale);
    }

    /// @inheritdoc IBallastPriceHistory
    /// @dev Rounds of the latest phase: `fromRound` of another phase (an older aggregator's) is
    /// searched for by time ({_roundAt}). From a known round, one read a sampled round and no search.
    function samplesSince(
        uint256 fromRound,
        uint256 timestamp,
        uint256 maxSamples
    ) external view returns (bool valid, uint256 latestRound, uint256[] memory times, uint256[] memory pricesWad) {
        (uint80 latest, int256 answer, , uint256 updatedAt, ) = feed.latestRoundData();
        latestRound = latest;
        if (feed.decimals() != feedDecimals) return (false, latestRound, times, pricesWad);
        uint256 first;
        if (fromRound >> 64 == latest >> 64 && uint64(fromRound) != 0 && fromRound <= latest) {
            first = uint64(fromRound);
        } else {
            bool found;
            (found, first, , ) = _roundAt(latest, answer, updatedAt, timestamp);
            // The phase began after `timestamp`: its history starts at its first round.
            if (!found) first = 1;
        }
        (valid, times, pricesWad) = _sampleRounds((latest >> 64) << 64, first, uint64(latest), maxSamples);
    }

    /// @dev Round `first`, then `m = min(maxSamples, last - first)` rounds spread evenly up to `last`
    /// (see {IBallastPriceHistory-samplesSince}), of the phase whose round ids start at `phase`.
    function _sampleRounds(
        uint80 phase,
        uint256 first,
        uint256 last,
        uint256 maxSamples
    ) private view returns (bool valid, uint256[] memory times, uint256[] memory pricesWad) {
        uint256 rounds = last - first;
        uint256 m = rounds < maxSamples ? rounds : maxSamples;
        times = new uint256[](m + 1);
        pricesWad = new uint256[](m + 1);
        for (uint256 j; j <= m; ++j) {
            uint256 id = j == 0 ? first : first + (rounds * j) / m;
            (, int256 answer, , uint256 updatedAt, ) = feed.getRoundData(phase | uint80(id));
            // Incomplete (0) or out of order update times are no history to measure time by.
            if (!_isPrice(answer) || updatedAt == 0 || (j != 0 && updatedAt < times[j - 1])) {
                return (false, times, pricesWad);
            }
            (times[j], pricesWad[j]) = (updatedAt, uint256(answer) * _scale);
        }
        return (true, times, pricesWad);
    }

    /// @inheritdoc IBallastOracle
    /// @dev The checks of {price}, without its external self-call: each feed call is a low-level
    /// static call whose failure, short or malformed return data (as {price}'s ABI decoding would
    /// reject) or failed check answers `(false, 0)`.
    function tryPrice() external view returns (bool valid, uint256 priceWad) {
        bool ok;
        bytes memory data;
        if (address(sequencerFeed) != address(0)) {
            if (!SequencerUptime.isUp(address(sequencerFeed), sequencerGracePeriod)) return (false, 0);
        }
        (ok, data) = address(feed).staticcall(abi.encodeCall(AggregatorV3Interface.latestRoundData, ()));
        if (!ok || data.length < 160) return (false, 0);
        // Decoded as whole words, which cannot fail on 160 bytes; the uint80 ones are checked below.
        (uint256 roundId, int256 answer, , uint256 updatedAt, uint256 answeredInRound) = abi.decode(
            data,
            (uint256, int256, uint256, uint256, uint256)
        );
        // uint80 words with bits above 80 set fail {price}'s decoding.
        if (roundId >> 80 != 0 || answeredInRound >> 80 != 0) return (false, 0);
        (ok, data) = address(feed).staticcall(abi.encodeCall(AggregatorV3Interface.decimals, ()));
        if (!ok || data.length < 32 || abi.decode(data, (uint256)) != feedDecimals) return (false, 0);
        if (answer <= 0 || uint256(answer) > type(uint256).max / _scale) return (false, 0);
        if (updatedAt == 0 || updatedAt > block.timestamp || block.timestamp - updatedAt > heartbeat) return (false, 0);
        return (true, uint256(answer) * _scale);
    }

    /// @dev The latest round of the feed's latest phase updated at or before `timestamp` (`found`
    /// false when the phase began after it): its index within the phase, answer and update time;
    /// `latest`, `answer` and `updatedAt` are the feed's latest round, already read by the caller.
    /// Gallops back from the latest round (1, 2, 4, ... rounds) to one updated at or before
    /// `timestamp`, then bisects: about 2 log2(k) reads for k rounds since, so a feed that updated
    /// often (a fast market) costs little more than a quiet one. Stays within the latest phase (a
    /// proxy's round ids are `phase << 64 | n`, n from 1): an older aggregator's rounds are not read.
    function _roundAt(
        uint80 latest,
        int256 answer,
        uint256 updatedAt,
        uint256 timestamp
    ) private view returns (bool found, uint256 index, int256, uint256) {
        uint80 phase = (latest >> 64) << 64;
        index = uint64(latest);
        if (updatedAt <= timestamp) return (true, index, answer, updatedAt);
        // Invariant: round `hi` was updated after `timestamp`; round `index`, once found, was not.
        uint256 hi = index;
        for (uint256 step = 1; ; step <<= 1) {
            if (hi <= 1) return (false, 0, 0, 0);
            index = hi > step ? hi - step : 1;
            (, answer, , updatedAt, ) = feed.getRoundData(phase | uint80(index));
            if (updatedAt <= timestamp) break;
            hi = index;
        }
        while (hi - index > 1) {
            uint256 mid = (index + hi) / 2;
            (, int256 a, , uint256 u, ) = feed.getRoundData(phase | uint80(mid));
            if (u <= timestamp) (index, answer, updatedAt) = (mid, a, u);
            else hi = mid;
        }
        return (true, index, answer, updatedAt);
    }

    /// @dev Whether a feed's `answer` is a price {price} would take: positive, and small enough that
    /// its WAD value fits 256 bits.
    function _isPrice(int256 answer) private view returns (bool) {
        return answer > 0 && uint256(answer) <= type(uint256).max / _scale;
    }
}
