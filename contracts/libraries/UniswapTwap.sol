// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {TickMath} from "./TickMath.sol";

/// @title UniswapTwap
/// @notice Reads Uniswap V3 pool oracles from 0.8 code: the arithmetic-mean tick over a window (as
/// OracleLibrary.consult) and prices derived from ticks.
library UniswapTwap {
    /// @notice The time-weighted mean tick of `pool` over the last `window` seconds, rounded toward
    /// negative infinity. Reverts (in the pool, "OLD") when the pool's observations do not reach back.
    function meanTick(IUniswapV3Pool pool, uint32 window) internal view returns (int24) {
        uint32[] memory secondsAgos = new uint32[](2);
        secondsAgos[0] = window;
        (int56[] memory cumulatives, ) = pool.observe(secondsAgos);
        return _mean(cumulatives, window);
    }

    function _mean(int56[] memory cumulatives, uint32 window) private pure returns (int24 tick) {
        int56 delta = cumulatives[1] - cumulatives[0];
        int56 period = int56(uint56(window));
        tick = int24(delta / period);
        if (delta < 0 && delta % period != 0) tick--;
    }

    /// @notice {meanTick}, reporting a pool that cannot answer (too little history: "OLD") as
    /// `ok == false` instead of reverting.
    function tryMeanTick(IUniswapV3Pool pool, uint32 window) internal view returns (bool ok, int24 tick) {
        uint32[] memory secondsAgos = new uint32[](2);
        secondsAgos[0] = window;
        try pool.observe(secondsAgos) returns (int56[] memory cumulatives, uint160[] memory) {
            return (true, _mean(cumulatives, window));
        } catch {
            return (false, 0);
        }
    }

    /// @notice How many seconds back `pool`'s oldest observation lies, and whether its ring has
    /// wrapped (come round to slot 0 since the pool's first observation: written over at least once).
    /// Uniswap's oldest observation is the one after the latest, or slot 0 while that one was never
    /// written (a pool younger than its ring, or one growing into slots just added).
    function reach(IUniswapV3Pool pool) internal view returns (uint32 age, bool wrapped) {
        (, , uint16 index, uint16 cardinality, , , ) = pool.slot0();
        if (cardinality == 0) return (0, false);
        (uint32 oldest, , , bool initialized) = pool.observations((uint256(index) + 1) % cardinality);
        (uint32 first, , uint160 secondsPerLiquidity, ) = pool.observations(0);
        if (!initialized) oldest = first;
        // Slot 0 holds the pool's initialisation, all cumulatives 0, until the ring comes round to it;
        // any later write there adds elapsed seconds per liquidity, at least 1. Not `initialized` of
        // the next slot: anyone can add slots (`increaseObservationCardinalityNext`) right after
        // writing the ring over, and a growing ring's next slot was never written.
        wrapped = secondsPerLiquidity != 0;
        // Pools keep 32-bit timestamps and subtract them modulo 2^32: so does this.
        unchecked {
            age = uint32(block.timestamp) - oldest;
        }
    }

    /// @notice The pool's current tick.
    function spotTick(IUniswapV3Pool pool) internal view returns (int24 tick) {
        (, tick, , , , , ) = pool.slot0();
    }

    /// @notice Raw units of token1 per `1e18` raw units of token0 at `tick` (WAD-scaled raw ratio),
    /// rounded down.
    function ratioAtTick(int24 tick) internal pure returns (uint256) {
        uint256 sqrtPrice = TickMath.sqrtRatioAtTick(tick);
        // sqrtPrice^2 / 2^192, scaled by 1e18, without overflow: split the square.
        return Math.mulDiv(Math.mulDiv(sqrtPrice, sqrtPrice, 1 << 64), 1e18, 1 << 128);
    }
}
