// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {FeeMath} from "../libraries/FeeMath.sol";

/// @title FeeMathHarness
/// @notice Test-only: exposes FeeMath's internal functions, and measures `feeShares`' gas.
contract FeeMathHarness {
    function feeShares(uint256 supply, uint256 rateBps, uint256 elapsed) external pure returns (uint256) {
        return FeeMath.feeShares(supply, rateBps, elapsed);
    }

    function decayRateWad(uint256 rateBps) external pure returns (uint256) {
        return FeeMath.decayRateWad(rateBps);
    }

    function expm1Wad(uint256 x) external pure returns (uint256) {
        return FeeMath.expm1Wad(x);
    }

    /// @notice `feeShares` and the gas it used (between two `gasleft()` reads: the delegatecall to
    /// the linked library included).
    function feeSharesGas(
        uint256 supply,
        uint256 rateBps,
        uint256 elapsed
    ) external view returns (uint256 shares, uint256 gasUsed) {
        uint256 before = gasleft();
        shares = FeeMath.feeShares(supply, rateBps, elapsed);
        gasUsed = before - gasleft();
    }
}
