// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IUniswapV3SwapCallback} from "@uniswap/v3-core/contracts/interfaces/callback/IUniswapV3SwapCallback.sol";

/// @title MockCallbackImpostor
/// @notice Test-only: an account that is not the pool under way calling the vault's swap callback
/// mid-swap (a token's transfer hook, another pool, anyone), asking to be paid. Records the refusal
/// as an event rather than reverting, so that the swap goes on and the test can see both.
contract MockCallbackImpostor {
    /// @notice The callback refused this caller with `reason` (its revert data).
    event CallbackRefused(bytes reason);
    /// @notice The callback paid this caller (a failure of the vault's guard).
    event CallbackPaid();

    /// @notice Asks `vault` to pay `amount` of both of a pool's tokens.
    function attack(address vault, int256 amount) external {
        try IUniswapV3SwapCallback(vault).uniswapV3SwapCallback(amount, amount, "") {
            emit CallbackPaid();
        } catch (bytes memory reason) {
            emit CallbackRefused(reason);
        }
    }
}
