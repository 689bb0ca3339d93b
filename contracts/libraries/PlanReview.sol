// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IBallastBreakers} from "../interfaces/IBallastBreakers.sol";
import {IBallastErrors} from "../interfaces/IBallastErrors.sol";
import {IBallastPolicy} from "../interfaces/IBallastPolicy.sol";
import {IBallastVault} from "../interfaces/IBallastVault.sol";
import {BasketMath} from "./BasketMath.sol";
import {MemoryArray} from "./MemoryArray.sol";
import {PoolAddress} from "./PoolAddress.sol";
import {UniswapPath} from "./UniswapPath.sol";

/// @title PlanReview
/// @notice How a plan is judged against a vault's {IBallastVault-BasketState}: the basket's largest
/// drift, a keeper's legs reviewed (directions, the drift they remove, the trades the cost gate
/// prices), the pools the breakers compare with the oracles, and the oracle conversions the
/// on-chain planner sizes its trades with. Every rounding is against the trade: amounts round down.
/// A state's arrays all have its token list's length (the vault's own state, or one the planner
/// checked: {IBallastErrors-BallastStateMisaligned}), so that a basket index read checked in one
/// is read unchecked in the others ({MemoryArray}).
library PlanReview {
    using BasketMath for uint256;
    using Math for uint256;
    using MemoryArray for uint256[];
    using UniswapPath for bytes;

    /// @notice The largest |weight - target| of the basket, bps.
    function maxDrift(IBallastVault.BasketState memory s) internal pure returns (uint256 drift) {
        (uint256[] memory values, uint256[] memory targets, uint256 nav) = (s.values, s.targets, s.nav);
        uint256 n = values.length;
        for (uint256 i; i < n; ++i) {
            uint256 d = values.at(i).weightBps(nav).absDiff(targets.at(i));
            if (d > drift) drift = d;
        }
    }

    /// @notice Reviews a keeper's `legs` against state `s`: each must sell an asset above its target
    /// weight and buy one below its own, the base asset, through which legs route, aside (else
    /// {IBallastErrors-BallastPlanLeg}); returns the trades
    /// the cost model prices, the total drift the legs remove at the state's prices (NAV unchanged,
    /// as the on-chain plan's), and the oracle value they sell, base units.
    function review(
        IBallastVault.BasketState memory s,
        IBallastVault.Leg[] calldata legs
    ) internal pure returns (IBallastPolicy.Trade[] memory out, uint256 driftRemovedBps, uint256 valueTraded) {
        uint256 count = legs.length;
        uint256[] memory values = new uint256[](s.values.length);
        for (uint256 j; j < values.length; ++j) values[j] = s.values[j];
        out = new IBallastPolicy.Trade[](count);
        for (uint256 k; k < count; ++k) {
            // One copy out of calldata for every read of the path below.
            bytes memory path = legs[k].path;
            (uint256 i, uint256 o) = ends(s, path);
            // Weights compared exactly: value * 10_000 against NAV * target. The base asset is the
            // route between two others (a sale into it, then a purchase with it) and exempt: the
            // vault spends only the base above its target, and the drift check judges the outcome.
            if (
                (i != 0 && s.values[i] * BasketMath.BPS <= s.nav * s.targets[i]) ||
                (o != 0 && s.values[o] * BasketMath.BPS >= s.nav * s.targets[o])
            ) {
                revert IBallastErrors.BallastPlanLeg(k, s.tokens[i], s.tokens[o]);
            }
            uint256 amountIn = legs[k].amountIn;
            uint256 valueIn = fairOut(s, i, 0, amountIn);
            out[k] = IBallastPolicy.Trade(path, amountIn, valueIn, fairOut(s, i, o, amountIn));
            values[i] -= Math.min(valueIn, values[i]);
            values[o] += valueIn;
            valueTraded += valueIn;
        }
        (uint256 before, uint256 afterwards) = (_totalDrift(s, s.values), _totalDrift(s, values));
        driftRemovedBps = before > afterwards ? before - afterwards : 0;
    }

    /// @notice The basket indices of `path`'s first and last tokens; reverts with
    /// {IBallastErrors-BallastLegPath} unless `path` is well formed between two different basket
    /// assets (as the vault would) and crosses only basket tokens, none twice.
    function ends(IBallastVault.BasketState memory s, bytes memory path) internal pure returns (uint256 i, uint256 o) {
        if (!path.isWellFormed()) revert IBallastErrors.BallastLegPath(path);
        (address tokenIn, address tokenOut) = (path.tokenAt(0), path.lastToken());
        uint256 n = s.tokens.length;
        (i, o) = (n, n);
        for (uint256 j; j < n; ++j) {
            if (s.tokens[j] == tokenIn) i = j;
            if (s.tokens[j] == tokenOut) o = j;
        }
        if (i == n || o == n || i == o) revert IBallastErrors.BallastLegPath(path);
        // A keeper's route crosses only basket tokens, each once: a token of its own in the middle
        // would run its code inside the vault's swap (moving its own pools between hops, burning or
        // refunding gas the reward pays for) and price the leg on pools only it provides; a token
        // met twice is a round trip that only pays fees and gas.
        uint256 hops = path.hops();
        for (uint256 h = 1; h <= hops; ++h) {
            address token = path.tokenAt(h);
            uint256 j;
            while (j < n && s.tokens[j] != token) ++j;
            if (j == n) revert IBallastErrors.BallastLegPath(path);
            for (uint256 g; g < h; ++g) {
                if (path.tokenAt(g) == token) revert IBallastErrors.BallastLegPath(path);
            }
        }
    }

    /// @notice The pools the breakers watch: each asset's first pool (the first hop of its sell
    /// route) when its other token is in the basket, with what the oracle prices say the pool should
    /// quote for `10 ** decimals * 1e18` of the asset, in the other token's raw units at full
    /// precision (amounts rather than a ratio of raw units: an 18-decimal token at $0.00001 against
    /// a 6-decimal quote has a raw ratio of 1e-17, which a WAD rounds to 0). Entry `i` is empty
    /// (pool zero) for the base and for an asset whose first pool leads outside the basket.
    function poolChecks(
        IBallastVault.BasketState memory s,
        bytes[] memory sellRoutes,
        address factory
    ) internal pure returns (IBallastBreakers.PoolCheck[] memory checks) {
        uint256 n = s.tokens.length;
        checks = new IBallastBreakers.PoolCheck[](n);
        for (uint256 i = 1; i < n; ++i) {
            bytes memory route = sellRoutes[i];
            (address token, address next) = (s.tokens[i], route.tokenAt(1));
            for (uint256 q; q < n; ++q) {
                if (s.tokens[q] != next) continue;
                // Below 2^120 (1e36), where {PoolPrice-quote} is exact.
                checks[i] = IBallastBreakers.PoolCheck(
                    PoolAddress.compute(factory, token, next, route.feeAt(0)),
                    token < next,
                    s.units[i] * 1e18,
                    Math.mulDiv(1e18 * s.units[q], s.prices[i], s.prices[q])
                );
            }
        }
    }

    /// @notice The amount of asset `i` a planned sale worth `value` sells: the whole balance when the
    /// sale is all of it (a retiring asset), otherwise the amount worth `value`, rounded down.
    function sellAmount(IBallastVault.BasketState memory s, uint256 i, uint256 value) internal pure returns (uint256) {
        return value >= s.values[i] ? s.balances.at(i) : fairOut(s, 0, i, value);
    }

    /// @notice What `amountIn` of asset `i` is worth in asset `o` at the oracle prices, rounded down.
    function fairOut(
        IBallastVault.BasketState memory s,
        uint256 i,
        uint256 o,
        uint256 amountIn
    ) internal pure returns (uint256) {
        // `i` and `o` read checked in the units; the prices share their length.
        (uint256[] memory prices, uint256[] memory units) = (s.prices, s.units);
        return amountIn.toValue(prices.at(i), units[i], prices.at(o), units[o], Math.Rounding.Floor);
    }

    /// @dev Sum over the basket of |weight - target| (bps) for `values` at the state's NAV.
    function _totalDrift(
        IBallastVault.BasketState memory s,
        uint256[] memory values
    ) private pure returns (uint256 total) {
        (uint256[] memory targets, uint256 nav) = (s.targets, s.nav);
        for (uint256 j; j < values.length; ++j) total += values.at(j).weightBps(nav).absDiff(targets.at(j));
    }
}
