// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title MockERC20
/// @notice Test-only stand-in for a real token (USDC, WBTC, LINK...) on the local chain: a plain
/// OpenZeppelin ERC-20 with the real token's decimals. Only the owner (the local market's deployer)
/// can mint or burn, so balances change only through transfers, as on mainnet.
contract MockERC20 is ERC20, Ownable {
    uint8 private immutable _decimals;

    /// @notice Decimals above 36 cannot be priced by an 8-decimal feed without overflow risk.
    error MockERC20InvalidDecimals(uint8 decimals);

    constructor(string memory name_, string memory symbol_, uint8 decimals_) ERC20(name_, symbol_) Ownable(msg.sender) {
        if (decimals_ > 36) revert MockERC20InvalidDecimals(decimals_);
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

    /// @notice Destroys `amount` tokens (raw units) held by `from`; emits {Transfer} to the zero address.
    function burn(address from, uint256 amount) external onlyOwner {
        _burn(from, amount);
    }
}
