// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MockERC20} from "./MockERC20.sol";

/// @title MockBlocklistERC20
/// @notice Test-only token with a switchable transfer fault, as USDC's and USDT's blocklists are:
/// once its owner blocks an account (a Uniswap pool, say), every transfer from or to that account
/// reverts, so a swap through that pool fails mid-call. Unblocking restores normal behaviour.
contract MockBlocklistERC20 is MockERC20 {
    mapping(address account => bool) public blocked;

    event BlockedSet(address indexed account, bool blocked);

    /// @notice A transfer from or to a blocked account, as USDC's `Blacklistable` refuses it.
    error MockBlocklistAccountBlocked(address account);
    /// @notice Setting the state an account already has changes nothing and is refused.
    error MockBlocklistUnchanged(address account, bool blocked);

    constructor(string memory name_, string memory symbol_, uint8 decimals_) MockERC20(name_, symbol_, decimals_) {}

    /// @notice Blocks (or unblocks) `account`: its transfers, in and out, revert while blocked.
    function setBlocked(address account, bool isBlocked) external onlyOwner {
        if (blocked[account] == isBlocked) revert MockBlocklistUnchanged(account, isBlocked);
        blocked[account] = isBlocked;
        emit BlockedSet(account, isBlocked);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (blocked[from]) revert MockBlocklistAccountBlocked(from);
        if (blocked[to]) revert MockBlocklistAccountBlocked(to);
        super._update(from, to, value);
    }
}
