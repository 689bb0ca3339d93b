// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IUniswapV3PoolState} from "@uniswap/v3-core/contracts/interfaces/pool/IUniswapV3PoolState.sol";

/// @title PoolState
/// @notice A Uniswap V3 pool's square-root price and in-range liquidity, each read as the first word
/// of its getter's answer rather than decoded whole (`slot0` answers seven words, of which a price
/// read needs one). A failing call passes its revert on, and a short answer (no code at the
/// address) reverts, as a typed call does; the word is not range-checked as a typed decoding
/// would: callers read only pools at addresses computed from their factory and Uniswap V3's pool
/// init code hash ({PoolAddress}), where no other code can be.
library PoolState {
    /// @notice `pool`'s current square-root price, Q64.96 (`slot0().sqrtPriceX96`).
    function sqrtPriceX96(address pool) internal view returns (uint160) {
        return uint160(_firstWord(pool, IUniswapV3PoolState.slot0.selector));
    }

    /// @notice `pool`'s liquidity in range at its current price.
    function liquidity(address pool) internal view returns (uint128) {
        return uint128(_firstWord(pool, IUniswapV3PoolState.liquidity.selector));
    }

    function _firstWord(address pool, bytes4 selector) private view returns (uint256 word) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mstore(0, selector)
            if iszero(staticcall(gas(), pool, 0, 4, 0, 32)) {
                let p := mload(0x40)
                returndatacopy(p, 0, returndatasize())
                revert(p, returndatasize())
            }
            if lt(returndatasize(), 32) {
                revert(0, 0)
            }
            word := mload(0)
        }
    }
}
