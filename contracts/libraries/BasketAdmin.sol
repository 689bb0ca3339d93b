// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {Arrays} from "@openzeppelin/contracts/utils/Arrays.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IUniswapV3Factory} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Factory.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";

import {IBallastErrors} from "../interfaces/IBallastErrors.sol";
import {IBallastOracle} from "../interfaces/IBallastOracle.sol";
import {IBallastRebalancer} from "../interfaces/IBallastRebalancer.sol";
import {IBallastVault} from "../interfaces/IBallastVault.sol";
import {Bounds} from "./Bounds.sol";
import {PoolAddress} from "./PoolAddress.sol";
import {UniswapPath} from "./UniswapPath.sol";

/// @title BasketAdmin
/// @notice The vault's basket storage and its rarely used administration (route validation and
/// changes). An external (linked) library: its code runs by delegatecall on the vault's storage and
/// stays out of the vault's 24 KB (the pattern of Aave V3's logic libraries).
library BasketAdmin {
    using UniswapPath for bytes;

    /// @notice Largest basket, base asset included.
    uint256 internal constant MAX_ASSETS = 16;

    /// @notice Longest ramp of target weights.
    uint256 internal constant MAX_RAMP = 90 days;

    /// @notice {Asset-quoteIndex} of an asset whose first pool trades it against a token outside the
    /// basket (and of the base asset): no pool is read for it.
    uint8 internal constant NO_POOL = type(uint8).max;

    /// @notice The highest deviation threshold an oracle may state (100%): beyond, an entry's price
    /// would be meaningless.
    uint256 internal constant MAX_DEVIATION_BPS = 10_000;

    /// @notice One basket entry, packed in two slots, which are all that a valuation reads of it.
    /// Its target weight moves linearly from `fromWeightBps` at `rampStart` to `targetWeightBps` at
    /// `rampEnd` ({setTargetWeights} gives every entry the same ramp): kept in the entry's spare bits
    /// rather than a slot of the basket's own, which every valuation would read cold.
    /// `deviationBps` is the oracle's deviation threshold ({IBallastOracle-deviationBps}, immutable in
    /// the oracle: copied when the oracle is set). The first pool of the asset's sell route trades it
    /// against basket asset `quoteIndex` at fee `poolFee` ({NO_POOL}: that token is outside the
    /// basket); its address is computed ({PoolAddress}), not stored.
    // 30 + 31 bytes: two slots, the least 61 bytes take; each slot holds what is read together.
    // solhint-disable-next-line gas-struct-packing
    struct Asset {
        address token;
        uint16 targetWeightBps;
        uint8 decimals;
        uint16 fromWeightBps;
        uint40 rampStart;
        IBallastOracle oracle;
        uint16 deviationBps;
        uint8 quoteIndex;
        uint24 poolFee;
        uint40 rampEnd;
    }

    /// @notice Everything the vault knows of its basket, index-aligned, base asset first. Each
    /// route is stored without its two ends, which are the asset's token and the base asset's (see
    /// {sellRoute} and {buyRoute}): a route of one or two hops then fits the one slot of a short
    /// `bytes` (26 bytes at most), where the whole path takes three or four.
    struct Basket {
        Asset[] assets;
        bytes[] sellRoutes;
        bytes[] buyRoutes;
    }

    /// @notice Starts a ramp of the target weights to `weights` between `start` and `end`; see
    /// {IBallastVault-setTargetWeights}.
    function setTargetWeights(Basket storage basket, uint16[] calldata weights, uint64 start, uint64 end) external {
        uint256 n = basket.assets.length;
        if (weights.length != n) revert IBallastErrors.BallastBasketSize(weights.length, n);
        // A ramp starts within MAX_RAMP from now: a proposal cannot schedule one for a far future.
        Bounds.check(IBallastErrors.Parameter.RampStart, start, block.timestamp, block.timestamp + MAX_RAMP);
        if (end < start || end - start > MAX_RAMP) {
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
            Asset storage a = basket.assets[i];
            // from[i] and weights[i] are basis points (<= 10_000): they fit 16 bits; `start` and
            // `end` are within 2 * MAX_RAMP of now, far inside 40 bits.
            (a.fromWeightBps, a.targetWeightBps) = (uint16(from[i]), weights[i]);
            (a.rampStart, a.rampEnd) = (uint40(start), uint40(end));
        }
        emit IBallastVault.TargetWeightsSet(from, to, start, end);
    }

    /// @notice The target weights in force now (basis points, summing to 10_000): along a ramp,
    /// each non-base weight is interpolated (rounded down) and the base takes the remainder.
    function targetWeights(Basket storage basket) internal view returns (uint256[] memory) {
        return targetWeights(basket.assets);
    }

    /// @notice {targetWeights} of the entries `assets` (as stored), each along its ramp.
    function targetWeights(Asset[] memory assets) internal view returns (uint256[] memory weights) {
        uint256 n = assets.length;
        weights = new uint256[](n);
        uint256 others;
        for (uint256 i = 1; i < n; ++i) {
            Asset memory a = assets[i];
            (uint256 start, uint256 end) = (a.rampStart, a.rampEnd);
            // Before its start a scheduled ramp holds the old weights (an instant switch, start ==
            // end, included: it never divides by its zero length); after its end, the new ones.
            bool before = block.timestamp < start;
            bool ramping = !before && block.timestamp < end;
            uint256 to = a.targetWeightBps;
            if (before) {
                to = a.fromWeightBps;
            } else if (ramping) {
                uint256 from = a.fromWeightBps;
                uint256 elapsed = block.timestamp - start;
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

    /// @notice Appends `config` to the basket after validating it (the base asset, entry 0, carries
    /// no route; every other asset a valid one each way), with a last price of 0 to be recorded.
    function listAsset(
        Basket storage basket,
        uint128[] storage lastPrices,
        address factory,
        IBallastVault.AssetConfig memory config
    ) public {
        uint256 i = basket.assets.length;
        if (i >= MAX_ASSETS) revert IBallastErrors.BallastBasketSize(i + 1, MAX_ASSETS);
        if (config.token == address(0) || address(config.oracle) == address(0)) {
            revert IBallastErrors.BallastZeroAddress();
        }
        for (uint256 j; j < i; ++j) {
            if (basket.assets[j].token == config.token) revert IBallastErrors.BallastDuplicateToken(config.token);
        }
        if (i == 0) {
            if (config.sellRoute.length != 0 || config.buyRoute.length != 0) revert IBallastErrors.BallastBaseRoute();
        } else {
            address base = basket.assets[0].token;
            validateRoute(factory, config.token, config.sellRoute, config.token, base);
            validateRoute(factory, config.token, config.buyRoute, base, config.token);
        }
        uint16 weight = config.targetWeightBps;
        // No ramp in progress for a new entry: its weight starts where it ends (from == to), so its
        // ramp of 0 gives that weight at any time, beside entries still on a ramp of their own. Its
        // first pool is linked once every token it may lead to is listed (see {linkPools}).
        basket.assets.push(
            Asset(
                config.token,
                weight,
                validDecimals(config.token),
                weight,
                0,
                config.oracle,
                validDeviation(config.token, config.oracle),
                NO_POOL,
                0,
                0
            )
        );
        lastPrices.push(0);
        basket.sellRoutes.push(_inner(config.sellRoute));
        basket.buyRoutes.push(_inner(config.buyRoute));
        emit IBallastVault.AssetListed(i, config.token, config.oracle, weight, config.sellRoute, config.buyRoute);
    }

    /// @notice Lists a new asset at weight 0; see {IBallastVault-addAsset}.
    function addAsset(
        Basket storage basket,
        uint128[] storage lastPrices,
        address factory,
        IBallastVault.AssetConfig calldata config
    ) external {
        if (config.targetWeightBps != 0) revert IBallastErrors.BallastAssetWeight(config.token, config.targetWeightBps);
        listAsset(basket, lastPrices, factory, config);
        // Never list what cannot be priced now.
        (bool ok, uint256 price) = tryPrice(config.oracle);
        if (!ok) revert IBallastErrors.BallastPriceUnavailable(config.token);
        // A valid price fits 128 bits ({tryPrice}).
        lastPrices[lastPrices.length - 1] = uint128(price);
        // A listed asset's first pool may lead to the new token: its breaker check now has a quote.
        linkPools(basket, factory, true);
    }

    /// @notice Locates every non-base asset's first pool ({Asset-quoteIndex}, {Asset-poolFee}); with
    /// `checked`, reverts unless each can hold the observations the vault's breakers require
    /// ({checkObservations}).
    function linkPools(Basket storage basket, address factory, bool checked) public {
        uint256 n = basket.assets.length;
        uint256 required = checked ? _requiredObservations() : 0;
        for (uint256 i = 1; i < n; ++i) {
            bytes memory route = sellRoute(basket, i);
            (address next, uint24 fee) = (route.tokenAt(1), route.feeAt(0));
            uint8 quote = NO_POOL;
            for (uint256 q; q < n; ++q) {
                if (basket.assets[q].token == next) quote = uint8(q);
            }
            Asset storage a = basket.assets[i];
            (a.quoteIndex, a.poolFee) = (quote, quote == NO_POOL ? 0 : fee);
            if (quote != NO_POOL) checkObservations(PoolAddress.compute(factory, a.token, next, fee), required);
        }
    }

    /// @notice Reverts unless `pool` (zero: none) can hold `required` oracle observations; see
    /// {IBallastBreakers-minObservations}.
    function checkObservations(address pool, uint256 required) internal view {
        if (pool == address(0) || required == 0) return;
        (, , , , uint16 next, , ) = IUniswapV3Pool(pool).slot0();
        if (next < required) revert IBallastErrors.BallastPoolObservations(pool, next, required);
    }

    /// @dev The observations the breakers of the vault's rebalancer require of a watched pool (none
    /// while the vault has no rebalancer). This code runs in the vault (delegatecall): it asks the
    /// vault for its rebalancer.
    function _requiredObservations() private view returns (uint256) {
        IBallastRebalancer rebalancer = IBallastVault(address(this)).rebalancer();
        return address(rebalancer) == address(0) ? 0 : rebalancer.breakers().minObservations();
    }

    /// @notice Replaces `token`'s price source; see {IBallastVault-setOracle}.
    function setOracle(Basket storage basket, address token, IBallastOracle oracle) external {
        uint256 i = indexOf(basket, token);
        if (address(oracle) == address(0)) revert IBallastErrors.BallastZeroAddress();
        IBallastOracle old = basket.assets[i].oracle;
        if (oracle == old) revert IBallastErrors.BallastParameterUnchanged();
        // Never switch to a source that cannot price the asset now.
        (bool ok, ) = tryPrice(oracle);
        if (!ok) revert IBallastErrors.BallastPriceUnavailable(token);
        (basket.assets[i].oracle, basket.assets[i].deviationBps) = (oracle, validDeviation(token, oracle));
        emit IBallastVault.OracleSet(token, old, oracle);
    }

    /// @notice `oracle`'s deviation threshold for `token`; reverts with
    /// {IBallastErrors-BallastPriceUnavailable} when the oracle does not answer it (no such source
    /// can price an entry), and above {MAX_DEVIATION_BPS}.
    function validDeviation(address token, IBallastOracle oracle) internal view returns (uint16) {
        (bool ok, bytes memory data) = address(oracle).staticcall(abi.encodeCall(IBallastOracle.deviationBps, ()));
        if (!ok || data.length < 32) revert IBallastErrors.BallastPriceUnavailable(token);
        uint256 deviation = abi.decode(data, (uint256));
        Bounds.check(IBallastErrors.Parameter.DeviationBps, deviation, 0, MAX_DEVIATION_BPS);
        return uint16(deviation);
    }

    /// @notice `oracle`'s price, or `ok == false` when it reverts, says invalid, or answers 0 or a
    /// price past 128 bits.
    function tryPrice(IBallastOracle oracle) internal view returns (bool ok, uint256 price) {
        // A source that reverts, has no code, or answers short or garbage data is as invalid as one
        // that says so. A low-level call, because `try` lets a failed decoding revert the caller (and
        // so views that must not revert); in assembly, into the scratch space, because it runs once
        // per asset in every valuation.
        bytes4 selector = IBallastOracle.tryPrice.selector;
        uint256 valid;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mstore(0, selector)
            ok := staticcall(gas(), oracle, 0, 4, 0, 64)
            // Fewer than two words back leaves the scratch space stale: no answer.
            ok := and(ok, iszero(lt(returndatasize(), 64)))
            valid := mload(0)
            price := mload(32)
        }
        // Anything but an exact `true` is invalid, as is a zero price, or one past 128 bits (3.4e20 USD
        // a token: garbage), so that every price the vault records fits half a slot.
        if (!ok || valid != 1 || price == 0 || price > type(uint128).max) return (false, 0);
    }

    /// @notice Removes a retired asset; see {IBallastVault-removeAsset}. `dustValue` is the value, in
    /// base units, below which a balance left behind is dust.
    function removeAsset(
        Basket storage basket,
        uint128[] storage lastPrices,
        address factory,
        address token,
        uint256 dustValue
    ) external {
        uint256 i = indexOf(basket, token);
        uint256 weight = Math.max(targetWeights(basket)[i], basket.assets[i].targetWeightBps);
        if (i == 0 || weight != 0) revert IBallastErrors.BallastAssetWeight(token, weight);
        uint256 balance = IERC20(token).balanceOf(address(this));
        // Valued at the last recorded prices (oracles may be failing: retiring an asset must not wait).
        uint256 value = Math.mulDiv(
            balance * lastPrices[i],
            10 ** basket.assets[0].decimals,
            10 ** basket.assets[i].decimals * Math.max(lastPrices[0], 1)
        );
        if (value >= dustValue) revert IBallastErrors.BallastAssetNotEmpty(token, balance);
        uint256 last = basket.assets.length - 1;
        // The base asset and at least one other stay.
        if (last < 2) revert IBallastErrors.BallastBasketSize(last, MAX_ASSETS);
        // Shift the later entries down: basket order is part of every array the vault reports.
        for (uint256 j = i; j < last; ++j) {
            basket.assets[j] = basket.assets[j + 1];
            basket.sellRoutes[j] = basket.sellRoutes[j + 1];
            basket.buyRoutes[j] = basket.buyRoutes[j + 1];
            lastPrices[j] = lastPrices[j + 1];
        }
        basket.assets.pop();
        basket.sellRoutes.pop();
        basket.buyRoutes.pop();
        lastPrices.pop();
        // A first pool points at its quote token by index: re-point those past the gap (pools were
        // checked when linked; one whose quote token left is no longer read).
        linkPools(basket, factory, false);
        emit IBallastVault.AssetRemoved(i, token, balance);
    }

    /// @notice `token`'s decimals; reverts unless it reports at most 18.
    function validDecimals(address token) public view returns (uint8) {
        (bool ok, bytes memory data) = token.staticcall(abi.encodeCall(IERC20Metadata.decimals, ()));
        if (!ok || data.length < 32) revert IBallastErrors.BallastUnsupportedDecimals(token, type(uint256).max);
        uint256 tokenDecimals = abi.decode(data, (uint256));
        if (tokenDecimals > 18) revert IBallastErrors.BallastUnsupportedDecimals(token, tokenDecimals);
        return uint8(tokenDecimals);
    }

    /// @notice Replaces asset `i`'s routes after validating them; see {IBallastVault-setRoutes}.
    function setRoutes(
        Basket storage basket,
        address factory,
        address token,
        bytes calldata newSellRoute,
        bytes calldata newBuyRoute
    ) external {
        uint256 i = indexOf(basket, token);
        if (i == 0) revert IBallastErrors.BallastBaseRoute();
        address base = basket.assets[0].token;
        validateRoute(factory, token, newSellRoute, token, base);
        validateRoute(factory, token, newBuyRoute, base, token);
        // Valid routes have the stored ends: their insides say whether anything changes.
        (bytes memory sellInner, bytes memory buyInner) = (_inner(newSellRoute), _inner(newBuyRoute));
        if (
            keccak256(sellInner) == keccak256(basket.sellRoutes[i]) &&
            keccak256(buyInner) == keccak256(basket.buyRoutes[i])
        ) revert IBallastErrors.BallastParameterUnchanged();
        basket.sellRoutes[i] = sellInner;
        basket.buyRoutes[i] = buyInner;
        linkPools(basket, factory, false);
        // Only the new route's first pool is held to the breakers' observations now.
        Asset storage a = basket.assets[i];
        if (a.quoteIndex != NO_POOL) {
            address quoteToken = basket.assets[a.quoteIndex].token;
            checkObservations(PoolAddress.compute(factory, token, quoteToken, a.poolFee), _requiredObservations());
        }
        emit IBallastVault.RoutesSet(token, newSellRoute, newBuyRoute);
    }

    /// @notice Asset `i`'s sell route, a Uniswap V3 path from its token to the base asset (empty for
    /// the base asset itself).
    function sellRoute(Basket storage basket, uint256 i) internal view returns (bytes memory) {
        // The entry first: its bounds check stands for the route list's ({_route}).
        address token = basket.assets[i].token;
        return _withEnds(_route(basket.sellRoutes, i), token, basket.assets[0].token);
    }

    /// @notice Asset `i`'s buy route, from the base asset to its token (empty for the base asset).
    function buyRoute(Basket storage basket, uint256 i) internal view returns (bytes memory) {
        // The entry first: its bounds check stands for the route list's ({_route}).
        address token = basket.assets[i].token;
        return _withEnds(_route(basket.buyRoutes, i), basket.assets[0].token, token);
    }

    /// @dev Entry `i` of `routes` (one of the basket's route lists) without reading the list's
    /// length, a cold slot in every call that trades. The lists are index-aligned with
    /// `basket.assets` (pushed and popped only together with it), and {sellRoute} and {buyRoute}
    /// read `basket.assets[i]` first, whose bounds check reverts for an `i` out of range.
    function _route(bytes[] storage routes, uint256 i) private view returns (bytes memory) {
        return Arrays.unsafeAccess(routes, i).value;
    }

    /// @dev A valid route without its first and last tokens: its fees and middle tokens, as stored
    /// (nothing for the base asset's empty routes).
    function _inner(bytes memory route) private pure returns (bytes memory inner) {
        if (route.length == 0) return inner;
        inner = new bytes(route.length - 40);
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mcopy(add(inner, 32), add(route, 52), mload(inner))
        }
    }

    /// @dev The path `first | inner | last` ({_inner}'s inverse); empty when `inner` is.
    function _withEnds(bytes memory inner, address first, address last) private pure returns (bytes memory) {
        if (inner.length == 0) return inner;
        return abi.encodePacked(first, inner, last);
    }

    /// @notice Reverts unless `route` is a well-formed path from `start` to `end` whose every hop is
    /// a pool `factory` has. `token` names the basket token in the errors.
    function validateRoute(address factory, address token, bytes memory route, address start, address end) public view {
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
            address pool = IUniswapV3Factory(factory).getPool(a, b, fee);
            if (pool == address(0)) revert IBallastErrors.BallastRoutePoolMissing(a, b, fee);
            // Every later read computes this address: it must be where the factory put the pool.
            address computed = PoolAddress.compute(factory, a, b, fee);
            if (pool != computed) revert IBallastErrors.BallastPoolAddress(pool, computed);
        }
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
