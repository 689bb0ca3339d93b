// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";

import {IBallastErrors} from "../interfaces/IBallastErrors.sol";
import {BasketMath} from "./BasketMath.sol";
import {PoolAddress} from "./PoolAddress.sol";
import {PoolPrice} from "./PoolPrice.sol";
import {UniswapPath} from "./UniswapPath.sol";

/// @title LegCheck
/// @notice Whether a rebalance leg can trade at the pools' current state: what its route fetches
/// at spot and after fees and in-range impact, against the leg's oracle-fair output. The vault
/// enforces it on every leg it executes; the rebalancer reports it in its status. All rounded down.
library LegCheck {
    using BasketMath for uint256;
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
            IUniswapV3Pool pool = IUniswapV3Pool(PoolAddress.compute(factory, tokenIn, tokenOut, fee));
            (uint160 sqrtPriceX96, , , , , , ) = pool.slot0();
            uint256 liquidity = pool.liquidity();
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
