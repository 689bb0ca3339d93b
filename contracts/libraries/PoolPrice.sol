// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title PoolPrice
/// @notice Converts an amount of one token of a Uniswap V3 pool into the other at a square-root
/// price, at full precision: the square is never rounded before the amount multiplies it (the
/// method of Uniswap's OracleLibrary.getQuoteAtTick, for a price given as `sqrtPriceX96`). Callers
/// that need a price rather than an amount pass an amount scaled up (e.g. a whole token times
/// 1e18), so that even a token worth a billionth of the other keeps 18 significant digits.
library PoolPrice {
    /// @notice `amount` of the pool's `token0` (when `zeroIn`) or `token1` expressed in the other
    /// token at `sqrtPriceX96` (raw units, no fee, no impact), rounded down; 0 at a zero price (an
    /// uninitialised pool). Exact for any valid price while `amount` is below 2^120.
    function quote(uint160 sqrtPriceX96, uint256 amount, bool zeroIn) internal pure returns (uint256) {
        if (sqrtPriceX96 == 0) return 0;
        // The square of a price below 2^128 fits 256 bits; above, square at 2^128 scale (the
        // square of a Q64.96 below 2^160 divided by 2^64 fits), which still keeps 128 bits.
        if (sqrtPriceX96 <= type(uint128).max) {
            uint256 ratioX192 = uint256(sqrtPriceX96) * sqrtPriceX96;
            return zeroIn ? Math.mulDiv(ratioX192, amount, 1 << 192) : Math.mulDiv(1 << 192, amount, ratioX192);
        }
        uint256 ratioX128 = Math.mulDiv(sqrtPriceX96, sqrtPriceX96, 1 << 64);
        return zeroIn ? Math.mulDiv(ratioX128, amount, 1 << 128) : Math.mulDiv(1 << 128, amount, ratioX128);
    }
}
