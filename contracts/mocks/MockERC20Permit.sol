// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title MockERC20Permit
/// @notice Test-only stand-in for a token with EIP-2612 permits, as USDC has: {MockERC20}'s plain
/// OpenZeppelin ERC-20 (real decimals, owner-only mint) with OpenZeppelin's ERC20Permit, its EIP-712
/// domain named after the token, version "1". ({MockERC20}'s `decimals` is final, hence a sibling.)
contract MockERC20Permit is ERC20Permit, Ownable {
    uint8 private immutable _decimals;

    constructor(
        string memory name_,
        string memory symbol_,
        uint8 decimals_
    ) ERC20(name_, symbol_) ERC20Permit(name_) Ownable(msg.sender) {
        _decimals = decimals_;
    }

    /// @inheritdoc ERC20
    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    /// @notice Creates `amount` tokens (raw units) for `to`; emits {Transfer} from the zero address.
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }
}
