// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IBallastErrors} from "./interfaces/IBallastErrors.sol";
import {IBallastPlanner} from "./interfaces/IBallastPlanner.sol";
import {IBallastPolicy} from "./interfaces/IBallastPolicy.sol";
import {IBallastVault} from "./interfaces/IBallastVault.sol";
import {BasketMath} from "./libraries/BasketMath.sol";
import {LegCheck} from "./libraries/LegCheck.sol";
import {MemoryArray} from "./libraries/MemoryArray.sol";
import {PlanReview} from "./libraries/PlanReview.sol";
import {UniswapPath} from "./libraries/UniswapPath.sol";

/// @title BallastPlanner
/// @notice See {IBallastPlanner}. The on-chain plan: which assets a rebalance trades, how much, and
/// along which routes; stateless. Every array it reads has the state's length, which {plan} checks
/// first, so that the reads below are unchecked ({MemoryArray}) wherever the index is a basket
/// index.
contract BallastPlanner is IBallastPlanner {
    using BasketMath for uint256;
    using Math for uint256;
    using MemoryArray for uint256[];
    using UniswapPath for bytes;

    /// @dev The trades a plan makes, in base-asset value: `sells[i]` of asset `i` into the base,
    /// then `buys[i]` of it with the base (entry 0 unused).
    struct Sizes {
        uint256[] sells;
        uint256[] buys;
    }

    /// @inheritdoc IBallastPlanner
    // The state is read in memory by every helper (and PlanReview's conversions): one copy up front.
    // solhint-disable-next-line gas-calldata-parameters
    function plan(
        IBallastVault vault,
        IBallastVault.BasketState memory s,
        uint256 band,
        uint256 minLegValue
    ) external view returns (IBallastPolicy.Trade[] memory trades, uint256 driftRemovedBps) {
        _checkAligned(s);
        uint256 minTrade = Math.max(Math.max(s.params.minTradeValue, minLegValue), 1);
        Sizes memory z = _sizes(s, band, minTrade);
        (uint256 sellMask, uint256 buyMask) = _masks(z);
        (bytes[] memory sellRoutes, bytes[] memory buyRoutes) = vault.basketRoutes(sellMask, buyMask);
        trades = _trades(s, z, minTrade, sellRoutes, buyRoutes);
        driftRemovedBps = _driftRemoved(s, z);
    }

    /// @inheritdoc IBallastPlanner
    function fits(
        address factory,
        IBallastPolicy.Trade[] calldata trades,
        uint256 maxPoolGapBps,
        uint256 slippageBps
    ) external view returns (bool) {
        for (uint256 k; k < trades.length; ++k) {
            IBallastPolicy.Trade calldata t = trades[k];
            if (LegCheck.fit(factory, t.route, t.amountIn, t.fairOut, maxPoolGapBps, slippageBps) == 0) return false;
        }
        return true;
    }

    /// @dev The plan's sizes at `band` (see {IBallastPlanner-plan}), trades under `minTrade` left out.
    function _sizes(
        IBallastVault.BasketState memory s,
        uint256 band,
        uint256 minTrade
    ) private pure returns (Sizes memory out) {
        (uint256[] memory values, uint256[] memory targets, uint256 nav) = (s.values, s.targets, s.nav);
        uint256 n = values.length;
        uint256 cap = nav.bps(s.params.maxTradeBps, Math.Rounding.Floor);
        (uint256[] memory sells, uint256[] memory buys) = (new uint256[](n), new uint256[](n));
        (out.sells, out.buys) = (sells, buys);
        uint256 proceeds;
        uint256 wanted;
        // Every index below n, the length of every array here (checked by {plan}, or allocated).
        for (uint256 i = 1; i < n; ++i) {
            (uint256 value, uint256 target) = (values.at(i), targets.at(i));
            if (target == 0) {
                // Retiring: all of it (capped), unless what is left is dust.
                uint256 all = Math.min(value, cap);
                if (all >= Math.max(s.units.at(0) / 100, 1)) {
                    sells.put(i, all);
                    proceeds += all;
                }
                continue;
            }
            // Rounded down: never sell past the band edge.
            uint256 keep = nav.bps(target + band, Math.Rounding.Floor);
            if (value > keep) {
                uint256 sale = Math.min(value - keep, cap);
                if (sale >= minTrade) {
                    sells.put(i, sale);
                    proceeds += sale;
                }
            } else if (target > band) {
                uint256 floorValue = nav.bps(target - band, Math.Rounding.Floor);
                if (value < floorValue) {
                    uint256 want = Math.min(floorValue - value, cap);
                    buys.put(i, want);
                    wanted += want;
                }
            }
        }
        uint256 baseTarget = nav.bps(targets.at(0), Math.Rounding.Ceil);
        uint256 funds = s.balances.at(0) + proceeds;
        uint256 available = funds > baseTarget ? funds - baseTarget : 0;
        for (uint256 i = 1; i < n; ++i) {
            uint256 buy = buys.at(i);
            uint256 spend = wanted > available ? buy.mulDiv(available, wanted) : buy;
            buys.put(i, spend < minTrade ? 0 : spend);
        }
    }

    /// @dev The trades under way ({_trades}): `trades[0..count)` made, what is left of each
    /// purchase, the routes, and the smallest trade.
    struct Draft {
        IBallastPolicy.Trade[] trades;
        uint256 count;
        uint256[] buysLeft;
        bytes[] sellRoutes;
        bytes[] buyRoutes;
        uint256 minTrade;
    }

    /// @dev The trades that carry out `z`: each sale first paired with the purchases its route
    /// meets on the way to the base ({_shortcut}), as far as both go, then what is left of it along
    /// its route into the base; then what is left of each purchase along its route from the base. A
    /// pair under `minTrade` stays apart; a leftover under `minTrade` is not traded (and taken out of
    /// `z`), unless it ends the sale of a whole balance.
    function _trades(
        IBallastVault.BasketState memory s,
        Sizes memory z,
        uint256 minTrade,
        bytes[] memory sellRoutes,
        bytes[] memory buyRoutes
    ) private pure returns (IBallastPolicy.Trade[] memory trades) {
        uint256 n = z.sells.length;
        // One trade ends each sale (a last pair or its leftover) and one each purchase (the pair that
        // uses it up or its leftover), and no asset both sells and buys: at most n - 1 trades.
        Draft memory d = Draft(_room(n), 0, new uint256[](n), sellRoutes, buyRoutes, minTrade);
        (uint256[] memory sells, uint256[] memory buys, uint256[] memory buysLeft) = (z.sells, z.buys, d.buysLeft);
        // Every index below n, the length of the plan's arrays.
        for (uint256 o = 1; o < n; ++o) buysLeft.put(o, buys.at(o));
        for (uint256 i = 1; i < n; ++i) {
            if (sells.at(i) != 0) _sell(s, z, i, d);
        }
        trades = d.trades;
        uint256 count = d.count;
        for (uint256 o = 1; o < n; ++o) {
            uint256 spend = buysLeft.at(o);
            if (spend >= minTrade) {
                trades[count++] = IBallastPolicy.Trade(buyRoutes[o], spend, spend, PlanReview.fairOut(s, 0, o, spend));
            } else {
                buys.put(o, buys.at(o) - spend);
            }
        }
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mstore(trades, count)
        }
    }

    /// @dev An array of `capacity` trades whose entries are left unset, rather than each allocated
    /// and zeroed as `new` does: {_trades} and {_sell} write an entry before anything reads it, and
    /// {_trades} shortens the array to the entries written.
    function _room(uint256 capacity) private pure returns (IBallastPolicy.Trade[] memory trades) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            trades := mload(0x40)
            mstore(trades, capacity)
            mstore(0x40, add(trades, shl(5, add(capacity, 1))))
        }
    }

    /// @dev Asset `i`'s sale in `z`, as trades added to `d` (see {_trades}).
    function _sell(IBallastVault.BasketState memory s, Sizes memory z, uint256 i, Draft memory d) private pure {
        (uint256[] memory buysLeft, uint256 minTrade, bytes memory route) = (d.buysLeft, d.minTrade, d.sellRoutes[i]);
        // `i` and every `o` below are basket indices: below the length of every array here.
        uint256 sale = z.sells.at(i);
        (uint256 valueLeft, uint256 amountLeft) = (sale, PlanReview.sellAmount(s, i, sale));
        for (uint256 o = 1; o < buysLeft.length && valueLeft != 0; ++o) {
            uint256 value = Math.min(valueLeft, buysLeft.at(o));
            if (value < minTrade) continue;
            bytes memory path = _shortcut(route, d.buyRoutes[o]);
            if (path.length == 0) continue;
            // The last part of a sale takes what is left of its amount (the whole balance, when it is).
            uint256 amountIn = value == valueLeft ? amountLeft : PlanReview.fairOut(s, 0, i, value);
            d.trades[d.count++] = IBallastPolicy.Trade(path, amountIn, value, PlanReview.fairOut(s, i, o, amountIn));
            (valueLeft, amountLeft) = (valueLeft - value, amountLeft - amountIn);
            buysLeft.put(o, buysLeft.at(o) - value);
        }
        if (valueLeft >= minTrade || (amountLeft != 0 && sale >= s.values.at(i))) {
            d.trades[d.count++] = IBallastPolicy.Trade(
                route,
                amountLeft,
                valueLeft,
                PlanReview.fairOut(s, i, 0, amountLeft)
            );
        } else {
            z.sells.put(i, sale - valueLeft);
        }
    }

    /// @dev The path from an asset to another along `sell` (the first's route into the base) up to
    /// the first token `buy` (the second's route from the base) also crosses, then along `buy`: the
    /// same pools, governance's own, without the round trip through the base between them (two
    /// hops, two fees and a leg fewer at least). Empty when the two routes meet only at the base.
    function _shortcut(bytes memory sell, bytes memory buy) private pure returns (bytes memory) {
        (uint256 sellHops, uint256 buyHops) = (sell.hops(), buy.hops());
        // Every token of `sell` but its last (the base), against every token of `buy` but its first.
        for (uint256 a; a < sellHops; ++a) {
            address token = sell.tokenAt(a);
            for (uint256 b = 1; b <= buyHops; ++b) {
                if (buy.tokenAt(b) == token) return UniswapPath.join(sell, a, buy, b);
            }
        }
        return "";
    }

    /// @dev Reverts with {IBallastErrors-BallastStateMisaligned} unless every array of `s` is as long
    /// as its token list (at least the base's entry, which the plan reads): what the unchecked reads
    /// rely on.
    function _checkAligned(IBallastVault.BasketState memory s) private pure {
        uint256 n = s.tokens.length;
        if (
            n == 0 ||
            s.balances.length != n ||
            s.prices.length != n ||
            s.units.length != n ||
            s.values.length != n ||
            s.targets.length != n
        ) revert IBallastErrors.BallastStateMisaligned(n);
    }

    /// @dev The {IBallastVault-basketRoutes} masks of the routes `z` trades along.
    function _masks(Sizes memory z) private pure returns (uint256 sellMask, uint256 buyMask) {
        (uint256[] memory sells, uint256[] memory buys) = (z.sells, z.buys);
        // Every index below the length both share.
        for (uint256 i = 1; i < sells.length; ++i) {
            if (sells.at(i) != 0) sellMask |= 1 << i;
            if (buys.at(i) != 0) buyMask |= 1 << i;
        }
    }

    /// @dev Total absolute drift before the plan less after it (0 if it would not fall), at the
    /// state's prices with NAV unchanged (the cost model prices the trades' losses).
    function _driftRemoved(IBallastVault.BasketState memory s, Sizes memory z) private pure returns (uint256) {
        (uint256[] memory values, uint256[] memory targets, uint256 nav) = (s.values, s.targets, s.nav);
        (uint256[] memory sells, uint256[] memory buys) = (z.sells, z.buys);
        uint256 n = values.length;
        uint256 base = values.at(0);
        uint256 spent;
        uint256 before = base.weightBps(nav).absDiff(targets.at(0));
        uint256 afterwards;
        // Every index below n, the length of every array here.
        for (uint256 i = 1; i < n; ++i) {
            (uint256 value, uint256 target, uint256 sold, uint256 bought) = (
                values.at(i),
                targets.at(i),
                sells.at(i),
                buys.at(i)
            );
            (base, spent) = (base + sold, spent + bought);
            before += value.weightBps(nav).absDiff(target);
            afterwards += (value - sold + bought).weightBps(nav).absDiff(target);
        }
        // Buys spend at most the base above its target plus the sales' proceeds, less any sale
        // leftover dropped after its buyer was funded: floored at 0 (the vault scales buys to the base).
        base = base > spent ? base - spent : 0;
        afterwards += base.weightBps(nav).absDiff(targets.at(0));
        return before > afterwards ? before - afterwards : 0;
    }
}
