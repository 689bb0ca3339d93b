// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MockERC20} from "./MockERC20.sol";

/// @title MockReentrantERC20
/// @notice Test-only token with a transfer hook, as ERC-777 tokens (imBTC) have: once armed, its next
/// transfer calls `target` with `data` before moving the tokens, the way an attacker's hook re-enters
/// the contract that is paying it. The transfer goes on whatever the call did; {HookCalled} reports
/// its outcome (Uniswap's TransferHelper would mask a bubbled revert as "STF").
contract MockReentrantERC20 is MockERC20 {
    address private _target;
    bytes private _data;

    event HookArmed(address indexed target, bytes data);
    event HookCalled(address indexed target, bool success, bytes result);

    constructor(string memory name_, string memory symbol_, uint8 decimals_) MockERC20(name_, symbol_, decimals_) {}

    /// @notice The next transfer (not mint or burn) calls `target` with `data`, once.
    function arm(address target, bytes calldata data) external onlyOwner {
        _target = target;
        _data = data;
        emit HookArmed(target, data);
    }

    function _update(address from, address to, uint256 value) internal override {
        address target = _target;
        if (target != address(0) && from != address(0) && to != address(0)) {
            bytes memory data = _data;
            delete _target;
            delete _data;
            // The hook is an arbitrary call by design: it plays the attacker.
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory result) = target.call(data);
            emit HookCalled(target, ok, result);
        }
        super._update(from, to, value);
    }
}
