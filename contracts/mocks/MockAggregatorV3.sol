// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title MockAggregatorV3
/// @notice Test-only Chainlink price feed for the local chain. It answers like a Chainlink
/// `EACAggregatorProxy`: round ids carry the phase in their top 16 bits (phase 1 here), every update
/// opens a new round, `getRoundData` reverts for a round that never existed, and `AnswerUpdated` /
/// `NewRound` are emitted as the real aggregator does. Unlike a real feed it can be told to report
/// anything (stale, zero or negative answers, a changed `decimals()`) for fault tests.
contract MockAggregatorV3 is AggregatorV3Interface, Ownable {
    struct Round {
        int256 answer;
        uint64 startedAt;
        uint64 updatedAt;
        uint80 answeredInRound;
    }

    /// @dev Chainlink proxies encode `roundId = phaseId << 64 | aggregatorRoundId`.
    uint80 private constant PHASE_OFFSET = 64;
    uint80 private constant PHASE_ID = 1;

    string private _description;
    uint8 private _decimals;
    uint64 private _latestAggregatorRound;
    mapping(uint64 aggregatorRound => Round) private _rounds;

    /// @notice Same events as Chainlink's `AggregatorInterface`.
    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);
    event NewRound(uint256 indexed roundId, address indexed startedBy, uint256 startedAt);
    /// @notice Emitted when the test changes the reported decimals (a feed migration).
    event DecimalsUpdated(uint8 oldDecimals, uint8 newDecimals);

    /// @notice Chainlink's proxy reverts with this text for a round it has no data for.
    error MockAggregatorNoDataPresent(uint80 roundId);
    /// @notice A round cannot be updated before it started, and timestamps must fit 64 bits.
    error MockAggregatorInvalidTimestamps(uint256 startedAt, uint256 updatedAt);
    /// @notice Setting the decimals it already reports changes nothing and is refused.
    error MockAggregatorDecimalsUnchanged(uint8 decimals);

    constructor(uint8 decimals_, string memory description_, int256 initialAnswer) Ownable(msg.sender) {
        _decimals = decimals_;
        _description = description_;
        _pushRound(initialAnswer, block.timestamp, block.timestamp);
    }

    /// @notice Reports `answer` in a new round updated now, as a heartbeat or deviation update does.
    function setAnswer(int256 answer) external onlyOwner {
        _pushRound(answer, block.timestamp, block.timestamp);
    }

    /// @notice Reports `answer` in a new round with the given timestamps: `updatedAt` in the past
    /// makes the feed stale, and a zero `updatedAt` is how Chainlink marks an incomplete round.
    function setRound(int256 answer, uint256 startedAt, uint256 updatedAt) external onlyOwner {
        if (updatedAt != 0 && updatedAt < startedAt) revert MockAggregatorInvalidTimestamps(startedAt, updatedAt);
        if (startedAt > type(uint64).max || updatedAt > type(uint64).max) {
            revert MockAggregatorInvalidTimestamps(startedAt, updatedAt);
        }
        _pushRound(answer, startedAt, updatedAt);
    }

    /// @notice Changes the reported decimals, as a feed migration to a new aggregator can.
    function setDecimals(uint8 newDecimals) external onlyOwner {
        uint8 old = _decimals;
        if (newDecimals == old) revert MockAggregatorDecimalsUnchanged(newDecimals);
        _decimals = newDecimals;
        emit DecimalsUpdated(old, newDecimals);
    }

    /// @inheritdoc AggregatorV3Interface
    function decimals() external view returns (uint8) {
        return _decimals;
    }

    /// @inheritdoc AggregatorV3Interface
    function description() external view returns (string memory) {
        return _description;
    }

    /// @inheritdoc AggregatorV3Interface
    function version() external pure returns (uint256) {
        return 4;
    }

    /// @inheritdoc AggregatorV3Interface
    function getRoundData(
        uint80 roundId
    ) external view returns (uint80, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound) {
        uint80 phase = roundId >> PHASE_OFFSET;
        uint64 aggregatorRound = uint64(roundId);
        if (phase != PHASE_ID || aggregatorRound == 0 || aggregatorRound > _latestAggregatorRound) {
            revert MockAggregatorNoDataPresent(roundId);
        }
        Round memory r = _rounds[aggregatorRound];
        return (roundId, r.answer, r.startedAt, r.updatedAt, r.answeredInRound);
    }

    /// @inheritdoc AggregatorV3Interface
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        uint64 aggregatorRound = _latestAggregatorRound;
        Round memory r = _rounds[aggregatorRound];
        return (_proxyRoundId(aggregatorRound), r.answer, r.startedAt, r.updatedAt, r.answeredInRound);
    }

    function _pushRound(int256 answer, uint256 startedAt, uint256 updatedAt) private {
        // A uint64 round counter cannot overflow in any test; the cast of block timestamps is safe
        // for the same reason (setRound bounds caller-given ones).
        uint64 aggregatorRound = ++_latestAggregatorRound;
        uint80 roundId = _proxyRoundId(aggregatorRound);
        _rounds[aggregatorRound] = Round(answer, uint64(startedAt), uint64(updatedAt), roundId);
        emit NewRound(roundId, msg.sender, startedAt);
        emit AnswerUpdated(answer, roundId, updatedAt);
    }

    function _proxyRoundId(uint64 aggregatorRound) private pure returns (uint80) {
        return (PHASE_ID << PHASE_OFFSET) | aggregatorRound;
    }
}
