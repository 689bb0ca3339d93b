// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IUniswapV3SwapCallback} from "@uniswap/v3-core/contracts/interfaces/callback/IUniswapV3SwapCallback.sol";

/// @title MockGreedyPool
/// @notice Test-only: installed (hardhat_setCode) at a real pool's address, it answers every read
/// with that pool's code (`pool`, a copy, run by delegatecall on the pool's own storage), but its
/// `swap` asks the swapper's callback for one unit more than the exact input it was given, as a pool
/// of a factory that is not Uniswap's might, and sends nothing.
contract MockGreedyPool {
    /// @notice The real pool's code (a copy).
    address public immutable pool;

    constructor(address pool_) {
        pool = pool_;
    }

    /// @notice Asks `amountSpecified + 1` of the token sold.
    function swap(
        address,
        bool zeroForOne,
        int256 amountSpecified,
        uint160,
        bytes calldata data
    ) external returns (int256 amount0, int256 amount1) {
        (amount0, amount1) = zeroForOne ? (amountSpecified + 1, int256(0)) : (int256(0), amountSpecified + 1);
        IUniswapV3SwapCallback(msg.sender).uniswapV3SwapCallback(amount0, amount1, data);
    }

    /// @notice Every read is the real pool's.
    // solhint-disable-next-line no-complex-fallback
    fallback() external {
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory result) = pool.delegatecall(msg.data);
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            if iszero(ok) {
                revert(add(result, 32), mload(result))
            }
            return(add(result, 32), mload(result))
        }
    }
}
