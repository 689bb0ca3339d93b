// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IBallastErrors} from "./IBallastErrors.sol";

/// @title IBallastPolicy
/// @notice When a Ballast vault may rebalance, and how far: the trigger rules, kept out of the vault
/// so that governance can tune or replace them without touching custody. A policy serves any number
/// of vaults: its state (last rebalance) is kept per calling vault, its parameters are shared.
///
/// Rules: a rebalance is due when the basket's largest drift reaches the trigger band (optionally
/// scaled by the basket's realised volatility, see {VolatilityParams}), or when the
/// calendar interval has passed since the last one and something drifts beyond the target band;
/// never within the cooldown after the last one. Trades then bring each drifting weight back to the
/// edge of the target band (hysteresis: trading to the edge, not the target, is what minimises cost).
interface IBallastPolicy is IBallastErrors {
    /// @notice Why a rebalance is or is not due. The vault reports PriceUnavailable, then Paused,
    /// before asking the policy, which reports Cooldown, then Due, then DueByCalendar, else NotDue.
    enum Status {
        Due,
        DueByCalendar,
        NotDue,
        Cooldown,
        Paused,
        PriceUnavailable
    }

    /// @notice The trigger parameters.
    /// @param triggerBandBps A rebalance is due once the largest drift reaches this.
    /// @param targetBandBps Trades stop at target +- this (0 trades to the exact target); below the trigger band.
    /// @param cooldown Seconds after a rebalance during which no other may run.
    /// @param calendarInterval Seconds after which a rebalance is due below the trigger band (0 = never).
    struct TriggerParams {
        uint16 triggerBandBps;
        uint16 targetBandBps;
        uint32 cooldown;
        uint32 calendarInterval;
    }

    /// @notice How the trigger band follows realised volatility (all zero: it does not).
    /// @param referenceVolBps Annualised volatility at which the band equals `triggerBandBps`; 0 turns
    /// the scaling off. The band scales with the cube root of variance (volatility^(2/3)), the
    /// exponent of the optimal no-trade band under proportional costs (see docs/policy.md).
    /// @param minBandBps Floor of the scaled trigger band (kept above the target band).
    /// @param maxBandBps Cap of the scaled trigger band.
    /// @param averagingTime Seconds: an observation `dt` apart moves the variance estimate by
    /// `dt / (dt + averagingTime)` of the way to the new sample.
    /// @param minObservationInterval Observations closer together than this are ignored, so that
    /// nobody can steer the estimate by poking repeatedly.
    struct VolatilityParams {
        uint32 referenceVolBps;
        uint16 minBandBps;
        uint16 maxBandBps;
        uint32 averagingTime;
        uint32 minObservationInterval;
    }

    /// @notice Emitted when the trigger parameters change.
    event TriggerParamsSet(TriggerParams oldParams, TriggerParams newParams);

    /// @notice Emitted when the volatility parameters change.
    event VolatilityParamsSet(VolatilityParams oldParams, VolatilityParams newParams);

    /// @notice Emitted when `vault`'s prices are taken into its volatility estimate.
    event Observed(address indexed vault, uint256 timestamp, uint256[] variancesWad);

    /// @notice Emitted when `vault` records a rebalance.
    event RebalanceRecorded(address indexed vault, uint256 timestamp);

    /// @notice The trigger parameters in force.
    function triggerParams() external view returns (TriggerParams memory);

    /// @notice When `vault` last recorded a rebalance (0 = never).
    function lastRebalance(address vault) external view returns (uint256);

    /// @notice Whether `vault`, whose largest drift is `driftBps`, may rebalance now, and the band its
    /// trades stop at. Independent of the caller.
    function evaluate(address vault, uint256 driftBps) external view returns (Status status, uint256 targetBandBps);

    /// @notice Records a rebalance of the calling vault now (starts its cooldown and calendar).
    function recordRebalance() external;

    /// @notice Takes the calling vault's oracle prices (USD WAD, base asset first) into its
    /// volatility estimate; ignored within `minObservationInterval` of the last observation, and
    /// while volatility scaling is off.
    function observe(uint256[] calldata prices) external;

    /// @notice The volatility parameters in force.
    function volatilityParams() external view returns (VolatilityParams memory);

    /// @notice `vault`'s annualised variance estimate of each asset's price in the base asset (WAD:
    /// 1e18 = 100%^2; entry 0, the base, is 0) and when it was last updated.
    function variances(address vault) external view returns (uint256[] memory variancesWad, uint256 updatedAt);

    /// @notice The trigger band in force for `vault`: `triggerBandBps` scaled by its volatility.
    function effectiveTriggerBand(address vault) external view returns (uint256);

    /// @notice Sets the volatility parameters (governance). Reverts when out of bounds or unchanged.
    function setVolatilityParams(VolatilityParams calldata params) external;

    /// @notice Sets the trigger parameters (governance). Reverts when out of bounds or unchanged.
    function setTriggerParams(TriggerParams calldata params) external;
}
