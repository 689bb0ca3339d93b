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
    /// token at `sqrtPriceX96` (raw units, no fee, no impact), rounded down: exactly
    /// `floor(sqrtPriceX96^2 * amount / 2^192)` when `zeroIn`, else `floor(2^192 * amount /
    /// sqrtPriceX96^2)`, for any price in TickMath's range and any `amount` below 2^128 (the quote
    /// then fits 256 bits); 0 at a zero price (an uninitialised pool).
    function quote(uint160 sqrtPriceX96, uint256 amount, bool zeroIn) internal pure returns (uint256) {
        if (sqrtPriceX96 == 0) return 0;
        // The square of a price below 2^128 fits 256 bits: one 512-bit mulDiv is exact.
        if (sqrtPriceX96 <= type(uint128).max) {
            uint256 ratioX192 = uint256(sqrtPriceX96) * sqrtPriceX96;
            return zeroIn ? Math.mulDiv(ratioX192, amount, 1 << 192) : Math.mulDiv(1 << 192, amount, ratioX192);
        }
        // Above, the square does not fit. Dividing by the square root twice is exact (for positive
        // integers floor(floor(x / s) / s) == floor(x / s^2)); the first quotient is below 2^192
        // (amount below 2^128, s above).
        if (!zeroIn) return Math.mulDiv(1 << 192, amount, sqrtPriceX96) / sqrtPriceX96;
        // Multiplying, split the square as high * 2^64 + low; then
        // s^2 * amount / 2^192 = high * amount / 2^128 + low * amount / 2^192, and the remainder of
        // the first quotient (below 2^128, shifted to 2^192 scale) plus low * amount (below 2^192)
        // adds at most 1. Squaring at 2^128 scale alone (dropping `low`) would come out one unit
        // short now and then (e.g. tick 443926, amount 1e36).
        uint256 high = Math.mulDiv(sqrtPriceX96, sqrtPriceX96, 1 << 64);
        uint256 low = mulmod(sqrtPriceX96, sqrtPriceX96, 1 << 64);
        uint256 carry = ((mulmod(high, amount, 1 << 128) << 64) + low * amount) >> 192;
        return Math.mulDiv(high, amount, 1 << 128) + carry;
    }
}
