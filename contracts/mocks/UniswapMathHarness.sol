// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";

import {LegCheck} from "../libraries/LegCheck.sol";
import {PoolAddress} from "../libraries/PoolAddress.sol";
import {PoolPrice} from "../libraries/PoolPrice.sol";
import {StaticWord} from "../libraries/StaticWord.sol";
import {TickMath} from "../libraries/TickMath.sol";
import {UniswapTwap} from "../libraries/UniswapTwap.sol";

/// @title UniswapMathHarness
/// @notice Test-only: exposes the internal TickMath, UniswapTwap, PoolPrice, PoolAddress, LegCheck
/// and StaticWord functions.
contract UniswapMathHarness {
    function poolAddress(address factory, address tokenA, address tokenB, uint24 fee) external pure returns (address) {
        return PoolAddress.compute(factory, tokenA, tokenB, fee);
    }

    function sqrtRatioAtTick(int24 tick) external pure returns (uint160) {
        return TickMath.sqrtRatioAtTick(tick);
    }

    function ratioAtTick(int24 tick) external pure returns (uint256) {
        return UniswapTwap.ratioAtTick(tick);
    }

    function meanTick(IUniswapV3Pool pool, uint32 window) external view returns (int24) {
        return UniswapTwap.meanTick(pool, window);
    }

    function reach(IUniswapV3Pool pool) external view returns (uint32 age, bool wrapped) {
        return UniswapTwap.reach(pool);
    }

    function spotTick(IUniswapV3Pool pool) external view returns (int24) {
        return UniswapTwap.spotTick(pool);
    }

    function quote(uint160 sqrtPriceX96, uint256 amount, bool zeroIn) external pure returns (uint256) {
        return PoolPrice.quote(sqrtPriceX96, amount, zeroIn);
    }

    function legFit(
        address factory,
        bytes calldata path,
        uint256 amountIn,
        uint256 fairOut,
        uint256 maxPoolGapBps,
        uint256 slippageBps
    ) external view returns (uint256) {
        return LegCheck.fit(factory, path, amountIn, fairOut, maxPoolGapBps, slippageBps);
    }

    /// @notice StaticWord's read `which`: 0 the price of pool `target`, 1 its liquidity, 2 the
    /// balance of `account` in token `target`.
    function staticWord(uint256 which, address target, address account) external view returns (uint256) {
        if (which == 0) return StaticWord.sqrtPriceX96(target);
        if (which == 1) return StaticWord.liquidity(target);
        return StaticWord.balanceOf(target, account);
    }
}
