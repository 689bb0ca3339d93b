// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";

import {IBallastBreakers} from "./interfaces/IBallastBreakers.sol";
import {IBallastOracle} from "./interfaces/IBallastOracle.sol";
import {IBallastPriceHistory} from "./interfaces/IBallastPriceHistory.sol";
import {Bounds} from "./libraries/Bounds.sol";
import {PoolPrice} from "./libraries/PoolPrice.sol";
import {SequencerUptime} from "./libraries/SequencerUptime.sol";
import {TickMath} from "./libraries/TickMath.sol";
import {UniswapTwap} from "./libraries/UniswapTwap.sol";
import {VaultOracles} from "./libraries/VaultOracles.sol";

/// @title BallastBreakers
/// @notice See {IBallastBreakers}: whether trading is safe now. Governed by its `DEFAULT_ADMIN_ROLE`
/// (a TimelockController).
contract BallastBreakers is IBallastBreakers, AccessControl {
    uint256 public constant MAX_TWAP_WINDOW = 1 days;
    uint256 public constant MIN_TWAP_WINDOW = 5 minutes;
    uint256 public constant MAX_DEVIATION_BPS = 5_000;
    uint256 public constant MAX_SPOT_TWAP_TICKS = 5_000;
    uint256 public constant MIN_MOVE_WINDOW = 1 minutes;
    uint256 public constant MAX_MOVE_WINDOW = 7 days;
    uint256 public constant MAX_BREAKER_COOLDOWN = 7 days;
    uint256 public constant MAX_SEQUENCER_GRACE = 1 days;

    /// @dev A vault's breaker: why and when it tripped, in one slot. No price is kept: moves and
    /// invalid prices are read on the oracles' own histories.
    struct BreakerState {
        Trip reason;
        // A basket index: 32 bits hold any basket a calldata array can carry.
        uint32 index;
        uint64 trippedAt;
    }

    BreakerParams private _params;
    /// @dev See {minObservations}: read only by governance's basket changes.
    uint16 private _minObservations;
    mapping(address vault => BreakerState) private _states;

    constructor(address admin) {
        if (admin == address(0)) revert BallastZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc IBallastBreakers
    function checkBreakers(uint256[] calldata prices, PoolCheck[] calldata pools) external returns (bool) {
        BreakerState storage state = _states[msg.sender];
        (Trip reason, uint256 index, bool latch) = _findTrip(msg.sender, prices, pools);
        if (latch) {
            // Recorded once: a condition found again past the cooldown refuses this call but buys no
            // new cooldown (else skewing a pool for a TWAP window at each lapse would halt for good).
            if (state.reason == Trip.None) {
                (state.reason, state.index, state.trippedAt) = (reason, uint32(index), uint64(block.timestamp));
                emit BreakerTripped(msg.sender, reason, index);
            }
            return true;
        }
        if (reason != Trip.None) {
            emit TradingRefused(msg.sender, reason, index);
            return true;
        }
        if (state.reason == Trip.None) return false;
        // Healthy again: reset once the cooldown has passed.
        if (_holds(state)) return true;
        _clearTrip(state, msg.sender, false);
        return false;
    }

    /// @inheritdoc IBallastBreakers
    function refusal(
        address vault,
        uint256[] calldata prices,
        PoolCheck[] calldata pools
    ) external view returns (Trip reason, uint256 index, bool records) {
        BreakerState storage state = _states[vault];
        bool latch;
        (reason, index, latch) = _findTrip(vault, prices, pools);
        if (reason != Trip.None) return (reason, index, latch && state.reason == Trip.None);
        if (_holds(state)) return (state.reason, state.index, false);
    }

    /// @inheritdoc IBallastBreakers
    function holds(address vault) external view returns (bool) {
        return _holds(_states[vault]);
    }

    /// @inheritdoc IBallastBreakers
    function breaker(address vault) external view returns (Trip, uint256, uint256) {
        BreakerState storage state = _states[vault];
        return (state.reason, state.index, state.trippedAt);
    }

    /// @inheritdoc IBallastBreakers
    function resetBreaker(address vault) external onlyRole(DEFAULT_ADMIN_ROLE) {
        BreakerState storage state = _states[vault];
        if (state.reason == Trip.None) revert BallastBreakerNotTripped(vault);
        _clearTrip(state, vault, true);
    }

    /// @inheritdoc IBallastBreakers
    function breakerParams() external view returns (BreakerParams memory) {
        return _params;
    }

    /// @inheritdoc IBallastBreakers
    function setBreakerParams(BreakerParams calldata params) external onlyRole(DEFAULT_ADMIN_ROLE) {
        BreakerParams memory old = _params;
        if (keccak256(abi.encode(params)) == keccak256(abi.encode(old))) revert BallastParameterUnchanged();
        Bounds.check(
            Parameter.TwapWindow,
            params.twapWindow,
            params.twapWindow == 0 ? 0 : MIN_TWAP_WINDOW,
            MAX_TWAP_WINDOW
        );
        Bounds.check(Parameter.MaxOracleTwapDeviationBps, params.maxOracleTwapDeviationBps, 0, MAX_DEVIATION_BPS);
        Bounds.check(Parameter.MaxSpotTwapTicks, params.maxSpotTwapTicks, 0, MAX_SPOT_TWAP_TICKS);
        Bounds.check(Parameter.MaxMoveBps, params.maxMoveBps, 0, MAX_DEVIATION_BPS);
        Bounds.check(
            Parameter.MoveWindow,
            params.moveWindow,
            params.maxMoveBps == 0 ? 0 : MIN_MOVE_WINDOW,
            MAX_MOVE_WINDOW
        );
        Bounds.check(Parameter.BreakerCooldown, params.cooldown, 0, MAX_BREAKER_COOLDOWN);
        Bounds.check(Parameter.SequencerGracePeriod, params.sequencerGracePeriod, 0, MAX_SEQUENCER_GRACE);
        _params = params;
        emit BreakerParamsSet(old, params);
    }

    /// @inheritdoc IBallastBreakers
    function minObservations() external view returns (uint256) {
        return _minObservations;
    }

    /// @inheritdoc IBallastBreakers
    function setMinObservations(uint16 observations) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint16 old = _minObservations;
        if (observations == old) revert BallastParameterUnchanged();
        _minObservations = observations;
        emit MinObservationsSet(old, observations);
    }

    /// @dev The first condition that latches, else the first that only refuses (see {checkBreakers}),
    /// and the basket asset it concerns, for `vault` (whose oracles the history checks read). Every
    /// pool is checked before a refusal is reported, so a push that refuses cannot hide a divergence
    /// that latches.
    function _findTrip(
        address vault,
        uint256[] calldata prices,
        PoolCheck[] calldata pools
    ) private view returns (Trip reason, uint256 index, bool latch) {
        BreakerParams memory b = _params;
        if (b.sequencerFeed != address(0) && !SequencerUptime.isUp(b.sequencerFeed, b.sequencerGracePeriod)) {
            return (Trip.SequencerDown, 0, true);
        }
        if (b.twapWindow != 0) {
            for (uint256 i; i < pools.length; ++i) {
                if (pools[i].pool == address(0)) continue;
                (Trip found, bool latches) = _checkPool(b, pools[i]);
                if (latches) return (found, i, true);
                if (found != Trip.None && reason == Trip.None) (reason, index) = (found, i);
            }
        }
        if (b.maxMoveBps == 0 && !b.tripOnInvalidPrice) return (reason, index, false);
        IBallastOracle[] memory sources = VaultOracles.listed(vault);
        if (b.maxMoveBps != 0) {
            uint256 moved = _dislocated(sources, prices, b.maxMoveBps, b.moveWindow);
            if (moved != 0) return (Trip.Dislocation, moved, true);
        }
        // Already refused: the history walks would only name a second reason.
        if (reason == Trip.None && b.tripOnInvalidPrice) {
            (bool invalid, uint256 i) = _invalidWithin(sources, b.cooldown);
            if (invalid) (reason, index) = (Trip.InvalidPrice, i);
        }
    }

    /// @dev One pool's checks against its TWAP, and whether a failure latches. A pool whose
    /// observations never reached the window (younger than it) latches `TwapUnavailable`: nobody
    /// outside can make a pool younger. One whose ring was written over (one observation a block,
    /// for gas only) is checked over the window it still reaches, at least `MIN_TWAP_WINDOW`, and
    /// only refuses: a latch there would be a halt anyone can buy.
    function _checkPool(BreakerParams memory b, PoolCheck calldata check) private view returns (Trip, bool) {
        IUniswapV3Pool pool = IUniswapV3Pool(check.pool);
        (bool full, int24 twapTick) = UniswapTwap.tryMeanTick(pool, b.twapWindow);
        if (!full) {
            (uint32 reach, bool wrapped) = UniswapTwap.reach(pool);
            if (!wrapped) return (Trip.TwapUnavailable, true);
            if (reach < MIN_TWAP_WINDOW) return (Trip.TwapUnavailable, false);
            bool ok;
            (ok, twapTick) = UniswapTwap.tryMeanTick(pool, reach);
            if (!ok) return (Trip.TwapUnavailable, false);
        }
        if (b.maxOracleTwapDeviationBps != 0) {
            // Both sides as amounts of the quote token at full precision (see {PoolCheck}).
            uint256 fair = check.fairQuote;
            uint256 twap = PoolPrice.quote(TickMath.sqrtRatioAtTick(twapTick), check.amount, check.assetIsToken0);
            if (
                fair == 0 ||
                Math.mulDiv(twap > fair ? twap - fair : fair - twap, 10_000, fair) > b.maxOracleTwapDeviationBps
            ) return (Trip.OracleTwapDivergence, full);
        }
        if (b.maxSpotTwapTicks != 0) {
            int256 gap = int256(UniswapTwap.spotTick(pool)) - int256(twapTick);
            // A spot price can be pushed and unwound within one transaction: refuse, never latch.
            if ((gap < 0 ? uint256(-gap) : uint256(gap)) > b.maxSpotTwapTicks) return (Trip.SpotTwapDivergence, false);
        }
        return (Trip.None, false);
    }

    /// @dev The first basket asset whose price in the base asset moved more than `maxMoveBps` since
    /// `window` seconds ago (0: none), measured on the vault's oracles' (`sources`) own round
    /// histories: a window that slides with the clock, so neither a slow drift over days nor a fast
    /// fall that checks happen to split is misjudged, and no transaction needs to record anything.
    /// An asset (or a base) whose oracle keeps no history reaching back is left out.
    function _dislocated(
        IBallastOracle[] memory sources,
        uint256[] calldata prices,
        uint256 maxMoveBps,
        uint256 window
    ) private view returns (uint256) {
        uint256 n = prices.length;
        if (sources.length != n) return 0;
        uint256 since = block.timestamp - window;
        (bool ok, uint256 baseThen) = _priceAt(sources[0], since);
        if (!ok) return 0;
        uint256 baseNow = prices[0];
        for (uint256 i = 1; i < n; ++i) {
            uint256 then;
            (ok, then) = _priceAt(sources[i], since);
            if (!ok) continue;
            // (price now / base now) / (price then / base then) = scaled / base now: no ratio that
            // can round to 0 for a cheap asset.
            uint256 scaled = Math.mulDiv(prices[i], baseThen, then);
            uint256 gap = scaled > baseNow ? scaled - baseNow : baseNow - scaled;
            if (Math.mulDiv(gap, 10_000, baseNow) > maxMoveBps) return i;
        }
        return 0;
    }

    /// @dev The first of `sources` whose own history shows an invalid price within the last `window`
    /// seconds ({IBallastPriceHistory-validSince}). A source without that history (the call fails
    /// or answers short data) is left out: it cannot say, and a revert here would halt every check.
    function _invalidWithin(
        IBallastOracle[] memory sources,
        uint256 window
    ) private view returns (bool invalid, uint256 index) {
        bytes memory call = abi.encodeCall(IBallastPriceHistory.validSince, (block.timestamp - window));
        for (uint256 i; i < sources.length; ++i) {
            (bool ok, bytes memory data) = address(sources[i]).staticcall(call);
            if (ok && data.length >= 32 && abi.decode(data, (uint256)) == 0) return (true, i);
        }
    }

    /// @dev `oracle`'s price at `timestamp` from its history, or `ok == false` when it keeps none
    /// that reaches back (including a source without {IBallastPriceHistory}, or one that reverts).
    function _priceAt(IBallastOracle oracle, uint256 timestamp) private view returns (bool ok, uint256 price) {
        bytes memory data;
        (ok, data) = address(oracle).staticcall(abi.encodeCall(IBallastPriceHistory.priceAt, (timestamp)));
        if (!ok || data.length < 64) return (false, 0);
        uint256 valid;
        (valid, price) = abi.decode(data, (uint256, uint256));
        if (valid != 1 || price == 0) return (false, 0);
    }

    /// @dev Whether `state`'s trip holds: tripped, and within the breaker's cooldown since.
    function _holds(BreakerState storage state) private view returns (bool) {
        return state.reason != Trip.None && block.timestamp < state.trippedAt + _params.cooldown;
    }

    function _clearTrip(BreakerState storage state, address vault, bool byGovernance) private {
        (state.reason, state.index, state.trippedAt) = (Trip.None, 0, 0);
        emit BreakerReset(vault, byGovernance);
    }
}
