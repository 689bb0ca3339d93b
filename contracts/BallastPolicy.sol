// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IUniswapV3Factory} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Factory.sol";

import {IBallastOracle} from "./interfaces/IBallastOracle.sol";
import {IBallastPolicy} from "./interfaces/IBallastPolicy.sol";
import {IBallastPriceHistory} from "./interfaces/IBallastPriceHistory.sol";
import {Bounds} from "./libraries/Bounds.sol";
import {GasValue} from "./libraries/GasValue.sol";
import {PoolAddress} from "./libraries/PoolAddress.sol";
import {StaticWord} from "./libraries/StaticWord.sol";
import {UniswapPath} from "./libraries/UniswapPath.sol";
import {VaultOracles} from "./libraries/VaultOracles.sol";

/// @title BallastPolicy
/// @notice See {IBallastPolicy}. Governed by its `DEFAULT_ADMIN_ROLE` (a TimelockController).
contract BallastPolicy is IBallastPolicy, AccessControl {
    using UniswapPath for bytes;

    // Hard bounds of the trigger parameters.
    uint256 public constant MAX_TRIGGER_BAND_BPS = 5_000;
    uint256 public constant MAX_COOLDOWN = 30 days;
    uint256 public constant MAX_CALENDAR_INTERVAL = 365 days;
    uint256 public constant MAX_REFERENCE_VOL_BPS = 50_000; // 500% a year
    uint256 public constant MAX_AVERAGING_TIME = 365 days;
    uint256 public constant MAX_OBSERVATION_INTERVAL = 7 days;

    uint256 public constant MAX_BENEFIT_PER_BP_WAD = 1e16; // 1% of NAV per bp of drift removed
    uint256 public constant MAX_COST_RATIO_BPS = 100_000; // cost up to 10x the benefit
    uint256 public constant MAX_GAS_BASE = 5_000_000;
    uint256 public constant MAX_GAS_PER_HOP = 1_000_000;

    /// @notice The most changes between rounds an observation reads from each oracle's history: ~16
    /// returns give the estimate ~18% error (1 / sqrt(2k)) per observation, which the EWMA then
    /// averages; measured in the lab (docs/policy.md), within 25% of realised volatility over 90%
    /// of the time on GBM and regime-switching paths observed at rebalances alone.
    uint256 public constant HISTORY_SAMPLES = 16;
    /// @notice The largest relative change between two sampled rounds the estimate counts (WAD:
    /// 1,000x); a larger one (a feed answering its minimum, 1, then a price) counts as this.
    uint256 public constant MAX_CHANGE_WAD = 1e21;

    /// @dev A variance ratio past which the band is at its cap (see {effectiveTriggerBand}).
    uint256 private constant MAX_VARIANCE_RATIO_WAD = 2e29;

    uint256 private constant WAD = 1e18;
    uint256 private constant YEAR = 365 days;
    uint256 private constant Q96 = 2 ** 96;

    /// @dev One oracle's part of a vault's volatility estimate: its asset's annualised variance in the
    /// base asset (WAD; 0 for the base), and the latest round of the oracle's history folded into
    /// it, from which the next observation reads (0: none yet, read from the last observation's time).
    struct Estimate {
        uint128 variance;
        uint128 round;
    }

    /// @dev A vault's record: its volatility estimate (the EWMA of each asset's variance), base
    /// first, when it was last observed, and when the vault last rebalanced (0: never), in the
    /// observation time's slot, which a decision under volatility scaling reads too.
    struct VaultState {
        uint64 updatedAt;
        uint64 lastRebalance;
        Estimate[] estimates;
    }

    /// @dev The trigger and volatility parameters, flattened into one slot (224 bits): {evaluate}
    /// needs both, and reads them with one cold read. Read through {_triggers} and {_volatility}.
    struct BandParams {
        uint16 triggerBandBps;
        uint16 targetBandBps;
        uint32 cooldown;
        uint32 calendarInterval;
        uint32 referenceVolBps;
        uint16 minBandBps;
        uint16 maxBandBps;
        uint32 averagingTime;
        uint32 minObservationInterval;
    }

    /// @dev The cost parameters, stored with the two that {costGateActive} reads in one slot.
    struct CostSlots {
        IBallastOracle gasTokenOracle;
        uint32 maxCostRatioBps;
        uint32 gasBase;
        uint32 gasPerHop;
        uint64 benefitPerBpWad;
    }

    BandParams private _bands;
    CostSlots private _costs;
    mapping(address vault => VaultState) private _states;

    constructor(address admin, TriggerParams memory triggers) {
        if (admin == address(0)) revert BallastZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _checkTriggers(triggers);
        _setTriggers(triggers);
        emit TriggerParamsSet(TriggerParams(0, 0, 0, 0), triggers);
    }

    /// @inheritdoc IBallastPolicy
    function costParams() external view returns (CostParams memory) {
        return _costParams();
    }

    /// @inheritdoc IBallastPolicy
    function costGateActive() external view returns (bool) {
        return _gateActive(_costParams());
    }

    /// @inheritdoc IBallastPolicy
    function setCostParams(CostParams calldata params) external onlyRole(DEFAULT_ADMIN_ROLE) {
        CostParams memory old = _costParams();
        if (keccak256(abi.encode(params)) == keccak256(abi.encode(old))) revert BallastParameterUnchanged();
        Bounds.check(Parameter.BenefitPerBpWad, params.benefitPerBpWad, 0, MAX_BENEFIT_PER_BP_WAD);
        Bounds.check(Parameter.MaxCostRatioBps, params.maxCostRatioBps, 0, MAX_COST_RATIO_BPS);
        Bounds.check(Parameter.GasBase, params.gasBase, 0, MAX_GAS_BASE);
        Bounds.check(Parameter.GasPerHop, params.gasPerHop, 0, MAX_GAS_PER_HOP);
        IBallastOracle oracle = params.gasTokenOracle;
        if (address(oracle) != address(0)) {
            // Never adopt a gas-token price source that cannot price now.
            (bool ok, ) = GasValue.tryPrice(oracle);
            if (!ok) revert BallastPriceUnavailable(address(oracle));
        }
        _costs = CostSlots(oracle, params.maxCostRatioBps, params.gasBase, params.gasPerHop, params.benefitPerBpWad);
        emit CostParamsSet(old, params);
    }

    /// @inheritdoc IBallastPolicy
    function assessCost(CostInput calldata input) external view returns (uint256 cost, uint256 benefit, bool worthIt) {
        CostParams memory cp = _costParams();
        uint256 hops;
        uint256 n = input.trades.length;
        for (uint256 i; i < n; ++i) {
            Trade calldata t = input.trades[i];
            bytes memory route = t.route;
            hops += route.hops();
            uint256 out = _estimateOut(IUniswapV3Factory(input.factory), route, t.amountIn);
            // What the trade loses against the oracle, in base units of its input's value.
            if (out < t.fairOut) cost += Math.mulDiv(t.valueIn, t.fairOut - out, t.fairOut, Math.Rounding.Ceil);
        }
        (bool priced, uint256 gas) = _gasValue(
            cp,
            cp.gasBase + cp.gasPerHop * hops,
            input.basePriceWad,
            input.baseUnit
        );
        if (!priced) revert BallastPriceUnavailable(address(cp.gasTokenOracle));
        cost += gas;
        benefit = Math.mulDiv(input.nav, input.driftRemovedBps * cp.benefitPerBpWad, WAD);
        worthIt = cp.maxCostRatioBps == 0 || cost * 10_000 <= benefit * cp.maxCostRatioBps;
    }

    /// @inheritdoc IBallastPolicy
    function minLegValue(uint256 basePriceWad, uint256 baseUnit) external view returns (uint256) {
        return _minLegValue(_costParams(), basePriceWad, baseUnit);
    }

    /// @dev {minLegValue} under the cost parameters `cp`.
    function _minLegValue(CostParams memory cp, uint256 basePriceWad, uint256 baseUnit) private view returns (uint256) {
        // What a unit of value traded is worth to the gate: 2 x 10_000 bps of drift per unit of NAV
        // (two weights move), times benefitPerBpWad / 1e18, times maxCostRatioBps / 10_000.
        uint256 worth = 2 * uint256(cp.benefitPerBpWad) * cp.maxCostRatioBps;
        if (worth == 0) return 0;
        // A leg's gas as {assessCost} values it; 0 (no floor) without a valid gas price.
        (, uint256 legGas) = _gasValue(cp, cp.gasPerHop, basePriceWad, baseUnit);
        return Math.mulDiv(legGas, WAD, worth, Math.Rounding.Ceil);
    }

    /// @inheritdoc IBallastPolicy
    function triggerParams() external view returns (TriggerParams memory) {
        return _triggers();
    }

    /// @inheritdoc IBallastPolicy
    function lastRebalance(address vault) external view returns (uint256) {
        return _states[vault].lastRebalance;
    }

    /// @inheritdoc IBallastPolicy
    function evaluate(address vault, uint256 driftBps) external view returns (Status, uint256) {
        BandParams memory bp = _bands;
        uint256 last = _states[vault].lastRebalance;
        // The band only where the cooldown does not decide: it may fold the feeds' history.
        if (_cooling(bp, last)) return (Status.Cooldown, bp.targetBandBps);
        return (_status(bp, last, driftBps, _reaches(vault, driftBps)), bp.targetBandBps);
    }

    /// @inheritdoc IBallastPolicy
    function decide(uint256 driftBps, uint256 basePriceWad, uint256 baseUnit) external returns (Decision memory) {
        return _decision(msg.sender, driftBps, basePriceWad, baseUnit, _observe(msg.sender));
    }

    /// @inheritdoc IBallastPolicy
    function decision(
        address vault,
        uint256 driftBps,
        uint256 basePriceWad,
        uint256 baseUnit
    ) external view returns (Decision memory) {
        return _decision(vault, driftBps, basePriceWad, baseUnit, _estimate(vault));
    }

    /// @inheritdoc IBallastPolicy
    function recordRebalance() external {
        // A time past 2^64 seconds is not a concern.
        _states[msg.sender].lastRebalance = uint64(block.timestamp);
        emit RebalanceRecorded(msg.sender, block.timestamp);
    }

    /// @inheritdoc IBallastPolicy
    function observe() external {
        _observe(msg.sender);
    }

    /// @dev {observe} for `vault`: the variances in force after it (the new estimate, or the stored
    /// one when none is taken; none while scaling is off).
    function _observe(address vault) private returns (uint256[] memory) {
        (bool taken, uint256[] memory estimate, uint256[] memory rounds) = _folded(vault);
        if (!taken) return _stored(vault);
        VaultState storage state = _states[vault];
        Estimate[] storage stored = state.estimates;
        uint256 n = estimate.length;
        while (stored.length > n) stored.pop();
        for (uint256 i; i < n; ++i) {
            // A variance is at most ~1e33 (changes capped at MAX_CHANGE_WAD, a second apart), and a
            // round id 80 bits: both fit; the cap only keeps a broken source from reverting this.
            Estimate memory e = Estimate(
                uint128(Math.min(estimate[i], type(uint128).max)),
                uint128(Math.min(rounds[i], type(uint128).max))
            );
            if (i < stored.length) stored[i] = e;
            else stored.push(e);
        }
        state.updatedAt = uint64(block.timestamp);
        emit Observed(vault, block.timestamp, estimate);
        return estimate;
    }

    /// @inheritdoc IBallastPolicy
    function volatilityParams() external view returns (VolatilityParams memory) {
        return _volatility();
    }

    /// @inheritdoc IBallastPolicy
    function variances(address vault) external view returns (uint256[] memory variancesWad, uint256 updatedAt) {
        VaultState storage state = _states[vault];
        return (_variances(state.estimates), state.updatedAt);
    }

    /// @inheritdoc IBallastPolicy
    function observedRounds(address vault) external view returns (uint256[] memory rounds) {
        Estimate[] storage stored = _states[vault].estimates;
        rounds = new uint256[](stored.length);
        for (uint256 i; i < rounds.length; ++i) rounds[i] = stored[i].round;
    }

    /// @inheritdoc IBallastPolicy
    function effectiveTriggerBand(address vault) public view returns (uint256) {
        BandParams memory bp = _bands;
        // Scaling off: no need to read the vault's variances.
        if (bp.referenceVolBps == 0) return bp.triggerBandBps;
        return _bandOf(bp, _estimate(vault));
    }

    /// @dev The decision ({IBallastPolicy-Decision}) for `vault` at a largest drift of `driftBps`,
    /// its estimate's variances being `vars` (see {_observe}).
    function _decision(
        address vault,
        uint256 driftBps,
        uint256 basePriceWad,
        uint256 baseUnit,
        uint256[] memory vars
    ) private view returns (Decision memory d) {
        BandParams memory bp = _bands;
        uint256 last = _states[vault].lastRebalance;
        (d.targetBandBps, d.triggerBandBps) = (bp.targetBandBps, _bandOf(bp, vars));
        d.status = _cooling(bp, last) ? Status.Cooldown : _status(bp, last, driftBps, driftBps >= d.triggerBandBps);
        CostParams memory cp = _costParams();
        (d.minLegValue, d.costGateActive) = (_minLegValue(cp, basePriceWad, baseUnit), _gateActive(cp));
    }

    /// @dev Whether `last` (a vault's last rebalance, 0 for none) is within the cooldown.
    function _cooling(BandParams memory bp, uint256 last) private view returns (bool) {
        return last != 0 && block.timestamp < last + bp.cooldown;
    }

    /// @dev The status of a vault out of its cooldown whose largest drift `driftBps` does or does
    /// not reach its trigger band (`reaches`), `last` being its last rebalance.
    function _status(BandParams memory bp, uint256 last, uint256 driftBps, bool reaches) private view returns (Status) {
        if (reaches) return Status.Due;
        // The calendar makes a rebalance due below the trigger band, but never for drift the target
        // band would leave alone (no dust trades).
        if (bp.calendarInterval != 0 && driftBps > bp.targetBandBps && block.timestamp >= last + bp.calendarInterval)
            return Status.DueByCalendar;
        return Status.NotDue;
    }

    /// @dev Whether the cost gate, under `cp`, judges a rebalance.
    function _gateActive(CostParams memory cp) private pure returns (bool) {
        return cp.maxCostRatioBps != 0 || address(cp.gasTokenOracle) != address(0);
    }

    /// @dev The variances an observation of `vault` now would leave in force (see {_observe}).
    function _estimate(address vault) private view returns (uint256[] memory) {
        (bool taken, uint256[] memory vars, ) = _folded(vault);
        return taken ? vars : _stored(vault);
    }

    /// @dev `vault`'s stored variances; none while scaling is off, which does not read them.
    function _stored(address vault) private view returns (uint256[] memory vars) {
        if (_bands.referenceVolBps != 0) vars = _variances(_states[vault].estimates);
    }

    /// @dev The trigger band under `bp` for an estimate of variances `vars` (see
    /// {effectiveTriggerBand}).
    function _bandOf(BandParams memory bp, uint256[] memory vars) private pure returns (uint256) {
        uint256 band = bp.triggerBandBps;
        uint256 n = vars.length;
        if (bp.referenceVolBps == 0 || n < 2) return band;
        // The basket's variance: the mean over its non-base assets.
        uint256 sum;
        for (uint256 i = 1; i < n; ++i) sum += vars[i];
        uint256 ratio = Math.mulDiv(sum / (n - 1), WAD, _variance(bp.referenceVolBps));
        // Past 2e11 times the reference the band is past any cap (cbrt > 5,000 = MAX_TRIGGER_BAND_BPS
        // times any trigger band): the cap, before the cube root's operand could overflow.
        if (ratio > MAX_VARIANCE_RATIO_WAD) return bp.maxBandBps;
        // band * (variance / reference)^(1/3), rounded down.
        band = Math.mulDiv(band, _cbrt(ratio * WAD * WAD), WAD);
        uint256 floor = Math.max(bp.minBandBps, bp.targetBandBps + 1);
        return Math.min(Math.max(band, floor), bp.maxBandBps);
    }

    /// @inheritdoc IBallastPolicy
    function setVolatilityParams(VolatilityParams calldata params) external onlyRole(DEFAULT_ADMIN_ROLE) {
        VolatilityParams memory old = _volatility();
        if (keccak256(abi.encode(params)) == keccak256(abi.encode(old))) revert BallastParameterUnchanged();
        _checkVolatility(params);
        (_bands.referenceVolBps, _bands.minBandBps, _bands.maxBandBps) = (
            params.referenceVolBps,
            params.minBandBps,
            params.maxBandBps
        );
        (_bands.averagingTime, _bands.minObservationInterval) = (params.averagingTime, params.minObservationInterval);
        emit VolatilityParamsSet(old, params);
    }

    /// @inheritdoc IBallastPolicy
    function resetObservations() external {
        // The estimate and its time only: the last rebalance, and so the cooldown, stand.
        VaultState storage state = _states[msg.sender];
        delete state.estimates;
        state.updatedAt = 0;
        emit ObservationsReset(msg.sender);
    }

    /// @inheritdoc IBallastPolicy
    function setTriggerParams(TriggerParams calldata params) external onlyRole(DEFAULT_ADMIN_ROLE) {
        TriggerParams memory old = _triggers();
        if (
            params.triggerBandBps == old.triggerBandBps &&
            params.targetBandBps == old.targetBandBps &&
            params.cooldown == old.cooldown &&
            params.calendarInterval == old.calendarInterval
        ) revert BallastParameterUnchanged();
        _checkTriggers(params);
        _setTriggers(params);
        emit TriggerParamsSet(old, params);
    }

    function _costParams() private view returns (CostParams memory) {
        CostSlots memory c = _costs;
        return CostParams(c.benefitPerBpWad, c.maxCostRatioBps, c.gasBase, c.gasPerHop, c.gasTokenOracle);
    }

    function _triggers() private view returns (TriggerParams memory) {
        BandParams memory b = _bands;
        return TriggerParams(b.triggerBandBps, b.targetBandBps, b.cooldown, b.calendarInterval);
    }

    function _volatility() private view returns (VolatilityParams memory) {
        BandParams memory b = _bands;
        return
            VolatilityParams(b.referenceVolBps, b.minBandBps, b.maxBandBps, b.averagingTime, b.minObservationInterval);
    }

    function _setTriggers(TriggerParams memory t) private {
        (_bands.triggerBandBps, _bands.targetBandBps) = (t.triggerBandBps, t.targetBandBps);
        (_bands.cooldown, _bands.calendarInterval) = (t.cooldown, t.calendarInterval);
    }

    function _checkTriggers(TriggerParams memory t) private pure {
        Bounds.check(Parameter.TriggerBandBps, t.triggerBandBps, 1, MAX_TRIGGER_BAND_BPS);
        Bounds.check(Parameter.TargetBandBps, t.targetBandBps, 0, t.triggerBandBps - 1);
        Bounds.check(Parameter.Cooldown, t.cooldown, 0, MAX_COOLDOWN);
        if (t.calendarInterval != 0) {
            Bounds.check(Parameter.CalendarInterval, t.calendarInterval, t.cooldown, MAX_CALENDAR_INTERVAL);
        }
    }

    function _checkVolatility(VolatilityParams memory v) private pure {
        if (v.referenceVolBps == 0) {
            // Scaling off: every other field must be zero too, so a half-set configuration is refused.
            Bounds.check(Parameter.MinBandBps, v.minBandBps, 0, 0);
            Bounds.check(Parameter.MaxBandBps, v.maxBandBps, 0, 0);
            Bounds.check(Parameter.AveragingTime, v.averagingTime, 0, 0);
            Bounds.check(Parameter.MinObservationInterval, v.minObservationInterval, 0, 0);
            return;
        }
        Bounds.check(Parameter.ReferenceVolBps, v.referenceVolBps, 100, MAX_REFERENCE_VOL_BPS);
        Bounds.check(Parameter.MinBandBps, v.minBandBps, 1, MAX_TRIGGER_BAND_BPS);
        Bounds.check(Parameter.MaxBandBps, v.maxBandBps, v.minBandBps, MAX_TRIGGER_BAND_BPS);
        Bounds.check(Parameter.AveragingTime, v.averagingTime, 1 hours, MAX_AVERAGING_TIME);
        Bounds.check(Parameter.MinObservationInterval, v.minObservationInterval, 1 minutes, MAX_OBSERVATION_INTERVAL);
    }

    /// @dev Whether `driftBps` reaches `vault`'s effective trigger band, without folding the oracles'
    /// history when the band's bounds already decide it (a drift at the cap, or below the floor).
    function _reaches(address vault, uint256 driftBps) private view returns (bool) {
        BandParams memory bp = _bands;
        if (bp.referenceVolBps != 0) {
            if (driftBps >= bp.maxBandBps) return true;
            if (driftBps < Math.min(Math.max(bp.minBandBps, bp.targetBandBps + 1), bp.maxBandBps)) return false;
        }
        return driftBps >= effectiveTriggerBand(vault);
    }

    /// @dev The estimate an observation of `vault` now would hold, and the latest round of each oracle
    /// it read, or `taken == false` (scaling off, or within `minObservationInterval` of the last).
    /// Each oracle's history since the last round folded ({IBallastPriceHistory-samplesSince}, at
    /// most {HISTORY_SAMPLES} changes) is folded change by change into the time-weighted EWMA, as if
    /// each had been observed when its feed published it: an estimate that needs no transaction but
    /// the rebalances, and no state but this one. Continuing from the last round read, not from the
    /// last observation's time, counts a round published in the same block after an observation. An
    /// asset's variance in the base adds the base feed's mean over the same time (the variance of a
    /// ratio of independent prices; a base that moves with the assets only widens the band). A
    /// fresh estimate starts from one averaging time of history; an asset whose oracle keeps no
    /// history keeps its estimate (the reference when fresh).
    function _folded(address vault) private view returns (bool taken, uint256[] memory vars, uint256[] memory rounds) {
        BandParams memory bp = _bands;
        if (bp.referenceVolBps == 0) return (false, vars, rounds);
        VaultState storage state = _states[vault];
        uint256 updatedAt = state.updatedAt;
        if (updatedAt != 0 && block.timestamp - updatedAt < bp.minObservationInterval) return (false, vars, rounds);
        IBallastOracle[] memory sources = VaultOracles.listed(vault);
        uint256 n = sources.length;
        Estimate[] storage stored = state.estimates;
        bool fresh = updatedAt == 0 || stored.length != n;
        uint256 since = updatedAt;
        vars = new uint256[](n);
        rounds = new uint256[](n);
        if (fresh) {
            since = block.timestamp > bp.averagingTime ? block.timestamp - bp.averagingTime : 0;
        } else {
            for (uint256 i; i < n; ++i) (vars[i], rounds[i]) = (stored[i].variance, stored[i].round);
        }
        if (n == 0) return (true, vars, rounds);
        uint256[] memory times;
        uint256[] memory prices;
        (rounds[0], times, prices) = _history(sources[0], rounds[0], since);
        (, uint256 base) = _meanRate(times, prices);
        // A quiet base whose last rounds came in a burst is not a volatile base: its mean runs to now.
        for (uint256 i = 1; i < n; ++i) {
            (rounds[i], times, prices) = _history(sources[i], rounds[i], since);
            vars[i] = _foldAsset(vars[i], fresh, base, bp.averagingTime, times, prices);
        }
        return (true, vars, rounds);
    }

    /// @dev One asset's estimate `v` after its sampled history (see {_folded}); `base` is the base
    /// feed's mean rate over the same time.
    function _foldAsset(
        uint256 v,
        bool fresh,
        uint256 base,
        uint256 tau,
        uint256[] memory times,
        uint256[] memory prices
    ) private view returns (uint256) {
        (bool ok, uint256 mean) = _meanRate(times, prices);
        if (!ok) return fresh ? _referenceVariance() : v;
        if (fresh) return mean + base;
        for (uint256 j = 1; j < times.length; ++j) {
            uint256 dt = times[j] - times[j - 1];
            if (dt == 0) continue;
            uint256 sample = Math.mulDiv(_squaredChange(prices, j), YEAR, dt) + base;
            v = sample > v ? v + Math.mulDiv(sample - v, dt, dt + tau) : v - Math.mulDiv(v - sample, dt, dt + tau);
        }
        return v;
    }

    /// @dev `source`'s sampled history since round `fromRound`, or since `timestamp` (see
    /// {IBallastPriceHistory-samplesSince}), and the round to continue from next time: its latest,
    /// also when the history is unusable (that stretch is skipped, not read again); `fromRound` when
    /// the source did not answer. No history from a source without one, or an invalid one.
    function _history(
        IBallastOracle source,
        uint256 fromRound,
        uint256 timestamp
    ) private view returns (uint256 latestRound, uint256[] memory times, uint256[] memory prices) {
        try IBallastPriceHistory(address(source)).samplesSince(fromRound, timestamp, HISTORY_SAMPLES) returns (
            bool valid,
            uint256 latest,
            uint256[] memory t,
            uint256[] memory p
        ) {
            if (!valid || t.length != p.length) return (latest, times, prices);
            // A price of 0 would divide by zero, and time running backwards underflow: a source
            // that answers either has no usable history.
            for (uint256 k; k < p.length; ++k) {
                if (p[k] == 0 || (k != 0 && t[k] < t[k - 1])) return (latest, times, prices);
            }
            return (latest, t, p);
        } catch {
            // A source without the function (a TWAP oracle), or one that fails: no history.
            return (fromRound, times, prices);
        }
    }

    /// @dev The annualised variance (WAD) a sampled history shows from its first round to now: the sum
    /// of its squared changes times a year over those seconds (to now, not to its last round, so that
    /// a burst of rounds after a quiet spell is not read as a volatile spell). `ok` false without a
    /// change.
    function _meanRate(uint256[] memory times, uint256[] memory prices) private view returns (bool ok, uint256) {
        uint256 n = times.length;
        if (n < 2 || block.timestamp <= times[0]) return (false, 0);
        uint256 sum;
        for (uint256 j = 1; j < n; ++j) sum += _squaredChange(prices, j);
        return (true, Math.mulDiv(sum, YEAR, block.timestamp - times[0]));
    }

    /// @dev The squared relative change from sample `j - 1` to `j`, at most {MAX_CHANGE_WAD}, WAD
    /// (each step rounded down).
    function _squaredChange(uint256[] memory prices, uint256 j) private pure returns (uint256) {
        uint256 a = prices[j];
        uint256 b = prices[j - 1];
        uint256 r = Math.min(Math.mulDiv(a > b ? a - b : b - a, WAD, b), MAX_CHANGE_WAD);
        return Math.mulDiv(r, r, WAD);
    }

    /// @dev The stored estimates' variances, base first.
    function _variances(Estimate[] storage stored) private view returns (uint256[] memory vars) {
        vars = new uint256[](stored.length);
        for (uint256 i; i < vars.length; ++i) vars[i] = stored[i].variance;
    }

    /// @dev The reference variance (annualised, WAD) of `referenceVolBps`.
    function _referenceVariance() private view returns (uint256) {
        return _variance(_bands.referenceVolBps);
    }

    /// @dev The annualised variance (WAD) of a volatility of `volBps`.
    function _variance(uint256 volBps) private pure returns (uint256) {
        uint256 vol = volBps * 1e14; // bps to WAD
        return Math.mulDiv(vol, vol, WAD);
    }

    /// @dev Integer cube root, rounded down (Newton's method from an overestimate).
    function _cbrt(uint256 x) private pure returns (uint256 y) {
        if (x == 0) return 0;
        // 2^ceil(log2(x)/3) is at least the root.
        y = 1 << ((Math.log2(x) + 3) / 3);
        uint256 z = (2 * y + x / (y * y)) / 3;
        while (z < y) {
            y = z;
            z = (2 * y + x / (y * y)) / 3;
        }
    }

    /// @dev What `amountIn` fetches along `route` at each pool's current price and in-range
    /// liquidity: each hop takes its fee, then trades against the pool's virtual reserves
    /// (x = L / sqrtP, y = L * sqrtP), exact while the price stays inside the current tick range.
    /// Past that range liquidity changes, so this is an estimate of impact, never a bound on output
    /// (the vault's oracle minimums are the bound). A hop without liquidity fetches nothing.
    function _estimateOut(
        IUniswapV3Factory factory,
        bytes memory route,
        uint256 amountIn
    ) private view returns (uint256) {
        uint256 hops = route.hops();
        for (uint256 h; h < hops; ++h) {
            (address tokenIn, address tokenOut, uint24 fee) = (route.tokenAt(h), route.tokenAt(h + 1), route.feeAt(h));
            // The vault's routes: every pool checked where its factory put it when listed.
            address pool = PoolAddress.compute(address(factory), tokenIn, tokenOut, fee);
            uint160 sqrtPriceX96 = StaticWord.sqrtPriceX96(pool);
            uint256 liquidity = StaticWord.liquidity(pool);
            if (liquidity == 0 || sqrtPriceX96 == 0) return 0;
            uint256 x = Math.mulDiv(liquidity, Q96, sqrtPriceX96);
            uint256 y = Math.mulDiv(liquidity, sqrtPriceX96, Q96);
            (uint256 reserveIn, uint256 reserveOut) = tokenIn < tokenOut ? (x, y) : (y, x);
            uint256 netIn = Math.mulDiv(amountIn, 1e6 - fee, 1e6);
            amountIn = Math.mulDiv(reserveOut, netIn, reserveIn + netIn);
        }
        return amountIn;
    }

    /// @dev `gasUnits` at the block's base fee, valued in base units through the gas token's price
    /// (rounded up: a cost); 0 without a gas-token oracle; `ok` false while its price is invalid.
    function _gasValue(
        CostParams memory cp,
        uint256 gasUnits,
        uint256 basePriceWad,
        uint256 baseUnit
    ) private view returns (bool ok, uint256 value) {
        if (address(cp.gasTokenOracle) == address(0)) return (true, 0);
        return GasValue.inBase(gasUnits, cp.gasTokenOracle, basePriceWad, baseUnit, Math.Rounding.Ceil);
    }
}
