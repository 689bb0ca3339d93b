// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title TokenBalance
/// @notice An ERC-20 balance read in the scratch space, without the memory a typed call allocates
/// for its arguments and answer: every valuation reads each basket token's balance, and every swap
/// reads two. A failing call passes its revert on, and a short answer (no code at the address)
/// reverts, as a typed call does.
library TokenBalance {
    /// @notice `account`'s balance of `token` (`IERC20.balanceOf`).
    function read(address token, address account) internal view returns (uint256 amount) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mstore(0, 0x70a08231) // balanceOf(address), in the scratch word's last four bytes
            mstore(0x20, and(account, 0xffffffffffffffffffffffffffffffffffffffff))
            if iszero(staticcall(gas(), token, 0x1c, 0x24, 0, 0x20)) {
                let p := mload(0x40)
                returndatacopy(p, 0, returndatasize())
                revert(p, returndatasize())
            }
            if lt(returndatasize(), 0x20) {
                revert(0, 0)
            }
            amount := mload(0)
        }
    }
}
