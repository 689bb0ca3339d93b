// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {MockERC20} from "./MockERC20.sol";

/// @title MockRebasingERC20
/// @notice Test-only rebasing token, as stETH and AMPL are: holders own shares of the supply and
/// `balanceOf` is `shares * index / 1e18`, so a rebase (the owner setting a new index, as an oracle
/// report or a supply policy does) changes every balance at once without a transfer. A transfer of
/// `value` moves `ceil(value * 1e18 / index)` shares, so the recipient always gains at least `value`
/// (a pool's balance check passes) and either side may move up to one share's worth more, as
/// with stETH's 1-2 wei rounding.
contract MockRebasingERC20 is MockERC20 {
    uint256 private constant ONE = 1e18;

    /// @notice Balance per share, 1e18 at deployment.
    uint256 public index = ONE;
    uint256 private _totalShares;
    mapping(address account => uint256) private _shares;

    /// @notice Emitted when every balance is rescaled from `oldIndex` to `newIndex`.
    event Rebased(uint256 oldIndex, uint256 newIndex);

    /// @notice An index of 0 would erase every balance; the same index changes nothing.
    error MockRebasingInvalidIndex(uint256 index);

    constructor(string memory name_, string memory symbol_, uint8 decimals_) MockERC20(name_, symbol_, decimals_) {}

    /// @notice Rescales every balance by `newIndex / index` (a positive or negative rebase).
    function rebase(uint256 newIndex) external onlyOwner {
        uint256 old = index;
        if (newIndex == 0 || newIndex == old) revert MockRebasingInvalidIndex(newIndex);
        index = newIndex;
        emit Rebased(old, newIndex);
    }

    /// @notice Shares held by `account`.
    function sharesOf(address account) external view returns (uint256) {
        return _shares[account];
    }

    function balanceOf(address account) public view override returns (uint256) {
        return Math.mulDiv(_shares[account], index, ONE);
    }

    function totalSupply() public view override returns (uint256) {
        return Math.mulDiv(_totalShares, index, ONE);
    }

    /// @dev OpenZeppelin's `_update` on shares: mints, burns and transfers move the shares `value`
    /// is worth (rounded up), and {Transfer} reports `value` as a rebasing token does.
    function _update(address from, address to, uint256 value) internal override {
        uint256 shares = Math.mulDiv(value, ONE, index, Math.Rounding.Ceil);
        if (from == address(0)) {
            _totalShares += shares;
        } else {
            uint256 held = _shares[from];
            if (held < shares) revert ERC20InsufficientBalance(from, balanceOf(from), value);
            _shares[from] = held - shares;
        }
        if (to == address(0)) _totalShares -= shares;
        else _shares[to] += shares;
        emit Transfer(from, to, value);
    }
}
