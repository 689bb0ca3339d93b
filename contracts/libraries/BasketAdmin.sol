// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IUniswapV3Factory} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Factory.sol";

import {IBallastErrors} from "../interfaces/IBallastErrors.sol";
import {IBallastOracle} from "../interfaces/IBallastOracle.sol";
import {IBallastVault} from "../interfaces/IBallastVault.sol";
import {UniswapPath} from "./UniswapPath.sol";

/// @title BasketAdmin
/// @notice The vault's basket storage and its rarely used administration (route validation and
/// changes). An external (linked) library: its code runs by delegatecall on the vault's storage and
/// stays out of the vault's 24 KB (the pattern of Aave V3's logic libraries).
library BasketAdmin {
    using UniswapPath for bytes;

    /// @notice Longest ramp of target weights.
    uint256 internal constant MAX_RAMP = 90 days;

    /// @notice One basket entry, packed in two slots. During a ramp the target weight moves linearly
    /// from `fromWeightBps` to `targetWeightBps`.
    struct Asset {
        address token;
        uint16 targetWeightBps;
        uint8 decimals;
        uint16 fromWeightBps;
        IBallastOracle oracle;
    }

    /// @notice The first pool of an asset's sell route and the basket index of that pool's other
    /// token, for the policy's circuit breakers (no pool when that token is outside the basket).
    struct PoolRef {
        address pool;
        uint8 quoteIndex;
    }

    /// @notice Everything the vault knows of its basket, index-aligned, base asset first.
    struct Basket {
        Asset[] assets;
        bytes[] sellRoutes;
        bytes[] buyRoutes;
        PoolRef[] poolRefs;
        uint64 rampStart;
        uint64 rampEnd;
    }

    /// @notice Starts a ramp of the target weights to `weights` between `start` and `end`; see
    /// {IBallastVault-setTargetWeights}.
    function setTargetWeights(Basket storage basket, uint16[] calldata weights, uint64 start, uint64 end) external {
        uint256 n = basket.assets.length;
        if (weights.length != n) revert IBallastErrors.BallastBasketSize(weights.length, n);
        if (start < block.timestamp || end < start || end - start > MAX_RAMP) {
            revert IBallastErrors.BallastParameterOutOfRange(
                IBallastErrors.Parameter.RampDuration,
                end >= start ? end - start : 0,
                0,
                MAX_RAMP
            );
        }
        uint256[] memory from = targetWeights(basket);
        uint256[] memory to = new uint256[](n);
        uint256 sum;
        bool changed;
        for (uint256 i; i < n; ++i) {
            to[i] = weights[i];
            sum += weights[i];
            if (to[i] != from[i] || to[i] != basket.assets[i].targetWeightBps) changed = true;
        }
        if (sum != 10_000) revert IBallastErrors.BallastWeightsSum(sum);
        if (!changed) revert IBallastErrors.BallastParameterUnchanged();
        for (uint256 i; i < n; ++i) {
            // from[i] and weights[i] are basis points (<= 10_000): they fit 16 bits.
            basket.assets[i].fromWeightBps = uint16(from[i]);
            basket.assets[i].targetWeightBps = weights[i];
        }
        (basket.rampStart, basket.rampEnd) = (start, end);
        emit IBallastVault.TargetWeightsSet(from, to, start, end);
    }

    /// @notice The target weights in force now (basis points, summing to 10_000): along a ramp,
    /// each non-base weight is interpolated (rounded down) and the base takes the remainder.
    function targetWeights(Basket storage basket) internal view returns (uint256[] memory weights) {
        uint256 n = basket.assets.length;
        weights = new uint256[](n);
        (uint256 start, uint256 end) = (basket.rampStart, basket.rampEnd);
        bool ramping = block.timestamp < end;
        uint256 others;
        for (uint256 i = 1; i < n; ++i) {
            Asset storage a = basket.assets[i];
            uint256 to = a.targetWeightBps;
            if (ramping) {
                uint256 from = a.fromWeightBps;
                uint256 elapsed = block.timestamp > start ? block.timestamp - start : 0;
                to =
                    to >= from
                        ? from + ((to - from) * elapsed) / (end - start)
                        : from - ((from - to) * elapsed + (end - start) - 1) / (end - start);
            }
            weights[i] = to;
            others += to;
        }
        weights[0] = 10_000 - others;
    }

    /// @notice Replaces asset `i`'s routes after validating them; see {IBallastVault-setRoutes}.
    function setRoutes(
        Basket storage basket,
        IUniswapV3Factory factory,
        address token,
        bytes calldata sellRoute,
        bytes calldata buyRoute
    ) external {
        uint256 i = indexOf(basket, token);
        if (i == 0) revert IBallastErrors.BallastBaseRoute();
        if (
            keccak256(sellRoute) == keccak256(basket.sellRoutes[i]) &&
            keccak256(buyRoute) == keccak256(basket.buyRoutes[i])
        ) revert IBallastErrors.BallastParameterUnchanged();
        address base = basket.assets[0].token;
        validateRoute(factory, token, sellRoute, token, base);
        validateRoute(factory, token, buyRoute, base, token);
        basket.sellRoutes[i] = sellRoute;
        basket.buyRoutes[i] = buyRoute;
        basket.poolRefs[i] = poolRef(basket, factory, i, sellRoute);
        emit IBallastVault.RoutesSet(token, sellRoute, buyRoute);
    }

    /// @notice Reverts unless `route` is a well-formed path from `start` to `end` whose every hop is
    /// a pool `factory` has. `token` names the basket token in the errors.
    function validateRoute(
        IUniswapV3Factory factory,
        address token,
        bytes memory route,
        address start,
        address end
    ) public view {
        if (route.length == 0) revert IBallastErrors.BallastEmptyRoute(token);
        if (!route.isWellFormed()) revert IBallastErrors.BallastMalformedRoute(token, route.length);
        address first = route.tokenAt(0);
        address last = route.lastToken();
        if (first != start || last != end) {
            revert IBallastErrors.BallastRouteEndpoints(token, start, first, end, last);
        }
        uint256 hops = route.hops();
        for (uint256 h; h < hops; ++h) {
            (address a, address b, uint24 fee) = (route.tokenAt(h), route.tokenAt(h + 1), route.feeAt(h));
            if (factory.getPool(a, b, fee) == address(0)) revert IBallastErrors.BallastRoutePoolMissing(a, b, fee);
        }
    }

    /// @notice The first pool of asset `i`'s sell `route`, if the pool's other token is in the basket.
    function poolRef(
        Basket storage basket,
        IUniswapV3Factory factory,
        uint256 i,
        bytes memory route
    ) public view returns (PoolRef memory) {
        address next = route.tokenAt(1);
        uint256 n = basket.assets.length;
        for (uint256 q; q < n; ++q) {
            if (basket.assets[q].token == next) {
                return PoolRef(factory.getPool(basket.assets[i].token, next, route.feeAt(0)), uint8(q));
            }
        }
        return PoolRef(address(0), 0);
    }

    /// @notice The basket index of `token`; reverts for a token outside the basket.
    function indexOf(Basket storage basket, address token) public view returns (uint256) {
        uint256 n = basket.assets.length;
        for (uint256 i; i < n; ++i) {
            if (basket.assets[i].token == token) return i;
        }
        revert IBallastErrors.BallastUnknownToken(token);
    }
}
