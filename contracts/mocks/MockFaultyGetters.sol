// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title MockFaultyGetters
/// @notice Test-only: a pool's and a token's getters gone wrong, for {StaticWord}: `slot0`,
/// `liquidity` and `balanceOf` revert with {MockGetterRefused}, or, once {setShort} is on, answer
/// 16 bytes, half a word.
contract MockFaultyGetters {
    error MockGetterRefused(uint256 code);

    bool public short;

    function setShort(bool on) external {
        short = on;
    }

    function slot0() external view {
        _fail(1);
    }

    function liquidity() external view {
        _fail(2);
    }

    function balanceOf(address) external view {
        _fail(3);
    }

    function _fail(uint256 code) private view {
        if (!short) revert MockGetterRefused(code);
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mstore(0, not(0))
            return(0, 16)
        }
    }
}
