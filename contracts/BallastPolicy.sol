// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

import {IBallastPolicy} from "./interfaces/IBallastPolicy.sol";

/// @title BallastPolicy
/// @notice See {IBallastPolicy}. Governed by its `DEFAULT_ADMIN_ROLE` (a TimelockController).
contract BallastPolicy is IBallastPolicy, AccessControl {
    // Hard bounds of the trigger parameters.
    uint256 public constant MAX_TRIGGER_BAND_BPS = 5_000;
    uint256 public constant MAX_COOLDOWN = 30 days;
    uint256 public constant MAX_CALENDAR_INTERVAL = 365 days;

    TriggerParams private _triggers;
    mapping(address vault => uint256 timestamp) private _lastRebalance;

    constructor(address admin, TriggerParams memory triggers) {
        if (admin == address(0)) revert BallastZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _checkTriggers(triggers);
        _triggers = triggers;
        emit TriggerParamsSet(TriggerParams(0, 0, 0, 0), triggers);
    }

    /// @inheritdoc IBallastPolicy
    function triggerParams() external view returns (TriggerParams memory) {
        return _triggers;
    }

    /// @inheritdoc IBallastPolicy
    function lastRebalance(address vault) external view returns (uint256) {
        return _lastRebalance[vault];
    }

    /// @inheritdoc IBallastPolicy
    function evaluate(address vault, uint256 driftBps) external view returns (Status, uint256) {
        TriggerParams memory t = _triggers;
        uint256 last = _lastRebalance[vault];
        if (last != 0 && block.timestamp < last + t.cooldown) return (Status.Cooldown, t.targetBandBps);
        if (driftBps >= t.triggerBandBps) return (Status.Due, t.targetBandBps);
        // The calendar makes a rebalance due below the trigger band, but never for drift the target
        // band would leave alone (no dust trades).
        if (t.calendarInterval != 0 && driftBps > t.targetBandBps && block.timestamp >= last + t.calendarInterval)
            return (Status.DueByCalendar, t.targetBandBps);
        return (Status.NotDue, t.targetBandBps);
    }

    /// @inheritdoc IBallastPolicy
    function recordRebalance() external {
        _lastRebalance[msg.sender] = block.timestamp;
        emit RebalanceRecorded(msg.sender, block.timestamp);
    }

    /// @inheritdoc IBallastPolicy
    function setTriggerParams(TriggerParams calldata params) external onlyRole(DEFAULT_ADMIN_ROLE) {
        TriggerParams memory old = _triggers;
        if (
            params.triggerBandBps == old.triggerBandBps &&
            params.targetBandBps == old.targetBandBps &&
            params.cooldown == old.cooldown &&
            params.calendarInterval == old.calendarInterval
        ) revert BallastParameterUnchanged();
        _checkTriggers(params);
        _triggers = params;
        emit TriggerParamsSet(old, params);
    }

    function _checkTriggers(TriggerParams memory t) private pure {
        _checkRange(Parameter.TriggerBandBps, t.triggerBandBps, 1, MAX_TRIGGER_BAND_BPS);
        _checkRange(Parameter.TargetBandBps, t.targetBandBps, 0, t.triggerBandBps - 1);
        _checkRange(Parameter.Cooldown, t.cooldown, 0, MAX_COOLDOWN);
        if (t.calendarInterval != 0) {
            _checkRange(Parameter.CalendarInterval, t.calendarInterval, t.cooldown, MAX_CALENDAR_INTERVAL);
        }
    }

    function _checkRange(Parameter parameter, uint256 value, uint256 min, uint256 max) private pure {
        if (value < min || value > max) revert BallastParameterOutOfRange(parameter, value, min, max);
    }
}
