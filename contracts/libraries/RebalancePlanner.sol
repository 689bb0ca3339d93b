// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IBallastErrors} from "../interfaces/IBallastErrors.sol";
import {IBallastPolicy} from "../interfaces/IBallastPolicy.sol";
import {IBallastVault} from "../interfaces/IBallastVault.sol";
import {BasketMath} from "./BasketMath.sol";
import {LegCheck} from "./LegCheck.sol";
import {PoolAddress} from "./PoolAddress.sol";
import {UniswapPath} from "./UniswapPath.sol";

/// @title RebalancePlanner
/// @notice The plan of a rebalance from a vault's {IBallastVault-BasketState}: the on-chain plan
/// (which assets trade and how much) and the legs that carry it out, the review of a keeper's legs
/// (directions, the drift they remove), the trades the cost gate prices, and whether the pools
/// would take them now. Every rounding is against the trade: amounts sold and bought round down.
library RebalancePlanner {
    using BasketMath for uint256;
    using Math for uint256;
    using UniswapPath for bytes;

    /// @notice The trades a rebalance plans, in base-asset value: `sells[i]` of asset `i` into the
    /// base, then `buys[i]` of it with the base (entry 0 unused), and the total absolute drift (sum
    /// over assets of |weight - target|, bps) they remove at oracle prices.
    struct Plan {
        uint256[] sells;
        uint256[] buys;
        uint256 driftRemovedBps;
    }

    /// @notice The routes a plan trades along ({IBallastVault-basketRoutes}): `sells[i]` asset
    /// `i`'s route into the base, `buys[i]` its route from it; empty where the plan does not trade.
    struct Routes {
        bytes[] sells;
        bytes[] buys;
    }

    /// @notice The largest |weight - target| of the basket, bps.
    function maxDrift(IBallastVault.BasketState memory s) internal pure returns (uint256 drift) {
        uint256 n = s.values.length;
        for (uint256 i; i < n; ++i) {
            uint256 d = s.values[i].weightBps(s.nav).absDiff(s.targets[i]);
            if (d > drift) drift = d;
        }
    }

    /// @notice The trades a rebalance makes with target band `band`: each asset above target + band
    /// is sold down to that edge, each below target - band bought up to it, every trade capped at
    /// `maxTradeBps` of NAV and skipped below `minTradeValue`. An asset whose target weight is 0 is
    /// retiring: its whole balance is sold (dust under a hundredth of a base token aside), so that
    /// governance can then remove it. Buys are funded by the base held above its own target plus
    /// the sells' oracle value; short of that, every buy is scaled down alike (rounded down).
    function plan(IBallastVault.BasketState memory s, uint256 band) internal pure returns (Plan memory out) {
        IBallastVault.RebalanceParams memory p = s.params;
        uint256 n = s.values.length;
        uint256 cap = s.nav.bps(p.maxTradeBps, Math.Rounding.Floor);
        uint256 minTrade = Math.max(p.minTradeValue, 1);
        out.sells = new uint256[](n);
        out.buys = new uint256[](n);
        uint256 proceeds;
        for (uint256 i = 1; i < n; ++i) {
            bool retiring = s.targets[i] == 0;
            // Rounded down: never sell past the band edge.
            uint256 keep = retiring ? 0 : s.nav.bps(s.targets[i] + band, Math.Rounding.Floor);
            if (s.values[i] <= keep) continue;
            uint256 value = Math.min(s.values[i] - keep, cap);
            if (value < (retiring ? Math.max(s.units[0] / 100, 1) : minTrade)) continue;
            out.sells[i] = value;
            proceeds += value;
        }
        uint256 wanted;
        for (uint256 i = 1; i < n; ++i) {
            uint256 weight = s.targets[i];
            if (weight <= band) continue;
            uint256 floorValue = s.nav.bps(weight - band, Math.Rounding.Floor);
            if (s.values[i] >= floorValue) continue;
            out.buys[i] = Math.min(floorValue - s.values[i], cap);
            wanted += out.buys[i];
        }
        uint256 baseTarget = s.nav.bps(s.targets[0], Math.Rounding.Ceil);
        uint256 funds = s.balances[0] + proceeds;
        uint256 available = funds > baseTarget ? funds - baseTarget : 0;
        for (uint256 i = 1; i < n; ++i) {
            uint256 spend = wanted > available ? out.buys[i].mulDiv(available, wanted) : out.buys[i];
            out.buys[i] = spend < minTrade ? 0 : spend;
        }
        out.driftRemovedBps = _driftRemoved(s, out);
    }

    /// @notice The {IBallastVault-basketRoutes} masks of the routes plan `pl` trades along.
    function masks(Plan memory pl) internal pure returns (uint256 sellMask, uint256 buyMask) {
        for (uint256 i = 1; i < pl.sells.length; ++i) {
            if (pl.sells[i] != 0) sellMask |= 1 << i;
            if (pl.buys[i] != 0) buyMask |= 1 << i;
        }
    }

    /// @notice The legs that carry out plan `pl`: each sale along its asset's sell route, then each
    /// purchase along its buy route (the order {IBallastVault-executeRebalance} runs them in).
    function legs(
        IBallastVault.BasketState memory s,
        Routes memory r,
        Plan memory pl
    ) internal pure returns (IBallastVault.Leg[] memory out) {
        uint256 n = pl.sells.length;
        out = new IBallastVault.Leg[](_count(pl));
        uint256 k;
        for (uint256 i = 1; i < n; ++i) {
            if (pl.sells[i] != 0) out[k++] = IBallastVault.Leg(r.sells[i], sellAmount(s, i, pl.sells[i]));
        }
        for (uint256 i = 1; i < n; ++i) {
            if (pl.buys[i] != 0) out[k++] = IBallastVault.Leg(r.buys[i], pl.buys[i]);
        }
    }

    /// @notice What the planned trades look like to the cost model: each one's route, exact input,
    /// oracle value of the input (base units) and oracle-fair output (raw output units).
    function trades(
        IBallastVault.BasketState memory s,
        Routes memory r,
        Plan memory pl
    ) internal pure returns (IBallastPolicy.Trade[] memory out) {
        uint256 n = pl.sells.length;
        out = new IBallastPolicy.Trade[](_count(pl));
        uint256 k;
        for (uint256 i = 1; i < n; ++i) {
            if (pl.sells[i] != 0) {
                uint256 amountIn = sellAmount(s, i, pl.sells[i]);
                out[k++] = IBallastPolicy.Trade(r.sells[i], amountIn, pl.sells[i], fairOut(s, i, 0, amountIn));
            }
            if (pl.buys[i] != 0) {
                uint256 spend = pl.buys[i];
                out[k++] = IBallastPolicy.Trade(r.buys[i], spend, spend, fairOut(s, 0, i, spend));
            }
        }
    }

    /// @notice Reviews a keeper's `legs` against state `s`: each must sell an asset above its target
    /// weight and buy one below its own, the base asset, through which legs route, aside (else
    /// {IBallastErrors-BallastPlanLeg}); returns the trades
    /// the cost model prices, the total drift the legs remove at the state's prices (NAV unchanged,
    /// as {plan}'s), and the oracle value they sell, base units.
    function review(
        IBallastVault.BasketState memory s,
        IBallastVault.Leg[] calldata legs
    ) internal pure returns (IBallastPolicy.Trade[] memory out, uint256 driftRemovedBps, uint256 valueTraded) {
        uint256 count = legs.length;
        uint256[] memory values = new uint256[](s.values.length);
        for (uint256 j; j < values.length; ++j) values[j] = s.values[j];
        out = new IBallastPolicy.Trade[](count);
        for (uint256 k; k < count; ++k) {
            (uint256 i, uint256 o) = ends(s, legs[k].path);
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
            out[k] = IBallastPolicy.Trade(legs[k].path, amountIn, valueIn, fairOut(s, i, o, amountIn));
            values[i] -= Math.min(valueIn, values[i]);
            values[o] += valueIn;
            valueTraded += valueIn;
        }
        (uint256 before, uint256 afterwards) = (_totalDrift(s, s.values), _totalDrift(s, values));
        driftRemovedBps = before > afterwards ? before - afterwards : 0;
    }

    /// @notice The basket indices of `path`'s first and last tokens; reverts with
    /// {IBallastErrors-BallastLegPath} unless `path` is well formed between two different basket
    /// assets (as the vault would).
    function ends(
        IBallastVault.BasketState memory s,
        bytes calldata path
    ) internal pure returns (uint256 i, uint256 o) {
        if (!UniswapPath.isWellFormed(path)) revert IBallastErrors.BallastLegPath(path);
        (address tokenIn, address tokenOut) = (UniswapPath.tokenAt(path, 0), UniswapPath.lastToken(path));
        uint256 n = s.tokens.length;
        (i, o) = (n, n);
        for (uint256 j; j < n; ++j) {
            if (s.tokens[j] == tokenIn) i = j;
            if (s.tokens[j] == tokenOut) o = j;
        }
        if (i == n || o == n || i == o) revert IBallastErrors.BallastLegPath(path);
    }

    /// @notice Whether the vault would trade every leg of plan `pl` at the pools' current state,
    /// if need be shrunk to what they can fill ({LegCheck-fit}; {IBallastVault-executeRebalance}).
    function fits(
        IBallastVault.BasketState memory s,
        Routes memory r,
        Plan memory pl,
        address factory
    ) internal view returns (bool) {
        uint256 n = pl.sells.length;
        for (uint256 i = 1; i < n; ++i) {
            if (pl.sells[i] != 0 && _fit(s, factory, r.sells[i], i, 0, sellAmount(s, i, pl.sells[i])) == 0) {
                return false;
            }
            if (pl.buys[i] != 0 && _fit(s, factory, r.buys[i], 0, i, pl.buys[i]) == 0) return false;
        }
        return true;
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
    ) internal pure returns (IBallastPolicy.PoolCheck[] memory checks) {
        uint256 n = s.tokens.length;
        checks = new IBallastPolicy.PoolCheck[](n);
        for (uint256 i = 1; i < n; ++i) {
            bytes memory route = sellRoutes[i];
            (address token, address next) = (s.tokens[i], route.tokenAt(1));
            for (uint256 q; q < n; ++q) {
                if (s.tokens[q] != next) continue;
                // Below 2^120 (1e36), where {PoolPrice-quote} is exact.
                checks[i] = IBallastPolicy.PoolCheck(
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
        return value >= s.values[i] ? s.balances[i] : fairOut(s, 0, i, value);
    }

    /// @notice What `amountIn` of asset `i` is worth in asset `o` at the oracle prices, rounded down.
    function fairOut(
        IBallastVault.BasketState memory s,
        uint256 i,
        uint256 o,
        uint256 amountIn
    ) internal pure returns (uint256) {
        return amountIn.toValue(s.prices[i], s.units[i], s.prices[o], s.units[o], Math.Rounding.Floor);
    }

    /// @dev {LegCheck-fit} of `amountIn` of asset `i` along `route` into asset `o`.
    function _fit(
        IBallastVault.BasketState memory s,
        address factory,
        bytes memory route,
        uint256 i,
        uint256 o,
        uint256 amountIn
    ) private view returns (uint256) {
        uint256 fair = fairOut(s, i, o, amountIn);
        return LegCheck.fit(factory, route, amountIn, fair, s.params.maxPoolGapBps, s.params.slippageBps);
    }

    /// @dev Sum over the basket of |weight - target| (bps) for `values` at the state's NAV.
    function _totalDrift(
        IBallastVault.BasketState memory s,
        uint256[] memory values
    ) private pure returns (uint256 total) {
        for (uint256 j; j < values.length; ++j) total += values[j].weightBps(s.nav).absDiff(s.targets[j]);
    }

    function _count(Plan memory pl) private pure returns (uint256 count) {
        uint256 n = pl.sells.length;
        for (uint256 i = 1; i < n; ++i) {
            if (pl.sells[i] != 0) ++count;
            if (pl.buys[i] != 0) ++count;
        }
    }

    /// @dev Total absolute drift before the plan less after it (0 if it would not fall), at the
    /// state's prices with NAV unchanged (the cost model prices the trades' losses).
    function _driftRemoved(IBallastVault.BasketState memory s, Plan memory pl) private pure returns (uint256) {
        uint256 n = s.values.length;
        uint256 before;
        uint256 afterwards;
        uint256 base = s.values[0];
        for (uint256 i = 1; i < n; ++i) {
            uint256 value = s.values[i] - pl.sells[i] + pl.buys[i];
            base += pl.sells[i];
            before += s.values[i].weightBps(s.nav).absDiff(s.targets[i]);
            afterwards += value.weightBps(s.nav).absDiff(s.targets[i]);
        }
        // Buys spend at most the base above its target plus the sells' proceeds: no underflow.
        for (uint256 i = 1; i < n; ++i) base -= pl.buys[i];
        before += s.values[0].weightBps(s.nav).absDiff(s.targets[0]);
        afterwards += base.weightBps(s.nav).absDiff(s.targets[0]);
        return before > afterwards ? before - afterwards : 0;
    }
}
