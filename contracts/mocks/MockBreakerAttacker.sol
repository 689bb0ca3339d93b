// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";

/// @title MockBreakerAttacker
/// @notice Test-only: the outsider of the threat model's breaker-griefing attacks, trading with a
/// pool directly (its own callbacks pay). Funded by the test; keeps what it holds between calls so
/// that the test can measure what each attack cost it.
contract MockBreakerAttacker {
    using SafeERC20 for IERC20;

    /// @dev Uniswap's TickMath bounds of a swap's price limit, exclusive.
    uint160 private constant MIN_SQRT_RATIO = 4295128739;
    uint160 private constant MAX_SQRT_RATIO = 1461446703485210103287273353504118282253;

    /// @notice A callback came from an account other than the pool of the call in progress.
    error MockBreakerAttackerCallback(address caller);

    /// @dev The pool of the call in progress: the only account whose callbacks are paid.
    address private _pool;

    /// @notice One transaction: swaps `pool` to `sqrtPriceLimitX96` (token0 in when `zeroForOne`),
    /// calls `target` with `data` (a rebalancer's `rebalance()`), then sells back all it
    /// received. The call's failure is bubbled up.
    function pushCallUnwind(
        IUniswapV3Pool pool,
        bool zeroForOne,
        uint160 sqrtPriceLimitX96,
        address target,
        bytes calldata data
    ) external {
        _pool = address(pool);
        (int256 amount0, int256 amount1) = pool.swap(
            address(this),
            zeroForOne,
            type(int256).max,
            sqrtPriceLimitX96,
            ""
        );
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory returned) = target.call(data);
        if (!ok) {
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                revert(add(returned, 32), mload(returned))
            }
        }
        int256 received = -(zeroForOne ? amount1 : amount0);
        pool.swap(address(this), !zeroForOne, received, zeroForOne ? MAX_SQRT_RATIO - 1 : MIN_SQRT_RATIO + 1, "");
        _pool = address(0);
    }

    /// @notice Mints `liquidity` (1 for dust) of `pool` in [tickLower, tickUpper]: a mint in range is
    /// a modification of the pool's liquidity, which writes an oracle observation (one per block).
    function mint(IUniswapV3Pool pool, int24 tickLower, int24 tickUpper, uint128 liquidity) external {
        _pool = address(pool);
        pool.mint(address(this), tickLower, tickUpper, liquidity, "");
        _pool = address(0);
    }

    /// @notice Pays a swap of the call in progress.
    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata) external {
        _pay(amount0Delta > 0 ? uint256(amount0Delta) : 0, amount1Delta > 0 ? uint256(amount1Delta) : 0);
    }

    /// @notice Pays a mint of the call in progress.
    function uniswapV3MintCallback(uint256 amount0Owed, uint256 amount1Owed, bytes calldata) external {
        _pay(amount0Owed, amount1Owed);
    }

    function _pay(uint256 amount0, uint256 amount1) private {
        if (msg.sender != _pool || _pool == address(0)) revert MockBreakerAttackerCallback(msg.sender);
        IUniswapV3Pool pool = IUniswapV3Pool(msg.sender);
        if (amount0 != 0) IERC20(pool.token0()).safeTransfer(msg.sender, amount0);
        if (amount1 != 0) IERC20(pool.token1()).safeTransfer(msg.sender, amount1);
    }
}
