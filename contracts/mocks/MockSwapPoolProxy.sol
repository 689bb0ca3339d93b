// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IUniswapV3SwapCallback} from "@uniswap/v3-core/contracts/interfaces/callback/IUniswapV3SwapCallback.sol";

import {MockCallbackImpostor} from "./MockCallbackImpostor.sol";

/// @title MockSwapPoolProxy
/// @notice Test-only: installed (hardhat_setCode) at a real pool's address, it runs that pool's
/// code (`pool`, a copy of its runtime code, immutables included, elsewhere) by delegatecall on the
/// pool's own storage and balances, so the pool behaves as itself, except that its `swap` first has
/// `impostor` call the swapper's callback mid-swap, then calls the callback a second time after the
/// pool's own, with the same deltas. Each refusal is an event; the swap itself goes through. No
/// storage of its own: every slot is the pool's.
contract MockSwapPoolProxy {
    /// @notice The real pool's code (a copy).
    address public immutable pool;
    /// @notice Who calls the callback mid-swap.
    MockCallbackImpostor public immutable impostor;

    /// @notice The second callback was refused with `reason` (its revert data).
    event CallbackRefused(bytes reason);
    /// @notice The second callback went through (a failure of the vault's guard).
    event CallbackPaid();

    constructor(address pool_, MockCallbackImpostor impostor_) {
        pool = pool_;
        impostor = impostor_;
    }

    /// @notice Uniswap V3's `swap`, with an impostor's callback before and a second one after.
    function swap(
        address,
        bool,
        int256 amountSpecified,
        uint160,
        bytes calldata data
    ) external returns (int256 amount0, int256 amount1) {
        impostor.attack(msg.sender, amountSpecified);
        bytes memory result = _delegate();
        (amount0, amount1) = abi.decode(result, (int256, int256));
        try IUniswapV3SwapCallback(msg.sender).uniswapV3SwapCallback(amount0, amount1, data) {
            emit CallbackPaid();
        } catch (bytes memory reason) {
            emit CallbackRefused(reason);
        }
    }

    /// @notice Everything else is the real pool's.
    // solhint-disable-next-line no-complex-fallback
    fallback() external {
        bytes memory result = _delegate();
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            return(add(result, 32), mload(result))
        }
    }

    /// @dev Runs this call's data on the real pool's code; bubbles its revert.
    function _delegate() private returns (bytes memory result) {
        bool ok;
        // solhint-disable-next-line avoid-low-level-calls
        (ok, result) = pool.delegatecall(msg.data);
        if (!ok) {
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                revert(add(result, 32), mload(result))
            }
        }
    }
}
