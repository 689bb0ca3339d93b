// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

/// @title SequencerUptime
/// @notice Reads Chainlink's L2 sequencer uptime feed (answer 0: up, 1: down). While the sequencer
/// is down, and for a grace period after it restarts, price feeds can lag the market (their updates
/// queue behind the sequencer). The one rule the oracle adapter and the breakers share.
library SequencerUptime {
    enum State {
        Up,
        Down,
        GracePeriod
    }

    /// @notice The sequencer's state by `feed`, with a `gracePeriod` (seconds) after a restart, and
    /// the start of the feed's round. A feed that reverts, has no code or answers short data proves
    /// nothing, nor does one with no round yet (`startedAt` 0, seen on Arbitrum): `Down`. Never reverts.
    function state(address feed, uint256 gracePeriod) internal view returns (State, uint256 startedAt) {
        (bool ok, bytes memory data) = feed.staticcall(abi.encodeCall(AggregatorV3Interface.latestRoundData, ()));
        // Five words, as `latestRoundData` answers; the first three decoded as whole words cannot fail.
        if (!ok || data.length < 160) return (State.Down, 0);
        int256 answer;
        (, answer, startedAt) = abi.decode(data, (uint256, int256, uint256));
        if (answer != 0 || startedAt == 0) return (State.Down, startedAt);
        // Subtracted, not added (no overflow whatever the feed says): a start time from the future is
        // a restart still in its grace period.
        if (startedAt > block.timestamp || block.timestamp - startedAt < gracePeriod) {
            return (State.GracePeriod, startedAt);
        }
        return (State.Up, startedAt);
    }

    /// @notice Whether {state} is `Up`.
    function isUp(address feed, uint256 gracePeriod) internal view returns (bool up) {
        (State s, ) = state(feed, gracePeriod);
        return s == State.Up;
    }
}
