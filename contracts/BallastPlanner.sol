// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IBallastPlanner} from "./interfaces/IBallastPlanner.sol";
import {IBallastPolicy} from "./interfaces/IBallastPolicy.sol";
import {IBallastVault} from "./interfaces/IBallastVault.sol";
import {BasketMath} from "./libraries/BasketMath.sol";
import {LegCheck} from "./libraries/LegCheck.sol";
import {PlanReview} from "./libraries/PlanReview.sol";

/// @title BallastPlanner
/// @notice See {IBallastPlanner}. The on-chain plan: which assets a rebalance trades, how much, and
/// along which routes; stateless.
contract BallastPlanner is IBallastPlanner {
    using BasketMath for uint256;
    using Math for uint256;

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
        Sizes memory z = _sizes(s, band, Math.max(Math.max(s.params.minTradeValue, minLegValue), 1));
        driftRemovedBps = _driftRemoved(s, z);
        (uint256 sellMask, uint256 buyMask, uint256 count) = _masks(z);
        (bytes[] memory sellRoutes, bytes[] memory buyRoutes) = vault.basketRoutes(sellMask, buyMask);
        trades = _trades(s, z, count, sellRoutes, buyRoutes);
    }

    /// @inheritdoc IBallastPlanner
    function fits(
        address factory,
        IBallastVault.BasketState calldata s,
        IBallastPolicy.Trade[] calldata trades
    ) external view returns (bool) {
        for (uint256 k; k < trades.length; ++k) {
            IBallastPolicy.Trade calldata t = trades[k];
            uint256 fit = LegCheck.fit(
                factory,
                t.route,
                t.amountIn,
                t.fairOut,
                s.params.maxPoolGapBps,
                s.params.slippageBps
            );
            if (fit == 0) return false;
        }
        return true;
    }

    /// @dev The plan's sizes at `band` (see {IBallastPlanner-plan}), trades under `minTrade` left out.
    function _sizes(
        IBallastVault.BasketState memory s,
        uint256 band,
        uint256 minTrade
    ) private pure returns (Sizes memory out) {
        uint256 n = s.values.length;
        uint256 cap = s.nav.bps(s.params.maxTradeBps, Math.Rounding.Floor);
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
    }

    /// @dev The `count` trades of `z` along the vault's routes: every sale, then every purchase.
    function _trades(
        IBallastVault.BasketState memory s,
        Sizes memory z,
        uint256 count,
        bytes[] memory sellRoutes,
        bytes[] memory buyRoutes
    ) private pure returns (IBallastPolicy.Trade[] memory trades) {
        trades = new IBallastPolicy.Trade[](count);
        uint256 k;
        for (uint256 i = 1; i < z.sells.length; ++i) {
            if (z.sells[i] != 0) trades[k++] = _sale(s, i, z.sells[i], sellRoutes[i]);
        }
        for (uint256 i = 1; i < z.buys.length; ++i) {
            uint256 spend = z.buys[i];
            if (spend != 0)
                trades[k++] = IBallastPolicy.Trade(buyRoutes[i], spend, spend, PlanReview.fairOut(s, 0, i, spend));
        }
    }

    /// @dev The sale of `value` (base units) of asset `i` along `route`.
    function _sale(
        IBallastVault.BasketState memory s,
        uint256 i,
        uint256 value,
        bytes memory route
    ) private pure returns (IBallastPolicy.Trade memory) {
        uint256 amountIn = PlanReview.sellAmount(s, i, value);
        return IBallastPolicy.Trade(route, amountIn, value, PlanReview.fairOut(s, i, 0, amountIn));
    }

    /// @dev The {IBallastVault-basketRoutes} masks of the routes `z` trades along, and its trade count.
    function _masks(Sizes memory z) private pure returns (uint256 sellMask, uint256 buyMask, uint256 count) {
        for (uint256 i = 1; i < z.sells.length; ++i) {
            if (z.sells[i] != 0) (sellMask, count) = (sellMask | (1 << i), count + 1);
            if (z.buys[i] != 0) (buyMask, count) = (buyMask | (1 << i), count + 1);
        }
    }

    /// @dev Total absolute drift before the plan less after it (0 if it would not fall), at the
    /// state's prices with NAV unchanged (the cost model prices the trades' losses).
    function _driftRemoved(IBallastVault.BasketState memory s, Sizes memory z) private pure returns (uint256) {
        uint256 n = s.values.length;
        uint256 before;
        uint256 afterwards;
        uint256 base = s.values[0];
        for (uint256 i = 1; i < n; ++i) {
            uint256 value = s.values[i] - z.sells[i] + z.buys[i];
            base += z.sells[i];
            before += s.values[i].weightBps(s.nav).absDiff(s.targets[i]);
            afterwards += value.weightBps(s.nav).absDiff(s.targets[i]);
        }
        // Buys spend at most the base above its target plus the sells' proceeds: no underflow.
        for (uint256 i = 1; i < n; ++i) base -= z.buys[i];
        before += s.values[0].weightBps(s.nav).absDiff(s.targets[0]);
        afterwards += base.weightBps(s.nav).absDiff(s.targets[0]);
        return before > afterwards ? before - afterwards : 0;
    }
}
