// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IUniswapV3PoolState} from "@uniswap/v3-core/contracts/interfaces/pool/IUniswapV3PoolState.sol";

/// @title StaticWord
/// @notice The getters the vault reads in every valuation and swap, each answered in one word and
/// read by a static call in the scratch space, without the memory a typed call allocates for its
/// arguments and answer, and without decoding more than that word (`slot0` answers seven, a price
/// read needs one). A failing call passes its revert on, and a short answer (no code at the
/// address) reverts, as a typed call does. The word is not range-checked as a typed decoding
/// would: pools are read only at addresses computed from their factory and Uniswap V3's pool init
/// code hash ({PoolAddress}), where no other code can be, and a token's balance is a whole word.
library StaticWord {
    /// @notice `pool`'s current square-root price, Q64.96 (`slot0().sqrtPriceX96`).
    function sqrtPriceX96(address pool) internal view returns (uint160) {
        return uint160(_read(pool, uint32(IUniswapV3PoolState.slot0.selector), address(0), 4));
    }

    /// @notice `pool`'s liquidity in range at its current price.
    function liquidity(address pool) internal view returns (uint128) {
        return uint128(_read(pool, uint32(IUniswapV3PoolState.liquidity.selector), address(0), 4));
    }

    /// @notice `account`'s balance of `token`.
    function balanceOf(address token, address account) internal view returns (uint256) {
        return _read(token, uint32(IERC20.balanceOf.selector), account, 0x24);
    }

    /// @dev The first word `target` answers to `selector`, with `argument` as its one argument when
    /// `size` is 0x24 (none when 4).
    function _read(
        address target,
        uint32 selector,
        address argument,
        uint256 size
    ) private view returns (uint256 word) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // The selector in the first scratch word's last four bytes, the argument after it.
            mstore(0, selector)
            mstore(0x20, and(argument, 0xffffffffffffffffffffffffffffffffffffffff))
            if iszero(staticcall(gas(), target, 0x1c, size, 0, 0x20)) {
                let p := mload(0x40)
                returndatacopy(p, 0, returndatasize())
                revert(p, returndatasize())
            }
            if lt(returndatasize(), 0x20) {
                revert(0, 0)
            }
            word := mload(0)
        }
    }
}
