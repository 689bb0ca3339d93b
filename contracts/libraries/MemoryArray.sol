// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title MemoryArray
/// @notice Reads and writes of a memory `uint256[]` without Solidity's bounds check, for the hot
/// loops of a valuation and a plan. Only for an index the caller proves below the array's length:
/// a loop over that length, an array allocated at a length already checked, or an index read
/// checked from an array of the same length. Past the length they read or write the next word of
/// memory, which is why every call site says why its index is in bounds.
library MemoryArray {
    /// @notice `a[i]`, unchecked.
    function at(uint256[] memory a, uint256 i) internal pure returns (uint256 x) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            x := mload(add(a, shl(5, add(i, 1))))
        }
    }

    /// @notice `a[i] = x`, unchecked.
    function put(uint256[] memory a, uint256 i, uint256 x) internal pure {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mstore(add(a, shl(5, add(i, 1))), x)
        }
    }
}
