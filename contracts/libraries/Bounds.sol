// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IBallastErrors} from "../interfaces/IBallastErrors.sol";

/// @title Bounds
/// @notice How every governance setter refuses a value outside its hard bounds: one error,
/// {IBallastErrors-BallastParameterOutOfRange}, naming the parameter, the value and the range.
library Bounds {
    /// @notice Reverts unless `min <= value <= max`.
    function check(IBallastErrors.Parameter parameter, uint256 value, uint256 min, uint256 max) internal pure {
        if (value < min || value > max) revert IBallastErrors.BallastParameterOutOfRange(parameter, value, min, max);
    }
}
