// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PoolState} from "../libraries/PoolState.sol";
import {TokenBalance} from "../libraries/TokenBalance.sol";

/// @title RawReadHarness
/// @notice Test-only: exposes PoolState's and TokenBalance's reads, and is itself a faulty source
/// for them: its `slot0`, `liquidity` and `balanceOf` revert with {RawReadRefused}, or, once
/// {setShort} is on, answer 16 bytes, half a word.
contract RawReadHarness {
    error RawReadRefused(uint256 code);

    bool public short;

    function setShort(bool on) external {
        short = on;
    }

    function readSqrtPrice(address pool) external view returns (uint160) {
        return PoolState.sqrtPriceX96(pool);
    }

    function readLiquidity(address pool) external view returns (uint128) {
        return PoolState.liquidity(pool);
    }

    function readBalance(address token, address account) external view returns (uint256) {
        return TokenBalance.read(token, account);
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
        if (!short) revert RawReadRefused(code);
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mstore(0, not(0))
            return(0, 16)
        }
    }
}
