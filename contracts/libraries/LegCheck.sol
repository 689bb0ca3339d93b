// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IBallastErrors} from "../interfaces/IBallastErrors.sol";
import {BasketMath} from "./BasketMath.sol";
import {PoolAddress} from "./PoolAddress.sol";
import {PoolPrice} from "./PoolPrice.sol";
import {StaticWord} from "./StaticWord.sol";
import {UniswapPath} from "./UniswapPath.sol";

/// @title LegCheck
/// @notice Whether a rebalance leg can trade at the pools' current state: what its route fetches
/// at spot and after fees and in-range impact, against the leg's oracle-fair output, and the part
/// of a leg that fills. The vault enforces it on every leg it executes; the rebalancer reports it
/// in its status. All rounded down.
library LegCheck {
    using BasketMath for uint256;
    using Math for uint256;
    using UniswapPath for bytes;

    uint256 private constant Q96 = 1 << 96;

    /// @notice Whether `amountIn` of `path`'s first token can trade now: the route's spot price
    /// (no fee, no impact) gives at least `fairOut` (its oracle-fair output) less `maxPoolGapBps`,
    /// and the route's in-range liquidity is deep enough that the estimated output ({routeOut}, its
    /// impact counted twice) reaches the leg's minimum (`fairOut` less `slippageBps`). A pool pushed
    /// against the vault right before a rebalance therefore makes it refuse rather than trade at the
    /// pusher's price: a sandwich can take at most `maxPoolGapBps` of a leg. With `strict`, an unfit
    /// leg reverts with {IBallastErrors-BallastLegUnfit}; otherwise it returns false.
    function check(
        address factory,
        bytes memory path,
        uint256 amountIn,
        uint256 fairOut,
        uint256 maxPoolGapBps,
        uint256 slippageBps,
        bool strict
    ) internal view returns (bool) {
        (uint256 spotOut, uint256 netOut, uint256 filledOut) = routeOut(factory, path, amountIn);
        uint256 spotFloor = fairOut.lessBpsDown(maxPoolGapBps);
        // The estimated impact counted twice: a margin for the liquidity past the current tick range,
        // which the estimate cannot see (a leg that crosses into thinner ranges fills worse).
        uint256 impact = netOut > filledOut ? netOut - filledOut : 0;
        uint256 estimatedOut = filledOut > impact ? filledOut - impact : 0;
        uint256 minOut = fairOut.lessBpsDown(slippageBps);
        if (spotOut >= spotFloor && estimatedOut >= minOut) return true;
        if (!strict) return false;
        revert IBallastErrors.BallastLegUnfit(
            path.tokenAt(0),
            path.lastToken(),
            spotOut,
            spotFloor,
            estimatedOut,
            minOut
        );
    }

    /// @notice The largest part of `amountIn` that passes {check} now (`amountIn` itself when it
    /// does), `fairOut` being the whole leg's oracle-fair output: a leg the pools price within
    /// `maxPoolGapBps` of the oracle but cannot fill within `slippageBps` at its size shrinks to a
    /// size they can, so that a deep drift on a thin pool trades in parts rather than never. 0 when
    /// no size may trade: the route's spot price misses the pool-gap floor (a pool pushed against
    /// the vault), the fees alone miss the minimum, or nothing is in range. Rounded down.
    function fit(
        address factory,
        bytes memory path,
        uint256 amountIn,
        uint256 fairOut,
        uint256 maxPoolGapBps,
        uint256 slippageBps
    ) internal view returns (uint256 amount) {
        amount = amountIn;
        // The route as one pool of virtual reserves R: the estimate is net * (R - a) / (R + a) for
        // an input `a` net of fees, so (net - est) / (net + est) = a / R. The size whose estimate
        // is the minimum is `a` scaled by that ratio at the minimum over the ratio now; a route of
        // several pools is not one pool, hence a few rounds (each one more read of warm pools).
        for (uint256 round; round < 4 && amount != 0; ++round) {
            (uint256 spotOut, uint256 netOut, uint256 filledOut) = routeOut(factory, path, amount);
            uint256 fair = fairOut.mulDiv(amount, amountIn);
            if (spotOut < fair.lessBpsDown(maxPoolGapBps)) return 0;
            uint256 estimatedOut = 2 * filledOut > netOut ? 2 * filledOut - netOut : 0;
            uint256 minOut = fair.lessBpsDown(slippageBps);
            if (estimatedOut >= minOut) return amount;
            if (minOut >= netOut) return 0;
            amount = amount.mulDiv(netOut - minOut, netOut + minOut).mulDiv(
                netOut + estimatedOut,
                netOut - estimatedOut
            );
            // 1% short of the computed size: a margin for the rounding and the model.
            amount = amount.mulDiv(99, 100);
        }
        return 0;
    }

    /// @notice What `amountIn` fetches along `route` now: `spotOut` at each pool's spot price (no
    /// fee, no impact), `netOut` after each hop's fee (no impact), and `estimatedOut` after each
    /// hop's fee and its impact on the pool's virtual reserves (x = L / sqrtP, y = L * sqrtP), exact
    /// while the price stays inside the current tick range: an estimate past it, where liquidity
    /// changes. A hop without liquidity fetches nothing. Each pool at its CREATE2 address under
    /// `factory` (a pool that does not exist makes the call revert).
    function routeOut(
        address factory,
        bytes memory route,
        uint256 amountIn
    ) internal view returns (uint256 spotOut, uint256 netOut, uint256 estimatedOut) {
        (spotOut, netOut, estimatedOut) = (amountIn, amountIn, amountIn);
        uint256 hops = route.hops();
        for (uint256 h; h < hops; ++h) {
            (address tokenIn, address tokenOut, uint24 fee) = (route.tokenAt(h), route.tokenAt(h + 1), route.feeAt(h));
            address pool = PoolAddress.compute(factory, tokenIn, tokenOut, fee);
            uint160 sqrtPriceX96 = StaticWord.sqrtPriceX96(pool);
            uint256 liquidity = StaticWord.liquidity(pool);
            bool zeroIn = tokenIn < tokenOut;
            spotOut = PoolPrice.quote(sqrtPriceX96, spotOut, zeroIn);
            netOut = PoolPrice.quote(sqrtPriceX96, Math.mulDiv(netOut, 1e6 - fee, 1e6), zeroIn);
            if (liquidity == 0 || sqrtPriceX96 == 0) {
                estimatedOut = 0;
                continue;
            }
            uint256 x = Math.mulDiv(liquidity, Q96, sqrtPriceX96);
            uint256 y = Math.mulDiv(liquidity, sqrtPriceX96, Q96);
            (uint256 reserveIn, uint256 reserveOut) = zeroIn ? (x, y) : (y, x);
            uint256 netIn = Math.mulDiv(estimatedOut, 1e6 - fee, 1e6);
            estimatedOut = Math.mulDiv(reserveOut, netIn, reserveIn + netIn);
        }
    }
}
